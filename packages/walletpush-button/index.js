// walletpush-button: the widget's script loader, its types (index.d.ts) and a React component
// (react.js). The widget itself is not in this package: its shim (walletpush.js) comes from
// the widget origin, pinned by its Subresource Integrity hash, so that the frame, which holds
// the card data, always matches the shim that mounts it (docs/design.md §6).
//
// Importing this module touches no browser global and defines nothing: it is safe during
// server-side rendering. Only `load()` (and `mount()`) reach for `document`, when called.
export { ERROR_CODES, RETRYABLE_CODES } from "./codes.js";

/** Default time `load()` waits for the shim, in milliseconds. */
export const DEFAULT_LOAD_TIMEOUT_MS = 15_000;

/** What `load()` rejects with: `reason` says why the shim did not load. */
export class WalletPushLoadError extends Error {
  constructor(reason, message, { url = "", status } = {}) {
    super(message);
    this.name = "WalletPushLoadError";
    this.code = "LOAD_FAILED";
    this.reason = reason;
    this.url = url;
    if (status !== undefined) this.status = status;
  }
}

/** The running loads, by script URL: a second `load()` of the same shim shares the first. */
const loads = new Map();

/**
 * Loads the shim from the widget origin, once per page: resolves with the `WalletPush` API
 * (`mount`, `version`, `origin`, `errorCodes`). A script tag for the same URL already in the
 * page (written by hand, or by an earlier call) is reused, not duplicated. With `integrity`
 * (the `sha384-…` of the widget's manifest.json) the browser refuses a shim that differs.
 *
 * Rejects with a WalletPushLoadError whose `reason` is one of:
 * `no-dom` (not in a browser), `options` (a bad origin, a non-sha384/512 integrity),
 * `conflict` (the page already has this shim with another integrity, or a shim from another
 * origin), `csp` (the page's Content-Security-Policy blocks the script: add the widget origin to
 * `script-src`), `http` (the widget origin answered an error status, in `status`), `integrity`
 * (the shim's bytes do not match `integrity`), `blocked` (the request failed: offline, a
 * blocker, or no CORS header on the shim while `integrity` is set), `not-walletpush` (the
 * script ran but is not the widget's shim), `timeout`.
 */
export function load(options = {}) {
  if (typeof window === "undefined" || typeof document === "undefined") {
    return Promise.reject(new WalletPushLoadError("no-dom", "walletpush: load() runs in a browser only"));
  }
  let src;
  try {
    src = scriptUrl(options);
  } catch (error) {
    return Promise.reject(error);
  }
  const api = window.WalletPush;
  if (api && api.version) {
    if (api.origin === new URL(src).origin) return Promise.resolve(api);
    return Promise.reject(
      new WalletPushLoadError("conflict", `walletpush: this page already runs the widget of ${api.origin}`, { url: src }),
    );
  }
  const running = loads.get(src);
  if (running && running.integrity === (options.integrity || "")) return running.promise;
  const promise = insert(src, options);
  const entry = { integrity: options.integrity || "", promise };
  loads.set(src, entry);
  // A failed load may be tried again (after a network error, say): forget it.
  promise.catch(() => loads.get(src) === entry && loads.delete(src));
  return promise;
}

/**
 * Loads the shim (see `load`) and mounts the widget into `element`: resolves with the
 * controller. Mounting twice on one element gives the same controller.
 */
export async function mount(element, options, loadOptions) {
  const api = await load(loadOptions);
  return api.mount(element, options);
}

function scriptUrl({ origin, integrity } = {}) {
  let url;
  try {
    url = new URL(String(origin));
  } catch {
    url = null;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.origin !== String(origin).replace(/\/$/, "")) {
    throw new WalletPushLoadError("options", `walletpush: origin must be an origin such as https://walletpush.bank.example, not ${JSON.stringify(origin)}`);
  }
  if (integrity !== undefined && !/^sha(384|512)-[A-Za-z0-9+/]+={0,2}$/.test(integrity)) {
    throw new WalletPushLoadError("options", "walletpush: integrity must be the sha384-… value of the widget's manifest.json");
  }
  return `${url.origin}/walletpush.js`;
}

function insert(src, { integrity, nonce, timeoutMs = DEFAULT_LOAD_TIMEOUT_MS } = {}) {
  return new Promise((resolve, reject) => {
    const existing = [...document.querySelectorAll("script[src]")].find((s) => s.src === src);
    if (existing && (existing.getAttribute("integrity") || "") !== (integrity || "")) {
      reject(new WalletPushLoadError("conflict", "walletpush: the page has this shim's script tag with another integrity", { url: src }));
      return;
    }
    let violation = null;
    const onViolation = (event) => {
      if (event.blockedURI === src && /^script-src/.test(event.effectiveDirective || event.violatedDirective)) {
        violation = event.effectiveDirective || event.violatedDirective;
      }
    };
    const script = existing || document.createElement("script");
    let settled = false;
    const done = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      script.removeEventListener("load", onLoad);
      script.removeEventListener("error", onError);
      document.removeEventListener("securitypolicyviolation", onViolation);
      if (error) {
        reject(error);
        return;
      }
      const api = window.WalletPush;
      if (api && api.version) resolve(api);
      else reject(new WalletPushLoadError("not-walletpush", `walletpush: ${src} did not define WalletPush`, { url: src }));
    };
    const onLoad = () => done(null);
    const onError = () => {
      // The violation event may come just after the error event: give it a moment.
      setTimeout(() => diagnose(src, integrity, violation).then(done), 50);
    };
    const timer = setTimeout(
      () => done(new WalletPushLoadError("timeout", `walletpush: ${src} did not load within ${timeoutMs} ms`, { url: src })),
      timeoutMs,
    );
    document.addEventListener("securitypolicyviolation", onViolation);
    script.addEventListener("load", onLoad);
    script.addEventListener("error", onError);
    if (existing) {
      // Its request ended before this call: it has run by now (then WalletPush is there) or it
      // failed, and its events are gone. The moment between an async script's arrival and its
      // run is short; the load event, if it comes, settles first.
      const entry = performance.getEntriesByName(src, "resource")[0];
      if (entry && entry.responseEnd > 0) {
        setTimeout(() => (window.WalletPush && window.WalletPush.version ? done(null) : onError()), 500);
      }
      return;
    }
    script.src = src;
    script.async = true;
    if (integrity) {
      script.integrity = integrity;
      // Integrity needs a CORS request; the widget origin answers it for the shim (public).
      script.crossOrigin = "anonymous";
    }
    if (nonce) script.nonce = nonce;
    document.head.append(script);
  });
}

/** Why a script tag failed, as far as the page can tell. */
async function diagnose(src, integrity, violation) {
  if (violation) {
    return new WalletPushLoadError(
      "csp",
      `walletpush: the page's Content-Security-Policy (${violation}) blocks ${src}: add ${new URL(src).origin} to script-src`,
      { url: src },
    );
  }
  const entry = performance.getEntriesByName(src, "resource").at(-1);
  const status = entry && entry.responseStatus;
  if (status >= 400) {
    return new WalletPushLoadError("http", `walletpush: ${src} answered ${status}`, { url: src, status });
  }
  if (integrity && status >= 200 && status < 300) {
    return new WalletPushLoadError(
      "integrity",
      `walletpush: ${src} does not match its integrity ${integrity}: the widget origin serves another version`,
      { url: src },
    );
  }
  return new WalletPushLoadError(
    "blocked",
    `walletpush: ${src} could not be fetched (offline, blocked by an extension, or, with integrity, no Access-Control-Allow-Origin on it)`,
    { url: src },
  );
}
