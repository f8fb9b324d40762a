// The successful flows, end to end in headless Chromium against the real sandbox on loopback:
// popup mode from both demo portals, redirect mode when the popup is blocked, POPUP_BLOCKED when
// the host did not allow the fallback; and the wallet's result reported only once the frame
// verified it (forged, foreign and replayed results report nothing).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { useSandbox, withPage, assertUsable } from "../support/e2e.mjs";
import { embed, waitForEvent, events, widgetFrame, clickAndOpenWallet, confirmInWallet } from "../support/browser.mjs";

const env = useSandbox();
const timings = [];

after(() => {
  if (!timings.length) return;
  const sorted = [...timings].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(`# click to wallet result: median ${median} ms over ${sorted.length} flows (includes the test's own clicks in the wallet window)`);
});

/** Clicks, signs in, confirms; returns the success event and records the time it took. */
async function addCard(page, context) {
  const started = Date.now();
  const popup = await clickAndOpenWallet(page, context);
  await confirmInWallet(popup);
  const success = await waitForEvent(page, "success");
  timings.push(Date.now() - started);
  return success;
}

async function portalFlow(path) {
  await withPage(env, async (page, context) => {
    const before = await env.sandbox.tokens();
    await page.goto(`${env.sandbox.origins.host}${path}`);
    await page.locator("#login").click();
    await waitForEvent(page, "ready");
    const success = await addCard(page, context);
    assert.equal(success.detail.wallet, "sandbox");
    assert.match(success.detail.last4, /^\d{4}$/);
    assert.match(success.detail.cid, /^[\w-]{22}$/);
    assert.deepEqual(Object.keys(success.detail).sort(), ["cid", "last4", "token_ref", "wallet"]);
    const after = await env.sandbox.tokens();
    assert.equal(after.length, before.length + 1, "one token added");
    const token = after.find((t) => t.ref === success.detail.token_ref);
    assert.ok(token, "the vault holds the token the host was told about");
    assert.equal(token.last4, success.detail.last4);
    assert.equal(token.cid, success.detail.cid, "one correlation id end to end");
    const button = widgetFrame(page).locator("button.wallet").first();
    assert.equal(await button.getAttribute("data-state"), "added");
    assert.match(await button.getAttribute("aria-label"), new RegExp(success.detail.last4));
    // The vault page lists it.
    const vault = await context.newPage();
    await vault.goto(`${env.sandbox.origins.wallet}/cards`);
    assert.match(await vault.locator("table#cards").innerText(), new RegExp(success.detail.last4));
  });
}

test("popup mode from the gift card portal", () => portalFlow("/gift"));

test("popup mode from the expense-management dashboard", () => portalFlow("/expenses"));

test("more popup flows, for the timing figure", async () => {
  for (let i = 0; i < 4; i++) {
    await withPage(env, async (page, context) => {
      const { handle } = await env.sandbox.mintHandle({});
      await embed(page, env.sandbox, { handle, wallets: "sandbox" });
      await waitForEvent(page, "ready");
      await addCard(page, context);
    });
  }
});

test("a second click while a flow runs starts nothing: one flow, one wallet window", async () => {
  await withPage(env, async (page, context) => {
    // Count the clicks that reach the frame's document, to know the double click really was two.
    await context.addInitScript((origin) => {
      if (location.origin !== origin) return;
      window.__clicks = 0;
      document.addEventListener("click", () => window.__clicks++, true);
    }, env.sandbox.origins.widget);
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    await waitForEvent(page, "ready");
    const button = widgetFrame(page).locator("button.wallet").first();
    const popup = context.waitForEvent("page");
    await button.click();
    await button.click({ force: true });
    const wallet = await popup;
    await confirmInWallet(wallet);
    await waitForEvent(page, "success");
    const frame = page.frames().find((f) => f.url().includes("/frame.html"));
    assert.equal(await frame.evaluate(() => window.__clicks), 2, "both clicks reached the frame");
    assert.equal((await events(page)).filter((e) => e.name === "click").length, 1, "one flow started");
    assert.equal((await events(page)).filter((e) => e.name === "progress" && e.detail.step === "wallet-opened").length, 1);
    await wallet.waitForEvent("close", { timeout: 5_000 });
    assert.equal(context.pages().length, 1, "one wallet window was opened, and it closed itself");
  });
});

test("redirect mode when the popup is blocked: the card arrives by redirect", async () => {
  await withPage(env, async (page) => {
    const before = await env.sandbox.tokens();
    const { handle, last4 } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox", mode: "auto" });
    await waitForEvent(page, "ready");
    const landed = [];
    page.on("framenavigated", (frame) => frame === page.mainFrame() && landed.push(frame.url()));
    await widgetFrame(page).locator("button.wallet").first().click();
    // The frame posts the JWE top-level to the wallet; sign in and confirm there.
    await page.waitForURL(`${env.sandbox.origins.wallet}/**`);
    await page.locator("#signin").click();
    await page.locator("#confirm").click();
    await page.waitForURL(`${env.sandbox.origins.host}/__sandbox/embed*`);
    const returned = new URL(landed.find((u) => u.includes("#walletpush=")));
    // Back on the host page: the shim took the fragment and cleared it, and the frame verified
    // the wallet's signed result against the attempt it recorded.
    const fresh = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle: fresh.handle, wallets: "sandbox" }, { navigate: false });
    const success = await waitForEvent(page, "success");
    assert.equal(success.detail.last4, last4);
    assert.equal(new URL(page.url()).hash, "", "fragment cleared");
    const after = await env.sandbox.tokens();
    assert.equal(after.length, before.length + 1);
    assert.equal(after[0].ref, success.detail.token_ref);
    assert.equal(after[0].cid, success.detail.cid, "the attempt the frame recorded");
    const stored = await widgetFrame(page).locator("body").evaluate(() => localStorage.getItem("walletpush.attempts"));
    assert.equal(stored, null, "the attempt is forgotten once reported");

    // The same fragment again (a reload, a bookmark, an attacker's link): nothing is reported.
    await returnTo(page, returned.hash);
    await page.waitForTimeout(1000);
    assert.deepEqual((await events(page)).map((e) => e.name), ["ready"], "a replayed result reports nothing");
  }, { blockPopups: true });
});

/** Loads the test host page afresh with `hash`, mounts a widget with a fresh handle, waits for ready. */
let loads = 0;
async function returnTo(page, hash) {
  await page.goto(`${env.sandbox.origins.host}/__sandbox/embed?load=${++loads}${hash}`);
  const { handle } = await env.sandbox.mintHandle({});
  await embed(page, env.sandbox, { handle, wallets: "sandbox" }, { navigate: false });
  await waitForEvent(page, "ready");
}

test("a forged or foreign result in the return URL is reported as nothing", async () => {
  await withPage(env, async (page) => {
    const b64 = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
    const claims = { status: "success", token_ref: "tok_forged", last4: "1111", state: "AAAAAAAAAAAAAAAAAAAAAA", cid: "c", iat: Math.floor(Date.now() / 1000) };
    for (const forged of [
      // What the shim used to read: unsigned JSON.
      b64({ status: "success", token: { ref: "tok_forged", last4: "1111" }, cid: "c" }),
      // A JWS with no signature, and one with `alg: none`.
      `${b64({ alg: "ES256", typ: "walletpush-result+jwt" })}.${b64(claims)}.${b64("x".repeat(64))}`,
      `${b64({ alg: "none", typ: "walletpush-result+jwt" })}.${b64(claims)}.`,
      // Token Connect's unsigned return, for an attempt this frame never made.
      b64({ status: "success", verified: false, wallet: "token-connect", cid: "c" }),
    ]) {
      await returnTo(page, `#walletpush=${forged}`);
      await page.waitForTimeout(500);
      assert.deepEqual((await events(page)).map((e) => e.name), ["ready"], forged);
      assert.equal(new URL(page.url()).hash, "", "fragment cleared");
    }
  });
});

test("a result the wallet window did not sign is dropped; the real one is reported", async () => {
  await withPage(env, async (page, context) => {
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    await waitForEvent(page, "ready");
    const popup = await clickAndOpenWallet(page, context);
    await popup.locator("#signin").click();
    await popup.locator("#confirm").waitFor();
    // A script on the wallet's page (right origin, right window) posts results it made itself.
    await popup.evaluate((widget) => {
      const b64 = (v) => btoa(JSON.stringify(v)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      const claims = { status: "success", token_ref: "tok_forged", last4: "1111", sid: "x", iat: Math.floor(Date.now() / 1000) };
      window.opener.postMessage({ type: "walletpush/result", status: "success", token: { ref: "tok_forged", last4: "1111" } }, widget);
      window.opener.postMessage({ type: "walletpush/result", result: `${b64({ alg: "ES256", typ: "walletpush-result+jwt" })}.${b64(claims)}.AAAA` }, widget);
      window.opener.postMessage({ type: "walletpush/result", result: { status: "cancelled" } }, widget);
    }, env.sandbox.origins.widget);
    await page.waitForTimeout(500);
    assert.deepEqual((await events(page)).filter((e) => ["success", "cancel", "error"].includes(e.name)), [], "nothing reported");
    await popup.locator("#confirm").click();
    const success = await waitForEvent(page, "success");
    assert.notEqual(success.detail.token_ref, "tok_forged");
    assert.ok((await env.sandbox.tokens()).some((t) => t.ref === success.detail.token_ref));
  });
});

test("popup blocked and no fallback allowed: POPUP_BLOCKED, nothing provisioned, button usable", async () => {
  await withPage(env, async (page, context) => {
    const before = (await env.sandbox.tokens()).length;
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox", mode: "popup" });
    await waitForEvent(page, "ready");
    await widgetFrame(page).locator("button.wallet").first().click();
    const error = await waitForEvent(page, "error");
    assert.equal(error.detail.code, "POPUP_BLOCKED");
    assert.equal(error.detail.retryable, true);
    assert.equal((await env.sandbox.tokens()).length, before);
    await assertUsable(page, context, { opensWallet: false });
    assert.equal((await events(page)).filter((e) => e.name === "error").length, 2, "blocked again, reported again");
  }, { blockPopups: true });
});
