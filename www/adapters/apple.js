// Adapter for Apple Wallet's web provisioning (docs/design.md §4). Apple's script runs in the
// adapter frame (www/adapter.js) on the adapter origin, never on the widget origin, and binds
// to that frame's button; so does this module. The card goes to Apple as a JWS that the
// issuer's servers sign, so no card data and no Wasm are needed here.
//
// Apple gives its specification of `initAddToAppleWallet.js` to onboarded issuers only. What
// this code follows, and where from (the closing table of README, "Apple Wallet"):
// - `initAddToAppleWallet({partnerId, domain, buttonId, jwsResolver, resultResolver})` binds a
//   click handler to the element `buttonId` and throws if that element was bound before (one
//   init per button): integrators' public copies of the script and processors' guides (Lithic);
// - `domain` is Apple's origin, `https://apple-pay.apple.com` in production and
//   `https://apple-pay-cert.apple.com` for certification: the script opens its window under
//   `domain` and drops every message from another origin (the same sources). The deployment
//   chooses with `environment`; without it, certification (inferred default: the safe one);
// - at the click the script opens Apple's window and calls `jwsResolver()` at once; a resolver
//   slower than 20 s gives 408. Its answer `{jws, state}` goes to Apple's window as returned:
//   `jws` in the flattened JSON serialization processors return (`{header: {kid}, protected,
//   payload, signature}`), passed unchanged;
// - `resultResolver({status, statusMessage})` with `status` a string: "200", "202", "206"
//   (success, pending, partly), "400" (missing partnerId, or a popup the browser blocked),
//   "40101" (browser not supported), "408", "444" (window closed by the user), "500".
//   A 400 before `jwsResolver` was called is the blocked popup (the script asks for the JWS
//   only once its window is open); a 400 during `initAddToAppleWallet` is the configuration.
// Apple's guidelines ("Add to Apple Wallet" guidelines, which Lithic's guide points to): the
// button is Apple's badge, unaltered, in the page's language (`badge_url`, see showBadge), and
// it disappears once the card is added: the frame hides it.
import { coded, unavailable, failure } from "../frame/errors.js";
import { newCorrelationId } from "../frame/issuer.js";
import { loadWalletScript, showBadge } from "../frame/loader.js";
import { isId } from "../frame/values.js";

/** Apple's limit for `jwsResolver` is 20 s; ours stays under it so that our error shows. */
const OUR_JWS_LIMIT_MS = 18_000;
const DOMAINS = { production: "https://apple-pay.apple.com", certification: "https://apple-pay-cert.apple.com" };

/** Apple's result statuses (strings), mapped to our outcomes (README, "Apple Wallet"). */
const RESULTS = { 200: "success", 202: "success", 206: "success", 444: "cancelled", 40101: "WALLET_UNAVAILABLE", 408: "TIMEOUT" };

/**
 * Checks browser and configuration, loads Apple's script and binds it to `button`; rejects with
 * the `unavailable` event's cause (no message: the event carries only the cause).
 */
export async function load({ id, config, button, locale, timeoutMs }) {
  if (!supportedBrowser(navigator.userAgent)) throw unavailable("browser-not-supported");
  if (!isId(config.partner_id)) throw unavailable("missing-partner-id");
  if (typeof config.script_url !== "string") throw unavailable("missing-script-url");
  const domain = DOMAINS[config.environment ?? "certification"];
  if (!domain) throw unavailable("init-failed"); // an environment Apple does not have
  const init = await loadWalletScript(
    config.script_url,
    (w) => (typeof w.initAddToAppleWallet === "function" ? w.initAddToAppleWallet : null),
    timeoutMs,
  );
  const adapter = { attempt: null, asked: false, initializing: true };
  button.id = `walletpush-${id}`;
  // Apple looks the button up by id, so it must be in the document while it binds.
  const parked = !button.isConnected;
  if (parked) document.getElementById("wallets").append(button);
  try {
    init({
      partnerId: config.partner_id,
      domain,
      buttonId: button.id,
      jwsResolver: () => resolveJws(adapter),
      resultResolver: (result) => deliverResult(adapter, result),
    });
  } catch {
    adapter.initializing = null;
  } finally {
    if (parked) button.remove();
  }
  // Apple's script answers a configuration it refuses during init, with a status.
  if (!adapter.initializing) throw unavailable("init-failed");
  adapter.initializing = false;
  showBadge(button, config.badge_url, locale);
  return {
    origin: domain,
    // Apple's own click handler, after this one, opens its window and asks for the JWS.
    click: (attempt) => {
      adapter.attempt = attempt;
      adapter.asked = false;
      attempt.begin(newCorrelationId(), null, true);
      attempt.progress("wallet-opened");
      attempt.arm("Apple Wallet: no answer");
    },
    message: () => {},
    end: () => {},
  };
}

/** Apple asks for the JWS: ask the issuer API, within Apple's limit. */
async function resolveJws(adapter) {
  const attempt = adapter.attempt;
  // No attempt of ours, or a second request in the same attempt: Apple shows its own error,
  // and the running attempt goes on. (A handle is redeemed once.)
  if (!attempt?.active() || adapter.asked) throw Error("no JWS");
  adapter.asked = true;
  try {
    const answer = await attempt.requestJson({ wallet: "apple" }, { timeoutMs: OUR_JWS_LIMIT_MS });
    const jws = answer.jws;
    const flattened = jws && isId(jws.header?.kid) && ["protected", "payload", "signature"].every((k) => typeof jws[k] === "string");
    if (!flattened || typeof answer.state !== "string") throw coded("ISSUER_REJECTED", "malformed issuer answer");
    if (!attempt.active()) throw Error("no JWS");
    attempt.progress("handed-off");
    return { jws, state: answer.state };
  } catch (error) {
    attempt.finish(failure(error));
    throw Error("no JWS"); // Apple's script: jwtGenerationUnsuccessful
  }
}

/** Apple's outcome: mapped to success, cancel or one of our codes. */
function deliverResult(adapter, result) {
  const status = String(result?.status ?? result);
  if (adapter.initializing) {
    adapter.initializing = null;
    return;
  }
  const attempt = adapter.attempt;
  if (!attempt?.active()) return;
  // 400: see the top of this file. Anything else: the card is not added.
  const mapped = status === "400" ? (adapter.asked ? "CONFIG_INVALID" : "POPUP_BLOCKED") : RESULTS[status] ?? "WALLET_REJECTED";
  if (mapped === "success") attempt.finish({ status: "success", last4: attempt.last4, hideButton: true });
  else if (mapped === "cancelled") attempt.finish({ status: "cancelled", code: "USER_CANCELLED" });
  else attempt.finish(failure(coded(mapped, `Apple Wallet: status ${status}`)));
}

/**
 * Apple's web flow runs in Safari and in recent Chromium-based browsers (Chrome, Edge); not in
 * Firefox. The rule is ours, from Apple's published browser list, and deliberately coarse:
 * Apple's script answers 40101 for anything it refuses anyway.
 */
const MIN_CHROMIUM = 110;
export function supportedBrowser(userAgent) {
  if (/Firefox\/|FxiOS\//.test(userAgent)) return false;
  const chromium = /(?:Chrome|CriOS|Edg)\/(\d+)/.exec(userAgent);
  if (chromium) return Number(chromium[1]) >= MIN_CHROMIUM;
  return /AppleWebKit\//.test(userAgent) && /Version\/\d+.*Safari\//.test(userAgent);
}
