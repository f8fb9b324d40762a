// The frame's record of attempts that left the page (www/frame/attempts.js), run in Node with a
// stand-in for localStorage: what is recorded, when it expires, and Token Connect's unsigned
// return, which is taken only for a recorded attempt and only once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { record, pending, remove, tokenConnectReturn, LIFETIME } from "../../www/frame/attempts.js";

const NOW = 1_700_000_000;

function memoryStorage() {
  const items = new Map();
  return {
    items,
    getItem: (k) => (items.has(k) ? items.get(k) : null),
    setItem: (k, v) => items.set(k, String(v)),
    removeItem: (k) => items.delete(k),
  };
}

const fragment = (json) => Buffer.from(JSON.stringify(json)).toString("base64url");

test("records attempts without card data, and forgets them after 30 minutes", () => {
  const store = memoryStorage();
  assert.ok(record({ wallet: "sandbox", cid: "c1", state: "s1" }, store, NOW));
  assert.ok(record({ wallet: "tc", cid: "c2", kind: "token-connect" }, store, NOW + 10));
  assert.deepEqual(JSON.parse(store.items.get("walletpush.attempts")), [
    { wallet: "sandbox", cid: "c1", state: "s1", at: NOW },
    { wallet: "tc", cid: "c2", kind: "token-connect", at: NOW + 10 },
  ]);
  assert.equal(pending(store, NOW + LIFETIME).length, 2);
  assert.deepEqual(pending(store, NOW + LIFETIME + 1).map((a) => a.cid), ["c2"]);
  assert.equal(JSON.parse(store.items.get("walletpush.attempts")).length, 1, "the expired one is gone from storage");
  remove((a) => a.cid === "c2", store, NOW + LIFETIME + 1);
  assert.equal(store.items.has("walletpush.attempts"), false);
});

test("garbage in storage is ignored, and a refusing storage records nothing", () => {
  const store = memoryStorage();
  store.setItem("walletpush.attempts", "{not json");
  assert.deepEqual(pending(store, NOW), []);
  store.setItem("walletpush.attempts", JSON.stringify([{ wallet: 1, cid: "c", at: NOW }, "x", { wallet: "w", cid: "c", at: NOW }]));
  assert.equal(pending(store, NOW).length, 1);
  const full = { ...memoryStorage(), setItem: () => { throw new Error("QuotaExceededError"); } };
  assert.equal(record({ wallet: "w", cid: "c" }, full, NOW), false);
  assert.equal(record({ wallet: "w", cid: "c" }, null, NOW), false);
});

test("Token Connect's return is reported only for a recorded attempt of that wallet and cid, once", () => {
  const store = memoryStorage();
  const success = fragment({ status: "success", verified: false, wallet: "tc", cid: "c2" });
  assert.equal(tokenConnectReturn(success, store, NOW), null, "nothing recorded: nothing reported");
  record({ wallet: "tc", cid: "c2", kind: "token-connect" }, store, NOW);
  record({ wallet: "sandbox", cid: "c3", state: "s3" }, store, NOW);
  for (const forged of [
    fragment({ status: "success", verified: false, wallet: "tc", cid: "other" }),
    fragment({ status: "success", verified: false, wallet: "other", cid: "c2" }),
    fragment({ status: "success", wallet: "sandbox", cid: "c3" }), // not a Token Connect attempt
    fragment(["success"]),
    "not base64url json",
  ]) {
    assert.equal(tokenConnectReturn(forged, store, NOW), null, forged);
  }
  assert.equal(tokenConnectReturn(success, store, NOW + LIFETIME + 1), null, "expired");
  record({ wallet: "tc", cid: "c2", kind: "token-connect" }, store, NOW);
  record({ wallet: "sandbox", cid: "c3", state: "s3" }, store, NOW);
  assert.deepEqual(tokenConnectReturn(success, store, NOW), { wallet: "tc", cid: "c2", status: "success", verified: false });
  assert.equal(tokenConnectReturn(success, store, NOW), null, "replayed");
  assert.deepEqual(pending(store, NOW).map((a) => a.cid), ["c3"], "the walletpush/1 attempt stays");
});

test("Token Connect's cancel and errors keep only known codes and plain reasons", () => {
  const store = memoryStorage();
  const back = (json) => {
    record({ wallet: "tc", cid: "c", kind: "token-connect" }, store, NOW);
    return tokenConnectReturn(fragment({ wallet: "tc", cid: "c", ...json }), store, NOW);
  };
  assert.deepEqual(back({ status: "cancelled" }), { wallet: "tc", cid: "c", status: "cancelled" });
  assert.deepEqual(back({ status: "error", code: "WALLET_REJECTED", reason: "DUPLICATE_REQUEST" }), {
    wallet: "tc", cid: "c", status: "error", code: "WALLET_REJECTED", message: "DUPLICATE_REQUEST", retryable: false,
  });
  const odd = back({ status: "error", code: "<img>", reason: "4111111111111111" });
  assert.equal(odd.code, "WALLET_REJECTED");
  assert.equal(odd.message, "the wallet did not add the card");
});
