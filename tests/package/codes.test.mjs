// One vocabulary of error codes (docs/design.md §5): the core's ErrorCode (src/error.rs) is the
// source; the package generates its list from it when packed, and this holds the shim's and
// the frame's copies, and which codes are retryable, equal to it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { errorCodes, retryableCodes } from "../../packages/walletpush-button/make-codes.mjs";
import { CODES as FRAME_CODES, retryable } from "../../www/frame/errors.js";

const shim = readFileSync(new URL("../../www/walletpush.js", import.meta.url), "utf8");

test("src/error.rs gives the codes of docs/design.md §5", () => {
  const codes = errorCodes();
  assert.ok(codes.length >= 17, codes.join(" "));
  for (const code of ["CONFIG_INVALID", "HANDLE_REPLAYED", "WASM_BLOCKED_BY_CSP", "INTERNAL"]) assert.ok(codes.includes(code), code);
  assert.ok(retryableCodes().includes("TIMEOUT") && !retryableCodes().includes("INTERNAL"));
});

test("the shim and the frame know exactly the core's codes", () => {
  const list = /const CODES = \[([^\]]*)\]/.exec(shim);
  assert.ok(list, "the shim's CODES");
  const shimCodes = [...list[1].matchAll(/"([A-Z_]+)"/g)].map((m) => m[1]);
  assert.deepEqual(shimCodes, errorCodes());
  assert.deepEqual([...FRAME_CODES], errorCodes());
});

test("the frame's retryable codes are the core's", () => {
  assert.deepEqual(errorCodes().filter(retryable), retryableCodes());
});
