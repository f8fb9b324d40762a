// Every failure of docs/design.md §5 that the flow can meet, provoked end to end: each gives its
// code on the host page, leaves no token in the wallet and leaves the button usable.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useSandbox, withPage, assertUsable, assertWalletClosed } from "../support/e2e.mjs";
import { embed, waitForEvent, events, widgetFrame, clickAndOpenWallet, confirmInWallet } from "../support/browser.mjs";
import { postJson } from "../support/sandbox.mjs";
import { generateKeyPairSync } from "node:crypto";

const env = useSandbox();
const now = () => Math.floor(Date.now() / 1000);

/** Mounts a widget with a handle minted from `claims` and waits until it is ready. */
async function mounted(page, claims = {}, options = {}) {
  const { handle } = await env.sandbox.mintHandle(claims);
  await embed(page, env.sandbox, { handle, wallets: "sandbox", ...options });
  await waitForEvent(page, "ready");
  return handle;
}

/** Clicks, signs in to the wallet (which then posts its session), and returns the error event. */
async function failAfterSignIn(page, context) {
  const popup = await clickAndOpenWallet(page, context);
  await popup.locator("#signin").click();
  return waitForEvent(page, "error");
}

/** The case's assertions: the code, no token, the wallet window closed, the button usable. */
async function expectFailure(code, run, { claims, options, retryable } = {}) {
  await withPage(env, async (page, context) => {
    const before = (await env.sandbox.tokens()).length;
    await mounted(page, claims, options);
    const error = await run(page, context);
    assert.equal(error.detail.code, code, JSON.stringify(error.detail));
    assert.equal(typeof error.detail.message, "string");
    if (retryable !== undefined) assert.equal(error.detail.retryable, retryable);
    assert.match(error.detail.cid ?? "", /^[\w-]{22}$/, "the attempt's correlation id");
    assert.equal((await env.sandbox.tokens()).length, before, "no token left behind");
    await assertWalletClosed(context);
    await assertUsable(page, context);
  });
}

test("HANDLE_EXPIRED: an expired handle", () =>
  expectFailure("HANDLE_EXPIRED", failAfterSignIn, { claims: { iat: now() - 400, exp: now() - 100 }, retryable: true }));

test("HANDLE_INVALID: a handle with a bad signature", () =>
  expectFailure("HANDLE_INVALID", failAfterSignIn, { claims: { signer: "rogue" }, retryable: false }));

test("ORIGIN_NOT_ALLOWED: a handle minted for another widget origin", () =>
  expectFailure("ORIGIN_NOT_ALLOWED", failAfterSignIn, { claims: { aud: "https://walletpush.other-bank.example" } }));

test("CARD_INACTIVE: a handle for an inactive card; no button offers it any more", async () => {
  await withPage(env, async (page, context) => {
    const before = (await env.sandbox.tokens()).length;
    await mounted(page, { card: "corp-inactive" });
    const error = await failAfterSignIn(page, context);
    assert.equal(error.detail.code, "CARD_INACTIVE", JSON.stringify(error.detail));
    assert.equal(error.detail.retryable, false);
    assert.equal((await env.sandbox.tokens()).length, before, "no token left behind");
    await assertWalletClosed(context);
    const frame = widgetFrame(page);
    await frame.locator("button.wallet").first().waitFor({ state: "hidden" });
    assert.equal(await frame.locator("button.wallet:visible").count(), 0, "a button still offers the card");
    const status = await frame.locator("#status").innerText();
    assert.match(status, /cannot be added/);
    assert.doesNotMatch(status, /yet|try again/i);
  });
});

test("a code without words of its own gets a line that matches retryable", async () => {
  await withPage(env, async (page, context) => {
    await mounted(page, { signer: "rogue" });
    const error = await failAfterSignIn(page, context);
    assert.equal(error.detail.code, "HANDLE_INVALID");
    assert.equal(error.detail.retryable, false);
    const status = widgetFrame(page).locator("#status");
    assert.doesNotMatch(await status.innerText(), /try again/i);
    assert.equal(await status.getAttribute("data-kind"), "error");
  });
});

test("HANDLE_REPLAYED: a handle used a second time", async () => {
  const { handle } = await env.sandbox.mintHandle({});
  await withPage(env, async (page, context) => {
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    await waitForEvent(page, "ready");
    const popup = await clickAndOpenWallet(page, context);
    await confirmInWallet(popup);
    await waitForEvent(page, "success");
  });
  await expectFailure("HANDLE_REPLAYED", async (page, context) => {
    await page.evaluate((h) => window.__controller.update({ handle: h }), handle);
    return failAfterSignIn(page, context);
  });
});

test("WALLET_SESSION_INVALID: a session token with a bad signature", async () => {
  await env.sandbox.fault("session", "bad-signature");
  await expectFailure("WALLET_SESSION_INVALID", failAfterSignIn);
});

test("WALLET_SESSION_INVALID: a session token for another audience", async () => {
  await env.sandbox.fault("session", "wrong-aud");
  await expectFailure("WALLET_SESSION_INVALID", failAfterSignIn);
});

test("WALLET_KEY_INVALID: a session key off the curve", async () => {
  await env.sandbox.fault("session", "off-curve-key");
  await expectFailure("WALLET_KEY_INVALID", failAfterSignIn);
});

test("USER_CANCELLED: the user closes the wallet window", async () => {
  await withPage(env, async (page, context) => {
    const before = (await env.sandbox.tokens()).length;
    await mounted(page);
    const popup = await clickAndOpenWallet(page, context);
    await popup.locator("#signin").click();
    await popup.close();
    const cancel = await waitForEvent(page, "cancel");
    assert.equal(cancel.detail.code, "USER_CANCELLED");
    assert.equal((await env.sandbox.tokens()).length, before);
    await assertUsable(page, context);
  });
});

test("USER_CANCELLED: the user presses cancel in the wallet", async () => {
  await withPage(env, async (page, context) => {
    await mounted(page);
    const popup = await clickAndOpenWallet(page, context);
    await popup.locator("#signin").click();
    await popup.locator("#cancel").click();
    const cancel = await waitForEvent(page, "cancel");
    assert.equal(cancel.detail.code, "USER_CANCELLED");
    await assertUsable(page, context);
  });
});

test("NETWORK: the issuer API is down", async () => {
  await expectFailure("NETWORK", async (page, context) => {
    await context.route("**/walletpush/v1/credentials", (route) => route.abort("connectionrefused"));
    const error = await failAfterSignIn(page, context);
    await context.unrouteAll();
    return error;
  }, { retryable: true });
});

test("ISSUER_REJECTED: the issuer API answers 500", async () => {
  await env.sandbox.fault("credentials", "500");
  await expectFailure("ISSUER_REJECTED", failAfterSignIn);
});

test("TIMEOUT: the issuer API never answers", async () => {
  await env.sandbox.fault("credentials", "hang");
  await expectFailure("TIMEOUT", failAfterSignIn, { options: { timeouts: { issuer: 1500 } }, retryable: true });
});

test("TIMEOUT: a wallet that never answers", async () => {
  await env.sandbox.fault("session", "silent");
  await expectFailure("TIMEOUT", async (page, context) => {
    const popup = await clickAndOpenWallet(page, context);
    await popup.locator("#signin").click();
    return waitForEvent(page, "error", { timeout: 10_000 });
  }, { options: { timeouts: { wallet: 1500 } }, retryable: true });
});

test("WALLET_REJECTED: a credential JWE replayed to the wallet is refused", async () => {
  await withPage(env, async (page, context) => {
    // Record what the frame posts to the wallet window, as an attacker on the wallet side could.
    await context.addInitScript((origin) => {
      if (location.origin !== origin) return;
      window.__jwes = [];
      window.addEventListener("message", (e) => e.data && e.data.jwe && window.__jwes.push(e.data.jwe), true);
    }, env.sandbox.origins.wallet);
    await mounted(page);
    const popup = await clickAndOpenWallet(page, context);
    await popup.locator("#signin").click();
    await popup.locator("#confirm").waitFor();
    const [jwe] = await popup.evaluate(() => window.__jwes);
    await popup.locator("#confirm").click();
    await waitForEvent(page, "success");
    const before = (await env.sandbox.tokens()).length;
    const header = JSON.parse(Buffer.from(jwe.split(".")[0], "base64url"));
    const sid = Buffer.from(header.apv, "base64url").toString();
    const replay = await fetch(`${env.sandbox.origins.wallet}/api/credential`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sid, jwe }),
    });
    assert.equal(replay.status, 409);
    assert.equal((await replay.json()).code, "WALLET_REJECTED");
    assert.equal((await env.sandbox.tokens()).length, before, "no second token");
  });
});

test("WALLET_REJECTED: the wallet refuses a credential whose activation is for another card", async () => {
  await withPage(env, async (page, context) => {
    // The card payload as the frame receives it, with another PAN: the activation's
    // card_digest no longer matches, and the wallet answers with its signed refusal.
    await rewriteAnswers(context, "/walletpush/v1/credentials", (payload) =>
      ({ ...payload, pan: payload.pan.slice(0, -1) + (payload.pan.endsWith("0") ? "1" : "0") }));
    const before = (await env.sandbox.tokens()).length;
    await mounted(page);
    const error = await failAfterSignIn(page, context);
    assert.equal(error.detail.code, "WALLET_REJECTED");
    assert.equal((await env.sandbox.tokens()).length, before);
    await assertWalletClosed(context);
    await assertUsable(page, context);
  });
});

test("WALLET_UNAVAILABLE: the wallet's walletpush.json cannot be fetched", async () => {
  await withPage(env, async (page, context) => {
    await context.route("**/.well-known/walletpush.json", (route) => route.abort("connectionrefused"));
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    const unavailable = await waitForEvent(page, "unavailable");
    assert.deepEqual(unavailable.detail, { wallet: "sandbox", cause: "WALLET_UNAVAILABLE" });
    assert.equal(await widgetFrame(page).locator("button.wallet").count(), 0);
  });
});

/**
 * Changes, inside the widget frame, the JSON answers of the URLs that end with `suffix`: `edit`
 * (the source of a function of the parsed answer and `extra`) gives what the frame reads.
 * (In the page rather than by routing: Node, where routed requests would be fetched, does not
 * resolve the sandbox's *.localhost names.)
 */
async function rewriteAnswers(context, suffix, edit, extra) {
  await context.addInitScript(([origin, suffix, edit, extra]) => {
    if (location.origin !== origin) return;
    const original = window.fetch;
    const change = new Function(`return (${edit})`)();
    window.fetch = async (input, init) => {
      const response = await original(input, init);
      if (!String(input).endsWith(suffix) || !response.ok) return response;
      const body = JSON.stringify(change(await response.json(), extra));
      return new Response(body, { status: response.status, headers: response.headers });
    };
  }, [env.sandbox.origins.widget, suffix, edit.toString(), extra]);
}

/** Serves the wallet's discovered document to the frame as `edit` changes it. */
const rewriteDocument = (context, edit, extra) => rewriteAnswers(context, "/.well-known/walletpush.json", edit, extra);

/** A valid P-256 signing key that the configuration does not pin. */
function unpinnedKey() {
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { ...publicKey.export({ format: "jwk" }), kid: "sig-intruder", use: "sig", alg: "ES256" };
}

for (const [what, edit] of [
  ["a signing key the configuration does not pin", (doc, key) => ({ ...doc, jwks: { keys: [...doc.jwks.keys, key] } })],
  ["only signing keys the configuration does not pin", (doc, key) => ({ ...doc, jwks: { keys: [...doc.jwks.keys.filter((k) => k.use !== "sig"), key] } })],
  ["an entry_url off the pinned origin", (doc) => ({ ...doc, entry_url: doc.entry_url.replace("//wallet.", "//evil.") })],
  ["a provision_url off the pinned origin", (doc) => ({ ...doc, provision_url: doc.provision_url.replace("//wallet.", "//evil.") })],
]) {
  test(`WALLET_KEY_INVALID: ${what}: no button, no wallet window`, async () => {
    await withPage(env, async (page, context) => {
      await rewriteDocument(context, edit, unpinnedKey());
      const { handle } = await env.sandbox.mintHandle({});
      await embed(page, env.sandbox, { handle, wallets: "sandbox" });
      const unavailable = await waitForEvent(page, "unavailable");
      assert.deepEqual(unavailable.detail, { wallet: "sandbox", cause: "WALLET_KEY_INVALID" });
      assert.equal(await widgetFrame(page).locator("button.wallet").count(), 0);
      assert.equal(context.pages().length, 1);
    });
  });
}

test("unavailable: a wallet the handle does not allow gets no button", async () => {
  await withPage(env, async (page) => {
    const { handle } = await env.sandbox.mintHandle({ wallets: ["google"] });
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    const unavailable = await waitForEvent(page, "unavailable");
    assert.deepEqual(unavailable.detail, { wallet: "sandbox", cause: "not-allowed-by-handle" });
  });
});

test("CONFIG_INVALID: a mount without a handle, and an unknown mode", async () => {
  await withPage(env, async (page) => {
    await embed(page, env.sandbox, { wallets: "sandbox" });
    const error = await waitForEvent(page, "error");
    assert.equal(error.detail.code, "CONFIG_INVALID");
    const { handle } = await env.sandbox.mintHandle({});
    await page.evaluate((h) => window.__controller.update({ handle: h, mode: "sideways" }), handle);
    const second = await waitForEvent(page, "error", { skip: 1 });
    assert.equal(second.detail.code, "CONFIG_INVALID");
    assert.match(second.detail.message, /mode/);
  });
});

test("HANDLE_INVALID: a handle attribute that is not a card handle", async () => {
  await withPage(env, async (page) => {
    await embed(page, env.sandbox, { handle: "not-a-handle", wallets: "sandbox" });
    const error = await waitForEvent(page, "error");
    assert.equal(error.detail.code, "HANDLE_INVALID");
  });
});

test("WASM_BLOCKED_BY_CSP: the frame's CSP lacks 'wasm-unsafe-eval'", async () => {
  await env.sandbox.fault("frame-csp", "no-wasm");
  await withPage(env, async (page) => {
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    const error = await waitForEvent(page, "error");
    assert.equal(error.detail.code, "WASM_BLOCKED_BY_CSP");
    assert.match(error.detail.message, /'wasm-unsafe-eval'/);
    assert.match(error.detail.message, /script-src/);
  });
});

test("INTERNAL: the Wasm module is corrupt", async () => {
  await withPage(env, async (page, context) => {
    await context.route("**/pkg/walletpush_bg.wasm", (route) =>
      route.fulfill({ status: 200, contentType: "application/wasm", body: Buffer.from("\0asm garbage") }));
    const { handle } = await env.sandbox.mintHandle({});
    await embed(page, env.sandbox, { handle, wallets: "sandbox" });
    const error = await waitForEvent(page, "error");
    assert.equal(error.detail.code, "INTERNAL");
    assert.doesNotMatch(JSON.stringify(await events(page)), /garbage/);
  });
});
