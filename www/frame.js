// The widget frame: runs on the widget origin, inside the host page's <iframe>.
//
// It receives the card handle from the shim by postMessage, draws one button per wallet, and on a
// click drives one attempt through the Wasm `Widget` state machine: open the wallet, verify its
// session, fetch the card payload from the issuer API as bytes, seal it into a JWE in Wasm, hand
// it to the wallet, report the result. Card data never becomes a JS string here, never reaches
// the DOM, a URL, storage, a log or a message to the host. docs/wire.md has every message.

import init, { Widget, readHandle } from "./pkg/walletpush.js";
import { text } from "./i18n.js";

const WIDGET_ORIGIN = location.origin;
const DEFAULT_TIMEOUTS = { wallet: 120_000, issuer: 15_000 };
const CODES = new Set([
  "CONFIG_INVALID", "HANDLE_INVALID", "HANDLE_EXPIRED", "HANDLE_REPLAYED", "ORIGIN_NOT_ALLOWED",
  "CARD_INACTIVE", "WALLET_UNAVAILABLE", "WALLET_KEY_INVALID", "WALLET_SESSION_INVALID",
  "POPUP_BLOCKED", "USER_CANCELLED", "TIMEOUT", "NETWORK", "ISSUER_REJECTED", "WALLET_REJECTED",
  "WASM_BLOCKED_BY_CSP", "INTERNAL",
]);
const RETRYABLE = new Set(["HANDLE_EXPIRED", "POPUP_BLOCKED", "USER_CANCELLED", "TIMEOUT", "NETWORK", "WALLET_UNAVAILABLE"]);

const hostOrigin = trustedHostOrigin();
const state = {
  handle: null,
  display: null,
  locale: "en",
  mode: "popup",
  returnUrl: null,
  timeouts: { ...DEFAULT_TIMEOUTS },
  config: null,
  buttons: new Map(), // wallet id -> {widget, button, name}
  attempt: null, // {walletId, popup, timers: [], abort}
};
let cspViolation = false;
document.addEventListener("securitypolicyviolation", (e) => {
  if (e.blockedURI === "wasm-eval" || /wasm/i.test(e.violatedDirective + e.blockedURI)) cspViolation = true;
});
// Settles true once the Wasm module and the configuration are loaded; failures are reported there.
const ready = Promise.all([loadWasm(), loadConfig()]).then(() => true, () => false);

if (hostOrigin) {
  window.addEventListener("message", onMessage);
  postToHost({ type: "walletpush/frame-ready" });
}

// ---- host messages ----------------------------------------------------------------------------

function onMessage(event) {
  if (event.source === window.parent && event.origin === hostOrigin) {
    onHostMessage(event.data);
  } else if (state.attempt?.popup && event.source === state.attempt.popup) {
    const entry = state.buttons.get(state.attempt.walletId);
    if (entry && event.origin === entry.widget.walletOrigin) onWalletMessage(entry, event.data);
  }
}

async function onHostMessage(data) {
  if (!data || typeof data !== "object") return;
  if (data.type === "walletpush/init" || data.type === "walletpush/update") {
    if (!(await ready)) return;
    try {
      applyOptions(data);
      await render(data.type === "walletpush/init");
    } catch (error) {
      report(asError(error));
    }
  }
}

function applyOptions(data) {
  if (typeof data.locale === "string") state.locale = data.locale;
  if (["popup", "redirect", "auto"].includes(data.mode)) state.mode = data.mode;
  else if (data.mode !== undefined) throw coded("CONFIG_INVALID", 'mode must be "popup", "redirect" or "auto"');
  if (typeof data.returnUrl === "string") state.returnUrl = sameOriginUrl(data.returnUrl, hostOrigin);
  if (data.timeouts && typeof data.timeouts === "object") {
    for (const key of Object.keys(DEFAULT_TIMEOUTS)) {
      const ms = Number(data.timeouts[key]);
      if (Number.isFinite(ms)) state.timeouts[key] = Math.min(600_000, Math.max(1_000, ms));
    }
  }
  if (data.theme) applyTheme(data.theme);
  if (Array.isArray(data.wallets)) state.requestedWallets = data.wallets.map(String);
  if (data.handle === "" || data.handle === undefined) {
    state.handle = null; // render() says CONFIG_INVALID
  } else if (typeof data.handle === "string") {
    let parsed;
    try {
      parsed = readHandle(data.handle.trim());
    } catch (error) {
      state.handle = null;
      throw asError(error);
    }
    state.handle = data.handle.trim();
    state.display = parsed;
  }
}

// ---- rendering --------------------------------------------------------------------------------

async function render(first) {
  if (!state.handle) throw coded("CONFIG_INVALID", "no card handle: set the handle attribute or option");
  document.documentElement.lang = state.locale;
  const wanted = state.requestedWallets ?? Object.keys(state.config.wallets);
  const allowed = wanted.filter((id) => state.display.wallets.includes(id));
  const configured = allowed.filter((id) => state.config.wallets[id]);
  const main = document.getElementById("wallets");
  for (const id of [...state.buttons.keys()]) {
    if (!configured.includes(id)) {
      state.buttons.get(id).button.remove();
      state.buttons.delete(id);
    }
  }
  const unavailable = [];
  for (const id of configured) {
    if (state.buttons.has(id)) continue;
    try {
      const entry = await makeButton(id, state.config.wallets[id]);
      state.buttons.set(id, entry);
      main.append(entry.button);
    } catch (error) {
      unavailable.push({ wallet: id, cause: asError(error).code });
    }
  }
  for (const id of wanted.filter((w) => !configured.includes(w))) {
    unavailable.push({ wallet: id, cause: allowed.includes(id) ? "not-configured" : "not-allowed-by-handle" });
  }
  relabel();
  for (const u of unavailable) emit("unavailable", u);
  if (state.buttons.size === 0) {
    setStatus(text(state.locale, "unavailable"), "error");
  } else if (first) {
    emit("ready", { wallets: [...state.buttons.keys()], last4: state.display.display.last4 });
  }
  postSize();
}

async function makeButton(id, walletConfig) {
  const documentText = walletConfig.document
    ? JSON.stringify(walletConfig.document)
    : await fetchText(walletConfig.discovery, "WALLET_UNAVAILABLE");
  const widget = new Widget(WIDGET_ORIGIN, id, documentText);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "wallet";
  button.dataset.wallet = id;
  const mark = document.createElement("span");
  mark.className = "mark";
  mark.setAttribute("aria-hidden", "true");
  const label = document.createElement("span");
  label.className = "label";
  button.append(mark, label);
  button.addEventListener("click", () => onClick(id));
  return { widget, button, label, name: walletConfig.name ?? id, added: false };
}

function relabel() {
  const last4 = state.display?.display.last4 ?? "";
  for (const entry of state.buttons.values()) {
    const key = entry.added ? "added" : "add";
    entry.label.textContent = text(state.locale, key, { wallet: entry.name });
    entry.button.setAttribute(
      "aria-label",
      text(state.locale, entry.added ? "addedLong" : "addLong", { wallet: entry.name, last4 }),
    );
    entry.button.dataset.state = entry.added ? "added" : "idle";
    entry.button.disabled = entry.added;
  }
}

function setBusy(id, busy) {
  const entry = state.buttons.get(id);
  if (!entry) return;
  entry.button.setAttribute("aria-busy", busy ? "true" : "false");
  if (busy) entry.label.textContent = text(state.locale, "adding");
  else relabel();
}

function setStatus(message, kind = "info") {
  const status = document.getElementById("status");
  status.textContent = message;
  status.dataset.kind = kind;
  postSize();
}

// ---- one attempt --------------------------------------------------------------------------------

function onClick(id) {
  const entry = state.buttons.get(id);
  if (!entry || state.attempt || entry.added) return; // one flow per click, across buttons
  if (!state.handle) return report(coded("CONFIG_INVALID", "no card handle"));
  performance.mark("walletpush:click");
  emit("click", { wallet: id });
  if (state.mode === "redirect") return startRedirect(id, entry);
  const opened = entry.widget.open(state.locale);
  if (!opened) return;
  // Inside the click: no popup blocker fires. The entry URL carries no card data.
  const popup = window.open(opened.entryUrl, "walletpush", "popup,width=480,height=720");
  performance.measure("walletpush:compute:open", "walletpush:click");
  state.attempt = { walletId: id, cid: opened.cid, popup, timers: [], abort: null };
  if (!popup) {
    if (state.mode === "auto") return startRedirect(id, entry);
    return finish(id, entry.widget.fail("POPUP_BLOCKED", "the browser blocked the wallet window: allow popups, or use mode \"auto\" to fall back to a redirect"));
  }
  setBusy(id, true);
  setStatus(text(state.locale, "inWallet", { wallet: entry.name }));
  emit("progress", { step: "wallet-opened", wallet: id, cid: opened.cid });
  arm(id, state.timeouts.wallet, "the wallet did not answer in time");
}

async function onWalletMessage(entry, data) {
  const id = state.attempt.walletId;
  if (!data || typeof data !== "object") return;
  try {
    if (data.type === "walletpush/ready" && typeof data.session === "string") {
      performance.mark("walletpush:ready");
      const request = entry.widget.sessionReady(data.session);
      emit("progress", { step: "session-verified", wallet: id, cid: request.cid });
      performance.measure("walletpush:compute:verify", "walletpush:ready");
      const body = await fetchCredential(request);
      if (state.attempt?.walletId !== id) return; // cancelled meanwhile
      performance.mark("walletpush:payload");
      const sealed = entry.widget.seal(body);
      state.attempt.popup.postMessage({ type: "walletpush/credential", jwe: sealed.jwe }, entry.widget.walletOrigin);
      performance.measure("walletpush:compute:seal", "walletpush:payload");
      emit("progress", { step: "handed-off", wallet: id, cid: request.cid });
      arm(id, state.timeouts.wallet, "the wallet did not confirm in time");
    } else if (data.type === "walletpush/result") {
      finish(id, entry.widget.result(data));
    }
  } catch (error) {
    finish(id, entry.widget.fail(asError(error).code, asError(error).message));
  }
}

async function startRedirect(id, entry) {
  try {
    const request = entry.widget.redirect();
    if (!request) return;
    state.attempt = { walletId: id, cid: request.cid, popup: null, timers: [], abort: null };
    if (!state.returnUrl) throw coded("CONFIG_INVALID", "redirect mode needs the host page's URL");
    setBusy(id, true);
    emit("progress", { step: "redirecting", wallet: id, cid: request.cid });
    const body = await fetchCredential(request);
    const sealed = entry.widget.seal(body);
    emit("progress", { step: "handed-off", wallet: id, cid: request.cid });
    submitTopLevel(sealed.target, { jwe: sealed.jwe, return_url: state.returnUrl });
  } catch (error) {
    finish(id, entry.widget.fail(asError(error).code, asError(error).message));
  }
}

/** POSTs the issuer API for the card payload; resolves with its bytes (never a string). */
async function fetchCredential(request) {
  const abort = new AbortController();
  if (state.attempt) state.attempt.abort = abort;
  const timer = setTimeout(() => abort.abort(), state.timeouts.issuer);
  let response;
  try {
    response = await fetch(`${state.config.issuer_api}/walletpush/v1/credentials`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-walletpush-correlation-id": request.cid },
      body: JSON.stringify({ handle: state.handle, wallet: request.wallet, sid: request.sid }),
      cache: "no-store",
      credentials: "same-origin",
      signal: abort.signal,
    });
    if (!response.ok) throw await issuerError(response);
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    if (CODES.has(error?.code)) throw error;
    if (abort.signal.aborted) throw coded("TIMEOUT", "the issuer API did not answer in time");
    throw coded("NETWORK", "the issuer API could not be reached");
  } finally {
    clearTimeout(timer);
  }
}

async function issuerError(response) {
  const body = await response.json().catch(() => ({}));
  if (response.status < 500 && CODES.has(body.code)) {
    return coded(body.code, typeof body.message === "string" ? body.message : "refused by the issuer API");
  }
  return coded("ISSUER_REJECTED", `the issuer API failed (HTTP ${response.status}): try again later`);
}

function submitTopLevel(action, fields) {
  const form = document.createElement("form");
  form.method = "post";
  form.action = action;
  form.target = "_top";
  for (const [name, value] of Object.entries(fields)) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}

function arm(id, ms, message) {
  if (!state.attempt) return;
  for (const t of state.attempt.timers.splice(0)) clearTimeout(t), clearInterval(t);
  const popup = state.attempt.popup;
  state.attempt.timers.push(setTimeout(() => {
    const entry = state.buttons.get(id);
    if (entry && state.attempt?.walletId === id) finish(id, entry.widget.fail("TIMEOUT", message));
  }, ms));
  if (popup) {
    state.attempt.timers.push(setInterval(() => {
      const entry = state.buttons.get(id);
      if (entry && state.attempt?.popup === popup && popup.closed) finish(id, entry.widget.cancel());
    }, 250));
  }
}

/** Ends the attempt with the outcome object that the Widget returned. */
function finish(id, outcome) {
  const attempt = state.attempt;
  const entry = state.buttons.get(id);
  const cid = attempt?.cid;
  if (attempt) {
    for (const t of attempt.timers) clearTimeout(t), clearInterval(t);
    attempt.abort?.abort();
    if (attempt.popup && !attempt.popup.closed && outcome.status !== "success") attempt.popup.close();
  }
  state.attempt = null;
  setBusy(id, false);
  if (outcome.status === "success") {
    if (entry) entry.added = true;
    relabel();
    setStatus(text(state.locale, "addedLong", { wallet: entry?.name ?? id, last4: outcome.last4 }));
    emit("success", { wallet: id, token_ref: outcome.tokenRef, last4: outcome.last4, cid });
  } else if (outcome.status === "cancelled") {
    setStatus(text(state.locale, "cancelled"));
    emit("cancel", { wallet: id, code: "USER_CANCELLED", cid });
  } else {
    report({ code: outcome.code, message: outcome.message, retryable: outcome.retryable }, { wallet: id, cid });
  }
}

// ---- helpers ------------------------------------------------------------------------------------

function report(error, extra = {}) {
  setStatus(text(state.locale, `error.${error.code}`, {}, text(state.locale, "error")), "error");
  emit("error", {
    code: error.code,
    message: error.message,
    retryable: error.retryable ?? RETRYABLE.has(error.code),
    ...extra,
  });
}

function emit(name, detail) {
  postToHost({ type: "walletpush/event", name, detail });
}

function postToHost(message) {
  if (hostOrigin) window.parent.postMessage(message, hostOrigin);
}

function postSize() {
  postToHost({ type: "walletpush/size", height: Math.ceil(document.documentElement.scrollHeight) });
}

function coded(code, message) {
  const error = new Error(message);
  error.code = code;
  return error;
}

function asError(error) {
  if (error && CODES.has(error.code)) return error;
  return coded("INTERNAL", "unexpected error in the widget");
}

async function fetchText(url, code) {
  try {
    const response = await fetch(url, { cache: "no-store", credentials: "omit" });
    if (!response.ok) throw new Error(String(response.status));
    return await response.text();
  } catch {
    throw coded(code, `could not load ${url}`);
  }
}

async function loadWasm() {
  try {
    await init();
  } catch (error) {
    const blocked = cspViolation || /Content Security Policy|wasm-unsafe-eval|unsafe-eval/i.test(String(error?.message));
    const failure = blocked
      ? coded("WASM_BLOCKED_BY_CSP", `WebAssembly is blocked by the Content-Security-Policy of ${WIDGET_ORIGIN}/frame.html: add 'wasm-unsafe-eval' to its script-src`)
      : coded("INTERNAL", "the widget's WebAssembly module failed to load");
    report(failure);
    throw failure;
  }
}

async function loadConfig() {
  const response = await fetch("walletpush/v1/config", { cache: "no-store" }).catch(() => null);
  const config = response?.ok ? await response.json().catch(() => null) : null;
  if (!config || typeof config.issuer_api !== "string" || typeof config.wallets !== "object") {
    const failure = coded("CONFIG_INVALID", "the widget origin serves no valid /walletpush/v1/config");
    report(failure);
    throw failure;
  }
  state.config = config;
}

/** The host page's origin from our URL, checked against the real embedder where the browser says. */
function trustedHostOrigin() {
  const claimed = new URLSearchParams(location.search).get("host");
  let origin;
  try {
    origin = new URL(claimed).origin;
  } catch {
    return null;
  }
  if (origin !== claimed || !/^https?:$/.test(new URL(origin).protocol)) return null;
  const ancestors = location.ancestorOrigins;
  if (ancestors && ancestors.length > 0 && ancestors[0] !== origin) return null;
  if (window.parent === window) return null;
  return origin;
}

function sameOriginUrl(value, origin) {
  try {
    const url = new URL(value);
    if (url.origin !== origin) return null;
    url.hash = "";
    return url.href;
  } catch {
    return null;
  }
}

function applyTheme(theme) {
  const rules = [];
  const color = /^#[0-9a-f]{3,8}$/i;
  const length = /^\d{1,3}(\.\d+)?(px|rem|em)$/;
  if (color.test(theme.accent ?? "")) rules.push(`--wp-accent: ${theme.accent};`);
  if (color.test(theme.accentText ?? "")) rules.push(`--wp-accent-text: ${theme.accentText};`);
  if (length.test(theme.radius ?? "")) rules.push(`--wp-radius: ${theme.radius};`);
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`:root { ${rules.join(" ")} }`);
  document.adoptedStyleSheets = [sheet];
}
