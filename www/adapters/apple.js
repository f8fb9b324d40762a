// Adapter for Apple Wallet's web provisioning (DESIGN.md §4). Apple's script runs in this frame
// and binds to our button; the card goes to Apple as a JWS that the issuer's servers sign, so no
// card data and no Wasm are needed here.
//
// Apple's specification of `initAddToAppleWallet.js` is given to onboarded issuers only. What
// this code assumes, from DESIGN.md and what issuers' processors publish:
// - the script defines `window.initAddToAppleWallet({partnerId, domain, buttonId, jwsResolver,
//   resultResolver})`, which binds a click handler to the element with id `buttonId`; that
//   handler opens Apple's window inside the click, and Apple's window and script then exchange
//   `ready`, `jwtGenerationSuccessful` / `jwtGenerationUnsuccessful` and `deliverResult` by
//   postMessage among themselves (we only see the two resolvers);
// - `jwsResolver()` must settle within 20 s with `{jws, state}` (`jws` in the flattened JSON
//   serialization), or reject;
// - `resultResolver(result)` receives the outcome's status: a number, or an object with
//   `status` (we also accept `statusCode` and `code`): 200, 202, 206 (success, pending,
//   partial), 400 (bad configuration), 40101 (browser not supported), 408 (timeout), 444 (closed
//   by the user), 500 (error);
// - Apple supports Safari and recent Chromium-based browsers (see SUPPORTED below).
// Apple also asks that the button disappears once the card is added: the frame hides it.
import { coded, unavailable, failure } from "../frame/errors.js";
import { newCorrelationId } from "../frame/issuer.js";
import { loadWalletScript } from "../frame/loader.js";
import { isId } from "../frame/values.js";

/** Apple's limit for `jwsResolver`; ours stays under it so that our error, not Apple's, shows. */
const APPLE_JWS_LIMIT_MS = 20_000;
const OUR_JWS_LIMIT_MS = APPLE_JWS_LIMIT_MS - 2_000;
const BUTTON_ID = "walletpush-apple-button";

/** Apple's result statuses, mapped to our outcomes (README, "Apple Wallet result codes"). */
const RESULTS = {
  200: { status: "success" },
  202: { status: "success" },
  206: { status: "success" },
  400: { code: "CONFIG_INVALID", message: "Apple Wallet refused the configuration (partnerId, domain): check them with Apple" },
  40101: { code: "WALLET_UNAVAILABLE", message: "Apple Wallet does not support this browser" },
  408: { code: "TIMEOUT", message: "Apple Wallet timed out" },
  444: { status: "cancelled" },
  500: { code: "WALLET_REJECTED", message: "Apple Wallet did not add the card" },
};

/** Checks browser and configuration, loads Apple's script and binds it to `button`. */
export async function load({ config, button, timeoutMs }) {
  if (!supportedBrowser(navigator.userAgent)) throw unavailable("browser-not-supported", "Apple Wallet does not support this browser");
  if (!isId(config.partner_id)) throw unavailable("missing-partner-id", "Apple Wallet needs the issuer's partner_id");
  if (typeof config.script_url !== "string") throw unavailable("missing-script-url", "Apple Wallet needs script_url");
  const init = await loadWalletScript(
    config.script_url,
    (w) => (typeof w.initAddToAppleWallet === "function" ? w.initAddToAppleWallet : null),
    { timeoutMs },
  );
  const adapter = { attempt: null };
  button.id = BUTTON_ID;
  // Apple looks the button up by id, so it must be in the document while it binds.
  const holder = document.getElementById("wallets");
  const parked = !button.isConnected;
  if (parked) holder.append(button);
  try {
    init({
      partnerId: config.partner_id,
      domain: isId(config.domain) ? config.domain : location.hostname,
      buttonId: BUTTON_ID,
      jwsResolver: () => resolveJws(adapter.attempt),
      resultResolver: (result) => deliverResult(adapter.attempt, result),
    });
  } catch {
    throw unavailable("init-failed", "Apple Wallet's initAddToAppleWallet failed");
  } finally {
    if (parked) button.remove();
  }
  return {
    origin: new URL(config.script_url).origin,
    // Apple's own click handler opens its window; ours only starts the attempt.
    click: (attempt) => {
      adapter.attempt = attempt;
      attempt.begin(newCorrelationId(), null, true);
      attempt.progress("wallet-opened");
      attempt.arm("Apple Wallet did not answer in time");
    },
    message: () => {},
    end: () => {},
  };
}

/** Attempts that asked for their JWS already: a handle is redeemed once. */
const asked = new WeakSet();

/** Apple asks for the JWS: ask the issuer API, within Apple's limit. */
async function resolveJws(attempt) {
  // No attempt of ours (e.g. a click while another wallet's runs), or a second window of the
  // same attempt: Apple shows its own error, and the running attempt goes on.
  if (!attempt?.active() || asked.has(attempt)) throw new Error("no attempt");
  asked.add(attempt);
  try {
    const answer = await attempt.requestJson({ wallet: "apple" }, { timeoutMs: OUR_JWS_LIMIT_MS });
    const jws = answer.jws;
    const flattened = jws && ["protected", "payload", "signature"].every((k) => typeof jws[k] === "string");
    if (!flattened || typeof answer.state !== "string") throw coded("ISSUER_REJECTED", "the issuer API sent a malformed answer");
    if (!attempt.active()) throw new Error("attempt ended");
    attempt.progress("handed-off");
    return { jws, state: answer.state };
  } catch (error) {
    attempt.finish(failure(error));
    throw new Error("no JWS"); // tells Apple's script: jwtGenerationUnsuccessful
  }
}

/** Apple's outcome: mapped to success, cancel or one of our codes. */
function deliverResult(attempt, result) {
  if (!attempt?.active()) return;
  const status = Number(typeof result === "object" && result !== null ? result.status ?? result.statusCode ?? result.code : result);
  const mapped = RESULTS[status] ?? { code: "WALLET_REJECTED", message: `Apple Wallet answered an unknown status ${status}` };
  if (mapped.status === "success") {
    attempt.finish({ status: "success", last4: attempt.last4, hideButton: true });
  } else if (mapped.status === "cancelled") {
    attempt.finish({ status: "cancelled", code: "USER_CANCELLED" });
  } else {
    attempt.finish(failure(coded(mapped.code, mapped.message)));
  }
}

/**
 * Apple's web flow runs in Safari and in recent Chromium-based browsers (Chrome, Edge); not in
 * Firefox. The rule is ours, from Apple's published browser list, and deliberately coarse:
 * Apple's script answers 40101 for anything it refuses anyway.
 */
const MIN_CHROMIUM = 110;
export function supportedBrowser(userAgent) {
  if (/Firefox\/|FxiOS\//.test(userAgent)) return false;
  const chromium = /(?:Chrome|Chromium|CriOS|Edg)\/(\d+)/.exec(userAgent);
  if (chromium) return Number(chromium[1]) >= MIN_CHROMIUM;
  return /AppleWebKit\//.test(userAgent) && /Version\/\d+.*Safari\//.test(userAgent);
}
