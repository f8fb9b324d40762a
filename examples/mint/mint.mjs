// Mints a walletpush card handle and its binding cookie (docs/design.md §2) with `jose`.
//
//   node mint.mjs KEY.pem KID ISSUER WIDGET_ORIGIN COOKIE_DOMAIN SUB CARD LAST4 NETWORK PRODUCT WALLETS
//
// Prints one JSON line: {"handle": "...", "set_cookie": "..."}. In a real backend the binding
// secret is made once per login session, kept with the session, and the same cookie value is
// reused for every handle of that session; here each run is a new session.
import { readFileSync } from "node:fs";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { SignJWT, importPKCS8 } from "jose";

const [keyFile, kid, issuer, widgetOrigin, cookieDomain, sub, card, last4, network, product, wallets] =
  process.argv.slice(2);

// The binding secret: 32 random bytes. The cookie carries them; the handle their SHA-256.
const secret = randomBytes(32);
const cookieValue = secret.toString("base64url");
const bnd = createHash("sha256").update(secret).digest("base64url");

const key = await importPKCS8(readFileSync(keyFile, "utf8"), "ES256");
const now = Math.floor(Date.now() / 1000);
const handle = await new SignJWT({
  iss: issuer,
  sub,
  card,
  aud: widgetOrigin,
  iat: now,
  exp: now + 300,
  jti: randomUUID(),
  wallets: wallets.split(","),
  display: { last4, network, product },
  bnd,
})
  .setProtectedHeader({ alg: "ES256", typ: "walletpush-handle+jwt", kid })
  .sign(key);

const secure = widgetOrigin.startsWith("https:") ? "; Secure" : "";
const setCookie = `walletpush_binding=${cookieValue}; Domain=${cookieDomain}; Path=/walletpush/; HttpOnly; SameSite=Strict; Max-Age=1800${secure}`;
console.log(JSON.stringify({ handle, set_cookie: setCookie }));
