// The attempts that left the page (docs/wire.md "Redirect mode"): before the frame sends the
// user to a wallet or a token requestor by top-level navigation, it records the attempt in the
// widget origin's localStorage, so that the result the user comes back with can be checked
// against an attempt this frame really started. An entry is `{wallet, cid, at}` plus `state`
// (walletpush/1) or `kind: "token-connect"`: never card data. Entries expire after 30 minutes;
// a result is taken once (its entry is removed as it is reported).

import { CODES } from "./errors.js";

const KEY = "walletpush.attempts";
/** Seconds an attempt is kept (the core's `result::ATTEMPT_LIFETIME`). */
export const LIFETIME = 30 * 60;
const MAX_ENTRIES = 20;

const seconds = () => Math.floor(Date.now() / 1000);

/** Records `entry` (`{wallet, cid, state?, kind?}`); false when storage is unavailable. */
export function record(entry, store = storage(), now = seconds()) {
  if (!store) return false;
  const list = [...pending(store, now), { ...entry, at: now }].slice(-MAX_ENTRIES);
  try {
    store.setItem(KEY, JSON.stringify(list));
    return true;
  } catch {
    return false;
  }
}

/** The unexpired attempts; expired ones are dropped from storage as they are read. */
export function pending(store = storage(), now = seconds()) {
  if (!store) return [];
  let list;
  try {
    list = JSON.parse(store.getItem(KEY) ?? "[]");
  } catch {
    list = [];
  }
  if (!Array.isArray(list)) list = [];
  const live = list.filter(
    (a) => a && typeof a === "object" && typeof a.wallet === "string" && typeof a.cid === "string" &&
      Number.isInteger(a.at) && a.at <= now + 60 && now - a.at <= LIFETIME,
  );
  if (live.length !== list.length) write(store, live);
  return live;
}

/** Removes the attempts for which `match(entry)` holds. */
export function remove(match, store = storage(), now = seconds()) {
  if (store) write(store, pending(store, now).filter((a) => !match(a)));
}

/**
 * Token Connect's return (docs/wire.md "Token Connect's return"): the fragment our own return
 * endpoint makes, base64url of `{status, wallet, cid, verified?, code?, reason?}`, unsigned. It is
 * taken only for a recorded Token Connect attempt of that wallet with that `cid` (which it then
 * removes), and returns the outcome to report: `{wallet, cid, status, code?, message?,
 * verified: false}`; else null (reported as nothing).
 */
export function tokenConnectReturn(value, store = storage(), now = seconds()) {
  let result;
  try {
    const b64 = value.replace(/-/g, "+").replace(/_/g, "/");
    result = JSON.parse(atob(b64 + "===".slice((b64.length + 3) % 4)));
  } catch {
    return null;
  }
  if (!result || typeof result !== "object" || typeof result.wallet !== "string" || typeof result.cid !== "string") {
    return null;
  }
  const match = (a) => a.kind === "token-connect" && a.wallet === result.wallet && a.cid === result.cid;
  if (!pending(store, now).some(match)) return null;
  remove(match, store, now);
  const base = { wallet: result.wallet, cid: result.cid };
  if (result.status === "success") return { ...base, status: "success", verified: false };
  if (result.status === "cancelled") return { ...base, status: "cancelled", code: "USER_CANCELLED" };
  // A requestor's own code (Token Connect's DUPLICATE_REQUEST: the card is already there).
  const message = /^[A-Z_]{1,40}$/.test(result.reason) ? result.reason : "the wallet did not add the card";
  const code = CODES.has(result.code) ? result.code : "WALLET_REJECTED";
  return { ...base, status: "error", code, message, retryable: false };
}

function write(store, list) {
  try {
    if (list.length) store.setItem(KEY, JSON.stringify(list));
    else store.removeItem(KEY);
  } catch {
    // Storage refused: nothing recorded, and nothing will verify.
  }
}

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
