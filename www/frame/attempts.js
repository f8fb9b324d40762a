// The attempts that left the page (docs/wire.md "Redirect mode"): before the frame sends the
// user to a wallet or a token requestor by top-level navigation, it records the attempt in the
// widget origin's localStorage, so that the result the user comes back with can be checked
// against an attempt this frame really started. An entry is `{wallet, cid, at}` plus `state`
// (walletpush/1) or `kind: "token-connect"`: never card data. Entries expire after 30 minutes;
// a result is taken once (its entry is removed as it is reported).
import { CODES } from "./errors.js";

const KEY = "walletpush.attempts";
/** Seconds an attempt is kept (the core's `result::ATTEMPT_LIFETIME`). */
export const LIFETIME = 1800;

const seconds = () => Math.floor(Date.now() / 1000);

/** Records `entry` (`{wallet, cid, state?, kind?}`); false when storage is unavailable. */
export function record(entry, store = storage(), now = seconds()) {
  return write(store, [...pending(store, now), { ...entry, at: now }].slice(-20));
}

/** The unexpired attempts; expired ones are dropped from storage as they are read. */
export function pending(store = storage(), now = seconds()) {
  let list;
  try {
    list = JSON.parse(store.getItem(KEY));
  } catch {
    // No storage, or not JSON.
  }
  list = Array.isArray(list) ? list : [];
  const live = list.filter((a) => typeof a?.wallet === "string" && typeof a.cid === "string" && a.at <= now + 60 && now - a.at <= LIFETIME);
  if (live.length !== list.length) write(store, live);
  return live;
}

/** Removes the attempts for which `match(entry)` holds. */
export function remove(match, store = storage(), now = seconds()) {
  write(store, pending(store, now).filter((a) => !match(a)));
}

/**
 * Token Connect's return (docs/wire.md "Token Connect's return"): the fragment our own return
 * endpoint makes, base64url of `{status, wallet, cid, verified?, code?, reason?}`, unsigned. It is
 * taken only for a recorded Token Connect attempt of that wallet with that `cid` (which it then
 * removes), and returns the outcome to report: `{wallet, cid, status, code?, message?,
 * verified: false}`; else null (reported as nothing).
 */
export function tokenConnectReturn(value, store = storage(), now = seconds()) {
  let r;
  try {
    r = JSON.parse(atob(value.replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    return null;
  }
  const match = (a) => a.kind === "token-connect" && a.wallet === r?.wallet && a.cid === r.cid;
  if (!pending(store, now).some(match)) return null;
  remove(match, store, now);
  const base = { wallet: r.wallet, cid: r.cid };
  if (r.status === "success") return { ...base, status: "success", verified: false };
  if (r.status === "cancelled") return { ...base, status: "cancelled" };
  return {
    ...base,
    status: "error",
    code: CODES.has(r.code) ? r.code : "WALLET_REJECTED",
    // A requestor's own code (Token Connect's DUPLICATE_REQUEST: the card is already there).
    message: /^[A-Z_]{1,40}$/.test(r.reason) ? r.reason : "the wallet did not add the card",
    retryable: false,
  };
}

function write(store, list) {
  try {
    if (list.length) store.setItem(KEY, JSON.stringify(list));
    else store.removeItem(KEY);
    return true;
  } catch {
    // No storage, or it refused: nothing recorded, and nothing will verify.
    return false;
  }
}

function storage() {
  try {
    return localStorage;
  } catch {
    return null;
  }
}
