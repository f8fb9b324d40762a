// Section 1: JWE encrypt per call in headless Chromium, our Wasm encryptJwe against npm jose
// and hand-written WebCrypto. Every JWE a timed call produced is then decrypted in Node with
// jose and checked (plaintext, kid, apu, apv, a distinct ephemeral key and IV per message), so a
// broken or shortcut implementation cannot win.
import { fileURLToPath } from "node:url";
import * as jose from "jose";
import { startStaticServer } from "./static-server.mjs";
import { summary } from "./stats.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = fileURLToPath(new URL("..", import.meta.url));

const WIDGET_ORIGIN = "https://walletpush.bank.example";
const b64 = (bytes) => Buffer.from(bytes).toString("base64url");
const random22 = () => b64(crypto.getRandomValues(new Uint8Array(16)));

/**
 * The plaintext the frame seals (docs/design.md §3 step 5, docs/wire.md): the issuer's payload with
 * a real ES256 activation JWS, plus iat, nonce and cid. Returns {bytes, sid}.
 */
async function cardPayload() {
  const sid = `s-${random22()}`;
  const { privateKey } = await jose.generateKeyPair("ES256");
  const now = Math.floor(Date.now() / 1000);
  const activation = await new jose.SignJWT({ card: "gift-1", sid, wallet: "sandbox", exp: now + 300 })
    .setProtectedHeader({ alg: "ES256", typ: "walletpush-activation+jwt", kid: `issuer-${random22()}` })
    .sign(privateKey);
  const payload = {
    pan: "4111111111111111",
    exp_month: 12,
    exp_year: 2030,
    name: "A. Holder",
    billing: { line1: "1 Main St", city: "Springfield", postal_code: "12345", country: "US" },
    product: "Gift card",
    network: "visa",
    last4: "1111",
    art: "https://walletpush.bank.example/art/gift.svg",
    activation,
    iat: now,
    nonce: random22(),
    cid: random22(),
  };
  return { bytes: new TextEncoder().encode(JSON.stringify(payload)), sid, activationLength: activation.length };
}

/** Decrypts and checks every JWE; returns the number of failures and the first reason. */
async function check(jwes, privateKey, expected) {
  const epks = new Set();
  const ivs = new Set();
  let failures = 0;
  let reason = null;
  const fail = (why) => {
    failures++;
    reason ??= why;
  };
  for (const jwe of jwes) {
    try {
      const { plaintext, protectedHeader: h } = await jose.compactDecrypt(jwe, privateKey, {
        keyManagementAlgorithms: ["ECDH-ES"],
        contentEncryptionAlgorithms: ["A256GCM"],
      });
      if (Buffer.compare(Buffer.from(plaintext), Buffer.from(expected.bytes)) !== 0) fail("plaintext differs");
      if (h.kid !== expected.kid) fail("kid");
      if (Buffer.from(h.apu ?? "", "base64url").toString() !== expected.apu) fail("apu");
      if (Buffer.from(h.apv ?? "", "base64url").toString() !== expected.apv) fail("apv");
      if (jwe.split(".")[1] !== "") fail("encrypted key part not empty");
      if (epks.has(h.epk.x)) fail("ephemeral key reused");
      epks.add(h.epk.x);
      const iv = jwe.split(".")[2];
      if (ivs.has(iv)) fail("IV reused");
      ivs.add(iv);
    } catch (error) {
      fail(`does not decrypt: ${error.code || error.message}`);
    }
  }
  return { checked: jwes.length, failures, reason };
}

/** Runs the section in a new page of `browser`; `opts`: {warmup, rounds, perRound}. */
export async function benchEncrypt(browser, { warmup, rounds, perRound }) {
  const server = await startStaticServer({
    "/pkg/": `${root}www/pkg`,
    "/jose/": `${root}node_modules/jose/dist/webapi`,
    "/": here,
  });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${server.origin}/encrypt-page.html`);
    await page.waitForFunction(() => window.encryptBench);
    await page.evaluate(() => window.encryptBench.ready);

    const { publicKey, privateKey } = await jose.generateKeyPair("ECDH-ES", { crv: "P-256", extractable: true });
    const kid = `enc-${random22()}`;
    const jwk = { ...(await jose.exportJWK(publicKey)), kid, use: "enc", alg: "ECDH-ES" };
    const payload = await cardPayload();
    const options = { kid, apu: WIDGET_ORIGIN, apv: payload.sid };
    const out = await page.evaluate(
      (args) => window.encryptBench.run(args),
      { jwk, plaintext: [...payload.bytes], options, warmup, rounds, perRound },
    );

    const expected = { bytes: payload.bytes, kid, apu: WIDGET_ORIGIN, apv: payload.sid };
    const implementations = {};
    for (const [name, { times, jwes }] of Object.entries(out.results)) {
      implementations[name] = { ...summary(times, 4), check: await check(jwes, privateKey, expected) };
    }
    return {
      plaintextBytes: payload.bytes.length,
      activationChars: payload.activationLength,
      crossOriginIsolated: out.crossOriginIsolated,
      callsEach: rounds * perRound,
      warmupEach: warmup,
      implementations,
      ratioWasmToWebCrypto: implementations.wasm.median / implementations.webcrypto.median,
      ratioWasmToJose: implementations.wasm.median / implementations.jose.median,
    };
  } finally {
    await context.close();
    await server.close();
  }
}
