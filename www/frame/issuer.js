// The issuer API as the frame calls it (docs/wire.md): the credential exchange, whose answer is
// read as bytes and never made a string.
import { CODES, coded } from "./errors.js";
import { base64url } from "./values.js";

/**
 * POSTs `{handle, wallet, session | state, ...extra}` to the issuer API (`session`: the wallet's
 * verified session token, popup mode; `state`: the redirect attempt's); resolves with the response body as
 * a Uint8Array. Refusals come back as coded errors (the issuer's own code when it gives one).
 */
export async function requestCredential({ api, handle, request, timeoutMs, signal, extra = {} }) {
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  signal?.addEventListener("abort", onAbort);
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const response = await fetch(`${api}/walletpush/v1/credentials`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-walletpush-correlation-id": request.cid },
      body: JSON.stringify({ handle, wallet: request.wallet, session: request.session, state: request.state, ...extra }),
      cache: "no-store",
      credentials: "same-origin",
      signal: abort.signal,
    });
    if (!response.ok) throw await refusal(response);
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    if (CODES.has(error?.code)) throw error;
    if (abort.signal.aborted) throw coded("TIMEOUT", "the issuer API did not answer in time");
    throw coded("NETWORK", "the issuer API could not be reached");
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * The same exchange for the wallets reached through adapters, whose answers carry no card data
 * (opaque credentials made by the issuer's servers): resolves with the parsed JSON object, or
 * ISSUER_REJECTED if it is not one.
 */
export async function requestJson(options) {
  const bytes = await requestCredential(options);
  let body;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    body = null;
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw coded("ISSUER_REJECTED", "the issuer API sent a malformed answer");
  }
  return body;
}

/** A fresh correlation id: 22 base64url characters of 16 random bytes (docs/wire.md). */
export function newCorrelationId() {
  return base64url(crypto.getRandomValues(new Uint8Array(16)));
}

async function refusal(response) {
  const body = await response.json().catch(() => ({}));
  if (response.status < 500 && CODES.has(body.code)) {
    return coded(body.code, typeof body.message === "string" ? body.message : "refused by the issuer API");
  }
  return coded("ISSUER_REJECTED", `the issuer API failed (HTTP ${response.status}): try again later`);
}
