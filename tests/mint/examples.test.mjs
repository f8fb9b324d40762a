// The handle-minting examples of examples/mint/ (Node.js with jose, Python with cryptography,
// Java with the JDK alone), each run as a developer would run it, against the real sandbox: the
// example's key is registered with `--issuer-jwks`, its handle checked with jose, and its
// handle plus binding cookie redeemed by the widget in headless Chromium, ending with the card
// in the sandbox wallet. A handle without its cookie is refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { jwtVerify, importJWK } from "jose";
import "../support/net.mjs";
import { useSandbox, withPage } from "../support/e2e.mjs";
import { embed, waitForEvent, clickAndOpenWallet, confirmInWallet } from "../support/browser.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const examples = join(root, "examples", "mint");
const dir = mkdtempSync(join(tmpdir(), "walletpush-mint-"));
const KID = "dev-backend-1";
const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const keyFile = join(dir, "handle-key.pem");
writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }));
const jwk = { ...publicKey.export({ format: "jwk" }), kid: KID, use: "sig", alg: "ES256" };
const jwksFile = join(dir, "jwks.json");
writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));

const env = useSandbox({ extraArgs: ["--issuer-jwks", jwksFile] });

const EXAMPLES = [
  ["Node.js (jose)", "node", [join(examples, "mint.mjs")]],
  ["Python (cryptography)", "python3", [join(examples, "mint.py")]],
  ["Java (JDK)", "java", [join(examples, "Mint.java")]],
];

function mint(program, args, widgetOrigin) {
  const cookieDomain = new URL(widgetOrigin).hostname.split(".").slice(-2).join(".");
  const out = execFileSync(program, [
    ...args, keyFile, KID, "sandbox-bank", widgetOrigin, cookieDomain,
    "gift-demo", "gift-1", "1111", "visa", "Gift card", "sandbox",
  ], { encoding: "utf8", env: { ...process.env, PYTHONPATH: [join(root, ".tools", "python"), process.env.PYTHONPATH].filter(Boolean).join(":") } });
  return JSON.parse(out);
}

/** The Set-Cookie line as a cookie for the browser context. */
function cookieOf(setCookie) {
  const [pair, ...attributes] = setCookie.split(";").map((s) => s.trim());
  const [name, value] = pair.split("=");
  const attr = Object.fromEntries(attributes.map((a) => a.split("=")).map(([k, v]) => [k.toLowerCase(), v ?? true]));
  assert.equal(attr.httponly, true);
  assert.equal(attr.samesite, "Strict");
  assert.equal(attr.path, "/walletpush/");
  // A leading dot: a domain cookie, as the browser stores one set with `Domain=` (without it,
  // the browser context would make a host-only cookie for the bare domain).
  return { name, value, domain: `.${attr.domain}`, path: attr.path, httpOnly: true, sameSite: "Strict", secure: false };
}

for (const [label, program, args] of EXAMPLES) {
  test(`${label}: its handle and cookie provision a card from the widget`, async () => {
    const widget = env.sandbox.origins.widget;
    const minted = mint(program, args, widget);
    // An independent JOSE implementation accepts the handle.
    const { payload, protectedHeader } = await jwtVerify(minted.handle, await importJWK(jwk, "ES256"), {
      typ: "walletpush-handle+jwt", audience: widget, issuer: "sandbox-bank",
    });
    assert.equal(protectedHeader.kid, KID);
    assert.ok(payload.exp - payload.iat <= 300);
    const cookie = cookieOf(minted.set_cookie);
    assert.equal(payload.bnd, createHash("sha256").update(Buffer.from(cookie.value, "base64url")).digest("base64url"));

    await withPage(env, async (page, context) => {
      await embed(page, env.sandbox, { handle: minted.handle, wallets: "sandbox" });
      await waitForEvent(page, "ready");
      // The cookie as the developer's backend sets it (replacing the embed page's own).
      await context.addCookies([cookie]);
      const popup = await clickAndOpenWallet(page, context);
      await confirmInWallet(popup);
      const success = await waitForEvent(page, "success");
      assert.equal(success.detail.last4, "1111");
    });
  });
}

test("an example's handle without its binding cookie is refused, and stays unspent", async () => {
  const widget = env.sandbox.origins.widget;
  const minted = mint("node", [join(examples, "mint.mjs")], widget);
  const redeem = async (headers) => {
    const response = await fetch(`${widget}/walletpush/v1/credentials`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: widget, ...headers },
      body: JSON.stringify({ handle: minted.handle, wallet: "sandbox", state: "AAAAAAAAAAAAAAAAAAAAAA" }),
    });
    return { status: response.status, body: await response.json() };
  };
  const refused = await redeem({});
  assert.equal(refused.status, 401);
  assert.equal(refused.body.code, "HANDLE_UNBOUND");
  const cookie = cookieOf(minted.set_cookie);
  const answered = await redeem({ cookie: `${cookie.name}=${cookie.value}` });
  assert.equal(answered.status, 200, answered.body.code);
  assert.equal(typeof answered.body.activation, "string");
});
