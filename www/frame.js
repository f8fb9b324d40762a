// The widget frame: runs on the widget origin, inside the host page's <iframe>.
//
// It receives the card handle from the shim by postMessage, draws one button per wallet, and on a
// click runs one attempt through the wallet's adapter (www/adapters/): for walletpush/1 wallets,
// the card payload is fetched as bytes and sealed into a JWE in WebAssembly; for Token Connect the
// adapter relays the issuer's push receipt to the requestor's page. Google's and Apple's own
// scripts never run here (docs/design.md §4): their buttons live in a nested frame on the adapter
// origin (www/adapters/nested.js, www/adapter.js), which relays their opaque credentials, and no
// Wasm is loaded for them. Card data never becomes a JS string here, never reaches the DOM, a
// URL, storage, a log or a message to the host or to the adapter origin. docs/wire.md has every
// message.

import { direction, loadLocale, text } from "./i18n.js";
import { CODES, coded, asError, failure, retryable } from "./frame/errors.js";
import { requestCredential, requestJson } from "./frame/issuer.js";
import { readDisplay } from "./frame/handle.js";
import { pending, record, remove, tokenConnectReturn } from "./frame/attempts.js";
import { mark } from "./frame/marks.js";

const WIDGET_ORIGIN = location.origin;
const DEFAULT_TIMEOUTS = { wallet: 120_000, issuer: 15_000 };
/**
 * Adapter modules by wallet kind (the `kind` of a wallet in the configuration), imported
 * only for the wallets a page uses: a Google-only page never fetches the walletpush/1 adapter
 * and its WebAssembly. Interface: `load(context)` resolves with `{origin, element?,
 * click(attempt), message(attempt, data), end(outcome)}` or rejects with WALLET_UNAVAILABLE (its
 * `reason` is the `unavailable` event's cause). `element`, when given, is what the page shows in
 * place of the button (the nested frame of Google's and Apple's adapters, which holds their
 * button on the adapter origin); it is never detached once shown, since a frame that leaves the
 * document loses its page.
 */
const ADAPTERS = {
  "walletpush/1": () => import("./adapters/walletpush.js"),
  google: () => import("./adapters/nested.js"),
  apple: () => import("./adapters/nested.js"),
  "token-connect": () => import("./adapters/token-connect.js"),
};

/** Milestones of the start-up, for the benchmark (bench/cold-start.mjs). */
const markStart = (name) => performance.mark(`walletpush:start:${name}`);
markStart("frame");

const hostOrigin = trustedHostOrigin();
const state = {
  handle: null,
  display: null,
  locale: "en",
  mode: "popup",
  returnUrl: null,
  requestedWallets: null,
  timeouts: { ...DEFAULT_TIMEOUTS },
  config: null,
  buttons: new Map(), // wallet id -> {adapter, button, label, name, added}
  attempt: null, // the running attempt, see Attempt
};
// The configuration is read (inline: at once) and the wallets' code starts loading; the host's
// answer to `frame-ready` waits for `configLoaded`. frame.html as the widget origin serves it
// has asked for the handle already, as it was parsed, and kept what arrived since
// (window.walletpushInbox): that goes through the same checks, in order. A frame.html without
// that script asks here.
const configLoaded = loadConfig();
const inbox = window.walletpushInbox;
window.walletpushInbox = null;
if (hostOrigin) {
  window.addEventListener("message", onMessage);
  if (Array.isArray(inbox)) inbox.forEach(onMessage);
  else postToHost({ type: "walletpush/frame-ready" });
}

// ---- messages -----------------------------------------------------------------------------------

function onMessage(event) {
  if (event.source === window.parent && event.origin === hostOrigin) {
    onHostMessage(event.data);
    return;
  }
  const attempt = state.attempt;
  if (attempt?.popup && event.source === attempt.popup && event.origin === attempt.walletOrigin) {
    if (event.data && typeof event.data === "object") attempt.adapter.message(attempt, event.data);
  }
}

async function onHostMessage(data) {
  if (!data || (data.type !== "walletpush/init" && data.type !== "walletpush/update")) return;
  if (data.type === "walletpush/init") markStart("init");
  if (!(await configLoaded)) return;
  try {
    applyOptions(data);
    await render(data.type === "walletpush/init");
    // The result a redirect brought back, as the shim found it in the page's URL (only with
    // the first init): reported once it verifies, else not at all.
    if (data.type === "walletpush/init" && typeof data.result === "string") takeReturn(data.result);
  } catch (error) {
    await loadLocale(state.locale);
    report(asError(error));
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
    state.handle = null;
    state.display = readDisplay(data.handle.trim());
    state.handle = data.handle.trim();
  }
}

// ---- rendering ----------------------------------------------------------------------------------

async function render(first) {
  if (!state.handle) throw coded("CONFIG_INVALID", "no card handle: set the handle attribute or option");
  const root = document.documentElement;
  root.lang = state.locale;
  root.dir = direction(state.locale);
  const wanted = state.requestedWallets ?? Object.keys(state.config.wallets);
  const allowed = wanted.filter((id) => state.display.wallets.includes(id));
  const configured = allowed.filter((id) => Object.hasOwn(state.config.wallets, id));
  for (const id of [...state.buttons.keys()]) {
    if (!configured.includes(id)) {
      state.buttons.get(id).element.remove();
      state.buttons.delete(id);
    }
  }
  const unavailable = wanted
    .filter((id) => !configured.includes(id))
    .map((id) => ({ wallet: id, cause: allowed.includes(id) ? "not-configured" : "not-allowed-by-handle" }));
  const loads = configured.filter((id) => !state.buttons.has(id)).map(async (id) => {
    try {
      state.buttons.set(id, await makeButton(id, state.config.wallets[id]));
    } catch (error) {
      const e = asError(error);
      if (e.code === "WASM_BLOCKED_BY_CSP" || e.code === "INTERNAL") throw e;
      unavailable.push({ wallet: id, cause: e.reason ?? e.code });
    }
  });
  // The page's language loads beside the wallets (nothing to load for English).
  await Promise.all([...loads, loadLocale(state.locale)]);
  const shown = configured.filter((id) => state.buttons.has(id)); // in the page's order
  place(document.getElementById("wallets"), shown.map((id) => state.buttons.get(id).element));
  relabel();
  for (const u of unavailable) emit("unavailable", u);
  if (state.buttons.size === 0) {
    setStatus(text(state.locale, "unavailable"), "error");
  } else if (first) {
    markStart("ready");
    emit("ready", { wallets: shown, last4: state.display.last4 });
  }
  postSize();
}

async function makeButton(id, walletConfig) {
  const kind = walletConfig.kind ?? "walletpush/1";
  const loadAdapter = Object.hasOwn(ADAPTERS, kind) ? ADAPTERS[kind] : null;
  if (!loadAdapter) throw coded("WALLET_UNAVAILABLE", `no adapter for wallet kind ${walletConfig.kind}`);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "wallet";
  button.dataset.wallet = id;
  button.dataset.kind = kind;
  // The wallet kind's mark, from our own constant markup (www/frame/marks.js), then the label.
  button.innerHTML = mark(kind);
  const label = document.createElement("span");
  label.className = "label";
  button.append(label);
  // Added before the adapter loads: a wallet script that binds to the button (Apple's) adds
  // its own listener after this one, so the attempt exists when the wallet calls back.
  button.addEventListener("click", () => onClick(id));
  const module = await loadAdapter();
  markStart(`adapter:${id}`);
  const adapter = await module.load({
    id,
    config: walletConfig,
    widgetOrigin: WIDGET_ORIGIN,
    adapterOrigin: state.config.adapter_origin,
    button,
    locale: state.locale,
    timeoutMs: state.timeouts.issuer,
  });
  markStart(`loaded:${id}`);
  return { adapter, button, label, element: adapter.element ?? button, name: walletConfig.name ?? id, added: false };
}

/**
 * Puts `nodes` into `parent` in this order, removing its other children, and moves only what is
 * out of place: a nested adapter frame already in place stays attached (and keeps its page).
 */
function place(parent, nodes) {
  for (const child of [...parent.children]) if (!nodes.includes(child)) child.remove();
  let at = parent.firstElementChild;
  for (const node of nodes) {
    sizeObserver.observe(node);
    if (node === at) at = at.nextElementSibling;
    else parent.insertBefore(node, at);
  }
}

function relabel() {
  const last4 = state.display?.last4 ?? "";
  for (const entry of state.buttons.values()) {
    const busy = state.attempt?.walletId === entry.button.dataset.wallet;
    const key = entry.added ? "added" : "add";
    const values = { wallet: entry.name, last4 };
    entry.label.textContent = text(state.locale, busy ? "adding" : key, values);
    // The accessible name starts with the visible label (WCAG 2.5.3), then says which card.
    entry.button.setAttribute("aria-label", busy ? entry.label.textContent : text(state.locale, `${key}Long`, values));
    entry.button.setAttribute("aria-busy", busy ? "true" : "false");
    entry.button.dataset.state = entry.added ? "added" : busy ? "busy" : "idle";
    entry.button.disabled = entry.added;
    // One flow at a time: a nested adapter frame must refuse a click before the wallet's own
    // script opens its window, so it is told that an attempt runs.
    entry.button.toggleAttribute("data-locked", Boolean(state.attempt));
  }
  postSize();
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
  if (!entry || state.attempt || entry.added) return; // one flow at a time, across buttons
  performance.mark("walletpush:click");
  const attempt = new Attempt(id, entry);
  state.attempt = attempt;
  emit("click", { wallet: id });
  relabel();
  // The adapter opens the wallet synchronously, inside the click, so no popup blocker fires.
  entry.adapter.click(attempt);
}

/** What an adapter may do during one attempt; the frame keeps timers, windows and events. */
class Attempt {
  constructor(walletId, entry) {
    this.walletId = walletId;
    this.adapter = entry.adapter;
    this.walletOrigin = entry.adapter.origin;
    this.name = entry.name;
    this.locale = state.locale;
    this.last4 = state.display.last4;
    this.mode = state.mode;
    this.returnUrl = state.returnUrl;
    this.cid = null;
    this.popup = null;
    this.timers = [];
    this.abort = new AbortController();
  }

  /**
   * The attempt has its correlation id and, in popup mode, its wallet window. `inWindow`: the
   * user continues in a window of the wallet (one the wallet's own script opened, which the
   * frame cannot see, for Google and Apple).
   */
  begin(cid, popup, inWindow = Boolean(popup)) {
    this.cid = cid;
    this.popup = popup;
    if (inWindow) setStatus(text(this.locale, "inWallet", { wallet: this.name }));
  }

  active() {
    return state.attempt === this;
  }

  /** The card handle, for an adapter whose own frame redeems it (www/adapters/nested.js). */
  get handle() {
    return this.active() ? state.handle : null;
  }

  /** Shows the message `key` (of i18n.js) in the status line, with `{wallet}` filled. */
  say(key) {
    setStatus(text(this.locale, key, { wallet: this.name }));
  }

  progress(step) {
    emit("progress", { step, wallet: this.walletId, cid: this.cid });
  }

  /** (Re)starts the wallet deadline and, with a window, watches for the user closing it. */
  arm(message) {
    this.clearTimers();
    this.timers.push(setTimeout(() => this.active() && this.finish(failure(coded("TIMEOUT", message))), state.timeouts.wallet));
    if (this.popup) {
      this.timers.push(setInterval(() => this.active() && this.popup.closed && this.finish({ status: "cancelled", code: "USER_CANCELLED" }), 250));
    }
  }

  requestCredential(request) {
    return requestCredential({
      api: state.config.issuer_api,
      handle: state.handle,
      request,
      timeoutMs: state.timeouts.issuer,
      signal: this.abort.signal,
    });
  }

  /**
   * An adapter wallet's credential request `{wallet, ...fields}` → the issuer's JSON answer.
   * `timeoutMs` may only shorten the issuer timeout (Apple allows its resolver 20 s).
   */
  requestJson({ wallet, ...fields }, { timeoutMs = Infinity } = {}) {
    return requestJson({
      api: state.config.issuer_api,
      handle: state.handle,
      request: { cid: this.cid, wallet },
      extra: fields,
      timeoutMs: Math.min(timeoutMs, state.timeouts.issuer),
      signal: this.abort.signal,
    });
  }

  /**
   * Records this attempt before the page is left (www/frame/attempts.js), with `extra`
   * (`{state}` for walletpush/1): the result that comes back is taken only for it.
   * False when the browser refuses storage.
   */
  record(extra) {
    return record({ wallet: this.walletId, cid: this.cid, ...extra });
  }

  /** Sends the whole page to `url` (Token Connect's requestor); the host comes back by URL. */
  navigateTop(url) {
    this.record({ kind: "token-connect" });
    window.top.location.href = url;
  }

  submitTopLevel(action, fields) {
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

  /** Ends the attempt with an outcome `{status: "success" | "cancelled" | "error", ...}`. */
  finish(outcome) {
    if (!this.active()) return;
    state.attempt = null;
    this.clearTimers();
    this.abort.abort();
    if (this.popup && !this.popup.closed && outcome.status !== "success") this.popup.close();
    this.adapter.end(outcome);
    conclude(this.walletId, outcome, this.cid);
  }

  clearTimers() {
    for (const t of this.timers.splice(0)) clearTimeout(t), clearInterval(t);
  }
}

/**
 * Reports how an attempt ended: the button, the status line and the event. `outcome`:
 * `{status: "success", tokenRef, last4, hideButton?}` (or `verified: false` for Token Connect's
 * unsigned return, which names no token), `{status: "cancelled"}`, or
 * `{status: "error", code, message, retryable}`.
 */
function conclude(id, outcome, cid) {
  const entry = state.buttons.get(id);
  const name = entry?.name ?? id;
  if (outcome.status === "success") {
    // Token Connect's unverified success leaves the button usable: the requestor may not hold
    // the card, and asking again gets its own answer (DUPLICATE_REQUEST when it does).
    if (entry && outcome.verified !== false) entry.added = true;
    // Apple asks that its button disappears once the card is in the wallet.
    if (entry && outcome.hideButton) entry.button.hidden = true;
    relabel();
    const last4 = outcome.last4 ?? state.display.last4;
    setStatus(text(state.locale, "addedLong", { wallet: name, last4 }));
    const detail = outcome.verified === false
      ? { wallet: id, verified: false, cid }
      : { wallet: id, token_ref: outcome.tokenRef, last4: outcome.last4, cid };
    emit("success", detail);
  } else if (outcome.status === "cancelled") {
    relabel();
    setStatus(text(state.locale, "cancelled"));
    emit("cancel", { wallet: id, code: "USER_CANCELLED", cid });
  } else {
    // A card the issuer reports inactive (closed, blocked) cannot go into any wallet: no
    // button offers it any more, the status line says why.
    if (outcome.code === "CARD_INACTIVE") for (const e of state.buttons.values()) e.button.hidden = true;
    relabel();
    report({ code: outcome.code, message: outcome.message, retryable: outcome.retryable }, { wallet: id, cid });
  }
}

/**
 * The `#walletpush=` value of a return from a wallet's or a requestor's page (docs/wire.md):
 * a walletpush/1 wallet's signed result, verified (in Wasm) for a redirect attempt this frame
 * recorded, or Token Connect's unsigned return for a recorded Token Connect attempt. The
 * attempt is forgotten as its result is reported; anything else is dropped, and reported as
 * nothing.
 */
function takeReturn(value) {
  if (/^[\w-]+\.[\w-]+\.[\w-]+$/.test(value)) {
    const recorded = pending();
    for (const [id, entry] of state.buttons) {
      const mine = recorded.filter((a) => a.wallet === id && typeof a.state === "string");
      const outcome = mine.length && entry.adapter.returned ? entry.adapter.returned(value, mine) : null;
      if (outcome) {
        remove((a) => a.wallet === id && a.state === outcome.state);
        conclude(id, outcome, outcome.cid);
        return;
      }
    }
  } else {
    const outcome = tokenConnectReturn(value);
    if (outcome) conclude(outcome.wallet, outcome, outcome.cid);
  }
}

// ---- helpers ------------------------------------------------------------------------------------

function report(error, extra = {}) {
  const again = error.retryable ?? retryable(error.code);
  // A code without its own words gets the general line that matches `retryable`: "try again"
  // only where trying again can work.
  setStatus(text(state.locale, `error.${error.code}`, {}, text(state.locale, again ? "error" : "errorFinal")), "error");
  emit("error", {
    code: CODES.has(error.code) ? error.code : "INTERNAL",
    message: error.message,
    retryable: again,
    ...extra,
  });
}

function emit(name, detail) {
  postToHost({ type: "walletpush/event", name, detail });
}

function postToHost(message) {
  if (hostOrigin) window.parent.postMessage(message, hostOrigin);
}

/**
 * Reports the frame's height and the width its buttons need on one line (measured laid out at
 * their max-content width, `html.measure` in frame.css, undone before anything is painted), so
 * that the shim sizes the frame to its label in every language (docs/wire.md).
 */
function postSize() {
  const root = document.documentElement;
  root.classList.add("measure");
  const width = Math.ceil(document.getElementById("wallets").getBoundingClientRect().width);
  root.classList.remove("measure");
  postToHost({ type: "walletpush/size", width, height: Math.ceil(root.scrollHeight) });
}

// Measured again when a nested adapter frame reports its size, or the status line rewraps in
// a frame of a new width (a new label calls postSize).
const sizeObserver = new ResizeObserver(() => postSize());
sizeObserver.observe(document.getElementById("status"));

/**
 * Starts loading the adapters of the wallets the shim named in the frame's URL while the host
 * is still sending the handle (only those: a page for one wallet fetches no other's code).
 */
function warmAdapters(config) {
  const named = (new URLSearchParams(location.search).get("wallets") ?? "").split(/\s+/);
  for (const id of named) {
    const walletConfig = Object.hasOwn(config.wallets, id) ? config.wallets[id] : null;
    const kind = walletConfig?.kind ?? "walletpush/1";
    if (walletConfig && Object.hasOwn(ADAPTERS, kind)) {
      ADAPTERS[kind]().then((adapter) => adapter.warm?.({ id, config: walletConfig, widgetOrigin: WIDGET_ORIGIN }), () => {});
    }
  }
}

/**
 * The deployment's configuration: the widget origin writes it into frame.html as the data block
 * `<script type="application/json" id="walletpush-config">` (docs/wire.md), so it comes with the
 * page and no request waits for it; a frame.html without one (served as a static file) fetches
 * `/walletpush/v1/config`. Either way it comes from the widget origin, never from the host page.
 * Settles true once it is loaded; a failure is reported.
 */
async function loadConfig() {
  const block = document.getElementById("walletpush-config");
  let config = null;
  if (block) {
    try {
      config = JSON.parse(block.textContent);
    } catch {
      config = null;
    }
  } else {
    const response = await fetch("walletpush/v1/config", { cache: "no-store" }).catch(() => null);
    config = response?.ok ? await response.json().catch(() => null) : null;
  }
  if (!config || typeof config.issuer_api !== "string" || !config.wallets || typeof config.wallets !== "object") {
    report(coded("CONFIG_INVALID", "the widget origin serves no valid configuration (frame.html or /walletpush/v1/config)"));
    return false;
  }
  state.config = config;
  warmAdapters(config);
  return true;
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
  if (color.test(theme.accent ?? "")) rules.push(`--wp-accent:${theme.accent}`);
  if (color.test(theme.accentText ?? "")) rules.push(`--wp-accent-text:${theme.accentText}`);
  if (length.test(theme.radius ?? "")) rules.push(`--wp-radius:${theme.radius}`);
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`:root{${rules.join(";")}}`);
  document.adoptedStyleSheets = [sheet];
}
