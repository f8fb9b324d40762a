// Forged wallet results (docs/design.md §3 step 6, §3b): the frame reports `success` only for a
// result signed by a pinned wallet key, naming its own session (popup) or an attempt it really
// started (redirect). Unsigned results, results signed by another key, `alg: none`, a real
// result replayed from an earlier attempt or from another browser: no `success` event (nothing
// at all), and the user's real result still goes through.
import "../support/net.mjs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { CompactSign, exportJWK, generateKeyPair } from "jose";
import { useSandbox, withPage } from "../support/e2e.mjs";
import { embed, events, waitForEvent, widgetFrame, clickAndOpenWallet, confirmInWallet } from "../support/browser.mjs";
import { assertNoCardData, hostObservable, newState, sleep } from "../support/attacks.mjs";

const env = useSandbox();
const RESULT_TYP = "walletpush-result+jwt";
let rogue;
let walletKid; // the kid of the wallet's (pinned) signing key

/** Reads what the tests need from the running sandbox, once (node:test runs this file's own
 * `before` ahead of useSandbox()'s). */
let prepared;
const prepare = () => (prepared ??= (async () => {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  rogue = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: "rogue-sig", use: "sig", alg: "ES256" } };
  const doc = await (await fetch(`${env.sandbox.origins.wallet}/.well-known/walletpush.json`)).json();
  walletKid = doc.jwks.keys.find((k) => k.use === "sig").kid;
})());

const b64json = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
const sign = (claims, header = {}) => new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
  .setProtectedHeader({ alg: "ES256", typ: RESULT_TYP, kid: walletKid, ...header })
  .sign(rogue.privateKey);
const unsignedJws = (claims) => `${b64json({ alg: "none", typ: RESULT_TYP, kid: walletKid })}.${b64json(claims)}.`;
const now = () => Math.floor(Date.now() / 1000);

/** Every forged form of a success result for `binding` ({sid} or {state}) and correlation id `cid`. */
async function forgeries(binding, cid, replayed = []) {
  const claims = { status: "success", token_ref: "tok_forged", last4: "1111", cid, iat: now(), ...binding };
  return [
    ["unsigned JSON (the old result)", null, { status: "success", token: { ref: "tok_forged", last4: "1111" }, cid }],
    ["unsigned JSON in base64url", b64json(claims)],
    ["alg none", unsignedJws(claims)],
    ["signed by an unpinned key under the wallet's kid", await sign(claims)],
    ["signed by an unpinned key under its own kid", await sign(claims, { kid: rogue.jwk.kid })],
    ["signed by an unpinned key, wrong typ", await sign(claims, { typ: "JWT" })],
    ...replayed.map((jws, i) => [`a real result of another attempt (${i + 1})`, jws]),
  ];
}

/** No success, cancel or error since `count` events: forged results are dropped silently. */
async function assertNothingReported(page, count, what) {
  await sleep(800);
  const later = (await events(page)).slice(count);
  const reported = later.filter((e) => ["success", "cancel", "error"].includes(e.name));
  assert.deepEqual(reported, [], `${what} was reported`);
}

/** Records, in the widget frame, every result the wallet posts (the test reads the real ones). */
async function recordResults(context) {
  await context.addInitScript((widget) => {
    if (location.origin !== widget) return;
    window.__results = [];
    window.addEventListener("message", (e) => {
      if (e.data && e.data.type === "walletpush/result") window.__results.push(e.data.result);
    }, true);
  }, env.sandbox.origins.widget);
}

async function realResults(page) {
  const frame = page.frames().find((f) => f.url().includes("/frame.html"));
  return (await frame.evaluate(() => window.__results)).filter((r) => typeof r === "string");
}

test("popup: forged, unsigned and replayed results from the wallet window report nothing", async () => {
  await prepare();
  await withPage(env, async (page, context) => {
    await recordResults(context);
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    await waitForEvent(page, "ready");
    // A first, real attempt: its signed result, to replay later.
    const first = await clickAndOpenWallet(page, context);
    await confirmInWallet(first);
    const firstSuccess = await waitForEvent(page, "success");
    const captured = await realResults(page);
    assert.ok(captured.length >= 1 && /^eyJ/.test(captured[0]), "the wallet's result is a JWS");

    // A second attempt (a fresh handle): the wallet window is open, the session made.
    // (A new page: the first card's button now says it was added.)
    const { handle: fresh } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle: fresh, wallets: "sandbox" });
    await waitForEvent(page, "ready");
    const popupEvent = context.waitForEvent("page");
    await widgetFrame(page).locator("button.wallet").first().click();
    const popup = await popupEvent;
    const sessionResponse = popup.waitForResponse((r) => r.url().endsWith("/api/session"));
    await popup.locator("#signin").click();
    const { sid } = await (await sessionResponse).json();
    await popup.locator("#confirm").waitFor({ state: "visible" });
    const count = (await events(page)).length;
    const cid = firstSuccess.detail.cid;
    for (const [name, result, raw] of await forgeries({ sid }, cid, captured)) {
      const message = raw ? { type: "walletpush/result", ...raw } : { type: "walletpush/result", result };
      // From the wallet window itself (right origin, right source)...
      await popup.evaluate(([m, origin]) => window.opener.postMessage(m, origin), [message, env.sandbox.origins.widget]);
      // ...and from the host page into the frame.
      await page.evaluate(([m, origin]) => {
        const find = (root) => {
          for (const el of root.querySelectorAll("*")) {
            if (el.tagName === "IFRAME") return el;
            const inner = el.shadowRoot && find(el.shadowRoot);
            if (inner) return inner;
          }
          return null;
        };
        const frame = find(document);
        if (!frame) throw new Error("the host page cannot reach the widget's iframe");
        frame.contentWindow.postMessage(m, origin);
      }, [message, env.sandbox.origins.widget]);
      await assertNothingReported(page, count, name);
    }
    // The real result of this attempt: reported, with the vault's token.
    await popup.locator("#confirm").click();
    const success = await waitForEvent(page, "success");
    assert.notEqual(success.detail.token_ref, "tok_forged");
    const tokens = await env.sandbox.tokens();
    assert.ok(tokens.some((t) => t.ref === success.detail.token_ref));
    assert.equal((await events(page)).filter((e) => e.name === "success").length, 1);
    assertNoCardData(await hostObservable(page), "the host page");
  });
});

/** Runs a redirect attempt up to the wallet's confirmation page; resolves its `state`. */
async function startRedirect(page) {
  const provision = page.waitForRequest((r) => r.url().endsWith("/provision") && r.method() === "POST");
  await widgetFrame(page).locator("button.wallet").first().click();
  const form = new URLSearchParams((await provision).postData());
  const header = JSON.parse(Buffer.from(form.get("jwe").split(".")[0], "base64url").toString("utf8"));
  await page.waitForURL(`${env.sandbox.origins.wallet}/**`);
  return Buffer.from(header.apv, "base64url").toString("utf8");
}

/** Confirms in the wallet (redirect mode); resolves the fragment value the wallet sends back. */
async function finishRedirect(page) {
  const response = page.waitForResponse((r) => r.url().endsWith("/provision/confirm"));
  await page.locator("#signin").click();
  await page.locator("#confirm").click();
  const location = (await response).headers().location ?? "";
  await page.waitForURL(`${env.sandbox.origins.host}/__sandbox/embed*`);
  const value = /#walletpush=([\w.-]+)/.exec(location)?.[1];
  assert.ok(value, `the wallet's return carries a result: ${location}`);
  return value;
}

/** Opens the host page with `#walletpush=<value>` (a fresh load) and mounts a widget. */
async function returnWith(page, value, n) {
  const { handle } = await env.sandbox.mintHandle({});
  await page.goto(`${env.sandbox.origins.host}/__sandbox/embed?try=${n}#walletpush=${value}`);
  await embed(page, env.sandbox, { handle, wallets: "sandbox", mode: "auto" }, { navigate: false });
  await waitForEvent(page, "ready");
}

test("redirect: forged, unsigned, replayed and foreign results in the fragment report nothing", async () => {
  await prepare();
  let captured;
  // Browser A: a real redirect flow; its result is replayed in A and carried to B.
  await withPage(env, async (page) => {
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox", mode: "auto" });
    await waitForEvent(page, "ready");
    await startRedirect(page);
    captured = await finishRedirect(page);
    const { handle: fresh } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle: fresh, wallets: "sandbox" }, { navigate: false });
    await waitForEvent(page, "success");
    // Replayed in the browser that made it: the attempt is spent.
    await returnWith(page, captured, 1);
    await assertNothingReported(page, 0, "a replayed result");
  }, { blockPopups: true });

  // Browser B: an attempt of its own is recorded; forged results name its state.
  await withPage(env, async (page) => {
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox", mode: "auto" });
    await waitForEvent(page, "ready");
    const state = await startRedirect(page);
    assert.match(state, /^[\w-]{22}$/);
    let n = 0;
    const cases = [
      ...(await forgeries({ state }, undefined, [captured])).filter(([, value]) => value),
      ["a forged result for a state never recorded", await sign({ status: "success", token_ref: "tok_forged", last4: "1111", state: newState(), iat: now() })],
      ["garbage", "eyJhbGciOiJFUzI1NiJ9"],
    ];
    for (const [name, value] of cases) {
      await returnWith(page, value, ++n);
      await assertNothingReported(page, 0, name);
      assert.equal(new URL(page.url()).hash, "", "the fragment was left in the URL");
    }
    assertNoCardData(await hostObservable(page), "the host page");
    // B's own real flow still ends in success.
    await startRedirect(page);
    const own = await finishRedirect(page);
    assert.notEqual(own, captured);
    const { handle: fresh } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle: fresh, wallets: "sandbox" }, { navigate: false });
    const success = await waitForEvent(page, "success");
    assert.match(success.detail.last4, /^\d{4}$/);
  }, { blockPopups: true });
});
