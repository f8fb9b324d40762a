// Attacks on the wallet's side of the protocol, driven from Node with `jose` as a client of our
// own making (docs/design.md §3, §3a): an activation obtained for one card presented with another
// card's data (the wallet checks `card_digest`), and sessions or redirect credentials for a
// client origin the wallet never registered. Each refusal is checked against the same request
// done right, which the wallet accepts, so that the refusal is the check's and not the test's.
import "../support/net.mjs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { CompactEncrypt, importJWK } from "jose";
import { useSandbox, withPage } from "../support/e2e.mjs";
import {
  assertNoCardData, bindingCookies, hostObservable, newState, portalHandle, redeem, signIn, sleep,
  walletSession, CARDS,
} from "../support/attacks.mjs";

const env = useSandbox();
const utf8 = (text) => new TextEncoder().encode(text);

/** The user's browser: the binding cookie and a fresh handle of `card`, minted by the portal. */
async function freshHandle(page, context, card = "gift-1") {
  const handle = await portalHandle(context, env.sandbox, card);
  const [binding] = await bindingCookies(context);
  return { handle, cookie: binding.value };
}

/** The card payload for a wallet session, as the widget gets it (the user's own request). */
async function payloadFor(own, extra) {
  const r = await redeem(env.sandbox, { handle: own.handle, wallet: "sandbox", ...extra }, {
    origin: env.sandbox.origins.widget, cookies: [own.cookie],
  });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

/** A compact JWE (ECDH-ES, A256GCM) of `plaintext` to `jwk`, as the frame makes it. */
async function encrypt(jwk, plaintext, { apu, apv }) {
  const key = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, "ECDH-ES");
  return new CompactEncrypt(utf8(JSON.stringify(plaintext)))
    .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM", kid: jwk.kid })
    .setKeyManagementParameters({ apu: utf8(apu), apv: utf8(apv) })
    .encrypt(key);
}

/** The plaintext of a credential: `payload` with `card`'s number, expiry and name in place of its own. */
function plaintext(payload, card, more = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    ...payload,
    pan: card.pan,
    exp_month: card.exp_month,
    exp_year: card.exp_year,
    name: card.name,
    last4: card.last4,
    iat: now,
    nonce: randomBytes(18).toString("base64url"),
    ...more,
  };
}

/** Sends a popup-mode credential to the wallet API; resolves {status, text, json}. */
async function sendCredential(sid, jwe) {
  const response = await fetch(`${env.sandbox.origins.wallet}/api/credential`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: env.sandbox.origins.wallet },
    body: JSON.stringify({ sid, jwe }),
  });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, text, json };
}

/** One popup attempt: a wallet session, the activation for `card` in it, a JWE of `presented`. */
async function popupAttempt(page, context, presented, mutate = (p) => p) {
  const own = await freshHandle(page, context, "gift-1");
  const session = await walletSession(env.sandbox);
  assert.equal(session.status, 200, session.text);
  const payload = await payloadFor(own, { session: session.session });
  assert.match(payload.activation, /^eyJ/);
  const epk = JSON.parse(Buffer.from(session.session.split(".")[1], "base64url").toString("utf8")).epk;
  const jwe = await encrypt(epk, mutate(plaintext(payload, presented)), { apu: env.sandbox.origins.widget, apv: session.sid });
  return sendCredential(session.sid, jwe);
}

test("an activation for one card, presented with another card's number or expiry: refused", async () => {
  await withPage(env, async (page, context) => {
    await signIn(page, env.sandbox, "gift");
    const own = CARDS["gift-1"];
    const tokensBefore = (await env.sandbox.tokens()).length;
    const attacks = {
      "another card": CARDS["gift-2"],
      "a card the issuer never issued": { ...own, pan: "4000000000000002", last4: "0002" },
      "the same number, another expiry": { ...own, exp_year: own.exp_year + 1 },
      "the same number, another month": { ...own, exp_month: own.exp_month === 12 ? 11 : 12 },
    };
    for (const [name, card] of Object.entries(attacks)) {
      const r = await popupAttempt(page, context, card);
      assert.equal(r.status, 400, `${name}: ${r.text}`);
      assert.equal(r.json?.code, "WALLET_REJECTED", `${name}: ${r.text}`);
      assertNoCardData(r.text, `the wallet's refusal (${name})`);
    }
    // The activation with the card it names: accepted (held for the user's confirmation).
    const accepted = await popupAttempt(page, context, own);
    assert.equal(accepted.status, 200, accepted.text);
    assert.equal(accepted.json.last4, own.last4);
    assertNoCardData(accepted.text, "the wallet's answer to the page");
    assert.equal((await env.sandbox.tokens()).length, tokensBefore, "nothing was provisioned");
  });
});

test("a session for a client origin the wallet does not serve: refused at the API and the entry", async () => {
  const foreign = [env.sandbox.origins.host, "http://evil.localhost:9", "https://walletpush.bank.localhost"];
  for (const origin of foreign) {
    const r = await walletSession(env.sandbox, origin);
    assert.ok(r.status >= 400 && r.status < 500, `${origin}: ${r.status} ${r.text}`);
    assert.equal(r.session, undefined, `a session was made for ${origin}`);
    const entry = await fetch(`${env.sandbox.origins.wallet}/entry?client_origin=${encodeURIComponent(origin)}&locale=en`);
    assert.ok(entry.status >= 400 && entry.status < 500, `entry for ${origin}: ${entry.status}`);
  }
  // The registered widget origin gets one.
  const own = await walletSession(env.sandbox);
  assert.equal(own.status, 200, own.text);
  assert.match(own.session, /^eyJ/);
});

test("a host-page script opens the wallet for its own origin: nothing is posted to it", async () => {
  await withPage(env, async (page, context) => {
    await page.goto(`${env.sandbox.origins.host}/__sandbox/embed`);
    const entry = `${env.sandbox.origins.wallet}/entry?client_origin=${encodeURIComponent(env.sandbox.origins.host)}&locale=en`;
    const popupEvent = context.waitForEvent("page");
    await page.evaluate((url) => {
      window.__popup = window.open(url, "wallet");
    }, entry);
    const popup = await popupEvent;
    await popup.waitForLoadState();
    const signin = popup.locator("#signin");
    if (await signin.count()) await signin.click({ timeout: 2_000 }).catch(() => {});
    await sleep(1_000);
    const messages = await page.evaluate(() => window.__wp.messages);
    assert.deepEqual(messages.filter((m) => m.origin === env.sandbox.origins.wallet), [], "the wallet posted to a foreign client");
    assert.equal(await popup.locator("#confirm:visible").count(), 0);
    assertNoCardData(await hostObservable(page), "the host page");
  });
});

test("a redirect credential whose apu is a foreign origin: refused; with the widget origin: accepted", async () => {
  await withPage(env, async (page, context) => {
    await signIn(page, env.sandbox, "gift");
    const doc = await (await fetch(`${env.sandbox.origins.wallet}/.well-known/walletpush.json`)).json();
    const now = Math.floor(Date.now() / 1000);
    const encKey = doc.jwks.keys.find((k) => k.use === "enc" && (!k.exp || k.exp > now));
    assert.ok(encKey, "the wallet publishes a current encryption key");
    const returnUrl = `${env.sandbox.origins.host}/__sandbox/embed`;
    const attempt = async (apu) => {
      const own = await freshHandle(page, context, "gift-1");
      const state = newState();
      const payload = await payloadFor(own, { state });
      const jwe = await encrypt(encKey, plaintext(payload, CARDS["gift-1"], { exp: now + 240 }), { apu, apv: state });
      const response = await fetch(`${env.sandbox.origins.wallet}/provision`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: env.sandbox.origins.widget },
        body: new URLSearchParams({ jwe, return_url: returnUrl }).toString(),
        redirect: "manual",
      });
      return { status: response.status, text: await response.text() };
    };
    for (const apu of [env.sandbox.origins.host, "http://evil.localhost:9"]) {
      const r = await attempt(apu);
      assert.equal(r.status, 400, `${apu}: ${r.status}`);
      assert.equal(r.text.includes('name="decision"'), false, `the wallet offered to add the card for ${apu}`);
      assertNoCardData(r.text, "the wallet's refusal page");
    }
    const ok = await attempt(env.sandbox.origins.widget);
    assert.equal(ok.status, 200, ok.text.slice(0, 300));
    assert.ok(ok.text.includes('name="decision"'));
  });
});

test("the sandbox's log holds no card data after these attacks", () => {
  assertNoCardData(env.sandbox.logs(), "the sandbox's log");
});
