// The encrypt bench page's module: three JWE encrypt implementations side by side, timed in
// rounds that rotate their order so that a noisy machine (GC, another process) hits all three
// alike. bench/encrypt.mjs calls window.encryptBench.run() and checks every output in Node.
import init, { encryptJwe } from "/pkg/walletpush.js";
import { CompactEncrypt, importJWK } from "/jose/index.js";
import { encryptJweWebCrypto } from "/webcrypto-jwe.js";

const utf8 = new TextEncoder();

/** name -> async (recipientJwk, plaintext, {kid, apu, apv} as strings) -> compact JWE */
const IMPLEMENTATIONS = {
  // Our Wasm build: validates the JWK (point on the curve) and encrypts, synchronously.
  wasm: (jwk, plaintext, options) => encryptJwe(jwk, plaintext, options),
  // npm jose on WebCrypto, through its public API, key imported per message like the others.
  jose: async (jwk, plaintext, { kid, apu, apv }) =>
    new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM", kid })
      .setKeyManagementParameters({ apu: utf8.encode(apu), apv: utf8.encode(apv) })
      .encrypt(await importJWK(jwk, "ECDH-ES")),
  // Hand-written WebCrypto (bench/webcrypto-jwe.js).
  webcrypto: (jwk, plaintext, { kid, apu, apv }) =>
    encryptJweWebCrypto(jwk, plaintext, { kid, apu: utf8.encode(apu), apv: utf8.encode(apv) }),
};

async function timeOne(fn, jwk, plaintext, options) {
  const start = performance.now();
  const jwe = await fn(jwk, plaintext, options);
  return [performance.now() - start, jwe];
}

/**
 * Runs `warmup` untimed calls of each implementation, then `rounds` rounds of `perRound` timed
 * calls of each, the order rotating every round. Returns per implementation the times (ms) and
 * every JWE produced in the timed calls, for checking.
 */
async function run({ jwk, plaintext, options, warmup, rounds, perRound }) {
  const bytes = new Uint8Array(plaintext);
  const names = Object.keys(IMPLEMENTATIONS);
  const results = Object.fromEntries(names.map((n) => [n, { times: [], jwes: [] }]));
  for (let i = 0; i < warmup; i++) {
    for (const n of names) await IMPLEMENTATIONS[n](jwk, bytes, options);
  }
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const n of order) {
      for (let i = 0; i < perRound; i++) {
        const [ms, jwe] = await timeOne(IMPLEMENTATIONS[n], jwk, bytes, options);
        results[n].times.push(ms);
        results[n].jwes.push(jwe);
      }
    }
  }
  return {
    crossOriginIsolated: self.crossOriginIsolated,
    userAgent: navigator.userAgent,
    results,
  };
}

window.encryptBench = { ready: init().then(() => true), run };
