// The sandbox server from outside, over HTTP (run: node --test tests/sandbox/): the issuer API
// and each of its error codes, the wallet's discovery document and both provisioning modes
// (encrypted by an independent WebCrypto JOSE implementation, results verified the same way),
// the wallet's registered client origins, CSP and static files, faults, durability of the
// replay record across a SIGKILL, and logs free of card data.

import '../support/net.mjs';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import {
  b64u, encryptJwe, peekJws, randomId, scratch, verifyEs256,
} from './support.mjs';
import { startSandbox, walletSignIn } from '../support/sandbox.mjs';

const PANS = ['4111111111111111', '5555555555554444', '4000056655665556', '5200828282828210', '4242424242424242'];
const CID = 'c0rrelati0n-id-sandbox';

const logs = { text: '' };
const onLog = (text) => { logs.text += text; };
const secrets = []; // handles and JWEs sent: none may appear in the log
const dirs = scratch();
let sandbox;
let binding; // the test hooks' binding cookie value, that every minted handle is bound to

before(async () => {
  sandbox = await startSandbox({ dataDir: dirs.data, wwwDir: dirs.www, onLog });
});

after(async () => {
  if (sandbox) await sandbox.stop({ signal: 'SIGKILL', keepData: true });
  rmSync(dirs.dir, { recursive: true, force: true });
});

// --- helpers ---------------------------------------------------------------------------

async function mintHandle(overrides = {}) {
  const response = await fetch(`${sandbox.origins.host}/__sandbox/handle`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(overrides),
  });
  assert.equal(response.status, 200);
  const minted = await response.json();
  secrets.push(minted.handle);
  binding = minted.binding;
  return minted.handle;
}

// The issuer API as the widget frame calls it: its Origin, the binding cookie, and a popup
// `session` token or (by default) a fresh redirect `state`.
async function redeem(handle, {
  origin = sandbox.origins.widget, wallet = 'sandbox', session, state = randomId(), cookie = `walletpush_binding=${binding}`,
} = {}) {
  const headers = { 'Content-Type': 'application/json', 'X-Walletpush-Correlation-Id': CID };
  if (origin !== null) headers.Origin = origin;
  if (cookie !== null) headers.Cookie = cookie;
  const body = session ? { handle, wallet, session } : { handle, wallet, state };
  const response = await fetch(`${sandbox.origins.widget}/walletpush/v1/credentials`, {
    method: 'POST', headers, body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

// A wallet result JWS, verified with the wallet's published signing key: its claims.
async function verifiedResult(result) {
  const doc = await walletDoc();
  const { header, payload } = peekJws(result);
  assert.equal(header.typ, 'walletpush-result+jwt');
  const key = doc.jwks.keys.find((k) => k.kid === header.kid && k.use === 'sig');
  assert.ok(key, 'the result names the wallet signing key');
  assert.ok(await verifyEs256(result, key), 'the result verifies with the wallet key');
  return payload;
}

async function expectRefusal(result, status, code) {
  assert.equal(result.status, status, JSON.stringify(result.body));
  assert.equal(result.body.code, code);
  assert.equal(typeof result.body.message, 'string');
  for (const pan of PANS) assert.ok(!result.body.message.includes(pan));
}

async function walletDoc() {
  return (await fetch(`${sandbox.origins.wallet}/.well-known/walletpush.json`)).json();
}

async function walletApi(path, body) {
  const response = await fetch(`${sandbox.origins.wallet}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Walletpush-Correlation-Id': CID },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

// The frame's step 5: payload + iat, nonce, cid (+ exp in redirect mode), encrypted.
async function credentialJwe(recipient, kid, sid, payload, { exp = false, nonce = randomId() } = {}) {
  const iat = Math.floor(Date.now() / 1000);
  const plaintext = { ...payload, iat, nonce, cid: CID, ...(exp ? { exp: iat + 300 } : {}) };
  const jwe = await encryptJwe(recipient, plaintext, { kid, apu: sandbox.origins.widget, apv: sid });
  secrets.push(jwe);
  return jwe;
}

// Signs in to a portal as its login form does (session cookie, CSRF token, own Origin):
// the `Cookie` header of the signed-in session and its binding cookie.
async function portalLogin(portal) {
  const form = await fetch(`${sandbox.origins.host}/${portal}`);
  const anonymous = form.headers.getSetCookie()[0].split(';')[0];
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())[1];
  const login = await fetch(`${sandbox.origins.host}/${portal}/login`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ csrf }),
    headers: { cookie: anonymous, origin: sandbox.origins.host },
  });
  assert.equal(login.status, 303);
  return login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

function assertPageHeaders(response, what) {
  const csp = response.headers.get('content-security-policy');
  assert.ok(csp, `${what}: CSP`);
  assert.ok(!csp.includes("'unsafe-inline'") && !csp.includes("'unsafe-eval'"), `${what}: ${csp}`);
  assert.match(csp, /base-uri 'none'/, what);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff', what);
  assert.ok(response.headers.get('referrer-policy'), what);
  return csp;
}

async function assertPage(url, what, init) {
  const response = await fetch(url, init);
  const csp = assertPageHeaders(response, what);
  const html = await response.text();
  assert.match(response.headers.get('content-type'), /^text\/html/, what);
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `${what}: inline script`);
  assert.doesNotMatch(html, /\sstyle=/, `${what}: style attribute`);
  assert.doesNotMatch(html, /\son[a-z]+=/, `${what}: event handler attribute`);
  return { response, csp, html };
}

// --- issuer API ------------------------------------------------------------------------

describe('issuer API', () => {
  test('JWKS publishes the ES256 signing key', async () => {
    const response = await fetch(`${sandbox.origins.widget}/walletpush/v1/jwks`);
    assert.equal(response.status, 200);
    const { keys } = await response.json();
    assert.equal(keys.length, 1);
    assert.deepEqual([keys[0].kty, keys[0].crv, keys[0].use, keys[0].alg], ['EC', 'P-256', 'sig', 'ES256']);
    assert.equal(keys[0].d, undefined);
  });

  test('happy path: the payload and a verifiable activation token', async () => {
    const state = randomId();
    const result = await redeem(await mintHandle({ card: 'gift-1' }), { state });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.equal(result.headers.get('cache-control'), 'no-store');
    const p = result.body;
    for (const field of ['pan', 'exp_month', 'exp_year', 'product', 'network', 'last4', 'art', 'activation']) {
      assert.ok(field in p, field);
    }
    // The sandbox wallet's configuration wants neither name nor billing address.
    assert.equal(p.name, undefined);
    assert.equal(p.billing, undefined);
    assert.equal(p.pan, '4111111111111111');
    assert.equal(p.last4, '1111');
    assert.ok(p.art.startsWith(`${sandbox.origins.widget}/art/`));

    const { header, payload } = peekJws(p.activation);
    assert.equal(header.alg, 'ES256');
    assert.equal(header.typ, 'walletpush-activation+jwt');
    assert.deepEqual(Object.keys(payload).sort(), ['card', 'card_digest', 'exp', 'state', 'wallet']);
    assert.equal(payload.card, 'gift-1');
    assert.equal(payload.state, state);
    // card_digest: base64url(SHA-256("PAN|MM|YYYY")), computed here independently.
    const canonical = `${p.pan}|${String(p.exp_month).padStart(2, '0')}|${p.exp_year}`;
    assert.equal(payload.card_digest, createHash('sha256').update(canonical).digest('base64url'));
    assert.equal(payload.wallet, 'sandbox');
    assert.ok(payload.exp > Date.now() / 1000);
    const { keys } = await (await fetch(`${sandbox.origins.widget}/walletpush/v1/jwks`)).json();
    const key = keys.find((k) => k.kid === header.kid);
    assert.ok(key, 'activation kid is in the issuer JWKS');
    assert.ok(await verifyEs256(p.activation, key));
  });

  test('HANDLE_INVALID: rogue signer, garbage', async () => {
    await expectRefusal(await redeem(await mintHandle({ signer: 'rogue' })), 401, 'HANDLE_INVALID');
    await expectRefusal(await redeem('not-a-handle'), 401, 'HANDLE_INVALID');
    await expectRefusal(await redeem('e30.e30.AAAA'), 401, 'HANDLE_INVALID');
  });

  test('HANDLE_EXPIRED', async () => {
    const iat = Math.floor(Date.now() / 1000) - 1000;
    await expectRefusal(await redeem(await mintHandle({ iat })), 401, 'HANDLE_EXPIRED');
  });

  test('HANDLE_REPLAYED on the second redemption', async () => {
    const handle = await mintHandle();
    assert.equal((await redeem(handle)).status, 200);
    await expectRefusal(await redeem(handle), 409, 'HANDLE_REPLAYED');
  });

  test('ORIGIN_NOT_ALLOWED: another origin, no origin', async () => {
    await expectRefusal(await redeem(await mintHandle(), { origin: 'http://evil.example' }), 403, 'ORIGIN_NOT_ALLOWED');
    await expectRefusal(await redeem(await mintHandle(), { origin: null }), 403, 'ORIGIN_NOT_ALLOWED');
    // The refused handles were not spent: the origin check comes before the jti is marked.
    const handle = await mintHandle();
    await redeem(handle, { origin: 'http://evil.example' });
    assert.equal((await redeem(handle)).status, 200);
  });

  test('HANDLE_UNBOUND: no binding cookie, another one, two of them; nothing spent', async () => {
    const handle = await mintHandle();
    const other = b64u(new Uint8Array(32).fill(7));
    await expectRefusal(await redeem(handle, { cookie: null }), 401, 'HANDLE_UNBOUND');
    await expectRefusal(await redeem(handle, { cookie: `walletpush_binding=${other}` }), 401, 'HANDLE_UNBOUND');
    await expectRefusal(
      await redeem(handle, { cookie: `walletpush_binding=${binding}; walletpush_binding=${other}` }), 401, 'HANDLE_UNBOUND',
    );
    // A handle bound to a value the test chose redeems with that value only.
    const own = b64u(new Uint8Array(32).fill(9));
    const bound = (await (await fetch(`${sandbox.origins.host}/__sandbox/handle`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ binding: own }),
    })).json()).handle;
    secrets.push(bound);
    await expectRefusal(await redeem(bound), 401, 'HANDLE_UNBOUND');
    assert.equal((await redeem(bound, { cookie: `walletpush_binding=${own}` })).status, 200);
    assert.equal((await redeem(handle)).status, 200);
  });

  test('CARD_INACTIVE', async () => {
    await expectRefusal(await redeem(await mintHandle({ card: 'corp-inactive' })), 422, 'CARD_INACTIVE');
  });

  test('ISSUER_REJECTED: wallet not in the handle, malformed body', async () => {
    await expectRefusal(await redeem(await mintHandle({ wallets: ['google'] })), 403, 'ISSUER_REJECTED');
    const response = await fetch(`${sandbox.origins.widget}/walletpush/v1/credentials`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Origin: sandbox.origins.widget }, body: '{"handle":',
    });
    await expectRefusal({ status: response.status, body: await response.json() }, 400, 'ISSUER_REJECTED');
  });
});

// --- wallet ----------------------------------------------------------------------------

describe('wallet', () => {
  test('discovery document shape', async () => {
    const response = await fetch(`${sandbox.origins.wallet}/.well-known/walletpush.json`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    const doc = await response.json();
    assert.equal(doc.protocol, 'walletpush/1');
    assert.equal(doc.name, 'Sandbox Wallet');
    assert.equal(doc.entry_url, `${sandbox.origins.wallet}/entry`);
    assert.equal(doc.provision_url, `${sandbox.origins.wallet}/provision`);
    const sig = doc.jwks.keys.filter((k) => k.use === 'sig');
    const enc = doc.jwks.keys.filter((k) => k.use === 'enc');
    assert.equal(sig.length, 1);
    assert.equal(sig[0].alg, 'ES256');
    assert.ok(enc.length >= 1);
    for (const key of [...sig, ...enc]) {
      assert.deepEqual([key.kty, key.crv], ['EC', 'P-256']);
      assert.equal(typeof key.kid, 'string');
      assert.equal(key.d, undefined);
    }
    for (const key of enc) {
      assert.equal(key.alg, 'ECDH-ES');
      assert.ok(key.exp > Date.now() / 1000 + 86_400 - 60, 'enc keys are valid for more than a day');
    }
  });

  test('popup mode: session, credential, confirm (twice), one token', async () => {
    const doc = await walletDoc();
    const started = await walletApi('/api/session', { client_origin: sandbox.origins.widget });
    assert.equal(started.status, 200);
    assert.equal(started.body.post_ready, true);
    const session = started.body.session;
    const { header, payload: claims } = peekJws(session);
    assert.equal(header.typ, 'walletpush-session+jwt');
    const signer = doc.jwks.keys.find((k) => k.kid === header.kid && k.use === 'sig');
    assert.ok(await verifyEs256(session, signer));
    assert.equal(claims.aud, sandbox.origins.widget);
    assert.equal(claims.sid, started.body.sid);
    assert.deepEqual([claims.epk.use, claims.epk.alg], ['enc', 'ECDH-ES']);

    const presigned = await verifiedResult(started.body.cancel);
    assert.deepEqual([presigned.status, presigned.sid], ['cancelled', claims.sid]);

    const payload = (await redeem(await mintHandle({ card: 'gift-2' }), { session })).body;
    assert.equal(peekJws(payload.activation).payload.sid, claims.sid);
    const jwe = await credentialJwe(claims.epk, claims.epk.kid, claims.sid, payload);
    const display = await walletApi('/api/credential', { sid: claims.sid, jwe });
    assert.equal(display.status, 200, JSON.stringify(display.body));
    assert.deepEqual(Object.keys(display.body).sort(), ['art', 'last4', 'network', 'product']);
    assert.equal(display.body.last4, '4444');

    const replay = await walletApi('/api/credential', { sid: claims.sid, jwe });
    assert.equal(replay.status, 409);
    assert.equal(replay.body.code, 'WALLET_REJECTED');
    const refusal = await verifiedResult(replay.body.result);
    assert.deepEqual([refusal.status, refusal.code, refusal.sid], ['error', 'WALLET_REJECTED', claims.sid]);

    const first = await verifiedResult((await walletApi('/api/confirm', { sid: claims.sid })).body.result);
    const second = await verifiedResult((await walletApi('/api/confirm', { sid: claims.sid })).body.result);
    assert.equal(first.status, 'success');
    assert.match(first.token_ref, /^tok_/);
    assert.equal(first.last4, '4444');
    assert.equal(first.sid, claims.sid);
    assert.equal(first.cid, CID);
    assert.ok(Math.abs(first.iat - Date.now() / 1000) < 60);
    assert.equal(second.token_ref, first.token_ref);
    const tokens = await sandbox.tokens();
    assert.equal(tokens.filter((t) => t.ref === first.token_ref).length, 1);
  });

  test('the wallet serves its registered client origin only', async () => {
    const foreign = 'http://evil.bank.localhost:8081';
    const query = new URLSearchParams({ client_origin: foreign, locale: 'en' });
    const entry = await fetch(`${sandbox.origins.wallet}/entry?${query}`);
    assert.equal(entry.status, 403);
    const html = await entry.text();
    assert.ok(!html.includes('data-client-origin') && !html.includes(foreign));
    const session = await walletApi('/api/session', { client_origin: foreign });
    assert.equal(session.status, 403);
    assert.equal(session.body.session, undefined);

    // A redirect credential whose apu is another widget origin: refused before decryption.
    const enc = (await walletDoc()).jwks.keys.find((k) => k.use === 'enc');
    const state = randomId();
    const payload = (await redeem(await mintHandle(), { state })).body;
    const iat = Math.floor(Date.now() / 1000);
    const jwe = await encryptJwe(enc, { ...payload, iat, exp: iat + 300, nonce: randomId(), cid: CID },
      { kid: enc.kid, apu: foreign, apv: state });
    secrets.push(jwe);
    const returnUrl = `${sandbox.origins.host}/gift`;
    const refused = await fetch(`${sandbox.origins.wallet}/provision`, {
      method: 'POST', body: new URLSearchParams({ jwe, return_url: returnUrl }),
    });
    assert.equal(refused.status, 400);
    const text = await refused.text();
    assert.ok(!text.includes('#walletpush=') && !text.includes('name="sid"'));
  });

  test('popup mode: an activation for another card is refused', async () => {
    const started = await walletApi('/api/session', { client_origin: sandbox.origins.widget });
    const claims = peekJws(started.body.session).payload;
    const payload = (await redeem(await mintHandle({ card: 'gift-1' }), { session: started.body.session })).body;
    const jwe = await credentialJwe(claims.epk, claims.epk.kid, claims.sid, { ...payload, pan: '5555555555554444', last4: '4444' });
    const refused = await walletApi('/api/credential', { sid: claims.sid, jwe });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 'WALLET_REJECTED');
    assert.equal((await verifiedResult(refused.body.result)).status, 'error');
    assert.equal((await walletApi('/api/confirm', { sid: claims.sid })).status, 400);
  });

  test('popup mode: a credential for another session is refused', async () => {
    const aSession = (await walletApi('/api/session', { client_origin: sandbox.origins.widget })).body.session;
    const a = peekJws(aSession).payload;
    const b = peekJws((await walletApi('/api/session', { client_origin: sandbox.origins.widget })).body.session).payload;
    const payload = (await redeem(await mintHandle(), { session: aSession })).body;
    const jwe = await credentialJwe(b.epk, b.epk.kid, a.sid, payload);
    const refused = await walletApi('/api/credential', { sid: b.sid, jwe });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 'WALLET_REJECTED');
  });

  test('redirect mode: 303 back with the result in the fragment', async () => {
    const doc = await walletDoc();
    const enc = doc.jwks.keys.find((k) => k.use === 'enc');
    const sid = randomId();
    const payload = (await redeem(await mintHandle({ card: 'corp-1' }), { state: sid })).body;
    const jwe = await credentialJwe(enc, enc.kid, sid, payload, { exp: true });
    const returnUrl = `${sandbox.origins.host}/expenses`;
    const page = await assertPage(`${sandbox.origins.wallet}/provision`, 'redirect confirmation', {
      method: 'POST', body: new URLSearchParams({ jwe, return_url: returnUrl }),
    });
    assert.equal(page.response.status, 200);
    assert.match(page.html, /id="confirm"/);
    assert.ok(!page.html.includes('4000056655665556'));

    const done = await fetch(`${sandbox.origins.wallet}/provision/confirm`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ sid, decision: 'confirm' }),
    });
    assert.equal(done.status, 303);
    const location = done.headers.get('location');
    assert.ok(location.startsWith(`${returnUrl}#walletpush=`), location);
    const result = await verifiedResult(location.split('#walletpush=')[1]);
    assert.equal(result.status, 'success');
    assert.equal(result.last4, '5556');
    assert.equal(result.state, sid);
    assert.equal(result.sid, undefined);
    assert.equal(result.cid, CID);

    const replay = await fetch(`${sandbox.origins.wallet}/provision`, {
      method: 'POST', body: new URLSearchParams({ jwe, return_url: returnUrl }),
    });
    assert.equal(replay.status, 400);
    const back = /id="return" href="([^"]+)"/.exec(await replay.text())[1].replaceAll('&amp;', '&');
    const error = await verifiedResult(back.split('#walletpush=')[1]);
    assert.deepEqual([error.status, error.state], ['error', sid]);
  });

  test('redirect mode: return_url must be http(s) on a known site', async () => {
    for (const returnUrl of ['javascript:alert(1)', 'http://evil.example/']) {
      const response = await fetch(`${sandbox.origins.wallet}/provision`, {
        method: 'POST', redirect: 'manual', body: new URLSearchParams({ jwe: 'x', return_url: returnUrl }),
      });
      assert.equal(response.status, 400);
      assert.ok(!(await response.text()).includes('evil.example'));
    }
  });
});

// --- pages, static files, faults -------------------------------------------------------

describe('pages and files', () => {
  test('every page kind carries a strict CSP', async () => {
    const host = await assertPage(`${sandbox.origins.host}/`, 'host index');
    assert.match(host.csp, new RegExp(`script-src 'self' ${sandbox.origins.widget};`));
    assert.match(host.csp, new RegExp(`frame-src ${sandbox.origins.widget};`));
    await assertPage(`${sandbox.origins.host}/gift`, 'gift login');
    await assertPage(`${sandbox.origins.host}/expenses`, 'expenses login');
    await assertPage(`${sandbox.origins.host}/__sandbox/embed`, 'embed');

    const cookie = await portalLogin('expenses');
    const portal = await assertPage(`${sandbox.origins.host}/expenses`, 'expenses portal', { headers: { cookie } });
    assert.match(portal.csp, /frame-ancestors 'none'/);
    assert.equal(portal.html.match(/<script src="[^"]+\/walletpush\.js" async><\/script>/g).length, 1);
    const buttons = [...portal.html.matchAll(/<wallet-push-button handle="([^"]+)" wallets="sandbox">/g)];
    assert.equal(buttons.length, 3);
    for (const [, handle] of buttons) {
      secrets.push(handle);
      const { header, payload } = peekJws(handle);
      assert.equal(header.typ, 'walletpush-handle+jwt');
      assert.equal(payload.aud, sandbox.origins.widget);
      assert.equal(payload.exp - payload.iat, 300);
      assert.match(payload.bnd, /^[A-Za-z0-9_-]{43}$/);
      assert.deepEqual(Object.keys(payload.display).sort(), ['art', 'last4', 'network', 'product']);
    }
    for (const pan of PANS) assert.ok(!portal.html.includes(pan));

    const frame = await fetch(`${sandbox.origins.widget}/frame.html`);
    const frameCsp = assertPageHeaders(frame, 'frame.html');
    assert.match(frameCsp, /script-src 'self' 'sha256-[A-Za-z0-9+/]{43}=' 'sha256-[A-Za-z0-9+/]{43}=' 'wasm-unsafe-eval';/);
    assert.match(frameCsp, new RegExp(`frame-ancestors ${sandbox.origins.host};`));
    assert.match(frameCsp, new RegExp(`connect-src 'self' ${sandbox.origins.wallet};`));

    const query = new URLSearchParams({ client_origin: sandbox.origins.widget, locale: 'en', correlation_id: CID });
    const entry = await assertPage(`${sandbox.origins.wallet}/entry?${query}`, 'wallet entry');
    assert.match(entry.csp, /frame-ancestors 'none'/);
    assert.match(entry.html, /id="signin"/);
    const anonymous = await assertPage(`${sandbox.origins.wallet}/cards`, 'wallet cards without sign-in');
    assert.equal(anonymous.response.status, 401);
    assert.ok(!anonymous.html.includes('tok_'));
    assert.equal((await fetch(`${sandbox.origins.wallet}/api/tokens`)).status, 401);
    const walletCookie = await walletSignIn(sandbox.origins.wallet);
    const cards = await assertPage(`${sandbox.origins.wallet}/cards`, 'wallet cards', { headers: { cookie: walletCookie } });
    assert.equal(cards.response.status, 200);
    const bad = await assertPage(`${sandbox.origins.wallet}/entry`, 'wallet entry without origin');
    assert.equal(bad.response.status, 400);

    for (const url of [`${sandbox.origins.widget}/walletpush/v1/jwks`, `${sandbox.origins.widget}/art/gift.svg`]) {
      assertPageHeaders(await fetch(url), url);
    }
  });

  test('widget files: types, and nothing else is served', async () => {
    const wasm = await fetch(`${sandbox.origins.widget}/pkg/walletpush_bg.wasm`);
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    for (const path of ['/walletpush.js', '/frame.js', '/pkg/walletpush.js']) {
      const response = await fetch(`${sandbox.origins.widget}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type'), /^text\/javascript/, path);
      // Only the public shim is shared with other origins, for `integrity` + `crossorigin`.
      assert.equal(response.headers.get('access-control-allow-origin'), path === '/walletpush.js' ? '*' : null, path);
    }
    assert.match((await fetch(`${sandbox.origins.widget}/widget.css`)).headers.get('content-type'), /^text\/css/);
    for (const path of ['/secret.txt', '/pkg/', '/pkg', '/pkg/..%2fsecret.txt', '/pkg/%2e%2e/secret.txt', '/.env', '/nope.css']) {
      assert.equal((await fetch(`${sandbox.origins.widget}${path}`)).status, 404, path);
    }
    const art = await fetch(`${sandbox.origins.widget}/art/company.svg`);
    assert.equal(art.headers.get('content-type'), 'image/svg+xml');
  });

  test('faults: frame-csp no-wasm, credentials hang, reset', async () => {
    const fault = (target, mode, origin = sandbox.origins.widget) => fetch(`${origin}/__sandbox/fault`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ target, mode }),
    });
    assert.equal((await fault('frame-csp', 'no-wasm')).status, 200);
    const csp = (await fetch(`${sandbox.origins.widget}/frame.html`)).headers.get('content-security-policy');
    assert.ok(!csp.includes('wasm-unsafe-eval'));

    assert.equal((await fault('credentials', 'hang', sandbox.origins.wallet)).status, 200);
    const handle = await mintHandle();
    await assert.rejects(fetch(`${sandbox.origins.widget}/walletpush/v1/credentials`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: sandbox.origins.widget },
      body: JSON.stringify({ handle, wallet: 'sandbox', state: randomId() }),
      signal: AbortSignal.timeout(500),
    }));

    assert.equal((await fault('session', 'silent')).status, 200);
    assert.equal((await walletApi('/api/session', { client_origin: sandbox.origins.widget })).body.post_ready, false);
    assert.equal((await fault('session', 'sideways')).status, 400);

    await fetch(`${sandbox.origins.wallet}/__sandbox/reset-faults`, { method: 'POST' });
    assert.match((await fetch(`${sandbox.origins.widget}/frame.html`)).headers.get('content-security-policy'), /'wasm-unsafe-eval'/);
    assert.equal((await redeem(handle)).status, 200);
  });
});

// --- durability and logs (last: it restarts the server) --------------------------------

describe('durability and logs', () => {
  test('a redeemed handle stays redeemed across SIGKILL; hooks are off by default', async () => {
    const handle = await mintHandle({ card: 'gift-2' });
    assert.equal((await redeem(handle)).status, 200);
    const before = await sandbox.tokens();
    assert.ok(before.length >= 2);
    const ports = sandbox.ports;
    await sandbox.stop({ signal: 'SIGKILL', keepData: true });

    // Same data dir and ports (the handle's aud is the widget origin), without --test-hooks.
    sandbox = await startSandbox({ dataDir: dirs.data, wwwDir: dirs.www, ports, hooks: false, onLog });
    await expectRefusal(await redeem(handle), 409, 'HANDLE_REPLAYED');
    const afterRestart = await sandbox.tokens();
    assert.deepEqual(afterRestart.map((t) => t.ref), before.map((t) => t.ref));
    assert.equal((await fetch(`${sandbox.origins.host}/__sandbox/handle`, { method: 'POST' })).status, 404);
    assert.equal((await fetch(`${sandbox.origins.widget}/__sandbox/fault`, { method: 'POST' })).status, 404);
  });

  test('stderr logs requests with correlation ids and never card data, handles or JWEs', () => {
    assert.match(logs.text, new RegExp(`widget POST /walletpush/v1/credentials 200 cid=${CID}`));
    for (const pan of PANS) assert.ok(!logs.text.includes(pan), `PAN ${pan.slice(-4)} in the log`);
    for (const secret of secrets) assert.ok(!logs.text.includes(secret.slice(0, 60)), 'a handle or JWE in the log');
    for (const name of ['Gianna Holder', 'Erin Q. Cardholder']) assert.ok(!logs.text.includes(name), name);
  });
});
