// Handles whose times sit at the ends of the integers (docs/design.md §2): signed with the
// sandbox's real issuer key through the test hook, so that only the time checks stand between
// them and the card. Each is HANDLE_INVALID; nothing panics, wraps into a valid lifetime, or
// takes the server down: it answers the next request, and a normal handle still works.
import "../support/net.mjs";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSandbox } from "../support/sandbox.mjs";
import { assertNoCardData, claimsOf, redeem, walletSession } from "../support/attacks.mjs";

const MAX = "9223372036854775807";
const MIN = "-9223372036854775808";
const JS_MAX = "9007199254740991"; // 2^53 − 1, the latest time a handle may name
const PAST_JS_MAX = "9007199254740993"; // 2^53 + 1, not exact as a JavaScript number

let sandbox;
before(async () => {
  sandbox = await startSandbox();
});
after(() => sandbox?.stop());

/** Mints through the hook with raw JSON numbers (they do not fit a JavaScript number). */
async function mint(fields) {
  const body = `{${Object.entries(fields).map(([k, v]) => `"${k}": ${v}`).join(", ")}}`;
  const response = await fetch(`${sandbox.origins.host}/__sandbox/handle`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  const text = await response.text();
  assert.equal(response.status, 200, `the hook minted ${body}: ${text}`);
  return JSON.parse(text).handle;
}

const now = () => String(Math.floor(Date.now() / 1000));
const CASES = [
  { iat: MAX, exp: MAX },
  { iat: MIN, exp: MAX },
  { iat: MIN, exp: MIN },
  { iat: MAX, exp: MIN },
  { iat: MIN, exp: "-9223372036854775508" }, // MIN + 300: a "valid" lifetime, long ago
  { iat: "9223372036854775507", exp: MAX }, // MAX − 300: a "valid" lifetime, far ahead
  { iat: () => now(), exp: MAX },
  { iat: MAX, exp: () => now() },
  { iat: () => now(), exp: () => String(Number(now()) + 300), nbf: MAX },
  { iat: () => now(), exp: () => String(Number(now()) + 300), nbf: MIN },
  { iat: PAST_JS_MAX, exp: PAST_JS_MAX },
  { iat: JS_MAX, exp: JS_MAX },
];

test("handles with iat, exp or nbf at the ends of i64 are HANDLE_INVALID, and the server lives", async () => {
  const session = await walletSession(sandbox);
  assert.equal(session.status, 200, session.text);
  for (const c of CASES) {
    const fields = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, typeof v === "function" ? v() : v]));
    const handle = await mint(fields);
    // The hook really put the extreme times in (JSON.parse rounds them; the text does not).
    const payloadText = Buffer.from(handle.split(".")[1], "base64url").toString("utf8");
    assert.ok(payloadText.includes(`"iat":${fields.iat}`), payloadText);
    const r = await redeem(sandbox, { handle, wallet: "sandbox", session: session.session }, { origin: sandbox.origins.widget });
    assert.equal(r.status, 401, `${JSON.stringify(fields)}: ${r.status} ${r.text}`);
    assert.equal(r.json?.code, "HANDLE_INVALID", `${JSON.stringify(fields)}: ${r.text}`);
    assertNoCardData(r.text, "a refusal");
    const alive = await fetch(`${sandbox.origins.widget}/walletpush/v1/config`);
    assert.equal(alive.status, 200, "the server still answers");
  }
  // A normal handle gets past the time checks (to the binding check, which it fails here: no
  // cookie): the refusals above were the time checks'.
  const normal = await mint({});
  assert.ok(claimsOf(normal).exp > claimsOf(normal).iat);
  const r = await redeem(sandbox, { handle: normal, wallet: "sandbox", session: session.session }, { origin: sandbox.origins.widget });
  assert.equal(r.json?.code, "HANDLE_UNBOUND", r.text);
  assert.doesNotMatch(sandbox.logs(), /panicked|overflow/);
  assertNoCardData(sandbox.logs(), "the sandbox's log");
});
