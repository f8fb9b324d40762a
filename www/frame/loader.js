// Loads a wallet's own script (Google's integration.min.js, Apple's initAddToAppleWallet.js)
// into the frame: never into the host page, so the host's CSP, globals and other scripts stay
// out of it, and the frame's CSP lists the script's origin (docs/design.md §6).
//
// When: at render, once the wallet's button is needed (its id is configured and the handle
// allows it), not at the click. Both wallets open their own window from inside the click, and
// a popup is only allowed while the click's user activation lasts; a script fetched after the
// click could arrive too late (Safari's window is about one second). Loading before the button
// is shown also lets a wallet whose script is missing or broken be reported `unavailable`
// instead of drawing a button that cannot work. Nothing is loaded for a wallet that is not
// configured, not allowed, or not asked for.
//
// No Subresource Integrity: the wallets update these scripts in place and publish no hashes.
import { unavailable } from "./errors.js";

/** url -> Promise of the script's entry object, so each script is fetched and run once. */
const loads = new Map();

/**
 * Loads the classic script at `url` once (giving up after `timeoutMs`) and resolves with
 * `entry(window)`, the wallet's entry
 * point (e.g. `window.googlepay`); rejects with WALLET_UNAVAILABLE, `reason` "script-failed",
 * "script-timeout" or "entry-missing". A failed load is forgotten, so a later render retries.
 */
export function loadWalletScript(url, entry, timeoutMs) {
  let load = loads.get(url);
  if (!load) {
    load = inject(url, timeoutMs);
    loads.set(url, load);
    load.catch(() => loads.get(url) === load && loads.delete(url));
  }
  return load.then(() => {
    const found = entry(window);
    // (The `unavailable` event says only the cause, so these errors carry no message.)
    if (!found) throw unavailable("entry-missing");
    return found;
  });
}

function inject(url, timeoutMs) {
  // http(s) only; the frame's CSP (script-src) decides the rest.
  if (!/^https?:\/\//.test(url)) return Promise.reject(unavailable("script-failed"));
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    const timer = setTimeout(() => done(unavailable("script-timeout")), timeoutMs);
    const done = (error) => {
      clearTimeout(timer);
      if (error) {
        script.remove();
        reject(error);
      } else {
        resolve();
      }
    };
    script.onload = () => done();
    // A wrong URL, or a frame CSP whose script-src does not list the script's origin.
    script.onerror = () => done(unavailable("script-failed"));
    script.src = url; // dynamically inserted: async
    script.referrerPolicy = "origin";
    document.head.append(script);
  });
}

/**
 * The wallet's own button artwork, as its brand guidelines ask, in the page's language: the
 * configuration's `badge_url` with `{locale}` replaced (e.g. the "Add to Apple Wallet" badge in
 * that language, from Apple's badge kit, served where the frame's img-src allows). The frame's
 * aria-label names the button, so the image is decorative; the status line says what happens.
 */
export function showBadge(button, template, locale) {
  if (typeof template !== "string") return;
  const img = new Image();
  img.alt = "";
  img.src = template.replace("{locale}", locale);
  button.style.cssText = "background:0;padding:0;border:0";
  button.replaceChildren(img);
}
