// Google Wallet and Apple Wallet in the widget frame (docs/design.md §4): their own scripts never
// run on the widget origin. Each of these wallets gets a nested frame, `adapter.html?wallet=<id>`
// on the adapter origin (www/adapter.js), which shows the wallet's button, loads the wallet's
// script there and asks the issuer API for the wallet's opaque credential itself: the issuer API
// answers google and apple only to the adapter origin, and never card data to it.
//
// This module is the widget frame's end of that frame:
// - it mirrors the frame's own button for the wallet (label, accessible name, state, language,
//   theme), which is never shown, into the nested frame's button;
// - the user clicks in the nested frame (the wallet's window must open inside that click); the
//   nested frame says `begin`, and this module clicks the frame's button, so the attempt starts
//   through the frame's one path (one flow at a time, events, timers). Only then does the
//   nested frame get the card handle, for that attempt (`go`); a click the frame refuses is
//   answered `refused`;
// - what the nested frame reports (progress, the wallet's outcome) is checked and passed on: the
//   adapter origin runs third-party code, so its messages count for this wallet's attempt and
//   nothing else, and no text from it reaches the host page unchecked.
// Every message names the exact target origin, and every one received is checked for its
// origin and its source window (docs/wire.md, "Adapter frame messages").
import { CODES, unavailable } from "../frame/errors.js";
import { isId } from "../frame/values.js";

const PREFIX = "walletpush-adapter/";
/** The nested frames of this page, by their window. */
const frames = new Map();

/** The largest size a nested frame may ask for (CSS px). */
const MAX = { width: 640, height: 240 };

addEventListener("message", (event) => {
  const frame = frames.get(event.source);
  if (!frame || event.origin !== frame.origin) return;
  const data = event.data;
  if (!data || typeof data !== "object" || typeof data.type !== "string" || !data.type.startsWith(PREFIX)) return;
  frame.receive(data.type.slice(PREFIX.length), data);
});

/**
 * Creates the nested frame of wallet `id` and waits until it has loaded the wallet's script
 * (or says why it cannot: the `unavailable` cause, as the adapter in it found it).
 */
export async function load({ id, config, adapterOrigin, button, locale, timeoutMs }) {
  const origin = exactOrigin(adapterOrigin);
  if (!origin) throw unavailable("no-adapter-origin");
  const frame = new NestedFrame(id, origin, button);
  await frame.start({ kind: config.kind, config, locale, timeoutMs });
  return {
    origin: null, // the wallet's window belongs to the nested frame
    element: frame.iframe,
    click: (attempt) => frame.click(attempt),
    message: () => {},
    end: () => frame.end(),
  };
}

class NestedFrame {
  constructor(id, origin, button) {
    this.id = id;
    this.origin = origin;
    this.button = button;
    this.attempt = null;
    this.clicked = null; // the cid of the click being started
    const iframe = document.createElement("iframe");
    iframe.className = "adapter parked";
    iframe.dataset.wallet = id;
    iframe.title = id;
    iframe.width = "0";
    iframe.height = "0";
    iframe.src = `${origin}/adapter.html?wallet=${encodeURIComponent(id)}`;
    this.iframe = iframe;
  }

  /** Loads the nested frame in the page (parked, unseen, until it is placed) and initialises it. */
  start(init) {
    return new Promise((resolve, reject) => {
      const fail = (cause) => {
        clearTimeout(timer);
        frames.delete(this.iframe.contentWindow);
        this.iframe.remove();
        reject(unavailable(cause));
      };
      // The nested frame has the wallet's script's own time limit; this one covers the page.
      const timer = setTimeout(() => fail("adapter-timeout"), init.timeoutMs + 5_000);
      this.init = init;
      this.loading = { resolve, fail, timer };
      document.getElementById("wallets").append(this.iframe);
      frames.set(this.iframe.contentWindow, this);
    });
  }

  post(type, fields = {}) {
    this.iframe.contentWindow?.postMessage({ type: PREFIX + type, ...fields }, this.origin);
  }

  receive(type, data) {
    const loading = this.loading;
    if (type === "hello") {
      // (Again only if the nested frame's page was reloaded: it is initialised anew.)
      const { kind, config, locale, timeoutMs } = this.init;
      this.post("init", { wallet: this.id, kind, config, locale, timeoutMs });
    } else if (type === "loaded") {
      this.size(data);
      if (!loading) return void this.render?.();
      this.loading = null;
      clearTimeout(loading.timer);
      this.mirror();
      loading.resolve();
    } else if (loading) {
      if (type === "unavailable") {
        this.loading = null;
        loading.fail(/^[A-Za-z][\w-]{0,39}$/.test(data.cause) ? data.cause : "adapter-failed");
      }
    } else if (type === "size") this.size(data);
    else if (type === "begin") this.begin(data);
    else this.report(type, data);
  }

  size({ width, height }) {
    const fit = (n, max) => String(Number.isFinite(n) ? Math.max(0, Math.min(max, Math.ceil(n))) : 0);
    this.iframe.width = fit(width, MAX.width);
    this.iframe.height = fit(height, MAX.height);
  }

  /** Mirrors the frame's button into the nested frame, now and on every change. */
  mirror() {
    const render = () => {
      const root = document.documentElement;
      const css = getComputedStyle(root);
      const theme = {};
      for (const [key, name] of [["accent", "--wp-accent"], ["accentText", "--wp-accent-text"], ["radius", "--wp-radius"]]) {
        theme[key] = css.getPropertyValue(name).trim();
      }
      const b = this.button;
      this.iframe.hidden = b.hidden;
      this.iframe.title = b.getAttribute("aria-label") ?? this.id;
      this.post("render", {
        text: b.querySelector(".label")?.textContent ?? "",
        label: b.getAttribute("aria-label") ?? "",
        state: b.dataset.state ?? "idle",
        busy: b.getAttribute("aria-busy") === "true",
        disabled: b.disabled,
        hidden: b.hidden,
        locked: b.hasAttribute("data-locked"),
        lang: root.lang,
        dir: root.dir,
        theme,
      });
      this.iframe.classList.remove("parked"); // the frame has placed it by its first label
    };
    this.render = render;
    new MutationObserver(render).observe(this.button, { attributes: true, childList: true, characterData: true, subtree: true });
  }

  /** The user clicked in the nested frame: the frame's own click path decides. */
  begin({ cid, inWindow }) {
    if (!isId(cid) || this.attempt?.active()) return void this.post("refused", { cid });
    this.clicked = { cid, inWindow: inWindow === true };
    this.button.click(); // → the frame's onClick → click() below, or nothing if it refuses
    if (this.clicked) this.post("refused", { cid });
    this.clicked = null;
  }

  click(attempt) {
    const clicked = this.clicked;
    this.clicked = null;
    if (!clicked) return void attempt.finish({ status: "error", code: "INTERNAL", message: "no click in the wallet's frame" });
    this.attempt = attempt;
    attempt.begin(clicked.cid, null, clicked.inWindow);
    this.post("go", { cid: clicked.cid, handle: attempt.handle });
  }

  /** Progress and the outcome of the running attempt, as the nested frame reports them. */
  report(type, data) {
    const attempt = this.attempt;
    if (!attempt?.active() || data.cid !== attempt.cid) return;
    if (type === "progress" && /^[a-z][a-z-]{0,31}$/.test(data.step)) attempt.progress(data.step);
    else if (type === "arm") attempt.arm(text(data.message, "no answer"));
    else if (type === "finish") attempt.finish(outcome(data.outcome, attempt));
  }

  /** The frame ended the attempt (outcome, timeout): the nested frame forgets it. */
  end() {
    const attempt = this.attempt;
    this.attempt = null;
    if (attempt) this.post("end", { cid: attempt.cid });
  }
}

/** The nested frame's outcome, reduced to what the frame reports: never its data, only its kind. */
function outcome(o, attempt) {
  if (o?.status === "success") return { status: "success", last4: attempt.last4, hideButton: o.hideButton === true };
  if (o?.status === "cancelled") return { status: "cancelled", code: "USER_CANCELLED" };
  const code = CODES.has(o?.code) ? o.code : "WALLET_REJECTED";
  const result = { status: "error", code, message: text(o?.message, "the wallet failed") };
  if (typeof o?.retryable === "boolean") result.retryable = o.retryable;
  return result;
}

/** A short printable text from the nested frame, else `fallback`. */
function text(value, fallback) {
  return typeof value === "string" && /^[\x20-\x7e]{1,300}$/.test(value) ? value : fallback;
}

/** `value` if it is an http(s) origin as browsers write it. */
function exactOrigin(value) {
  try {
    const url = new URL(value);
    return /^https?:$/.test(url.protocol) && url.origin === value ? value : null;
  } catch {
    return null;
  }
}
