// Adapter for Google Wallet's web push provisioning (DESIGN.md §4). Google's script runs in this
// frame; the card goes to Google as two opaque payment cards (OPCs) that the issuer's servers
// make, so no card data and no Wasm are needed here.
//
// Google's web push provisioning reference is given to onboarded issuers only. What this code
// assumes, from DESIGN.md and what issuers' processors publish:
// - `integration.min.js` defines `window.googlepay` with `openAppWindow(options)` and
//   `pushPaymentCredentials(credentials)`;
// - `openAppWindow` must be called inside the click (it opens Google's window) and takes
//   `{integratorId, tokenSetting, cardSetting, clientSessionId, isTestEnvironment, hl,
//   onSessionCreated, onSuccess, onFailure, onCancel}`; tokenSetting/cardSetting are 1 to ask
//   for a device token and for saving the card to the Google account (0 to skip one), as
//   processors' push provisioning APIs name them;
// - `onSessionCreated({serverSessionId, publicDeviceId, publicWalletId})` comes once the user
//   signed in, and `pushPaymentCredentials({integratorId, clientSessionId, serverSessionId,
//   googleOpc, tspOpc})` hands the OPCs over;
// - `onSuccess(result?)`, `onFailure(error?)`, `onCancel()` end the session. An optional
//   `result.tokenReferenceId` becomes the success event's `token_ref`.
import { coded, unavailable, failure } from "../frame/errors.js";
import { newCorrelationId } from "../frame/issuer.js";
import { loadWalletScript } from "../frame/loader.js";
import { isId } from "../frame/values.js";

/** Checks the configuration, loads Google's script; rejects with a `reason` if unusable. */
export async function load({ config, timeoutMs }) {
  if (!isId(config.integrator_id)) throw unavailable("missing-integrator-id", "Google Wallet needs the issuer's integrator_id");
  if (typeof config.script_url !== "string") throw unavailable("missing-script-url", "Google Wallet needs script_url");
  const googlepay = await loadWalletScript(
    config.script_url,
    (w) => (typeof w.googlepay?.openAppWindow === "function" && typeof w.googlepay?.pushPaymentCredentials === "function" ? w.googlepay : null),
    { timeoutMs },
  );
  const settings = {
    integratorId: config.integrator_id,
    tokenSetting: config.token_setting ?? 1,
    cardSetting: config.card_setting ?? 1,
    isTestEnvironment: config.is_test_environment !== false,
  };
  return {
    origin: new URL(config.script_url).origin,
    click: (attempt) => click(googlepay, settings, attempt),
    message: () => {}, // Google's window talks to Google's script, not to the frame
    end: () => {},
  };
}

/** Inside the click: Google opens its window; everything after comes through the callbacks. */
function click(googlepay, settings, attempt) {
  attempt.begin(newCorrelationId(), null, true);
  const session = { ended: false };
  const end = (outcome) => {
    session.ended = true;
    attempt.finish(outcome);
  };
  try {
    googlepay.openAppWindow({
      ...settings,
      clientSessionId: attempt.cid, // our correlation id, so Google's logs and ours meet
      hl: attempt.locale,
      onSessionCreated: (created) => sessionCreated(googlepay, settings, attempt, session, created),
      onSuccess: (result) => end({ status: "success", last4: attempt.last4, tokenRef: tokenRef(result) }),
      onFailure: () => end(failure(coded("WALLET_REJECTED", "Google Wallet did not add the card"))),
      onCancel: () => end({ status: "cancelled", code: "USER_CANCELLED" }),
    });
  } catch {
    end(failure(coded("WALLET_UNAVAILABLE", "Google Wallet could not start")));
    return;
  }
  attempt.progress("wallet-opened");
  attempt.arm("Google Wallet did not answer in time");
}

/** Google's session exists: fetch the OPCs for exactly this session and push them. */
async function sessionCreated(googlepay, settings, attempt, session, created) {
  if (!attempt.active() || session.ended) return;
  try {
    const ids = {
      server_session_id: created?.serverSessionId,
      public_device_id: created?.publicDeviceId,
      public_wallet_id: created?.publicWalletId,
    };
    if (!Object.values(ids).every(isId)) throw coded("WALLET_REJECTED", "Google Wallet reported a malformed session");
    attempt.progress("session-verified");
    const answer = await attempt.requestJson({ wallet: "google", ...ids });
    if (typeof answer.google_opc !== "string" || typeof answer.tsp_opc !== "string") {
      throw coded("ISSUER_REJECTED", "the issuer API sent a malformed answer");
    }
    if (!attempt.active() || session.ended) return;
    googlepay.pushPaymentCredentials({
      integratorId: settings.integratorId,
      clientSessionId: attempt.cid,
      serverSessionId: created.serverSessionId,
      googleOpc: answer.google_opc,
      tspOpc: answer.tsp_opc,
    });
    attempt.progress("handed-off");
    attempt.arm("Google Wallet did not confirm in time");
  } catch (error) {
    attempt.finish(failure(error));
  }
}

function tokenRef(result) {
  const ref = result?.tokenReferenceId;
  return typeof ref === "string" && /^[\w-]{1,100}$/.test(ref) ? ref : undefined;
}
