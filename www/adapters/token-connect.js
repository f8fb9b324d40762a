// Adapter for Mastercard MDES Token Connect (DESIGN.md §4): the issuer pushes the card to a
// token requestor (e.g. Click to Pay, a merchant, a wallet) and sends the user there. No wallet
// script, no card data in the browser and no Wasm: the issuer's servers get a push receipt from
// MDES, and this frame only navigates the top window to the requestor.
//
// Token Connect is documented publicly (developer.mastercard.com, "MDES Token Connect"), but how
// a requestor's page receives the receipt and reports back differs per requestor. What this
// code assumes: the requestor's `uri` takes a `data` query parameter, base64url of
// `{pushAccountReceipts: [receipt], callbackURL, locale, cid}`, and when done sends the user to
// `callbackURL` with `#walletpush=<base64url of {status, wallet, token: {ref, last4}, cid}>`,
// the fragment our shim reads (as in redirect mode; docs/wire.md). A requestor that reports in
// its own format needs a small page of the issuer's at `callbackURL` that translates.
import { coded, unavailable, failure } from "../frame/errors.js";
import { newCorrelationId } from "../frame/issuer.js";
import { base64url, isId } from "../frame/values.js";

/** Checks the configuration; nothing to load. */
export async function load({ config }) {
  if (!isId(config.token_requestor)) throw unavailable("missing-token-requestor");
  return {
    origin: null, // no window of the requestor is ever ours to talk to
    click: (attempt) => click(config.token_requestor, attempt),
    message: () => {},
    end: () => {},
  };
}

async function click(tokenRequestor, attempt) {
  try {
    attempt.begin(newCorrelationId(), null);
    if (!attempt.returnUrl) throw coded("CONFIG_INVALID", "no page to come back to");
    attempt.progress("redirecting");
    const answer = await attempt.requestJson({
      wallet: "token-connect",
      token_requestor: tokenRequestor,
      return_url: attempt.returnUrl,
    });
    const target = requestorUrl(answer, attempt);
    if (!attempt.active()) return;
    attempt.progress("handed-off");
    attempt.say("toRequestor");
    try {
      attempt.navigateTop(target);
    } catch {
      throw coded("WALLET_UNAVAILABLE", "navigation refused");
    }
  } catch (error) {
    attempt.finish(failure(error));
  }
}

/** The requestor's page with the receipt; refuses anything but an http(s) URL. */
function requestorUrl(answer, attempt) {
  let url;
  try {
    url = new URL(answer.uri);
  } catch {
    url = null;
  }
  const ok = url && /^https?:$/.test(url.protocol) && typeof answer.receipt === "string" && typeof answer.callback_url === "string";
  if (!ok) throw coded("ISSUER_REJECTED", "malformed issuer answer");
  const data = { pushAccountReceipts: [answer.receipt], callbackURL: answer.callback_url, locale: attempt.locale, cid: attempt.cid };
  url.searchParams.set("data", base64url(new TextEncoder().encode(JSON.stringify(data))));
  return url.href;
}
