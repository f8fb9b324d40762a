// The adapter frame: `adapter.html?wallet=<id>` on the adapter origin (docs/design.md §1, §4),
// nested in the widget frame, one per wallet whose own script must run in the page: Google's
// `integration.min.js`, Apple's `initAddToAppleWallet.js`. Those scripts change whenever their
// owners change them and cannot be pinned by Subresource Integrity, so they run here and never on
// the widget origin, and the issuer API answers this origin only those wallets' opaque
// credentials (Google's OPCs, Apple's JWS), never card data.
//
// This frame holds the wallet's button (the wallet's window must open inside the user's click,
// in the frame where the click happens; Apple's script binds to a button of its own document),
// and runs the wallet's adapter (www/adapters/google.js, apple.js) with an attempt whose steps it
// reports to the widget frame, which keeps the attempt's timers and events. It receives the card
// handle from the widget frame only once the widget frame has accepted the click, and uses it
// for one request: `POST <widget origin>/walletpush/v1/credentials` with the binding cookie
// (`credentials: "include"`; the adapter origin is same-site with the widget origin).
// It talks only to its parent, the widget frame, whose origin the adapter origin's server writes
// into this page: every message it accepts comes from that window and origin, every message it
// sends names that origin (docs/wire.md, "Adapter frame messages").
import { CODES, coded, asError } from "./frame/errors.js";
import { CARD, PHONE, svg } from "./frame/marks.js";

const PREFIX = "walletpush-adapter/";
const WALLETS = {
  google: () => import("./adapters/google.js"),
  apple: () => import("./adapters/apple.js"),
};

const WIDGET_ORIGIN = widgetOrigin();
const walletId = new URLSearchParams(location.search).get("wallet");
const state = {
  adapter: null, // the wallet's adapter, once loaded
  initialised: false,
  attempt: null,
  locked: false,
  locale: "en",
  timeoutMs: 15_000,
};

const button = document.createElement("button");
button.type = "button";
button.className = "wallet";
// The wallet's mark, constant markup of ours (www/frame/marks.js): Apple's phone, else the card.
const mark = (kind) => svg(kind === "apple" ? PHONE : CARD);
button.innerHTML = mark(walletId);
const label = document.createElement("span");
label.className = "label";
button.append(label);

if (WIDGET_ORIGIN && /^[\w-]{1,64}$/.test(walletId ?? "")) {
  button.dataset.wallet = walletId;
  document.getElementById("wallets").append(button);
  // Before the wallet's script binds its own click handler (Apple's), so the attempt exists
  // when the wallet calls back; and, capturing, before any handler at all: a click while an
  // attempt runs (here or in another wallet of the widget) never reaches the wallet's script.
  addEventListener("click", guard, true);
  button.addEventListener("click", onClick);
  addEventListener("message", onMessage);
  new ResizeObserver(reportSize).observe(document.body);
  post("hello");
}

// ---- messages ---------------------------------------------------------------------------------

function onMessage(event) {
  if (event.source !== window.parent || event.origin !== WIDGET_ORIGIN) return;
  const data = event.data;
  if (!data || typeof data !== "object" || typeof data.type !== "string" || !data.type.startsWith(PREFIX)) return;
  const type = data.type.slice(PREFIX.length);
  if (type === "init") init(data);
  else if (type === "render") render(data);
  else if (state.attempt && data.cid === state.attempt.cid) {
    if (type === "go" && typeof data.handle === "string") state.attempt.grant(data.handle);
    else if (type === "refused" || type === "end") state.attempt.stop();
  }
}

function post(type, fields = {}) {
  window.parent.postMessage({ type: PREFIX + type, ...fields }, WIDGET_ORIGIN);
}

/** Loads the wallet's adapter, which checks its settings and loads the wallet's script. */
async function init({ wallet, kind, config, locale, timeoutMs }) {
  if (state.initialised) return;
  state.initialised = true;
  if (wallet !== walletId || !Object.hasOwn(WALLETS, kind) || !config || typeof config !== "object") {
    return void post("unavailable", { cause: "not-configured" });
  }
  if (typeof locale === "string") state.locale = locale;
  if (Number.isFinite(timeoutMs)) state.timeoutMs = Math.min(600_000, Math.max(1_000, timeoutMs));
  button.querySelector(".mark").outerHTML = mark(kind);
  try {
    const module = await WALLETS[kind]();
    state.adapter = await module.load({ id: wallet, config, button, locale: state.locale, timeoutMs: state.timeoutMs });
  } catch (error) {
    return void post("unavailable", { cause: error?.reason ?? asError(error).code });
  }
  for (const img of button.querySelectorAll("img")) img.addEventListener("load", reportSize);
  post("loaded", size());
}

/** The widget frame's button, mirrored: words, accessible name, state, language and theme. */
function render(d) {
  const root = document.documentElement;
  if (typeof d.lang === "string" && /^[\w-]{1,35}$/.test(d.lang)) root.lang = state.locale = d.lang;
  root.dir = d.dir === "rtl" ? "rtl" : "ltr";
  // A wallet's own artwork (showBadge) takes the place of our words.
  if (label.isConnected && typeof d.text === "string") label.textContent = d.text;
  if (typeof d.label === "string") button.setAttribute("aria-label", d.label);
  button.setAttribute("aria-busy", d.busy === true ? "true" : "false");
  button.dataset.state = ["added", "busy"].includes(d.state) ? d.state : "idle";
  button.disabled = d.disabled === true;
  button.hidden = d.hidden === true;
  state.locked = d.locked === true;
  applyTheme(d.theme ?? {});
  reportSize();
}

// ---- one attempt ------------------------------------------------------------------------------

function guard(event) {
  if (!button.contains(event.target)) return;
  if (state.locked || state.attempt || !state.adapter) {
    event.stopImmediatePropagation();
    event.preventDefault();
  }
}

function onClick() {
  if (state.attempt || !state.adapter) return;
  const attempt = new Attempt();
  state.attempt = attempt;
  // The adapter opens the wallet's window inside this click and calls begin() with its
  // correlation id, which asks the widget frame to start the attempt.
  state.adapter.click(attempt);
  if (!attempt.cid) attempt.stop();
}

/**
 * The attempt as the wallet's adapter sees it (the interface of www/frame.js's Attempt that
 * google.js and apple.js use), each step reported to the widget frame.
 */
class Attempt {
  constructor() {
    this.cid = null;
    this.live = true;
    this.locale = state.locale;
    this.last4 = undefined; // the widget frame fills it in: nothing of the card comes here
    this.abort = new AbortController();
    this.handle = new Promise((resolve, reject) => {
      this.grant = resolve;
      this.refuse = reject;
    });
    this.handle.catch(() => {});
  }

  begin(cid, _popup, inWindow = false) {
    this.cid = cid;
    post("begin", { cid, inWindow: Boolean(inWindow) });
  }

  active() {
    return this.live && state.attempt === this;
  }

  progress(step) {
    if (this.active()) post("progress", { cid: this.cid, step });
  }

  arm(message) {
    if (this.active()) post("arm", { cid: this.cid, message });
  }

  /** The wallet's credential from the issuer API, once the widget frame has granted the handle. */
  async requestJson({ wallet, ...fields }, { timeoutMs = Infinity } = {}) {
    const handle = await this.handle;
    return issuerJson({ cid: this.cid, body: { handle, wallet, ...fields }, timeoutMs: Math.min(timeoutMs, state.timeoutMs), signal: this.abort.signal });
  }

  finish(outcome) {
    if (!this.active()) return;
    const { status, code, message, retryable, hideButton } = outcome ?? {};
    this.stop();
    post("finish", { cid: this.cid, outcome: { status, code, message, retryable, hideButton } });
  }

  /** The attempt is over here: no handle any more, its request aborted, its callbacks ignored. */
  stop() {
    this.live = false;
    this.refuse(coded("USER_CANCELLED", "the attempt ended"));
    this.abort.abort();
    if (state.attempt === this) state.attempt = null;
  }
}

/**
 * `POST <widget origin>/walletpush/v1/credentials` from this origin, with the binding cookie:
 * resolves with the wallet's credential (a JSON object), or rejects with a coded error (the
 * issuer's own code when it gives one).
 */
async function issuerJson({ cid, body, timeoutMs, signal }) {
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  signal.addEventListener("abort", onAbort);
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let response;
  try {
    response = await fetch(`${WIDGET_ORIGIN}/walletpush/v1/credentials`, {
      method: "POST",
      mode: "cors",
      credentials: "include",
      cache: "no-store",
      headers: { "content-type": "application/json", "x-walletpush-correlation-id": cid },
      body: JSON.stringify(body),
      signal: abort.signal,
    });
  } catch {
    throw abort.signal.aborted ? coded("TIMEOUT", "the issuer API did not answer in time") : coded("NETWORK", "the issuer API could not be reached");
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status < 500 && CODES.has(answer?.code)) {
      throw coded(answer.code, typeof answer.message === "string" ? answer.message : "refused by the issuer API");
    }
    throw coded("ISSUER_REJECTED", `the issuer API failed (HTTP ${response.status}): try again later`);
  }
  if (!answer || typeof answer !== "object" || Array.isArray(answer)) throw coded("ISSUER_REJECTED", "the issuer API sent a malformed answer");
  return answer;
}

// ---- helpers ----------------------------------------------------------------------------------

function size() {
  const box = document.body.getBoundingClientRect();
  return { width: Math.ceil(box.width), height: Math.ceil(box.height) };
}

function reportSize() {
  if (state.adapter) post("size", size());
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

/**
 * The widget origin, as the adapter origin's server writes it into this page (a JSON data
 * block), if this page is framed by it; else null and the page stays inert.
 */
function widgetOrigin() {
  let origin;
  try {
    origin = JSON.parse(document.getElementById("walletpush-adapter").textContent).widget_origin;
  } catch {
    return null;
  }
  if (typeof origin !== "string" || window.parent === window) return null;
  const ancestors = location.ancestorOrigins;
  if (ancestors && ancestors.length > 0 && ancestors[0] !== origin) return null;
  return origin;
}
