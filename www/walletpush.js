// walletpush shim: mounts the cross-origin widget frame into the host page.
//
//   <script src="https://walletpush.bank.example/walletpush.js" async></script>
//   <wallet-push-button handle="eyJ..." wallets="sandbox"></wallet-push-button>
//
// or WalletPush.mount(element, {handle, wallets, locale, theme, mode}) → controller.
// The host page never sees card data: the frame on the widget origin does all the work. This file
// only relays messages, with exact origin checks both ways (docs/wire.md), and never writes an
// inline style attribute (sizes and themes go through constructable style sheets).
(function () {
  "use strict";
  if (typeof window === "undefined" || (window.WalletPush && window.WalletPush.version)) return;

  const VERSION = "0.1.0";
  /** The documented fields of each event's detail (README.md, "Events"). */
  const FIELDS = {
    ready: "wallets last4",
    unavailable: "wallet cause",
    click: "wallet",
    progress: "step wallet cid",
    success: "wallet token_ref last4 verified cid",
    cancel: "wallet code cid",
    error: "code message retryable wallet cid",
  };

  const EVENTS = Object.keys(FIELDS);
  const CODES = [
    "CONFIG_INVALID", "HANDLE_INVALID", "HANDLE_EXPIRED", "HANDLE_REPLAYED", "ORIGIN_NOT_ALLOWED",
    "CARD_INACTIVE", "WALLET_UNAVAILABLE", "WALLET_KEY_INVALID", "WALLET_SESSION_INVALID",
    "POPUP_BLOCKED", "USER_CANCELLED", "TIMEOUT", "NETWORK", "ISSUER_REJECTED", "WALLET_REJECTED",
    "WASM_BLOCKED_BY_CSP", "INTERNAL", "HANDLE_UNBOUND", "RATE_LIMITED",
  ];
  // Milestones of the start-up, for the benchmark (bench/cold-start.mjs); they cost nothing.
  const mark = (name) => performance.mark(`walletpush:start:${name}`);
  mark("shim");
  const script = document.currentScript;
  const WIDGET_ORIGIN = new URL(script && script.src ? script.src : location.href).origin;

  const sharedSheet = new CSSStyleSheet();
  sharedSheet.replaceSync(
    ":host{display:inline-block;width:var(--wp-frame-width,auto);min-width:220px;max-width:100%;vertical-align:middle}" +
      ":host([hidden]){display:none}" +
      "iframe{display:block;width:100%;height:var(--wp-frame-height,72px);border:0;" +
      "background:transparent;color-scheme:normal}",
  );

  /** @type {Map<Element, Controller>} */
  const controllers = new Map();
  // The result a redirect brought back, for the first frame that starts (docs/wire.md).
  let redirectResult = takeRedirectResult();

  window.addEventListener("message", (event) => {
    if (event.origin !== WIDGET_ORIGIN) return;
    for (const controller of controllers.values()) {
      if (controller.frame && event.source === controller.frame.contentWindow) {
        controller.onFrameMessage(event.data);
        return;
      }
    }
  });

  class Controller {
    constructor(element, options) {
      this.element = element;
      this.given = options;
      this.options = normalise(options);
      this.listeners = new Map(EVENTS.map((name) => [name, new Set()]));
      this.result = new Promise((resolve) => (this.settle = resolve));
      this.frameReady = false;
      this.mountFrame();
    }

    /** Adds a listener for one of the widget's events; returns the controller. */
    on(name, listener) {
      this.listeners.get(checkEvent(name)).add(listener);
      return this;
    }

    /** Removes a listener added with `on`. */
    off(name, listener) {
      this.listeners.get(checkEvent(name)).delete(listener);
      return this;
    }

    /** Changes options (e.g. a fresh handle after HANDLE_REPLAYED or HANDLE_EXPIRED). */
    update(options) {
      // Merged into the options as given, so that callbacks (onSuccess...) stay.
      this.given = { ...this.given, ...options };
      this.options = normalise(this.given);
      if (this.frameReady) this.post({ type: "walletpush/update", ...this.frameOptions() });
      return this;
    }

    /** Removes the frame and forgets the element. */
    destroy() {
      this.timers.forEach(clearTimeout);
      if (this.frame) this.frame.remove();
      this.frame = null;
      controllers.delete(this.element);
    }

    mountFrame() {
      mark("mount");
      const root = this.element.shadowRoot || this.element.attachShadow({ mode: "open" });
      this.sizeSheet = new CSSStyleSheet();
      root.adoptedStyleSheets = [sharedSheet, this.sizeSheet];
      const frame = document.createElement("iframe");
      // No card data here: the host origin, the locale, and the wallet ids (so the frame can
      // start loading their code while the handle is on its way).
      const query = new URLSearchParams({
        host: location.origin,
        locale: this.options.locale,
        wallets: this.options.wallets.join(" "),
      });
      frame.src = `${WIDGET_ORIGIN}/frame.html?${query}`;
      frame.title = this.options.title;
      frame.setAttribute("part", "frame");
      frame.setAttribute("referrerpolicy", "origin");
      root.replaceChildren(frame);
      this.frame = frame;
      mark("frame-inserted");
      // CONFIG_INVALID if the frame does not say it started: the widget origin refused to be
      // framed by this page (its frame-ancestors lacks this origin), or it is unreachable. The
      // browser shows nothing in either case and tells the host page nothing either. The frame
      // says so while it loads: 3 s after its load event, or 20 s in all, it has failed.
      const silent = () => {
        this.timers.forEach(clearTimeout);
        if (!this.frameReady) {
          this.dispatch("error", {
            code: "CONFIG_INVALID",
            message: `${WIDGET_ORIGIN}/frame.html did not start: allow ${location.origin} in its frame-ancestors`,
            retryable: false,
          });
        }
      };
      this.timers = [setTimeout(silent, 20000)];
      frame.onload = () => this.timers.push(setTimeout(silent, 3000));
    }

    frameOptions() {
      const o = this.options;
      return {
        handle: o.handle,
        wallets: o.wallets,
        locale: o.locale,
        theme: o.theme,
        mode: o.mode,
        timeouts: o.timeouts,
        returnUrl: location.href.split("#")[0],
      };
    }

    post(message) {
      if (this.frame && this.frame.contentWindow) this.frame.contentWindow.postMessage(message, WIDGET_ORIGIN);
    }

    onFrameMessage(data) {
      if (!data || typeof data !== "object") return;
      if (data.type === "walletpush/frame-ready") {
        mark("frame-ready");
        this.frameReady = true;
        this.timers.forEach(clearTimeout);
        // The frame verifies the result and reports it, or reports nothing: the shim never
        // reads it.
        const result = redirectResult;
        redirectResult = null;
        this.post({ type: "walletpush/init", ...this.frameOptions(), ...(result ? { result } : {}) });
      } else if (data.type === "walletpush/size" && Number.isFinite(data.height)) {
        // The height the frame's content takes, and the width its buttons need on one line
        // (bounded; the host's own width rules on the element, and its container, still win).
        const height = Math.max(24, Math.min(400, Math.ceil(data.height)));
        const width = Number.isFinite(data.width) ? Math.max(120, Math.min(640, Math.ceil(data.width))) : 0;
        this.sizeSheet.replaceSync(`:host{--wp-frame-height:${height}px${width ? `;--wp-frame-width:${width}px` : ""}}`);
      } else if (data.type === "walletpush/event" && EVENTS.includes(data.name)) {
        if (data.name === "ready") mark("ready");
        this.dispatch(data.name, sanitise(data.name, data.detail));
      }
    }

    dispatch(name, detail) {
      this.element.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
      const callback = this.options.callbacks[name];
      for (const listener of [...this.listeners.get(name), ...(callback ? [callback] : [])]) {
        try {
          listener(detail);
        } catch (error) {
          setTimeout(() => {
            throw error;
          });
        }
      }
      if (name === "success") this.settle({ status: "success", ...detail });
      if (name === "cancel") this.settle({ status: "cancelled", ...detail });
      if (name === "error" && !detail.retryable) this.settle({ status: "error", ...detail });
    }
  }

  /**
   * Mounts the widget into `element`. Mounting twice on one element (React StrictMode) gives the
   * same controller, updated with the new options.
   */
  function mount(element, options) {
    if (!(element instanceof Element)) throw typedError("CONFIG_INVALID", "mount() needs an element");
    const existing = controllers.get(element);
    if (existing) return existing.update(options || {});
    const controller = new Controller(element, options || {});
    controllers.set(element, controller);
    return controller;
  }

  function normalise(options) {
    const wallets = Array.isArray(options.wallets)
      ? options.wallets
      : String(options.wallets || "sandbox").split(/\s+/).filter(Boolean);
    const callbacks = {};
    for (const name of EVENTS) {
      const key = `on${name[0].toUpperCase()}${name.slice(1)}`;
      if (typeof options[key] === "function") callbacks[name] = options[key];
    }
    return {
      handle: typeof options.handle === "string" ? options.handle : "",
      wallets,
      locale: String(options.locale || document.documentElement.lang || navigator.language || "en"),
      theme: options.theme && typeof options.theme === "object" ? { ...options.theme } : undefined,
      mode: options.mode || "popup",
      timeouts: options.timeouts,
      title: options.title || "Add card to wallet",
      callbacks,
    };
  }

  /** Keeps only the documented fields of each event, so nothing else can reach the host. */
  function sanitise(name, detail) {
    const d = detail && typeof detail === "object" ? detail : {};
    const out = Object.fromEntries(FIELDS[name].split(" ").filter((k) => d[k] !== undefined).map((k) => [k, d[k]]));
    if (name === "error" && !CODES.includes(out.code)) out.code = "INTERNAL";
    return out;
  }

  /**
   * Takes the `#walletpush=` value from the URL and clears the fragment (docs/wire.md): the raw
   * value, undecoded, for the frame, which alone decides whether it is a result to report.
   */
  function takeRedirectResult() {
    const match = /^#walletpush=([A-Za-z0-9_.-]{1,8000})$/.exec(location.hash);
    if (!match) return null;
    history.replaceState(history.state, "", location.href.split("#")[0]);
    return match[1];
  }

  function checkEvent(name) {
    if (!EVENTS.includes(name)) throw typedError("CONFIG_INVALID", `unknown event "${name}"`);
    return name;
  }

  function typedError(code, message) {
    const error = new Error(message);
    error.name = "WalletPushError";
    error.code = code;
    return error;
  }

  class WalletPushButton extends HTMLElement {
    static get observedAttributes() {
      return ["handle", "wallets", "locale", "mode"];
    }

    connectedCallback() {
      this.controller = mount(this, this.attributeOptions());
    }

    disconnectedCallback() {
      // A move within the document reconnects at once; only a real removal destroys the frame.
      queueMicrotask(() => {
        if (!this.isConnected && this.controller) {
          this.controller.destroy();
          this.controller = null;
        }
      });
    }

    attributeChangedCallback() {
      if (this.controller) this.controller.update(this.attributeOptions());
    }

    attributeOptions() {
      const options = {};
      for (const name of WalletPushButton.observedAttributes) {
        if (this.hasAttribute(name)) options[name] = this.getAttribute(name);
      }
      return options;
    }
  }

  window.WalletPush = Object.freeze({ version: VERSION, origin: WIDGET_ORIGIN, mount, errorCodes: CODES });
  if (!customElements.get("wallet-push-button")) customElements.define("wallet-push-button", WalletPushButton);
})();
