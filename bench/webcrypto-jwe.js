// A hand-written JWE encrypt on WebCrypto alone: the baseline our Wasm encryptJwe is compared
// with. ECDH-ES (direct key agreement) + A256GCM on P-256, RFC 7516 compact serialization,
// RFC 7518 §4.6 Concat KDF with SHA-256, a fresh ephemeral key per message, random 96-bit IV,
// AAD = the encoded protected header, empty encrypted-key part. It does what a careful
// developer would do by hand: independent promises run concurrently, nothing cached between
// calls (each wallet session has a new recipient key, so the import is per message too).

const utf8 = new TextEncoder();

/** base64url without padding (RFC 4648 §5). */
export function b64url(bytes) {
  if (typeof bytes.toBase64 === "function") return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** 32-bit big-endian length prefix followed by the bytes (RFC 7518 §4.6.2, "Datalen || Data"). */
function lengthPrefixed(bytes) {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length);
  out.set(bytes, 4);
  return out;
}

/** One round of the Concat KDF: SHA-256(counter=1 || Z || OtherInfo) gives the 256-bit CEK. */
async function concatKdf(z, apu, apv) {
  const parts = [
    new Uint8Array([0, 0, 0, 1]),
    new Uint8Array(z),
    lengthPrefixed(utf8.encode("A256GCM")), // AlgorithmID: "enc" for direct key agreement
    lengthPrefixed(apu),
    lengthPrefixed(apv),
    new Uint8Array([0, 0, 1, 0]), // SuppPubInfo: keydatalen = 256 bits
  ];
  const input = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    input.set(p, offset);
    offset += p.length;
  }
  return crypto.subtle.digest("SHA-256", input);
}

/**
 * Encrypts `plaintext` (Uint8Array) to the P-256 public JWK `recipient`; `apu`/`apv` are
 * Uint8Arrays. Returns the compact JWE.
 */
export async function encryptJweWebCrypto(recipient, plaintext, { kid, apu, apv }) {
  const ecdh = { name: "ECDH", namedCurve: "P-256" };
  const [recipientKey, ephemeral] = await Promise.all([
    crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: recipient.x, y: recipient.y }, ecdh, false, []),
    crypto.subtle.generateKey(ecdh, false, ["deriveBits"]),
  ]);
  const [z, epk] = await Promise.all([
    crypto.subtle.deriveBits({ name: "ECDH", public: recipientKey }, ephemeral.privateKey, 256),
    crypto.subtle.exportKey("jwk", ephemeral.publicKey),
  ]);
  const header = {
    alg: "ECDH-ES",
    enc: "A256GCM",
    kid,
    epk: { kty: "EC", crv: "P-256", x: epk.x, y: epk.y },
    apu: b64url(apu),
    apv: b64url(apv),
  };
  const encodedHeader = b64url(utf8.encode(JSON.stringify(header)));
  const cek = await crypto.subtle.importKey("raw", await concatKdf(z, apu, apv), "AES-GCM", false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: utf8.encode(encodedHeader), tagLength: 128 },
      cek,
      plaintext,
    ),
  );
  const ciphertext = sealed.subarray(0, sealed.length - 16);
  const tag = sealed.subarray(sealed.length - 16);
  return `${encodedHeader}..${b64url(iv)}.${b64url(ciphertext)}.${b64url(tag)}`;
}
