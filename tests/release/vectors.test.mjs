// The vectors of tests/vectors.rs against the bytes that ship: the release builds after
// wasm-opt (`npm run build`), loaded into headless Chromium through their own glue, called only
// through their JavaScript exports. Two builds:
//
// - www/pkg/, the module every host page downloads (exports `encryptJwe` and `Widget`);
// - target/pkg-toolkit/, the same profile and wasm-opt passes with the toolkit's exports
//   (`decryptJwe`, `verifyJws`, `validateJwk`, ...).
//
// An encryption's ephemeral key is made the vector's private key by serving its bytes to the
// Wasm's `crypto.getRandomValues` for that one call (tests/release/harness.mjs); the order in
// which the Wasm reads those bytes is found first, by comparing the JWE's `epk` with d·G from
// OpenSSL. What the Wasm computed is then checked in Node alone (tests/release/jose-node.mjs):
// the content key from the vector's shared secret by the Concat KDF, and AES-256-GCM over the
// JWE. Which vector file is covered how, on which build, is in tests/vectors/README.md; each test
// prints its counts (passed / refused / skipped, with reasons).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { openBuilds } from "./harness.mjs";
import {
  b64, compactJwe, concatKdf, decryptWithCek, ecdh, inScalarRange, isP256Point, newKeyPair, newSigningKey, parts,
  publicOf, sealAes256Gcm, unb64, unhex,
} from "./jose-node.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const vectors = (name) => JSON.parse(readFileSync(`${root}tests/vectors/${name}`, "utf8"));
const casesOf = (doc) => doc.testGroups.flatMap((g) => g.tests.map((t) => ({ g, t })));

const ECDH = "wycheproof/ecdh_secp256r1_webcrypto_test.json";
const APPENDIX_C = "rfc7518-appendix-c.json";
const JWE = "wycheproof/json_web_encryption_test.json";
const JWK = "wycheproof/json_web_key_test.json";
const AES_GCM = "wycheproof/aes_gcm_test.json";
const ECDSA = "wycheproof/ecdsa_secp256r1_sha256_p1363_test.json";

/** Outcome counts of one vector file on one build, and the cases that went wrong. */
class Tally {
  constructor(build, file) {
    Object.assign(this, { build, file, counts: new Map(), failures: [] });
  }

  add(outcome) {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
  }

  fail(id, why) {
    this.failures.push(`${id}: ${why}`);
  }

  count(prefix) {
    return [...this.counts].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);
  }

  /** Prints the counts, then fails on any wrong case, or when nothing was checked. */
  settle() {
    for (const [outcome, n] of [...this.counts].sort()) console.log(`${this.build}: ${this.file}: ${n} ${outcome}`);
    assert.deepEqual(this.failures.slice(0, 20), [], `${this.failures.length} cases wrong`);
    assert.ok(this.count("passed") + this.count("refused") > 0, "no case checked");
  }
}

let builds;
before(async () => {
  builds = await openBuilds();
});
after(async () => {
  await builds?.close();
});

/**
 * How the Wasm turns drawn bytes into its ephemeral scalar, and in which order it draws the
 * scalar and the IV: the candidates, tried on one key.
 */
const LAYOUTS = {
  "scalar as 32 big-endian bytes, then the IV": (d, iv) => [...d, ...iv],
  "scalar as 32 little-endian bytes, then the IV": (d, iv) => [...Buffer.from(d).reverse(), ...iv],
  "the IV, then the scalar as 32 big-endian bytes": (d, iv) => [...iv, ...d],
  "the IV, then the scalar as 32 little-endian bytes": (d, iv) => [...iv, ...Buffer.from(d).reverse()],
};

const layouts = {};

/** The layout of the build's draws, found with a fresh key; throws if none fits. */
async function layoutOf(name) {
  if (layouts[name]) return layouts[name];
  const { d } = newKeyPair();
  const recipient = newKeyPair().jwk;
  const iv = Buffer.from("0123456789ab");
  const expected = publicOf(d);
  const tried = [];
  for (const [label, layout] of Object.entries(LAYOUTS)) {
    const [out] = await builds.pages[name].run([encryptCall(recipient, Buffer.from("probe"), {}, layout(d, iv))]);
    assert.ok(out.ok, `${name}: encryptJwe failed: ${JSON.stringify(out.error)}`);
    const p = parts(out.value);
    tried.push(`${label}: draws ${out.draws.join("+")} B, ${out.left} B unused`);
    if (p.header.epk.x === expected.x && p.header.epk.y === expected.y && p.iv.equals(iv) && out.left === 0) {
      console.log(`${name}: ephemeral key forced through getRandomValues: ${label} (draws of ${out.draws.join(" + ")} B)`);
      layouts[name] = { label, layout };
      return layouts[name];
    }
  }
  throw new Error(`${name}: no layout of the drawn bytes gives the chosen ephemeral key:\n${tried.join("\n")}`);
}

function encryptCall(jwk, plaintext, options, forced = []) {
  return { fn: "encryptJwe", args: [jwk, [...plaintext], options], bytesArgs: [1], forced };
}

/** A refusal as the JS API must give it: a typed WalletPushError, never a trap. */
function typedError(out, code) {
  if (out.ok) return "accepted";
  if (out.error.name !== "WalletPushError") return `not a WalletPushError: ${out.error.name}: ${out.error.message}`;
  if (code && out.error.code !== code) return `code ${out.error.code}, expected ${code}`;
  return null;
}

const APU = "https://walletpush.bank.example";
const plaintextFor = (id) => Buffer.from(`{"pan":"4111111111111111","case":"${id}"}`);

/**
 * Checks one forced encryption: the `epk` is d·G (by OpenSSL), the content key from `z` by the
 * Concat KDF decrypts the JWE in Node to `plaintext`, and the header is as asked. Returns null or
 * what is wrong.
 */
function checkForced(out, { d, z, plaintext, apu, apv, kid }) {
  if (!out.ok) return `refused: ${JSON.stringify(out.error)}`;
  if (out.left !== 0) return `${out.left} forced bytes unused (draws ${out.draws.join("+")})`;
  const p = parts(out.value);
  const expected = publicOf(d);
  if (p.header.epk.x !== expected.x || p.header.epk.y !== expected.y) return "epk is not d·G";
  if (p.header.alg !== "ECDH-ES" || p.header.enc !== "A256GCM") return `alg/enc ${p.header.alg}/${p.header.enc}`;
  if (p.encryptedKey !== "") return "encrypted key part not empty";
  if ((p.header.kid ?? null) !== (kid ?? null)) return "kid";
  if (p.header.apu !== b64(apu) || p.header.apv !== b64(apv)) return "apu/apv";
  const cek = concatKdf(z, "A256GCM", apu, apv, 256);
  let opened;
  try {
    opened = decryptWithCek(out.value, cek);
  } catch {
    return "does not decrypt in Node with the content key derived from the vector's shared secret";
  }
  return opened.equals(plaintext) ? null : "plaintext differs";
}

/** Wycheproof ECDH P-256 (JWK form) through encryptJwe, the vector's private key as ephemeral. */
async function ecdhThroughEncrypt(name) {
  const tally = new Tally(name, `${ECDH} (encryptJwe, ephemeral key = the vector's private key)`);
  const { layout } = await layoutOf(name);
  const cases = casesOf(vectors(ECDH));
  const calls = [];
  const plan = [];
  for (const { t } of cases) {
    const id = `tc ${t.tcId}`;
    const d = unb64(t.private.d);
    if (t.result === "valid" && !inScalarRange(d)) {
      tally.add("skipped (private key outside [1, n − 1]: not a key the Wasm would draw)");
      continue;
    }
    const iv = Buffer.from(unhex(t.shared).subarray(0, 12));
    const apv = `sid ${t.tcId}`;
    calls.push(encryptCall(t.public, plaintextFor(id), { kid: `k${t.tcId}`, apu: APU, apv }, layout(d, iv)));
    plan.push({ t, id, d, apv });
  }
  const outs = await builds.pages[name].run(calls);
  plan.forEach(({ t, id, d, apv }, i) => {
    const out = outs[i];
    if (t.result === "valid") {
      const wrong = checkForced(out, {
        d, z: unhex(t.shared), plaintext: plaintextFor(id), apu: Buffer.from(APU), apv: Buffer.from(apv), kid: `k${t.tcId}`,
      });
      if (wrong) tally.fail(id, wrong);
      else tally.add("passed (valid: epk = d·G, decrypts in Node with the key from the vector's shared secret)");
    } else {
      const wrong = typedError(out, "KEY_INVALID");
      if (wrong) tally.fail(id, `invalid public key: ${wrong}`);
      else tally.add(`refused (invalid public key: KEY_INVALID ${out.error.reason})`);
    }
  });
  tally.settle();
  assert.equal(tally.count("passed"), 330);
}

/**
 * RFC 7518 Appendix C through encryptJwe: Alice's ephemeral key forced, Bob the recipient,
 * apu "Alice", apv "Bob". The appendix derives a 128-bit key for A128GCM; our enc is A256GCM,
 * so what is checked is: the `epk` is Alice's public key as the appendix gives it; Node's ECDH
 * of Bob's private key with that `epk` and its Concat KDF for A128GCM reproduce the appendix's
 * derived key (so Node's side is the appendix's); and the JWE decrypts in Node with the A256GCM
 * key derived from that same Z. Returns the JWE.
 */
async function appendixCThroughEncrypt(name, tally) {
  const v = vectors(APPENDIX_C);
  const { layout } = await layoutOf(name);
  const d = unb64(v.alice_ephemeral_jwk.d);
  const bobPublic = { kty: "EC", crv: "P-256", x: v.bob_jwk.x, y: v.bob_jwk.y };
  const apu = unb64(v.apu);
  const apv = unb64(v.apv);
  const plaintext = plaintextFor("appendix C");
  // apu and apv are ASCII ("Alice", "Bob"): the export takes them as strings (UTF-8).
  const [result] = await builds.pages[name].run([
    encryptCall(bobPublic, plaintext, { apu: apu.toString("utf8"), apv: apv.toString("utf8") }, layout(d, Buffer.alloc(12, 7))),
  ]);
  assert.ok(result.ok, `${name}: ${JSON.stringify(result.error)}`);
  const p = parts(result.value);
  if (p.header.epk.x !== v.alice_ephemeral_jwk.x || p.header.epk.y !== v.alice_ephemeral_jwk.y) {
    tally.fail("appendix C", "epk is not Alice's public key");
  }
  const z = ecdh(unb64(v.bob_jwk.d), p.header.epk);
  if (b64(concatKdf(z, v.enc, apu, apv, 128)) !== v.derived_key_b64url) tally.fail("appendix C", "Node's derived key differs");
  if (p.header.apu !== v.apu || p.header.apv !== v.apv) tally.fail("appendix C", "apu/apv in the header");
  const wrong = checkForced(result, { d, z, plaintext, apu, apv });
  if (wrong) tally.fail("appendix C", wrong);
  else tally.add("passed (epk = Alice's key; Node's Z and KDF give the appendix's A128GCM key; the A256GCM JWE decrypts with the key from that Z)");
  return result.value;
}

/** What encryptJwe must do with a key: null (encrypt) or the KEY_INVALID reason, by OpenSSL and the JWK rules. */
function expectedForEncryption(jwk) {
  if (typeof jwk.kty !== "string") return "Malformed";
  if (jwk.kty !== "EC") return "UnsupportedKeyType";
  if (jwk.crv !== "P-256") return "WrongCurve";
  if (!isP256Point(jwk)) return "InvalidPoint";
  if (jwk.use !== undefined && jwk.use !== "enc") return "WrongUse";
  if (jwk.alg !== undefined && jwk.alg !== "ECDH-ES") return "WrongAlg";
  return null;
}

/**
 * Each distinct key of a JWE or JWK vector file, as the recipient of encryptJwe (its public
 * part). A key the rules accept must give a JWE that its private key (when the file has it)
 * decrypts in Node; any other must be refused with the expected reason.
 */
async function keysThroughEncrypt(name, file) {
  const tally = new Tally(name, `${file} (each key as encryptJwe's recipient)`);
  const seen = new Set();
  const keys = [];
  for (const g of vectors(file).testGroups) {
    for (const set of [g.private, g.public]) {
      for (const key of set?.keys ?? (set ? [set] : [])) {
        // The public members only (a symmetric key's `k` too is left out: its `kty` is refused).
        const { d, p, q, dp, dq, qi, k, ...publicPart } = key;
        const id = JSON.stringify(publicPart);
        if (seen.has(id)) continue;
        seen.add(id);
        keys.push({ publicPart, d: d && key.kty === "EC" ? unb64(d) : null });
      }
    }
  }
  const outs = await builds.pages[name].run(keys.map((k) => encryptCall(k.publicPart, plaintextFor(k.publicPart.kid), { kid: k.publicPart.kid })));
  const controls = [];
  keys.forEach((k, i) => {
    const out = outs[i];
    const id = `key ${k.publicPart.kid ?? i} (${k.publicPart.kty}/${k.publicPart.crv ?? k.publicPart.alg ?? "-"})`;
    const expected = expectedForEncryption(k.publicPart);
    if (expected === null) {
      if (!out.ok) return void tally.fail(id, `refused: ${JSON.stringify(out.error)}`);
      if (!k.d) return void tally.add("passed (accepted; no private key in the file to decrypt)");
      const p = parts(out.value);
      try {
        const opened = decryptWithCek(out.value, concatKdf(ecdh(k.d, p.header.epk), "A256GCM", null, null, 256));
        if (!opened.equals(plaintextFor(k.publicPart.kid))) return void tally.fail(id, "plaintext differs");
      } catch {
        return void tally.fail(id, "the key's private part does not decrypt the JWE in Node");
      }
      return void tally.add("passed (a P-256 encryption key: its private key decrypts the JWE in Node)");
    }
    const wrong = typedError(out, "KEY_INVALID");
    if (wrong) return void tally.fail(id, `expected KEY_INVALID ${expected}: ${wrong}`);
    if (out.error.reason !== expected) return void tally.fail(id, `reason ${out.error.reason}, expected ${expected}`);
    tally.add(`refused (${expected})`);
    if (k.d && (expected === "WrongUse" || expected === "WrongAlg")) controls.push(k);
  });
  // Control: a key refused for its `use` or `alg` alone encrypts without them, and its private
  // key decrypts the result, so the refusal above was for that member and nothing else.
  const stripped = (k) => Object.fromEntries(Object.entries(k.publicPart).filter(([m]) => m !== "use" && m !== "alg"));
  const controlOuts = await builds.pages[name].run(controls.map((k) => encryptCall(stripped(k), plaintextFor("control"), {})));
  controls.forEach((k, i) => {
    const out = controlOuts[i];
    const id = `key ${k.publicPart.kid} without use/alg`;
    if (!out.ok) return void tally.fail(id, `refused: ${JSON.stringify(out.error)}`);
    const p = parts(out.value);
    try {
      decryptWithCek(out.value, concatKdf(ecdh(k.d, p.header.epk), "A256GCM", null, null, 256));
    } catch {
      return void tally.fail(id, "its private key does not decrypt the JWE in Node");
    }
    tally.add("passed (control: a key refused for use/alg alone, without them, encrypts; its private key decrypts)");
  });
  tally.settle();
}

/**
 * AES-GCM: the exports take no AES key (the content key comes from ECDH and the Concat KDF),
 * so the file's known answers cannot be given to them. What is run: every valid case with a
 * 96-bit IV and 128-bit tag supplies its IV (forced through getRandomValues) and its message;
 * the Wasm's ciphertext and tag must equal OpenSSL's AES-256-GCM with the JWE's content key
 * and AAD. A differential check on the vector's inputs, not its known answer.
 */
async function aesGcmDifferential(name) {
  const tally = new Tally(name, `${AES_GCM} (encryptJwe: the vector's IV and message, compared with OpenSSL)`);
  const { layout } = await layoutOf(name);
  const recipient = newKeyPair();
  const calls = [];
  const plan = [];
  for (const { g, t } of casesOf(vectors(AES_GCM))) {
    if (g.ivSize !== 96 || g.tagSize !== 128) {
      tally.add("skipped (IV not 96 bits or tag not 128 bits: outside JWE A256GCM)");
      continue;
    }
    if (t.result !== "valid") {
      tally.add("skipped (invalid case: its key and tag cannot be given to the exports)");
      continue;
    }
    const d = newKeyPair().d;
    calls.push(encryptCall(recipient.jwk, unhex(t.msg), {}, layout(d, unhex(t.iv))));
    plan.push({ t, d });
  }
  const outs = await builds.pages[name].run(calls);
  plan.forEach(({ t, d }, i) => {
    const out = outs[i];
    const id = `tc ${t.tcId}`;
    if (!out.ok) return void tally.fail(id, JSON.stringify(out.error));
    const p = parts(out.value);
    if (!p.iv.equals(unhex(t.iv))) return void tally.fail(id, "the IV is not the vector's");
    const cek = concatKdf(ecdh(recipient.d, publicOf(d)), "A256GCM", null, null, 256);
    const sealed = sealAes256Gcm(cek, unhex(t.iv), Buffer.from(p.protectedB64, "ascii"), unhex(t.msg));
    if (!sealed.ciphertext.equals(p.ciphertext) || !sealed.tag.equals(p.tag)) return void tally.fail(id, "ciphertext or tag differs from OpenSSL's");
    tally.add("passed (valid: ciphertext and tag equal OpenSSL's)");
  });
  tally.settle();
}

describe("www/pkg/: the widget's module, as every host page downloads it", () => {
  const name = "release";

  test("exports only encryptJwe and Widget; www/dist/ serves the same .wasm", () => {
    assert.deepEqual(builds.pages[name].exports, ["Widget", "encryptJwe"]);
    const dist = `${root}www/dist/pkg/walletpush_bg.wasm`;
    if (existsSync(dist)) assert.ok(readFileSync(dist).equals(readFileSync(`${root}www/pkg/walletpush_bg.wasm`)), "www/dist/ serves other bytes");
  });

  test(`${ECDH}`, () => ecdhThroughEncrypt(name));

  test(`${APPENDIX_C}`, async () => {
    const tally = new Tally(name, `${APPENDIX_C} (encryptJwe, ephemeral key = Alice's)`);
    await appendixCThroughEncrypt(name, tally);
    tally.settle();
  });

  test(`${JWE} (recipient keys)`, () => keysThroughEncrypt(name, JWE));
  test(`${JWK} (keys)`, () => keysThroughEncrypt(name, JWK));
  test(`${AES_GCM}`, () => aesGcmDifferential(name));

  test(`${ECDSA}: not reachable here`, () => {
    // The module verifies ES256 only inside `Widget`, on a wallet session or result JWS: the signature is
    // over a JWS signing input, never the vector's arbitrary message.
    const n = vectors(ECDSA).numberOfTests;
    console.log(`${name}: ${ECDSA}: ${n} skipped (no export verifies a signature over a given message)`);
  });
});

describe("target/pkg-toolkit/: the same release build with the toolkit's exports", () => {
  const name = "toolkit";

  test("exports the toolkit", () => {
    for (const fn of ["encryptJwe", "decryptJwe", "signJws", "verifyJws", "validateJwk", "generateKey"]) {
      assert.ok(builds.pages[name].exports.includes(fn), fn);
    }
  });

  test(`${ECDH} through encryptJwe`, () => ecdhThroughEncrypt(name));

  test(`${ECDH} through decryptJwe`, async () => {
    // A JWE made in Node whose `epk` is the vector's public key, sealed with the key derived
    // from the vector's shared secret: the vector's private key must decrypt it (d·Q = the
    // shared secret); with an invalid public key as `epk`, decryptJwe must refuse.
    const tally = new Tally(name, `${ECDH} (decryptJwe, the vector's public key as epk)`);
    const cases = casesOf(vectors(ECDH));
    const calls = cases.map(({ t }) => {
      const cek = t.result === "valid" ? concatKdf(unhex(t.shared), "A256GCM", null, null, 256) : Buffer.alloc(32, 1);
      return { fn: "decryptJwe", args: [t.private, compactJwe(t.public, cek, plaintextFor(t.tcId))] };
    });
    const outs = await builds.pages[name].run(calls);
    cases.forEach(({ t }, i) => {
      const out = outs[i];
      const id = `tc ${t.tcId}`;
      if (t.result === "valid") {
        if (!out.ok) return void tally.fail(id, JSON.stringify(out.error));
        if (!Buffer.from(out.value.plaintext.bytes).equals(plaintextFor(t.tcId))) return void tally.fail(id, "plaintext differs");
        return void tally.add("passed (valid: decrypts)");
      }
      const wrong = typedError(out, "JWE_INVALID");
      if (wrong) return void tally.fail(id, wrong);
      tally.add("refused (invalid public key as epk: JWE_INVALID)");
    });
    tally.settle();
    assert.equal(tally.count("passed"), 330);
  });

  test(`${APPENDIX_C}`, async () => {
    const tally = new Tally(name, `${APPENDIX_C} (encryptJwe, ephemeral key = Alice's; decryptJwe with Bob's key)`);
    const jwe = await appendixCThroughEncrypt(name, tally);
    const v = vectors(APPENDIX_C);
    const [out] = await builds.pages[name].run([{ fn: "decryptJwe", args: [v.bob_jwk, jwe] }]);
    if (!out.ok) tally.fail("appendix C", `decryptJwe with Bob's key: ${JSON.stringify(out.error)}`);
    else if (!Buffer.from(out.value.plaintext.bytes).equals(plaintextFor("appendix C"))) tally.fail("appendix C", "decryptJwe: plaintext differs");
    else tally.add("passed (decryptJwe with Bob's private key)");
    tally.settle();
  });

  test(`${JWE} (recipient keys)`, () => keysThroughEncrypt(name, JWE));

  test(`${JWE} through decryptJwe`, async () => {
    // As tests/vectors.rs: EC groups only; the one ECDH-ES + A256GCM case decrypts, every other
    // case is refused (invalid, or an algorithm walletpush does not accept).
    const tally = new Tally(name, `${JWE} (decryptJwe)`);
    const plan = [];
    for (const { g, t } of casesOf(vectors(JWE))) {
      if (g.private.kty !== "EC") {
        tally.add("skipped (not an EC key: other algorithm families)");
        continue;
      }
      plan.push({ g, t, jwe: typeof t.jwe === "string" ? t.jwe : JSON.stringify(t.jwe) });
    }
    const outs = await builds.pages[name].run(plan.map((c) => ({ fn: "decryptJwe", args: [c.g.private, c.jwe] })));
    plan.forEach(({ g, t, jwe }, i) => {
      const out = outs[i];
      const id = `tc ${t.tcId}`;
      let header = null;
      try {
        header = JSON.parse(unb64(jwe.split(".")[0]).toString("utf8"));
      } catch {
        // JSON serialization or a malformed header: not a compact JWE walletpush takes.
      }
      const ours = header?.alg === "ECDH-ES" && header?.enc === "A256GCM";
      if (out.ok) {
        if (t.result !== "valid") return void tally.fail(id, "invalid JWE accepted");
        if (!Buffer.from(out.value.plaintext.bytes).equals(unhex(t.pt))) return void tally.fail(id, "plaintext differs");
        return void tally.add("passed (valid ECDH-ES + A256GCM)");
      }
      if (out.error.name !== "WalletPushError") return void tally.fail(id, `not a WalletPushError: ${out.error.message}`);
      if (out.error.code === "KEY_INVALID") {
        if (g.private.crv === "P-256") return void tally.fail(id, "P-256 key refused");
        return void tally.add("refused (recipient key not P-256)");
      }
      if (t.result === "valid") {
        if (ours) return void tally.fail(id, "valid ECDH-ES + A256GCM JWE refused");
        return void tally.add(`refused (valid, algorithm not accepted: ${header?.alg ?? "?"}/${header?.enc ?? "?"})`);
      }
      tally.add("refused (invalid)");
    });
    tally.settle();
    assert.equal(tally.count("passed (valid ECDH-ES + A256GCM)"), 1);
  });

  test(`${JWK} (keys)`, () => keysThroughEncrypt(name, JWK));

  test(`${JWK} through verifyJws`, async () => {
    // As tests/vectors.rs: the key set (or key) and the JWS; ES256 with the right key is the
    // only thing that may verify.
    const tally = new Tally(name, `${JWK} (verifyJws)`);
    const cases = casesOf(vectors(JWK));
    const outs = await builds.pages[name].run(cases.map(({ g, t }) => ({
      fn: "verifyJws", args: [g.public ?? g.private, typeof t.jws === "string" ? t.jws : JSON.stringify(t.jws)],
    })));
    cases.forEach(({ t }, i) => {
      const out = outs[i];
      const id = `tc ${t.tcId}`;
      let alg = null;
      try {
        alg = JSON.parse(unb64(String(t.jws).split(".")[0]).toString("utf8")).alg;
      } catch {
        // not a compact JWS
      }
      if (out.ok) {
        if (t.result !== "valid") return void tally.fail(id, "invalid JWS accepted");
        return void tally.add("passed (valid ES256)");
      }
      if (out.error.name !== "WalletPushError") return void tally.fail(id, `not a WalletPushError: ${out.error.message}`);
      if (t.result === "valid") {
        if (alg === "ES256") return void tally.fail(id, "valid ES256 JWS refused");
        return void tally.add(`refused (valid, algorithm not accepted: ${alg}; ES256 only)`);
      }
      tally.add(`refused (invalid: ${out.error.code})`);
    });
    tally.settle();
  });

  test(`${AES_GCM}`, () => aesGcmDifferential(name));

  test(`${ECDSA}: the keys, and the signatures over a JWS signing input`, async () => {
    // verifyJws checks a signature over `header.payload`, never over an arbitrary message, so
    // the file's known answers (valid signatures over its messages) cannot be run through the
    // exports. What can: every group's public key must be accepted as a signature key
    // (validateJwk), and no signature of the file may verify as the signature of a JWS whose
    // payload is the vector's message (the signed bytes then differ from the vector's).
    const tally = new Tally(name, `${ECDSA} (validateJwk; verifyJws over a JWS signing input)`);
    const doc = vectors(ECDSA);
    // A signature key, as a wallet publishes one (`use` is required of a lone key).
    const keyOf = (g) => ({ kty: "EC", crv: "P-256", x: g.publicKeyJwk.x, y: g.publicKeyJwk.y, use: "sig", alg: "ES256" });
    const groups = doc.testGroups;
    const keyOuts = await builds.pages[name].run(groups.map((g) => ({ fn: "validateJwk", args: [keyOf(g), { use: "sig", requireUse: true }] })));
    groups.forEach((g, i) => {
      const expected = isP256Point(keyOf(g));
      if (keyOuts[i].ok !== expected) tally.fail(`group ${i}`, `key ${keyOuts[i].ok ? "accepted" : "refused"}`);
      else tally.add(expected ? "passed (group key accepted by validateJwk)" : "refused (group key not a P-256 point)");
    });
    const header = b64(JSON.stringify({ alg: "ES256" }));
    const cases = casesOf(doc);
    const outs = await builds.pages[name].run(cases.map(({ g, t }) => ({
      fn: "verifyJws", args: [keyOf(g), `${header}.${b64(unhex(t.msg))}.${b64(unhex(t.sig))}`],
    })));
    cases.forEach(({ t }, i) => {
      const out = outs[i];
      const id = `tc ${t.tcId}`;
      const wrong = typedError(out, "JWS_INVALID");
      if (wrong) return void tally.fail(id, `signature over other bytes: ${wrong}`);
      // The known answer itself (valid over the vector's message) is not run: see above.
      tally.add(`refused (${t.result} case: its signature against a JWS signing input, not its message)`);
    });
    // Control: the same JWSs signed in Node (OpenSSL, r‖s) with a fresh key verify, so the
    // refusals above are the signatures', not a verifier that refuses everything.
    const signer = newSigningKey();
    const signed = cases.map(({ t }) => {
      const input = `${header}.${b64(unhex(t.msg))}`;
      return { fn: "verifyJws", args: [signer.jwk, `${input}.${b64(signer.sign(input))}`] };
    });
    (await builds.pages[name].run(signed)).forEach((out, i) => {
      const id = `tc ${cases[i].t.tcId} (control)`;
      if (!out.ok) return void tally.fail(id, `a JWS signed in Node refused: ${JSON.stringify(out.error)}`);
      if (!Buffer.from(out.value.payload.bytes).equals(unhex(cases[i].t.msg))) return void tally.fail(id, "payload differs");
      tally.add("passed (control: the vector's message as the payload of a JWS signed in Node verifies)");
    });
    tally.settle();
  });
});
