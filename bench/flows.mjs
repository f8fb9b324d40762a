// Section 3: click to hand-off. The widget's own compute from the click on the wallet button to
// the JWE posted to the wallet: the sum of the frame's `walletpush:compute:{open,verify,seal}`
// measures (www/frame.js). The sandbox's issuer API and wallet answer at once; the wallet's
// sign-in is clicked by an init script as soon as its page is parsed, so no human wait is in
// the wall times either. Each flow gets a fresh handle and a freshly loaded host page (one
// browser context for all: the widget's files come from the HTTP cache as on a return visit).
//
// Its floor, interleaved flow for flow: `window.open` of the same URL with the same features
// from a bare page (bench/floor.mjs: a button in a cross-origin frame of a host page, nothing
// else), in a browser context of its own. The widget's own compute is the sum of its measures
// without its `window.open`, which is the browser's work and is reported beside the floor's.
import { summary } from "./stats.mjs";

const COMPUTE = ["walletpush:compute:open", "walletpush:compute:verify", "walletpush:compute:seal"];

/**
 * Init script: stamps the host page's widget events; in the widget frame, times window.open
 * (the browser making the wallet window, inside the frame's `open` measure) as its own measure;
 * signs in at once in the wallet window.
 */
function flowProbe({ hostOrigin, widgetOrigin, walletOrigin }) {
  if (location.origin === widgetOrigin) {
    const open = window.open;
    window.open = function (...args) {
      window.__benchOpenArgs = { url: String(args[0]), name: args[1] ?? "", features: args[2] ?? "" };
      const start = performance.now();
      try {
        return open.apply(this, args);
      } finally {
        performance.measure("bench:window.open", { start, end: performance.now() });
      }
    };
  }
  if (location.origin === hostOrigin) {
    const stamps = [];
    Object.defineProperty(window, "__flow", { value: stamps });
    for (const name of ["ready", "unavailable", "click", "progress", "error", "cancel", "success"]) {
      document.addEventListener(name, (e) => {
        stamps.push({ name, step: e.detail?.step, code: e.detail?.code, at: performance.now() });
      }, true);
    }
  } else if (location.origin === walletOrigin && location.pathname === "/entry") {
    // wallet.js is deferred, so its listeners are attached before DOMContentLoaded fires.
    document.addEventListener("DOMContentLoaded", () => document.getElementById("signin")?.click());
  }
}

/**
 * Waits (15 s) for `predicate` in the host page; on timeout, says which events the host saw and
 * which requests failed (e.g. www/dist/ missing while something rebuilds it).
 */
async function waitForStamp(page, what, predicate) {
  try {
    return await (await page.waitForFunction(predicate, null, { timeout: 15_000 })).jsonValue();
  } catch (error) {
    const seen = await page.evaluate(() => window.__flow.map((s) => s.step ?? s.code ?? s.name)).catch(() => []);
    const failed = failedRequests.get(page)?.join(", ") || "none";
    throw new Error(`no ${what} within 15 s; the host saw: ${seen.join(", ") || "no widget event"}; failed requests: ${failed}`, { cause: error });
  }
}

/** page -> the requests of it that failed, newest last. */
const failedRequests = new WeakMap();

function recordFailedRequests(page) {
  const failed = [];
  failedRequests.set(page, failed);
  page.on("response", (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
  page.on("requestfailed", (r) => failed.push(`${r.failure()?.errorText} ${r.url()}`));
}

async function oneFlow(page, context, sandbox) {
  const { handle } = await sandbox.mintHandle();
  await page.goto(`${sandbox.origins.host}/__sandbox/embed`);
  await page.waitForFunction(() => window.WalletPush?.version);
  await page.evaluate((h) => {
    const el = document.createElement("wallet-push-button");
    el.setAttribute("handle", h);
    el.setAttribute("wallets", "sandbox");
    document.getElementById("root").append(el);
  }, handle);
  await waitForStamp(page, "ready", () => window.__flow.find((s) => s.name === "ready"));
  const frame = page.frames().find((f) => f.url().includes("/frame.html"));

  const popupOpened = context.waitForEvent("page");
  await frame.click('button.wallet[data-wallet="sandbox"]');
  const popup = await popupOpened;
  const outcome = await waitForStamp(page, "handed-off", () =>
    window.__flow.find((s) => (s.name === "progress" && s.step === "handed-off") || s.name === "error" || s.name === "cancel"));
  if (outcome.name !== "progress") throw new Error(`flow ended with ${outcome.name} ${outcome.code ?? ""}`);

  const timeline = await frame.evaluate((names) => {
    const measure = (n) => performance.getEntriesByName(n, "measure")[0];
    const mark = (n) => performance.getEntriesByName(n, "mark")[0]?.startTime;
    const seal = measure("walletpush:compute:seal");
    return {
      compute: Object.fromEntries(names.map((n) => [n, measure(n)?.duration ?? null])),
      windowOpen: measure("bench:window.open")?.duration ?? null,
      clickMark: mark("walletpush:click"),
      readyMark: mark("walletpush:ready"),
      sealEnd: seal ? seal.startTime + seal.duration : null,
      openArgs: window.__benchOpenArgs ?? null,
    };
  }, COMPUTE);
  await popup.close();

  const parts = timeline.compute;
  if (COMPUTE.some((n) => parts[n] === null)) throw new Error("a compute measure is missing in the frame");
  return {
    openArgs: timeline.openArgs,
    computeMs: COMPUTE.reduce((t, n) => t + parts[n], 0),
    parts,
    windowOpenMs: timeline.windowOpen,
    // Frame: the click handler starting to the JWE posted (then `progress: handed-off` is
    // emitted). On the frame's clock: the host's own `click` event arrives only after the
    // frame's click task, window.open included, has finished, so the host would see less.
    wallMs: timeline.sealEnd - timeline.clickMark,
    // Frame: the wallet's `ready` message (session JWS) to the JWE posted: verify + issuer API + seal.
    walletReadyToHandoffMs: timeline.sealEnd - timeline.readyMark,
  };
}

/**
 * The floor of one flow: a real click on the bare page's button (in a cross-origin frame of the
 * floor's host page) runs `window.open(url, name, features)` as the widget called it; returns
 * its ms.
 */
async function bareOpen(page, context, floor, { url, name, features }) {
  await page.goto(floor.hostPage);
  await page.evaluate((src) => {
    const frame = document.createElement("iframe");
    frame.src = src;
    (document.getElementById("root") || document.body).append(frame);
  }, floor.openPage);
  const frame = await (await page.waitForSelector("iframe")).contentFrame();
  await frame.waitForSelector("#open");
  await frame.evaluate((open) => (window.__open = open), { url, name, features });
  const popup = context.waitForEvent("page", { timeout: 5000 });
  await frame.click("#open");
  const opened = await frame.evaluate(() => window.__opened);
  await (await popup).close();
  if (!opened?.opened) throw new Error("the bare page's window.open returned null");
  return opened.ms;
}

/** `flows` measured flows after `warmup` discarded ones, each followed by its floor. */
export async function benchFlows(browser, sandbox, floor, { flows, warmup }) {
  const context = await browser.newContext();
  const bareContext = await browser.newContext();
  const { host: hostOrigin, widget: widgetOrigin, wallet: walletOrigin } = sandbox.origins;
  await context.addInitScript(flowProbe, { hostOrigin, widgetOrigin, walletOrigin });
  const page = await context.newPage();
  const barePage = await bareContext.newPage();
  recordFailedRequests(page);
  const samples = [];
  try {
    for (let i = 0; i < warmup + flows; i++) {
      const sample = await oneFlow(page, context, sandbox);
      if (!sample.openArgs) throw new Error("the frame's window.open was not seen");
      sample.bareWindowOpenMs = await bareOpen(barePage, bareContext, floor, sample.openArgs);
      if (i >= warmup) samples.push(sample);
    }
  } finally {
    await context.close();
    await bareContext.close();
  }
  const windowOpen = summary(samples.map((s) => s.windowOpenMs ?? NaN).filter(Number.isFinite), 3);
  const bareWindowOpen = summary(samples.map((s) => s.bareWindowOpenMs), 3);
  return {
    flows: samples.length,
    compute: summary(samples.map((s) => s.computeMs), 3),
    parts: Object.fromEntries(COMPUTE.map((n) => [n.split(":").pop(), summary(samples.map((s) => s.parts[n]), 3)])),
    // window.open is the browser's work inside `open`; the widget's compute without it:
    windowOpen,
    // The floor: window.open of the same URL and features from a bare page, and the widget's
    // window.open over it (medians).
    bareWindowOpen,
    windowOpenOverBare: Number((windowOpen.median - bareWindowOpen.median).toFixed(3)),
    features: samples[0]?.openArgs.features ?? null,
    computeWithoutWindowOpen: summary(samples.map((s) => s.computeMs - (s.windowOpenMs ?? 0)), 3),
    wallClickToHandoff: summary(samples.map((s) => s.wallMs), 1),
    walletReadyToHandoff: summary(samples.map((s) => s.walletReadyToHandoffMs), 1),
  };
}
