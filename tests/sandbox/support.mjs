// Helpers of the sandbox's HTTP-level suite: dummy widget files, and a small independent JOSE
// implementation on WebCrypto (ES256 verification, ECDH-ES + A256GCM encryption per
// RFC 7518 §4.6) so the suite checks the Rust code against another implementation. The sandbox
// itself is started by the one launcher, tests/support/sandbox.mjs.

import { createHash, webcrypto } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { subtle } = webcrypto;

// A temporary directory with a data dir and a www dir holding dummy widget files.
export function scratch() {
  const dir = mkdtempSync(join(tmpdir(), 'walletpush-sandbox-test-'));
  const www = join(dir, 'www');
  mkdirSync(join(www, 'pkg'), { recursive: true });
  writeFileSync(join(www, 'walletpush.js'), '// shim stand-in\n');
  writeFileSync(join(www, 'frame.html'), '<!doctype html><head><title>frame</title></head><body></body>\n');
  writeFileSync(join(www, 'frame.js'), '// frame stand-in\n');
  writeFileSync(join(www, 'widget.css'), ':root {}\n');
  writeFileSync(join(www, 'secret.txt'), 'not served\n');
  writeFileSync(join(www, 'pkg', 'walletpush_bg.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(join(www, 'pkg', 'walletpush.js'), 'export {};\n');
  // The adapter origin's page (docs/wire.md, "Adapter origin").
  mkdirSync(join(www, 'adapter'));
  writeFileSync(join(www, 'adapter', 'adapter.html'), '<!doctype html><head><title>adapter</title></head><body></body>\n');
  return { dir, data: join(dir, 'data'), www };
}

export const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
export const fromB64u = (text) => new Uint8Array(Buffer.from(text, 'base64url'));
const utf8 = (text) => new TextEncoder().encode(text);

// Decodes a compact JWS's header and payload (no verification).
export function peekJws(compact) {
  const [header, payload] = compact.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
  };
}

// Verifies an ES256 compact JWS against a public JWK (RFC 7515; signature is r || s).
export async function verifyEs256(compact, jwk) {
  const key = await subtle.importKey(
    'jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y },
    { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'],
  );
  const [header, payload, signature] = compact.split('.');
  return subtle.verify(
    { name: 'ECDSA', hash: 'SHA-256' }, key, fromB64u(signature), utf8(`${header}.${payload}`),
  );
}

// JWE compact, alg ECDH-ES, enc A256GCM (RFC 7516, RFC 7518 §4.6): what the widget's frame does.
export async function encryptJwe(recipient, plaintext, { kid, apu, apv }) {
  const recipientKey = await subtle.importKey(
    'jwk', { kty: 'EC', crv: 'P-256', x: recipient.x, y: recipient.y },
    { name: 'ECDH', namedCurve: 'P-256' }, false, [],
  );
  const ephemeral = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const z = new Uint8Array(
    await subtle.deriveBits({ name: 'ECDH', public: recipientKey }, ephemeral.privateKey, 256),
  );
  const epk = await subtle.exportKey('jwk', ephemeral.publicKey);
  const header = {
    alg: 'ECDH-ES', enc: 'A256GCM', kid,
    epk: { kty: 'EC', crv: 'P-256', x: epk.x, y: epk.y },
    apu: b64u(utf8(apu)), apv: b64u(utf8(apv)),
  };
  const encodedHeader = b64u(utf8(JSON.stringify(header)));
  const cek = concatKdf(z, 'A256GCM', utf8(apu), utf8(apv));
  const key = await subtle.importKey('raw', cek, 'AES-GCM', false, ['encrypt']);
  const iv = webcrypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: utf8(encodedHeader), tagLength: 128 },
    key, utf8(JSON.stringify(plaintext)),
  ));
  const ciphertext = sealed.slice(0, -16);
  const tag = sealed.slice(-16);
  return `${encodedHeader}..${b64u(iv)}.${b64u(ciphertext)}.${b64u(tag)}`;
}

// The Concat KDF (NIST SP 800-56A §5.8.1) for a 256-bit key: one SHA-256 round.
function concatKdf(z, algorithm, apu, apv) {
  const lengthPrefixed = (bytes) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, Buffer.from(bytes)]);
  };
  const round = Buffer.from([0, 0, 0, 1]);
  const keyBits = Buffer.from([0, 0, 1, 0]);
  return new Uint8Array(createHash('sha256')
    .update(Buffer.concat([round, Buffer.from(z), lengthPrefixed(utf8(algorithm)),
      lengthPrefixed(apu), lengthPrefixed(apv), keyBits]))
    .digest());
}

export const randomId = (prefix = '') => `${prefix}${b64u(webcrypto.getRandomValues(new Uint8Array(16)))}`;
