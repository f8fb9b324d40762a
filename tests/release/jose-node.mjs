// The other side of each check, in Node alone (node:crypto, i.e. OpenSSL): P-256 public keys
// from private scalars, ECDH, the Concat KDF of RFC 7518 §4.6.2, and AES-256-GCM over a compact
// JWE. Nothing here comes from the Wasm under test.
import crypto from "node:crypto";

export const b64 = (bytes) => Buffer.from(bytes).toString("base64url");
export const unb64 = (text) => Buffer.from(text, "base64url");
export const unhex = (text) => Buffer.from(text, "hex");

/** The order n of P-256's base point. */
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** Whether 32 big-endian bytes are a valid private scalar, in [1, n − 1]. */
export function inScalarRange(d) {
  if (d.length !== 32) return false;
  const k = BigInt(`0x${Buffer.from(d).toString("hex")}`);
  return k >= 1n && k < N;
}

/** d·G of a 32-byte scalar as {x, y}, base64url, by OpenSSL. */
export function publicOf(d) {
  const ecdh = crypto.createECDH("prime256v1");
  ecdh.setPrivateKey(Buffer.from(d));
  const point = ecdh.getPublicKey(null, "uncompressed");
  return { x: b64(point.subarray(1, 33)), y: b64(point.subarray(33)) };
}

/** A fresh key pair: {d (bytes), jwk (public)}. */
export function newKeyPair() {
  const ecdh = crypto.createECDH("prime256v1");
  ecdh.generateKeys();
  const d = ecdh.getPrivateKey();
  const padded = Buffer.concat([Buffer.alloc(32 - d.length), d]);
  return { d: padded, jwk: { kty: "EC", crv: "P-256", ...publicOf(padded) } };
}

/** A fresh ES256 key: {jwk (public, for signatures), sign(text) -> r‖s signature bytes}. */
export function newSigningKey() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    jwk: { ...publicKey.export({ format: "jwk" }), use: "sig", alg: "ES256" },
    sign: (text) => crypto.sign("sha256", Buffer.from(text, "ascii"), { key: privateKey, dsaEncoding: "ieee-p1363" }),
  };
}

/** The ECDH shared secret (x coordinate) of scalar `d` with the point {x, y}, by OpenSSL. */
export function ecdh(d, { x, y }) {
  const ecdhKey = crypto.createECDH("prime256v1");
  ecdhKey.setPrivateKey(Buffer.from(d));
  return ecdhKey.computeSecret(Buffer.concat([Buffer.from([4]), unb64(x), unb64(y)]));
}

/**
 * Whether OpenSSL takes {crv: "P-256", x, y} as a public key (coordinates of 32 bytes, the
 * point on the curve).
 */
export function isP256Point(jwk) {
  if (jwk?.kty !== "EC" || jwk.crv !== "P-256" || typeof jwk.x !== "string" || typeof jwk.y !== "string") return false;
  if (unb64(jwk.x).length !== 32 || unb64(jwk.y).length !== 32) return false;
  try {
    crypto.createPublicKey({ key: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, format: "jwk" });
    return true;
  } catch {
    return false;
  }
}

const u32 = (n) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const lengthPrefixed = (bytes) => Buffer.concat([u32(bytes.length), Buffer.from(bytes)]);

/**
 * The Concat KDF of RFC 7518 §4.6.2 with SHA-256, for ECDH-ES in direct key agreement mode
 * (AlgorithmID = `enc`), `bits` ≤ 256 (one round).
 */
export function concatKdf(z, enc, apu, apv, bits) {
  const hash = crypto.createHash("sha256");
  hash.update(u32(1));
  hash.update(z);
  hash.update(lengthPrefixed(Buffer.from(enc, "ascii")));
  hash.update(lengthPrefixed(apu ?? Buffer.alloc(0)));
  hash.update(lengthPrefixed(apv ?? Buffer.alloc(0)));
  hash.update(u32(bits));
  return hash.digest().subarray(0, bits / 8);
}

/** The five parts of a compact JWE and its decoded protected header. */
export function parts(jwe) {
  const [protectedB64, encryptedKey, iv, ciphertext, tag] = jwe.split(".");
  return {
    protectedB64,
    header: JSON.parse(unb64(protectedB64).toString("utf8")),
    encryptedKey,
    iv: unb64(iv),
    ciphertext: unb64(ciphertext),
    tag: unb64(tag),
  };
}

/** AES-256-GCM decryption of a compact JWE with `cek` (AAD: the protected header as sent). */
export function decryptWithCek(jwe, cek) {
  const p = parts(jwe);
  const decipher = crypto.createDecipheriv("aes-256-gcm", cek, p.iv);
  decipher.setAAD(Buffer.from(p.protectedB64, "ascii"));
  decipher.setAuthTag(p.tag);
  return Buffer.concat([decipher.update(p.ciphertext), decipher.final()]);
}

/** AES-256-GCM encryption: {ciphertext, tag}. */
export function sealAes256Gcm(cek, iv, aad, plaintext) {
  const cipher = crypto.createCipheriv("aes-256-gcm", cek, iv);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

/**
 * A compact ECDH-ES + A256GCM JWE made in Node with a given `epk` and content key: what a
 * sender with that ephemeral key would send.
 */
export function compactJwe(epk, cek, plaintext) {
  const protectedB64 = b64(JSON.stringify({ alg: "ECDH-ES", enc: "A256GCM", epk }));
  const iv = crypto.randomBytes(12);
  const { ciphertext, tag } = sealAes256Gcm(cek, iv, Buffer.from(protectedB64, "ascii"), plaintext);
  return [protectedB64, "", b64(iv), b64(ciphertext), b64(tag)].join(".");
}
