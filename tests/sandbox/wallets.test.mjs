// The issuer API's answers for the adapter wallets (Google, Apple, Token Connect), over HTTP:
// the configuration the frame reads (with the sandbox wallet's pins), the frame's CSP, each credential request with its
// stand-in credentials bound to the handle and the wallet session, and the refusals.

import '../support/net.mjs';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { startSandbox } from '../support/sandbox.mjs';
import { peekJws, scratch, verifyEs256 } from './support.mjs';

const SCRIPTS = 'http://127.0.0.1:9';
const REQUESTOR = 'http://127.0.0.1:10/requestor';
const TRID = '50123197928';
const CID = 'c0rrelati0n-id-wallets';

const logs = { text: '' };
const onLog = (text) => { logs.text += text; };
const dirs = scratch();
let sandbox;
let plain; // a sandbox without any adapter flag

before(async () => {
  sandbox = await startSandbox({
    dataDir: dirs.data, wwwDir: dirs.www, onLog,
    extraArgs: [
      '--google-script-url', `${SCRIPTS}/google/integration.min.js`, '--google-integrator-id', 'bank-1',
      '--apple-script-url', `${SCRIPTS}/apple/initAddToAppleWallet.js`, '--apple-partner-id', 'partner-1',
      '--token-connect-url', REQUESTOR, '--token-connect-requestor', TRID,
    ],
  });
  plain = await startSandbox({ dataDir: `${dirs.data}-plain`, wwwDir: dirs.www, onLog, extraArgs: ['--pin-wallet-document'] });
});

after(async () => {
  for (const s of [sandbox, plain]) if (s) await s.stop({ signal: 'SIGKILL', keepData: true });
  rmSync(dirs.dir, { recursive: true, force: true });
  rmSync(`${dirs.data}-plain`, { recursive: true, force: true });
});

const bindings = new Map(); // sandbox -> the test hooks' binding cookie value

async function mintHandle(overrides = {}, on = sandbox) {
  const response = await fetch(`${on.origins.host}/__sandbox/handle`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(overrides),
  });
  assert.equal(response.status, 200);
  const minted = await response.json();
  bindings.set(on, minted.binding);
  return minted;
}

// The issuer API as the widget frame calls it (Google's and Apple's requests as the adapter frame
// does, from the adapter origin), with the binding cookie of the handles minted here.
const callerOf = (body, on) => (['google', 'apple'].includes(body.wallet) ? on.origins.adapters : on.origins.widget);
async function request(body, { on = sandbox, origin = callerOf(body, on) } = {}) {
  const response = await fetch(`${on.origins.widget}/walletpush/v1/credentials`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json', 'X-Walletpush-Correlation-Id': CID, Origin: origin,
      Cookie: `walletpush_binding=${bindings.get(on)}`,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const GOOGLE = { wallet: 'google', server_session_id: 'srv-1', public_device_id: 'dev-1', public_wallet_id: 'wal-1' };
const TOKEN_CONNECT = () => ({ wallet: 'token-connect', token_requestor: TRID, return_url: `${sandbox.origins.host}/gift?x=1#old` });

async function verified(compact) {
  const { keys } = await (await fetch(`${sandbox.origins.widget}/walletpush/v1/jwks`)).json();
  const { header, payload } = peekJws(compact);
  assert.ok(await verifyEs256(compact, keys.find((k) => k.kid === header.kid)));
  return { header, payload };
}

/** The RFC 7638 thumbprints of a sandbox wallet's published signing keys, computed here. */
async function signingThumbprints(on) {
  const doc = await (await fetch(`${on.origins.wallet}/.well-known/walletpush.json`)).json();
  return doc.jwks.keys.filter((k) => k.use === 'sig').map((jwk) => {
    const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
    return createHash('sha256').update(canonical).digest('base64url');
  });
}

function expectRefusal(result, status, code) {
  assert.equal(result.status, status, JSON.stringify(result.body));
  assert.equal(result.body.code, code);
}

describe('configuration', () => {
  test('config lists each adapter wallet by kind with its settings; none without flags', async () => {
    const { wallets } = await (await fetch(`${sandbox.origins.widget}/walletpush/v1/config`)).json();
    assert.deepEqual(Object.keys(wallets).sort(), ['apple', 'google', 'sandbox', 'token-connect']);
    // The sandbox wallet is pinned by its signing key's thumbprint, its document discovered;
    // with --pin-wallet-document (the `plain` sandbox) the whole document is pinned.
    assert.deepEqual(wallets.sandbox, {
      kind: 'walletpush/1', name: 'Sandbox Wallet', origin: sandbox.origins.wallet,
      signing_keys: await signingThumbprints(sandbox),
      discovery: `${sandbox.origins.wallet}/.well-known/walletpush.json`,
    });
    assert.deepEqual(wallets.google, {
      kind: 'google', name: 'Google Wallet', script_url: `${SCRIPTS}/google/integration.min.js`,
      is_test_environment: true, integrator_id: 'bank-1',
    });
    assert.equal(wallets.apple.partner_id, 'partner-1');
    assert.equal(wallets.apple.environment, 'certification', "Apple's certification environment by default");
    assert.deepEqual(wallets['token-connect'], { kind: 'token-connect', name: 'Click to Pay', token_requestor: TRID });
    const bare = await (await fetch(`${plain.origins.widget}/walletpush/v1/config`)).json();
    assert.deepEqual(Object.keys(bare.wallets), ['sandbox']);
    const document = await (await fetch(`${plain.origins.wallet}/.well-known/walletpush.json`)).json();
    assert.deepEqual(bare.wallets.sandbox, {
      kind: 'walletpush/1', name: 'Sandbox Wallet', origin: plain.origins.wallet,
      signing_keys: await signingThumbprints(plain), document,
    });
  });

  test('frame.html carries the configuration inline, and preloads only for the wallets it names', async () => {
    const page = async (query) => (await fetch(`${sandbox.origins.widget}/frame.html${query}`)).text();
    const inline = (html) => JSON.parse(/<script type="application\/json" id="walletpush-config">([^<]*)<\/script>/.exec(html)[1]);
    const config = await (await fetch(`${sandbox.origins.widget}/walletpush/v1/config`)).json();
    const bare = await page('');
    assert.deepEqual(inline(bare), config);
    assert.doesNotMatch(bare, /<link/);
    const links = (html) => [...html.matchAll(/<link [^>]*>/g)].map((m) => m[0]).sort();
    assert.deepEqual(links(await page('?wallets=google')), ['<link rel="modulepreload" href="adapters/nested.js">']);
    assert.deepEqual(links(await page('?wallets=sandbox+apple+paypal')), [
      '<link rel="modulepreload" href="adapters/nested.js">',
      '<link rel="modulepreload" href="adapters/walletpush.js">',
      `<link rel="preload" href="${sandbox.origins.wallet}/.well-known/walletpush.json" as="fetch" crossorigin>`,
      '<link rel="preload" href="pkg/walletpush_bg.wasm" as="fetch" crossorigin>',
    ]);
    // Two inline scripts, each allowed by its hash in the frame's CSP: the early handshake on
    // every frame page, and the Wasm compile only where walletpush/1 is named.
    const scripts = (html) => [...html.matchAll(/<script>([^<]*)<\/script>/g)].map((m) => m[1]);
    const [handshake, ...none] = scripts(await page('?wallets=google'));
    assert.deepEqual(none, []);
    assert.match(handshake, /walletpush\/frame-ready/);
    const [handshakeToo, compile] = scripts(await page('?wallets=sandbox'));
    assert.equal(handshakeToo, handshake);
    assert.match(compile, /WebAssembly\.compileStreaming\(fetch\("pkg\/walletpush_bg\.wasm"\)\)/);
    const frameCsp = (await fetch(`${sandbox.origins.widget}/frame.html?wallets=sandbox`)).headers.get('content-security-policy');
    const hashes = [handshake, compile].map((s) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`);
    assert.ok(frameCsp.includes(`script-src 'self' ${hashes.join(' ')}`), frameCsp);
    // Nothing of the query is written into the page, and the configuration is the deployment's.
    const hostile = await page(`?wallets=${encodeURIComponent('"><script>alert(1)</script> sandbox')}&config=%7B%7D`);
    assert.doesNotMatch(hostile, /alert/);
    assert.deepEqual(inline(hostile), config);
  });

  test("the wallets' scripts are allowed on the adapter origin only, which the frame nests; default handles allow the wallets", async () => {
    const csp = (await fetch(`${sandbox.origins.widget}/frame.html`)).headers.get('content-security-policy');
    assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/]{43}=' 'sha256-[A-Za-z0-9+/]{43}=' 'wasm-unsafe-eval';/);
    assert.match(csp, new RegExp(`connect-src 'self' ${sandbox.origins.wallet};`));
    assert.match(csp, new RegExp(`frame-src ${sandbox.origins.adapters};`));
    assert.ok(!csp.includes(SCRIPTS), 'no wallet script on the widget origin');
    const adapterCsp = (await fetch(`${sandbox.origins.adapters}/adapter.html`)).headers.get('content-security-policy');
    assert.match(adapterCsp, new RegExp(`script-src 'self' ${SCRIPTS};`));
    assert.match(adapterCsp, new RegExp(`connect-src ${sandbox.origins.widget} ${SCRIPTS};`));
    assert.doesNotMatch(adapterCsp, /127\.0\.0\.1:10/, 'Token Connect loads no script');
    const plainCsp = (await fetch(`${plain.origins.widget}/frame.html`)).headers.get('content-security-policy');
    assert.doesNotMatch(plainCsp, /frame-src/, 'nothing to nest without Google or Apple');
    const { handle } = await mintHandle();
    assert.deepEqual(peekJws(handle).payload.wallets, ['sandbox', 'google', 'apple', 'token-connect']);
  });
});

describe('credentials', () => {
  test('google: {google_opc, tsp_opc} bound to the session, the handle and the correlation id', async () => {
    const { handle, jti } = await mintHandle();
    const result = await request({ handle, ...GOOGLE });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.deepEqual(Object.keys(result.body).sort(), ['google_opc', 'tsp_opc']);
    for (const [field, target] of [['google_opc', 'google'], ['tsp_opc', 'tsp']]) {
      const { header, payload } = await verified(Buffer.from(result.body[field], 'base64url').toString());
      assert.equal(header.typ, 'walletpush-google-opc+jwt');
      assert.deepEqual(
        [payload.target, payload.server_session_id, payload.public_device_id, payload.public_wallet_id, payload.hid, payload.cid],
        [target, 'srv-1', 'dev-1', 'wal-1', jti, CID],
      );
      assert.equal(payload.pan, undefined);
    }
  });

  test('google with tokenSetting 0 (no Android device): only Google\'s OPC, no device or wallet ids', async () => {
    const { handle } = await mintHandle();
    const result = await request({ handle, wallet: 'google', server_session_id: 'srv-1', token_setting: 0, card_setting: 1 });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.deepEqual(Object.keys(result.body), ['google_opc']);
    const { payload } = await verified(Buffer.from(result.body.google_opc, 'base64url').toString());
    assert.deepEqual([payload.target, payload.server_session_id, payload.public_device_id], ['google', 'srv-1', null]);
  });

  test('apple: {jws, state}, a flattened ES256 JWS with the state in it', async () => {
    const { handle, jti } = await mintHandle();
    const result = await request({ handle, wallet: 'apple' });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    const { jws, state } = result.body;
    const { header, payload } = await verified(`${jws.protected}.${jws.payload}.${jws.signature}`);
    assert.equal(header.alg, 'ES256');
    assert.equal(jws.header.kid, header.kid);
    assert.deepEqual([payload.iss, payload.sub, payload.aud, payload.state, payload.hid], ['sandbox-bank', 'provisioningTarget', 'Apple', state, jti]);
    assert.ok(payload.exp > payload.iat && payload.jti);
  });

  test('token-connect: {receipt, uri, callback_url}; the callback is the issuer\'s return endpoint naming the host page', async () => {
    const { handle, jti, last4 } = await mintHandle();
    const result = await request({ handle, ...TOKEN_CONNECT() });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.equal(result.body.uri, REQUESTOR);
    const callback = new URL(result.body.callback_url);
    assert.equal(`${callback.origin}${callback.pathname}`, `${sandbox.origins.widget}/walletpush/v1/token-connect/return`);
    assert.deepEqual(Object.fromEntries(callback.searchParams),
      { to: `${sandbox.origins.host}/gift?x=1`, wallet: 'token-connect', cid: CID });
    assert.ok(!result.body.callback_url.includes(last4), 'nothing of the card in the URL');
    const { header, payload } = await verified(result.body.receipt);
    assert.equal(header.typ, 'walletpush-push-receipt+jwt');
    assert.deepEqual([payload.token_requestor, payload.hid, payload.last4, payload.cid], [TRID, jti, last4, CID]);
  });

  /** The requestor's return to the callback URL, with `result` appended as a requestor does. */
  async function returnWith(params, on = sandbox) {
    const url = new URL(`${on.origins.widget}/walletpush/v1/token-connect/return`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const response = await fetch(url, { redirect: 'manual' });
    const location = response.headers.get('location');
    const fragment = location && location.split('#walletpush=')[1];
    const result = fragment ? JSON.parse(Buffer.from(fragment, 'base64url').toString('utf8')) : null;
    return { status: response.status, location, result };
  }

  test('token-connect return: the requestor\'s result becomes the host page\'s fragment (303)', async () => {
    const to = `${sandbox.origins.host}/gift?x=1`;
    const base = { to, wallet: 'token-connect', cid: CID };
    const success = await returnWith({ ...base, result: 'SUCCESS' });
    assert.equal(success.status, 303);
    assert.ok(success.location.startsWith(`${to}#walletpush=`), success.location);
    assert.deepEqual(success.result, { status: 'success', verified: false, wallet: 'token-connect', cid: CID });
    assert.equal((await returnWith({ ...base, result: 'CANCELLED' })).result.status, 'cancelled');
    const duplicate = await returnWith({ ...base, result: 'DUPLICATE_REQUEST' });
    assert.deepEqual([duplicate.status, duplicate.result.status, duplicate.result.code, duplicate.result.reason],
      [303, 'error', 'WALLET_REJECTED', 'DUPLICATE_REQUEST']);
    for (const result of [undefined, 'success', 'WHATEVER', '<x>']) {
      const odd = await returnWith(result === undefined ? base : { ...base, result });
      assert.equal(odd.status, 303, String(result));
      assert.equal(odd.result.status, 'error', `${result} is never a success`);
    }
  });

  test('token-connect return: a page off the host origins, or a wallet that is not Token Connect, is refused (no open redirect)', async () => {
    for (const to of ['https://evil.example/', `${sandbox.origins.widget}/frame.html`, '//evil.example/x', 'javascript:alert(1)']) {
      const refused = await returnWith({ to, wallet: 'token-connect', result: 'SUCCESS' });
      assert.deepEqual([refused.status, refused.location], [400, null], to);
    }
    const other = await returnWith({ to: `${sandbox.origins.host}/gift`, wallet: 'sandbox', result: 'SUCCESS' });
    assert.equal(other.status, 400);
    const off = await returnWith({ to: `${plain.origins.host}/gift`, wallet: 'token-connect', result: 'SUCCESS' }, plain);
    assert.equal(off.status, 400, 'no Token Connect configured');
  });

  test('ISSUER_REJECTED: a handle that does not allow the wallet (the handle stays unspent)', async () => {
    for (const body of [GOOGLE, { wallet: 'apple' }, TOKEN_CONNECT()]) {
      const { handle } = await mintHandle({ wallets: ['sandbox'] });
      expectRefusal(await request({ handle, ...body }), 403, 'ISSUER_REJECTED');
      assert.equal((await request({ handle, wallet: 'sandbox', state: 'c3RhdGUtc3RhdGUtc3RhdG' })).status, 200);
    }
  });

  test('HANDLE_REPLAYED: a handle used once, by any wallet', async () => {
    for (const body of [GOOGLE, { wallet: 'apple' }, TOKEN_CONNECT()]) {
      const { handle } = await mintHandle();
      assert.equal((await request({ handle, ...body })).status, 200);
      expectRefusal(await request({ handle, ...body }), 409, 'HANDLE_REPLAYED');
      expectRefusal(await request({ handle, wallet: 'apple' }), 409, 'HANDLE_REPLAYED');
    }
  });

  test('the usual checks come first: signature, origin', async () => {
    const rogue = await mintHandle({ signer: 'rogue' });
    expectRefusal(await request({ handle: rogue.handle, wallet: 'apple' }), 401, 'HANDLE_INVALID');
    const { handle } = await mintHandle();
    expectRefusal(await request({ handle, wallet: 'apple' }, { origin: 'http://evil.example' }), 403, 'ORIGIN_NOT_ALLOWED');
  });

  test('ISSUER_REJECTED: malformed bodies (400), a foreign requestor or return page, an unconfigured wallet (403)', async () => {
    const { handle } = await mintHandle();
    for (const body of [
      { wallet: 'google', server_session_id: 'srv-1' },
      { wallet: 'google', server_session_id: 'srv-1', token_setting: 0, card_setting: 0 },
      { ...GOOGLE, token_setting: 0 },
      { ...GOOGLE, public_wallet_id: 'a b' },
      { wallet: 'token-connect', token_requestor: TRID },
      { wallet: 'sandbox' },
    ]) {
      expectRefusal(await request({ handle, ...body }), 400, 'ISSUER_REJECTED');
    }
    expectRefusal(await request({ handle, ...TOKEN_CONNECT(), token_requestor: '999' }), 403, 'ISSUER_REJECTED');
    expectRefusal(await request({ handle, ...TOKEN_CONNECT(), return_url: 'http://evil.example/x' }), 403, 'ISSUER_REJECTED');
    // None of these spent the handle.
    assert.equal((await request({ handle, wallet: 'apple' })).status, 200);

    const other = await mintHandle({ wallets: ['sandbox', 'apple'] }, plain);
    expectRefusal(await request({ handle: other.handle, wallet: 'apple' }, { on: plain }), 403, 'ISSUER_REJECTED');
  });

  test('logs hold no credential', () => {
    assert.doesNotMatch(logs.text, /eyJ/);
  });
});
