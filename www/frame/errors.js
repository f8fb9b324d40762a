// The error vocabulary of docs/design.md §5, as the frame reports it.

export const CODES = new Set([
  "CONFIG_INVALID", "HANDLE_INVALID", "HANDLE_EXPIRED", "HANDLE_REPLAYED", "ORIGIN_NOT_ALLOWED",
  "CARD_INACTIVE", "WALLET_UNAVAILABLE", "WALLET_KEY_INVALID", "WALLET_SESSION_INVALID",
  "POPUP_BLOCKED", "USER_CANCELLED", "TIMEOUT", "NETWORK", "ISSUER_REJECTED", "WALLET_REJECTED",
  "WASM_BLOCKED_BY_CSP", "INTERNAL", "HANDLE_UNBOUND", "RATE_LIMITED",
]);

const RETRYABLE = new Set(["HANDLE_EXPIRED", "POPUP_BLOCKED", "USER_CANCELLED", "TIMEOUT", "NETWORK", "WALLET_UNAVAILABLE", "RATE_LIMITED"]);

/** An Error with a product `code`. */
export function coded(code, message) {
  const error = new Error(message);
  error.code = code;
  return error;
}

/**
 * WALLET_UNAVAILABLE with a `reason`: the `cause` of the `unavailable` event when it happens
 * before the button is shown (e.g. "script-failed", "missing-partner-id").
 */
export function unavailable(reason, message) {
  const error = coded("WALLET_UNAVAILABLE", message);
  error.reason = reason;
  return error;
}

/** `error` if it carries a product code, else INTERNAL (never the original text: it may say too much). */
export function asError(error) {
  if (error && CODES.has(error.code)) return error;
  return coded("INTERNAL", "unexpected error in the widget");
}

export function retryable(code) {
  return RETRYABLE.has(code);
}

/** The outcome object of a failure, as the Wasm Widget also returns it. */
export function failure(error) {
  const e = asError(error);
  return { status: "error", code: e.code, message: e.message, retryable: e.retryable ?? retryable(e.code) };
}
