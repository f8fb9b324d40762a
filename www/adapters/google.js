// Adapter for Google Wallet's web push provisioning (docs/design.md §4). Google's script runs in
// the adapter frame (www/adapter.js) on the adapter origin, never on the widget origin, and so
// does this module; the card goes to Google as opaque payment cards (OPCs) that the issuer's
// servers make, so no card data and no Wasm are needed here.
//
// Google's web reference is given to onboarded issuers only. What this code follows, and where
// from (README, "Google Wallet"; the closing table lists each point with its test):
// - `integration.min.js` defines `window.googlepay` with `openAppWindow(options)` and
//   `pushPaymentCredentials(credentials)` (Google's sample `littlebear-web-push-provisioning`;
//   Lithic's web push provisioning guide);
// - `openAppWindow`, called inside the click, takes `{integratorId, isTestEnvironment,
//   tokenSetting, cardSetting, clientSessionId, hl, onReady, onSessionCreated, onSuccess,
//   onFailure, onCancel, onFinish}` (Google's sample; `hl` as "en-US" in Lithic's guide);
// - `onSessionCreated(payload)` carries `serverSessionId` and the FINAL `tokenSetting` and
//   `cardSetting`: Google may force tokenSetting to 0 (no Android device that supports tokenized
//   payments), a normal outcome in which `publicDeviceId` and `publicWalletId` are absent
//   (Google's sample). The issuer API is asked only for what the final settings need: the TSP's
//   OPC for tokenSetting 1 (bound to the device and wallet), Google's OPC for cardSetting 1
//   (Marqeta's and Lithic's web push provisioning APIs take the same settings);
// - `pushPaymentCredentials` gets the issuer's answer as processors return it and public
//   integrations pass it, `{google_opc, tsp_opc}` (Lithic's guide), unchanged;
// - `onSuccess({tokenResult, cardResult})`, `onFailure({errors: [{errorCode}]})`, `onCancel()`;
//   `onFinish()` once Google's window closes after a success or failure was shown (Google's
//   sample). Inferred: an `onFinish` without an outcome before it is a cancel; Google gives no
//   token reference, so the success event has no `token_ref`;
// - the button is Google's "Add to Google Wallet" artwork in the page's language, as Google's
//   brand guidelines ask (`badge_url`, see showBadge; Google's sample shows the image Google
//   serves for it).
import { coded, unavailable, failure } from "../frame/errors.js";
import { newCorrelationId } from "../frame/issuer.js";
import { loadWalletScript, showBadge } from "../frame/loader.js";
import { isId } from "../frame/values.js";

/** Regions for `hl` where the language's own code is not one (inferred: Google's main markets). */
const REGIONS = { en: "US", ja: "JP", ar: "SA", pt: "BR" };

/** Checks the configuration, loads Google's script; rejects with the `unavailable` cause. */
export async function load({ config, button, locale, timeoutMs }) {
  if (!isId(config.integrator_id)) throw unavailable("missing-integrator-id");
  if (typeof config.script_url !== "string") throw unavailable("missing-script-url");
  const googlepay = await loadWalletScript(
    config.script_url,
    ({ googlepay: g }) => (typeof g?.openAppWindow === "function" && typeof g.pushPaymentCredentials === "function" ? g : null),
    timeoutMs,
  );
  const settings = {
    integratorId: config.integrator_id,
    tokenSetting: config.token_setting ?? 1,
    cardSetting: config.card_setting ?? 1,
    isTestEnvironment: config.is_test_environment !== false,
  };
  showBadge(button, config.badge_url, googleLocale(locale));
  return {
    origin: new URL(config.script_url).origin,
    click: (attempt) => click(googlepay, settings, attempt),
    message: () => {}, // Google's window talks to Google's script, not to the frame
    end: () => {},
  };
}

/** "fr" → "fr-FR", "en" → "en-US": the form Google's `hl` takes. */
export function googleLocale(locale) {
  return locale.includes("-") ? locale : `${locale}-${REGIONS[locale] ?? locale.toUpperCase()}`;
}

/** Inside the click: Google opens its window; everything after comes through the callbacks. */
function click(googlepay, settings, attempt) {
  attempt.begin(newCorrelationId(), null, true);
  const session = { ended: false };
  const end = (outcome) => {
    if (session.ended) return;
    session.ended = true;
    attempt.finish(outcome);
  };
  const cancel = () => end({ status: "cancelled", code: "USER_CANCELLED" });
  try {
    googlepay.openAppWindow({
      ...settings,
      clientSessionId: attempt.cid, // our correlation id, so Google's logs and ours meet
      hl: googleLocale(attempt.locale),
      // Google's window is up: the user's time there starts now.
      onReady: () => session.ended || attempt.arm("Google Wallet: no answer"),
      onSessionCreated: (created) => sessionCreated(googlepay, settings, attempt, session, created),
      onSuccess: () => end({ status: "success", last4: attempt.last4 }),
      onFailure: (result) => {
        const code = result?.errors?.[0]?.errorCode;
        end(failure(coded("WALLET_REJECTED", `Google Wallet: ${/^\w{1,64}$/.test(code) ? code : "failure"}`)));
      },
      onCancel: cancel,
      onFinish: cancel,
    });
  } catch {
    end(failure(coded("WALLET_UNAVAILABLE", "Google Wallet: no start")));
    return;
  }
  attempt.progress("wallet-opened");
  attempt.arm("Google Wallet: no answer");
}

/** Google's session exists: fetch what its final settings need, and push it unchanged. */
async function sessionCreated(googlepay, settings, attempt, session, created) {
  if (!attempt.active() || session.ended) return;
  try {
    const token = created?.tokenSetting ?? settings.tokenSetting;
    const card = created?.cardSetting ?? settings.cardSetting;
    const request = { server_session_id: created?.serverSessionId, token_setting: token, card_setting: card };
    if (token === 1) {
      request.public_device_id = created?.publicDeviceId;
      request.public_wallet_id = created?.publicWalletId;
    }
    const ids = Object.values(request).filter((v) => typeof v !== "number");
    if (!ids.every(isId) || ![0, 1].includes(token) || ![0, 1].includes(card) || token + card === 0) {
      throw coded("WALLET_REJECTED", "Google Wallet: bad session");
    }
    attempt.progress("session-verified");
    const answer = await attempt.requestJson({ wallet: "google", ...request });
    if ((token && typeof answer.tsp_opc !== "string") || (card && typeof answer.google_opc !== "string")) {
      throw coded("ISSUER_REJECTED", "malformed issuer answer");
    }
    if (!attempt.active() || session.ended) return;
    googlepay.pushPaymentCredentials(answer);
    attempt.progress("handed-off");
    attempt.arm("Google Wallet: no answer");
  } catch (error) {
    attempt.finish(failure(error));
  }
}
