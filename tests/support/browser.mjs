// Headless Chromium (Debian's, through playwright-core) and the host-page instrumentation that
// the end-to-end tests read: every widget event, every message posted to the host window, every
// console call, so that assertions are about what the host page could observe.
import { chromium } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

/** Runs in every page of the host origin before its scripts: records what the host can see. */
function hostInstrumentation(hostOrigin) {
  if (location.origin !== hostOrigin) return;
  const record = { events: [], messages: [], console: [] };
  Object.defineProperty(window, "__wp", { value: record });
  for (const level of ["log", "info", "warn", "error", "debug"]) {
    const original = console[level];
    console[level] = (...args) => {
      record.console.push(args.map((a) => { try { return typeof a === "string" ? a : JSON.stringify(a); } catch { return String(a); } }).join(" "));
      return original.apply(console, args);
    };
  }
  window.addEventListener("message", (e) => {
    let data;
    try { data = JSON.stringify(e.data); } catch { data = String(e.data); }
    record.messages.push({ origin: e.origin, data });
  }, true);
  window.addEventListener("error", (e) => record.console.push(`uncaught: ${e.message}`));
  for (const name of ["ready", "unavailable", "click", "progress", "success", "cancel", "error"]) {
    document.addEventListener(name, (e) => {
      if (e instanceof CustomEvent) record.events.push({ name, detail: e.detail });
    }, true);
  }
}

/** A fresh context whose host-origin pages are instrumented; `userAgent` overrides the browser's. */
export async function newContext(browser, sandbox, { blockPopups = false, userAgent } = {}) {
  const context = await browser.newContext(userAgent ? { userAgent } : {});
  await context.addInitScript(hostInstrumentation, sandbox.origins.host);
  if (blockPopups) await context.addInitScript(popupBlocker, sandbox.origins.widget);
  return context;
}

/** What a popup blocker does to the frame: window.open returns null. */
function popupBlocker(widgetOrigin) {
  if (location.origin === widgetOrigin) window.open = () => null;
}

/** Opens the blank test host page (unless `navigate` is false) and mounts the widget. */
export async function embed(page, sandbox, options, { navigate = true } = {}) {
  if (navigate) await page.goto(`${sandbox.origins.host}/__sandbox/embed`);
  await page.waitForFunction(() => window.WalletPush && window.WalletPush.version);
  await page.evaluate((opts) => {
    const el = document.createElement("div");
    el.id = "widget";
    document.body.append(el);
    window.__controller = window.WalletPush.mount(el, opts);
  }, options);
}

/** Resolves with the first recorded event named `name` (after `skip` earlier ones). */
export async function waitForEvent(page, name, { timeout = 15_000, skip = 0 } = {}) {
  const handle = await page.waitForFunction(
    ([n, s]) => {
      const found = window.__wp.events.filter((e) => e.name === n);
      return found.length > s ? found[s] : null;
    },
    [name, skip],
    { timeout },
  );
  return handle.jsonValue();
}

export async function events(page) {
  return page.evaluate(() => window.__wp.events);
}

/** The widget frame inside the host page (works through the shadow root). */
export function widgetFrame(page) {
  return page.frameLocator("iframe").first();
}

/** Clicks the wallet button in the frame and returns the wallet window. */
export async function clickAndOpenWallet(page, context, wallet = "sandbox") {
  const popup = context.waitForEvent("page");
  await widgetFrame(page).locator(`button.wallet[data-wallet="${wallet}"]`).click();
  return popup;
}

/** Signs in and confirms in the sandbox wallet window. */
export async function confirmInWallet(popup) {
  await popup.locator("#signin").click();
  await popup.locator("#confirm").click();
}
