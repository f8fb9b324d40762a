// Adapter for wallets that speak the open protocol walletpush/1 (docs/design.md §3): the card payload
// is encrypted here, in WebAssembly, to the wallet's session key (popup mode) or its static key
// (redirect mode). The wallet is the one the widget configuration pins (§3a): its document must
// hold to the pinned origin and signing keys, its sessions and results verify only with those
// keys, and windows open and messages go only to that origin. This module, and the Wasm it
// loads, are fetched only when such a wallet is configured.
import init, { Widget } from "../pkg/walletpush.js";
import { coded, asError } from "../frame/errors.js";

let cspViolation = false;
document.addEventListener("securitypolicyviolation", (e) => {
  if (e.blockedURI === "wasm-eval" || /wasm/i.test(`${e.violatedDirective} ${e.blockedURI}`)) cspViolation = true;
});
let wasm = null;

/**
 * The Wasm module, beside the glue in the sources (www/pkg/) and in the bundle (www/dist/pkg/),
 * so one URL relative to this module serves both. frame.html may preload it (same URL, CORS
 * mode, as fetch() asks): the bytes are then already here when this module runs.
 */
const WASM_URL = new URL("../pkg/walletpush_bg.wasm", import.meta.url);

/**
 * Loads the Wasm module once; a CSP that blocks it gives WASM_BLOCKED_BY_CSP with the fix.
 * frame.html as the widget origin serves it may have started compiling the module as its bytes
 * arrived (`window.walletpushWasm`, a promise of the compiled module); else the glue fetches it.
 */
function loadWasm() {
  wasm ??= init({ module_or_path: window.walletpushWasm ?? WASM_URL }).then((exports) => {
    performance.mark("walletpush:start:wasm");
    return exports;
  }, (error) => {
    const blocked = cspViolation || /Content Security Policy|wasm-unsafe-eval|unsafe-eval/i.test(String(error?.message));
    throw blocked
      ? coded("WASM_BLOCKED_BY_CSP", `WebAssembly is blocked by the Content-Security-Policy of ${location.origin}${location.pathname}: add 'wasm-unsafe-eval' to its script-src`)
      : coded("INTERNAL", "the widget's WebAssembly module failed to load");
  });
  return wasm;
}

/** Prepares the wallet `id`: Wasm loaded and the wallet's document verified, before any click. */
export async function load({ id, config, widgetOrigin }) {
  const widget = await takeWidget({ id, config, widgetOrigin });
  return {
    origin: widget.walletOrigin,
    click: (attempt) => click(widget, attempt),
    message: (attempt, data) => message(widget, attempt, data),
    // A redirect's `#walletpush=` result and this wallet's recorded attempts → the outcome
    // with its attempt's `state` and `cid`, or undefined (not verified: reported as nothing).
    returned: (value, attempts) => widget.returned(value, JSON.stringify(attempts)),
    // The frame ended the attempt (a timeout, a closed window...): the state machine starts over
    // (when no attempt runs, there is nothing to cancel and `cancel` changes nothing).
    end: (outcome) => outcome.status !== "success" && widget.cancel(),
  };
}

/**
 * Widgets made by `warm` before the handle arrived, by wallet id: each is handed to one `load`
 * (a wallet that is shown again later gets a fresh one), and a failed one is forgotten.
 */
const warmed = new Map();

/** The Wasm module and the wallet's document loaded, then a `Widget` of them. */
async function makeWidget({ id, config, widgetOrigin }) {
  const [, documentText] = await Promise.all([loadWasm(), walletDocument(config)]);
  performance.mark("walletpush:start:widget");
  // The pins (docs/wire.md): a missing or malformed one is CONFIG_INVALID.
  const thumbprints = Array.isArray(config.signing_keys) ? config.signing_keys.join(" ") : "";
  const widget = new Widget(widgetOrigin, id, String(config.origin ?? ""), thumbprints, documentText);
  performance.mark("walletpush:start:widget-made");
  return widget;
}

function takeWidget(wallet) {
  const early = warmed.get(wallet.id);
  if (early && early.config === wallet.config && early.widgetOrigin === wallet.widgetOrigin) {
    warmed.delete(wallet.id);
    return early.widget;
  }
  return makeWidget(wallet);
}

/** Inside the click: opens the wallet window (no card data in its URL), or goes by redirect. */
function click(widget, attempt) {
  if (attempt.mode === "redirect") return redirect(widget, attempt);
  const opened = widget.open(attempt.locale);
  if (!opened) return;
  const popup = window.open(opened.entryUrl, "walletpush", "popup,width=480,height=720");
  performance.measure("walletpush:compute:open", "walletpush:click");
  attempt.begin(opened.cid, popup);
  if (!popup) {
    if (attempt.mode === "auto") return redirect(widget, attempt);
    attempt.finish(widget.fail("POPUP_BLOCKED", 'the browser blocked the wallet window: allow popups, or use mode "auto" to fall back to a redirect'));
    return;
  }
  attempt.progress("wallet-opened");
  attempt.arm("the wallet did not answer in time");
}

/** A message from the wallet window (origin and source already checked by the frame). */
async function message(widget, attempt, data) {
  try {
    if (data.type === "walletpush/ready" && typeof data.session === "string") {
      performance.mark("walletpush:ready");
      const request = widget.sessionReady(data.session);
      attempt.progress("session-verified");
      performance.measure("walletpush:compute:verify", "walletpush:ready");
      const body = await attempt.requestCredential(request);
      if (!attempt.active()) return;
      performance.mark("walletpush:payload");
      const sealed = widget.seal(body);
      attempt.popup.postMessage({ type: "walletpush/credential", jwe: sealed.jwe }, widget.walletOrigin);
      performance.measure("walletpush:compute:seal", "walletpush:payload");
      attempt.progress("handed-off");
      attempt.arm("the wallet did not confirm in time");
    } else if (data.type === "walletpush/result") {
      // Reported only once it verifies (pinned keys, this attempt's sid, fresh); else dropped.
      const outcome = widget.result(data.result);
      if (outcome) attempt.finish(outcome);
    }
  } catch (error) {
    fail(widget, attempt, error);
  }
}

/**
 * Redirect mode: records the attempt with its fresh `state` (the result that comes back must name
 * it), asks the issuer API with that `state`, encrypts to the wallet's static key and posts
 * top-level to its provision_url.
 */
async function redirect(widget, attempt) {
  try {
    const request = widget.redirect();
    if (!request) return;
    attempt.begin(request.cid, null);
    if (!attempt.returnUrl) throw coded("CONFIG_INVALID", "redirect mode needs the host page's URL");
    if (!attempt.record({ state: request.state })) {
      throw coded("CONFIG_INVALID", "redirect mode needs the widget origin's localStorage, which the browser refuses");
    }
    attempt.progress("redirecting");
    const body = await attempt.requestCredential(request);
    const sealed = widget.seal(body);
    attempt.progress("handed-off");
    attempt.submitTopLevel(sealed.target, { jwe: sealed.jwe, return_url: attempt.returnUrl });
  } catch (error) {
    fail(widget, attempt, error);
  }
}

/** Ends the attempt with `error`; the Wasm state machine returns to idle. */
function fail(widget, attempt, error) {
  const e = asError(error);
  attempt.finish(widget.fail(e.code, e.message));
}

/**
 * Does what `load` will wait for while the host is still sending the handle: loads the Wasm
 * module and the wallet's document, and makes the wallet's `Widget` (parsing and checking the
 * document). Failures surface in `load`, which then tries again.
 */
export function warm(wallet) {
  const early = { config: wallet.config, widgetOrigin: wallet.widgetOrigin, widget: makeWidget(wallet) };
  warmed.set(wallet.id, early);
  early.widget.catch(() => warmed.get(wallet.id) === early && warmed.delete(wallet.id));
}

const documents = new Map(); // discovery URL -> promise of its text

function walletDocument(config) {
  if (config.document) return Promise.resolve(JSON.stringify(config.document));
  if (!documents.has(config.discovery)) {
    const fetched = fetchDocument(config.discovery);
    documents.set(config.discovery, fetched);
    fetched.catch(() => documents.delete(config.discovery)); // a later load tries again
  }
  return documents.get(config.discovery);
}

async function fetchDocument(url) {
  try {
    // As frame.html may preload it (CORS, and no cookies since it is on the wallet's origin),
    // so that this fetch takes that response.
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) throw new Error(String(response.status));
    const text = await response.text();
    performance.mark("walletpush:start:document");
    return text;
  } catch {
    throw coded("WALLET_UNAVAILABLE", `could not load ${url}`);
  }
}
