// Interop with an independent JOSE implementation (npm `jose`, on Node's WebCrypto), both ways:
// our Wasm build's JWE and JWS checked by jose, and jose's checked by our Wasm build.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as jose from "jose";
import { loadWalletpush } from "../support/wasm.mjs";

const wp = await loadWalletpush();
const SIZES = [0, 1, 15, 16, 17, 255, 1024, 4096, 65535, 65536];
const ORIGIN = "https://walletpush.bank.example";
const SID = "sid-8c1f2b";

function bytes(n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

async function joseKeyPair(use) {
  const { publicKey, privateKey } = await jose.generateKeyPair(use === "enc" ? "ECDH-ES" : "ES256", {
    crv: "P-256",
    extractable: true,
  });
  return {
    publicKey,
    privateKey,
    publicJwk: { ...(await jose.exportJWK(publicKey)), kid: `${use}-1`, use, alg: use === "enc" ? "ECDH-ES" : "ES256" },
    privateJwk: { ...(await jose.exportJWK(privateKey)), kid: `${use}-1` },
  };
}

test("our encryptJwe -> jose.compactDecrypt, 0 B to 64 KiB, with kid/apu/apv", async () => {
  const keys = await joseKeyPair("enc");
  for (const size of SIZES) {
    const plaintext = bytes(size);
    const jwe = wp.encryptJwe(keys.publicJwk, plaintext.slice(), { kid: "enc-1", apu: ORIGIN, apv: SID });
    const out = await jose.compactDecrypt(jwe, keys.privateKey, {
      keyManagementAlgorithms: ["ECDH-ES"],
      contentEncryptionAlgorithms: ["A256GCM"],
    });
    assert.deepEqual(out.plaintext, plaintext, `size ${size}`);
    assert.equal(out.protectedHeader.alg, "ECDH-ES");
    assert.equal(out.protectedHeader.enc, "A256GCM");
    assert.equal(out.protectedHeader.kid, "enc-1");
    assert.equal(new TextDecoder().decode(jose.base64url.decode(out.protectedHeader.apu)), ORIGIN);
    assert.equal(new TextDecoder().decode(jose.base64url.decode(out.protectedHeader.apv)), SID);
    assert.equal(out.protectedHeader.epk.crv, "P-256");
  }
});

test("jose.CompactEncrypt -> our decryptJwe, 0 B to 64 KiB, with kid/apu/apv", async () => {
  const keys = await joseKeyPair("enc");
  for (const size of SIZES) {
    const plaintext = bytes(size);
    const jwe = await new jose.CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM", kid: "enc-1" })
      .setKeyManagementParameters({
        apu: new TextEncoder().encode(ORIGIN),
        apv: new TextEncoder().encode(SID),
      })
      .encrypt(keys.publicKey);
    const out = wp.decryptJwe(keys.privateJwk, jwe);
    assert.deepEqual(out.plaintext, plaintext, `size ${size}`);
    assert.equal(out.header.kid, "enc-1");
    assert.equal(out.header.apv, jose.base64url.encode(SID));
  }
});

test("jose's JWE with another enc or alg is refused by ours with JWE_INVALID", async () => {
  const keys = await joseKeyPair("enc");
  for (const [alg, enc] of [["ECDH-ES", "A128GCM"], ["ECDH-ES+A256KW", "A256GCM"], ["ECDH-ES", "A256CBC-HS512"]]) {
    const jwe = await new jose.CompactEncrypt(new Uint8Array([1, 2, 3]))
      .setProtectedHeader({ alg, enc })
      .encrypt(keys.publicKey);
    assert.throws(() => wp.decryptJwe(keys.privateJwk, jwe), (e) => e.code === "JWE_INVALID" && e.name === "WalletPushError");
  }
});

test("our signJws -> jose.compactVerify, and jose's ES256 JWS -> our verifyJws", async () => {
  const keys = await joseKeyPair("sig");
  const ours = wp.generateKey({ use: "sig", kid: "ours-1" });
  const oursPublic = wp.validateJwk(ours, { use: "sig" });
  const payload = JSON.stringify({ sid: SID, aud: ORIGIN, exp: 2000000000 });

  const jws = wp.signJws(ours, payload, { typ: "walletpush-session+jwt" });
  const verified = await jose.compactVerify(jws, await jose.importJWK(oursPublic, "ES256"), { algorithms: ["ES256"] });
  assert.equal(new TextDecoder().decode(verified.payload), payload);
  assert.equal(verified.protectedHeader.kid, "ours-1");
  assert.equal(verified.protectedHeader.typ, "walletpush-session+jwt");

  const theirs = await new jose.CompactSign(new TextEncoder().encode(payload))
    .setProtectedHeader({ alg: "ES256", kid: "sig-1", typ: "walletpush-handle+jwt" })
    .sign(keys.privateKey);
  const out = wp.verifyJws({ keys: [oursPublic, keys.publicJwk] }, theirs);
  assert.equal(new TextDecoder().decode(out.payload), payload);
  assert.equal(out.header.typ, "walletpush-handle+jwt");

  // The wrong key, and jose's signature on other content, are refused.
  assert.throws(() => wp.verifyJws(oursPublic, theirs), (e) => e.code === "JWS_INVALID");
  const [h, , s] = theirs.split(".");
  assert.throws(() => wp.verifyJws(keys.publicJwk, `${h}.${jose.base64url.encode("{}")}.${s}`), (e) => e.code === "JWS_INVALID");
});

test("jose's ES256 JWS verifies only with a key that says use: sig", async () => {
  const keys = await joseKeyPair("sig");
  const jws = await new jose.CompactSign(new TextEncoder().encode("{}"))
    .setProtectedHeader({ alg: "ES256", kid: "sig-1" })
    .sign(keys.privateKey);
  assert.equal(new TextDecoder().decode(wp.verifyJws(keys.publicJwk, jws).payload), "{}");
  const { use, alg, ...bare } = keys.publicJwk;
  assert.equal(use, "sig");
  assert.throws(() => wp.verifyJws(bare, jws), (e) => e.code === "KEY_INVALID" && e.reason === "WrongUse");
  assert.throws(() => wp.verifyJws({ ...bare, use: "enc" }, jws), (e) => e.code === "KEY_INVALID" && e.reason === "WrongUse");
  assert.throws(() => wp.verifyJws({ keys: [bare] }, jws), (e) => e.code === "JWS_INVALID");
  assert.equal(new TextDecoder().decode(wp.verifyJws({ keys: [{ ...bare, use: "sig" }] }, jws).payload), "{}");
  assert.equal(alg, "ES256");
});

test("jose's HS256 and unsecured JWS are refused by ours", async () => {
  const secret = new Uint8Array(32).fill(7);
  const hs = await new jose.CompactSign(new TextEncoder().encode("{}")).setProtectedHeader({ alg: "HS256", kid: "sig-1" }).sign(secret);
  const keys = await joseKeyPair("sig");
  assert.throws(() => wp.verifyJws(keys.publicJwk, hs), (e) => e.code === "JWS_INVALID");
  const none = `${jose.base64url.encode('{"alg":"none"}')}.${jose.base64url.encode("{}")}.`;
  assert.throws(() => wp.verifyJws(keys.publicJwk, none), (e) => e.code === "JWS_INVALID");
});

test("bad keys give KEY_INVALID with a reason, never a crash", () => {
  const good = wp.generateKey({ use: "enc" });
  const pub = wp.validateJwk(good);
  const cases = [
    ["{not json", "Malformed"],
    [{ ...pub, y: undefined }, "MissingCoordinate"],
    [{ ...pub, x: pub.x.slice(2) }, "WrongLength"],
    [{ ...pub, y: pub.x }, "InvalidPoint"],
    [{ ...pub, crv: "P-384" }, "WrongCurve"],
    [{ ...pub, use: "sig" }, "WrongUse"],
    [{ ...pub, exp: 1000 }, "Expired"],
  ];
  for (const [key, reason] of cases) {
    assert.throws(
      () => wp.encryptJwe(key, new Uint8Array(4), {}),
      (e) => e.code === "KEY_INVALID" && e.reason === reason,
      reason,
    );
  }
  assert.throws(() => wp.encryptJwe(pub, new Uint8Array(1), { kid: 5 }), (e) => e.code === "INPUT_INVALID");
  assert.throws(() => wp.validateJwk(pub, { use: "sig", requireUse: true }), (e) => e.reason === "WrongUse");
});

test("arguments of the wrong type give INPUT_INVALID", () => {
  const pub = wp.validateJwk(wp.generateKey({ use: "enc" }));
  for (const [args, what] of [
    [[pub, "not bytes", {}], "string plaintext"],
    [[pub, [1, 2, 3], {}], "array plaintext"],
    [[pub, new Uint8Array(1), 5], "number options"],
    [[pub, new Uint8Array(1), "x"], "string options"],
    [[pub, new Uint8Array(1), { apu: 5 }], "number apu"],
  ]) {
    assert.throws(() => wp.encryptJwe(...args), (e) => e.code === "INPUT_INVALID", what);
  }
  assert.throws(() => wp.signJws(wp.generateKey({ use: "sig" }), 42), (e) => e.code === "INPUT_INVALID");
  assert.throws(() => wp.generateKey({ use: "wrap" }), (e) => e.code === "INPUT_INVALID");
  assert.throws(() => wp.verifyJws(42, "a.b.c"), (e) => e.code === "INPUT_INVALID");
});
