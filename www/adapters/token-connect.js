// Adapter for Mastercard MDES Token Connect (docs/design.md §4): the issuer pushes the card to a
// token requestor (Click to Pay, a merchant, a wallet) and sends the user there. No wallet
// script, no card data in the browser and no Wasm: the issuer's servers push the card with MDES
// and get its receipt, and this frame only sends the top window to the requestor.
//
// What this code follows, and where from (README, "Mastercard Token Connect"):
// - the issuer's servers call MDES `pushMultipleAccounts` (Mastercard deprecated `pushAccount`
//   in its November 2021 release notes), whose answer carries the push account receipts and,
//   for requestors that check it, MDES's `signature` over them, which must reach the requestor
//   unaltered; the receipt is valid 15 minutes unless the issuer asks otherwise (February 2023
//   release notes);
// - the issuer presents the eligible token requestors, each with its icon and name, and the user
//   chooses (MDES Token Connect issuer implementation guide): here each eligible requestor is
//   one wallet of kind `token-connect` in the configuration (`token_requestor`, `name`, `icon`),
//   so the frame draws one button per requestor, and the handle's `wallets` claim says which
//   ones this card may go to (MDES `getEligibleTokenRequestors` is per account range);
// - the user goes to the requestor's URI with the receipts and the issuer's callback URL, and
//   the requestor sends them back to that URL with its `result` (MDES Token Connect release
//   notes, April 2022).
// Inferred: how the URI carries the receipts (a `data` query parameter, base64url of JSON
// `{pushAccountReceipts, callbackURL, signature, cid}`; the consumer's locale goes to MDES with
// the push, from the issuer's servers), and the callback's form here:
// the issuer's callback page turns the requestor's `result` into the `#walletpush=` fragment the
// shim reads (docs/wire.md), with WALLET_SESSION_INVALID for an expired receipt.
import { coded, unavailable, failure } from "../frame/errors.js";
import { newCorrelationId } from "../frame/issuer.js";
import { base64url, isId } from "../frame/values.js";

/** Checks the configuration and shows the requestor's icon; nothing to load. */
export async function load({ id, config, button }) {
  if (!isId(config.token_requestor)) throw unavailable("missing-token-requestor");
  if (typeof config.icon === "string") {
    // The icon MDES gives for the requestor (served where the frame's img-src allows).
    const icon = new Image();
    icon.alt = "";
    icon.className = "mark";
    icon.src = config.icon;
    button.querySelector(".mark").replaceWith(icon);
  }
  return {
    origin: null, // no window of the requestor is ever ours to talk to
    click: (attempt) => click(id, config.token_requestor, attempt),
    message: () => {},
    end: () => {},
  };
}

async function click(wallet, tokenRequestor, attempt) {
  try {
    attempt.begin(newCorrelationId(), null);
    if (!attempt.returnUrl) throw coded("CONFIG_INVALID", "no return URL");
    attempt.progress("redirecting");
    const answer = await attempt.requestJson({ wallet, token_requestor: tokenRequestor, return_url: attempt.returnUrl });
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

/** The requestor's page with the receipt and MDES's signature as given; http(s) only. */
function requestorUrl(answer, attempt) {
  let url;
  try {
    url = new URL(answer.uri);
  } catch {
    url = null;
  }
  const ok = url && /^https?:$/.test(url.protocol) && typeof answer.receipt === "string" && typeof answer.callback_url === "string";
  if (!ok) throw coded("ISSUER_REJECTED", "malformed issuer answer");
  const data = { pushAccountReceipts: [answer.receipt], callbackURL: answer.callback_url, signature: answer.signature, cid: attempt.cid };
  url.searchParams.set("data", base64url(new TextEncoder().encode(JSON.stringify(data))));
  return url.href;
}
