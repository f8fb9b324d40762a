// Wallet impostors (docs/design.md §3a): the frame must trust only the pinned wallet. The test
// replaces the wallet's discovered document in the browser (as a compromised or spoofed wallet
// site would serve it): an entry_url or provision_url on another origin, a signing key that is
// not pinned beside the pinned ones, only unpinned signing keys. Each is WALLET_KEY_INVALID, with
// no window and no request on any other origin. A session token signed by an unpinned key is
// WALLET_SESSION_INVALID, in the frame and at the issuer API. No card data anywhere.
import "../support/net.mjs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { CompactSign, exportJWK, generateKeyPair } from "jose";
import { useSandbox, withPage, assertUsable } from "../support/e2e.mjs";
import { waitForEvent, widgetFrame, clickAndOpenWallet, confirmInWallet } from "../support/browser.mjs";
import {
  assertNoCardData, bindingCookies, hostObservable, originsOf, recordContext, redeem, signIn,
  sleep, walletSession,
} from "../support/attacks.mjs";

const env = useSandbox();
const EVIL = "http://evil.localhost:9";
let discovery; // the sandbox wallet's discovery URL, from the widget's configuration
let documentJson; // the real document
let rogue; // {privateKey, jwk}: a signing key nobody pinned

/** Reads what the tests need from the running sandbox, once (node:test runs this file's own
 * `before` ahead of useSandbox()'s). */
let prepared;
const prepare = () => (prepared ??= (async () => {
  const config = await (await fetch(`${env.sandbox.origins.widget}/walletpush/v1/config`)).json();
  const wallet = config.wallets.sandbox;
  assert.equal(wallet.kind, "walletpush/1");
  assert.ok(wallet.signing_keys.length >= 1, "the sandbox wallet's keys are pinned");
  assert.ok(wallet.discovery, "the configuration names the discovery URL (not a pinned copy)");
  discovery = wallet.discovery;
  documentJson = await (await fetch(discovery)).json();
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "rogue-sig", use: "sig", alg: "ES256" };
  rogue = { privateKey, jwk };
})());

/** Serves `doc` in place of the wallet's document in this context. */
async function serveDocument(context, doc) {
  await context.route(discovery, (route) => route.fulfill({
    status: 200,
    contentType: "application/json",
    headers: { "access-control-allow-origin": "*", "cache-control": "no-store" },
    body: JSON.stringify(doc),
  }));
}

const sigKeys = (doc) => doc.jwks.keys.filter((k) => k.use === "sig");
const encKeys = (doc) => doc.jwks.keys.filter((k) => k.use !== "sig");

const BAD_DOCUMENTS = {
  "entry_url on another origin": (doc) => ({ ...doc, entry_url: `${EVIL}/entry` }),
  "provision_url on another origin": (doc) => ({ ...doc, provision_url: `${EVIL}/provision` }),
  "an unpinned signing key beside the pinned ones": (doc) => ({ ...doc, jwks: { keys: [...doc.jwks.keys, rogue.jwk] } }),
  "only an unpinned signing key": (doc) => ({ ...doc, jwks: { keys: [...encKeys(doc), rogue.jwk] } }),
  "no signing key": (doc) => ({ ...doc, jwks: { keys: encKeys(doc) } }),
};

for (const [name, mutate] of Object.entries(BAD_DOCUMENTS)) {
  test(`a discovered document with ${name}: the wallet is unavailable (WALLET_KEY_INVALID), no window or request elsewhere`, async () => {
    await prepare();
    assert.ok(sigKeys(documentJson).length >= 1);
    await withPage(env, async (page, context) => {
      await serveDocument(context, mutate(documentJson));
      const record = recordContext(context, env.sandbox.origins.widget);
      const before = (await env.sandbox.tokens()).length;
      // The frame checks the document as it loads it, before any click: the wallet is
      // unavailable with the cause WALLET_KEY_INVALID, and the frame offers no button for it.
      const first = await signIn(page, env.sandbox, "gift");
      assert.equal(first, "unavailable");
      const events = await page.evaluate(() => window.__wp.events);
      const unavailable = events.filter((e) => e.name === "unavailable");
      assert.ok(unavailable.length >= 1);
      for (const e of unavailable) assert.deepEqual(e.detail, { wallet: "sandbox", cause: "WALLET_KEY_INVALID" });
      assert.equal(events.some((e) => ["ready", "click", "success"].includes(e.name)), false, JSON.stringify(events));
      assert.equal(await widgetFrame(page).locator('button.wallet[data-wallet="sandbox"]').count(), 0, "a button for the refused wallet");
      await sleep(300);
      const allowed = new Set(Object.values(env.sandbox.origins).filter(Boolean));
      for (const origin of originsOf([...record.requests.map((r) => r.url), ...record.navigations])) {
        assert.ok(allowed.has(origin), `a request or window went to ${origin}`);
      }
      assert.equal(record.requests.some((r) => r.url.startsWith(EVIL)), false);
      // No wallet window stays open, and none was ever on another origin.
      assert.equal(context.pages().length, 1, "a window was left open");
      assert.equal(record.issuer.length, 0, "the issuer API was asked for the card");
      assert.equal((await env.sandbox.tokens()).length, before);
      assertNoCardData(await hostObservable(page), "the host page");
      assertNoCardData(record.console.join("\n"), "the console");
    });
  });
}

test("the real document, served the same way, works (the route itself breaks nothing)", async () => {
  await prepare();
  await withPage(env, async (page, context) => {
    await serveDocument(context, documentJson);
    await signIn(page, env.sandbox, "gift");
    const popup = await clickAndOpenWallet(page, context);
    await confirmInWallet(popup);
    const success = await waitForEvent(page, "success");
    assert.equal(success.detail.last4, "1111");
  });
});

test("a session signed by an unpinned key: WALLET_SESSION_INVALID in the frame, nothing released", async () => {
  await prepare();
  await withPage(env, async (page, context) => {
    const record = recordContext(context, env.sandbox.origins.widget);
    await signIn(page, env.sandbox, "gift");
    await env.sandbox.fault("session", "bad-signature");
    const popup = await clickAndOpenWallet(page, context);
    await popup.locator("#signin").click();
    const error = await waitForEvent(page, "error");
    assert.equal(error.detail.code, "WALLET_SESSION_INVALID");
    assert.equal(record.issuer.length, 0, "the issuer API was asked for the card");
    await env.sandbox.fault("session", "none");
    await assertUsable(page, context);
    assertNoCardData(await hostObservable(page), "the host page");
  });
});

test("the issuer API verifies the session itself: one signed by an unpinned key, or for another audience, is refused", async () => {
  await prepare();
  await withPage(env, async (page, context) => {
    await signIn(page, env.sandbox, "gift");
    const [binding] = await bindingCookies(context);
    const handle = await page.evaluate(() => document.querySelector("wallet-push-button").getAttribute("handle"));
    const real = await walletSession(env.sandbox);
    assert.equal(real.status, 200, real.text);
    const claims = JSON.parse(Buffer.from(real.session.split(".")[1], "base64url").toString("utf8"));
    const realHeader = JSON.parse(Buffer.from(real.session.split(".")[0], "base64url").toString("utf8"));
    const sign = (header, payload) => new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader(header)
      .sign(rogue.privateKey);
    const forged = [
      // The real claims, re-signed by the rogue key under the pinned key's kid, and under its own.
      await sign({ ...realHeader, alg: "ES256" }, claims),
      await sign({ alg: "ES256", typ: realHeader.typ, kid: rogue.jwk.kid }, claims),
    ];
    // Signed by the wallet's real key, for another audience (the sandbox's wrong-aud fault).
    await env.sandbox.fault("session", "wrong-aud");
    const foreign = await walletSession(env.sandbox);
    await env.sandbox.fault("session", "none");
    assert.equal(foreign.status, 200, foreign.text);
    forged.push(foreign.session);
    for (const session of forged) {
      const r = await redeem(env.sandbox, { handle, wallet: "sandbox", session }, {
        origin: env.sandbox.origins.widget, cookies: [binding.value],
      });
      assert.equal(r.status, 401, r.text);
      assert.equal(r.json?.code, "WALLET_SESSION_INVALID", r.text);
      assertNoCardData(r.text, "a refusal");
    }
    // Unsigned (`alg: none`, empty signature): refused as malformed or as an invalid session.
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: realHeader.typ })).toString("base64url")}.${real.session.split(".")[1]}.`;
    const r = await redeem(env.sandbox, { handle, wallet: "sandbox", session: unsigned }, {
      origin: env.sandbox.origins.widget, cookies: [binding.value],
    });
    assert.ok(["ISSUER_REJECTED", "WALLET_SESSION_INVALID"].includes(r.json?.code), r.text);
    assertNoCardData(r.text, "a refusal");
    // The real session: released (the check can pass, and the refusals spent nothing).
    const own = await redeem(env.sandbox, { handle, wallet: "sandbox", session: real.session }, {
      origin: env.sandbox.origins.widget, cookies: [binding.value],
    });
    assert.equal(own.status, 200, own.text);
  });
});

test("the sandbox's log holds no card data after these attacks", () => {
  assertNoCardData(env.sandbox.logs(), "the sandbox's log");
});
