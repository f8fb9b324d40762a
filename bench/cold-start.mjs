// Section 2: cold start, in a fresh browser context each run (empty HTTP and code caches): from
// the shim's script starting to run on the blank test host page (/__sandbox/embed) to the
// widget's `ready` event there, i.e. the button drawn and clickable. All times are the host
// page's performance.now(); the frame's own timeline is mapped onto it through timeOrigin, to
// show where the time goes. The responses of the widget origin are recorded for section 4.
//
// Its floor, in the same run and interleaved with it run for run: the same host page with, in
// place of the widget, a cross-origin iframe holding a plain button and no script
// (bench/floor.mjs), from the frame element being added to the iframe's `load` event on the
// host page. The difference is what the widget costs over the browser making a frame.
import { summary } from "./stats.mjs";
import { measureBytes } from "../scripts/sizes.mjs";

/**
 * What the probe writes to the console once it has stamped `ready`. The run waits for this
 * console message rather than polling the page: Playwright's `waitForFunction` first injects
 * its own script (a 330 KB DevTools message, 12–15 ms to parse and run in a trace). `goto`
 * returns at the host page's load event, which comes with the frame's, while the widget is
 * still starting, so that script ran on the renderer main thread that host and frame share,
 * inside the measured time (20 ms more at the median, 24 interleaved runs each way).
 */
const READY_SIGNAL = "walletpush-bench: ready";

/**
 * Runs in every page before its scripts (context init script, so the host CSP does not apply):
 * on the host page, declares one <wallet-push-button> as an issuer would, and stamps `ready`.
 */
function coldStartProbe({ hostOrigin, handle, signal }) {
  if (location.origin !== hostOrigin) return;
  const probe = { readyAt: null, mountedAt: null };
  Object.defineProperty(window, "__coldStart", { value: probe });
  document.addEventListener("ready", () => {
    if (probe.readyAt !== null) return;
    probe.readyAt = performance.now();
    console.debug(signal);
  }, true);
  document.addEventListener("DOMContentLoaded", () => {
    const button = document.createElement("wallet-push-button");
    button.setAttribute("handle", handle);
    button.setAttribute("wallets", "sandbox");
    (document.getElementById("root") || document.body).append(button);
    probe.mountedAt = performance.now();
  });
}

/**
 * Init script of a floor run: on the floor's host page, adds the iframe at DOMContentLoaded,
 * where the walletpush run adds its element, and stamps the iframe's `load` on the host.
 */
function floorProbe({ hostOrigin, framePage, signal }) {
  if (location.origin !== hostOrigin) return;
  const probe = { mountedAt: null, loadedAt: null };
  Object.defineProperty(window, "__floor", { value: probe });
  document.addEventListener("DOMContentLoaded", () => {
    const frame = document.createElement("iframe");
    frame.addEventListener("load", () => {
      if (probe.loadedAt !== null) return;
      probe.loadedAt = performance.now();
      console.debug(signal);
    });
    frame.src = framePage;
    (document.getElementById("root") || document.body).append(frame);
    probe.mountedAt = performance.now();
  });
}

/** One floor run in a fresh context: ms from the iframe added to its load event. */
async function floorRun(browser, floor) {
  const context = await browser.newContext();
  try {
    await context.addInitScript(floorProbe, { hostOrigin: floor.hostOrigin, framePage: floor.framePage, signal: READY_SIGNAL });
    const page = await context.newPage();
    const loaded = page.waitForEvent("console", { predicate: (m) => m.text() === READY_SIGNAL, timeout: 15_000 });
    loaded.catch(() => {}); // awaited below, unless goto fails first
    await page.goto(floor.hostPage);
    await loaded;
    const { mountedAt, loadedAt } = await page.evaluate(() => window.__floor);
    return loadedAt - mountedAt;
  } finally {
    await context.close();
  }
}

/** The host's view of one run: shim timing, ready time, and the frame's milestones. */
async function readTimeline(page) {
  const host = await page.evaluate(() => {
    const shim = performance.getEntriesByType("resource").find((e) => e.name.endsWith("/walletpush.js"));
    return {
      timeOrigin: performance.timeOrigin,
      // The shim's start-up milestones (`walletpush:start:<step>`), on this page's clock.
      marks: performance.getEntriesByType("mark").filter((m) => m.name.startsWith("walletpush:start:"))
        .map((m) => ({ name: m.name.slice(17), start: m.startTime, end: m.startTime })),
      shimStart: shim?.startTime,
      shimResponseEnd: shim?.responseEnd,
      ...window.__coldStart,
    };
  });
  const frame = page.frames().find((f) => f.url().includes("/frame.html"));
  // Every request of the frame (its page, modules, Wasm, config, wallet discovery): when it
  // started and when its last byte arrived, on the frame's clock.
  const inFrame = await frame.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const entries = [
      { name: "frame.html", start: 0, end: nav.responseEnd },
      ...performance.getEntriesByType("resource").map((e) => {
        const url = new URL(e.name);
        const name = url.origin === location.origin ? url.pathname : `${url.host}${url.pathname}`;
        return { name, start: e.startTime, end: e.responseEnd };
      }),
      { name: "frame DOMContentLoaded", start: nav.domContentLoadedEventEnd, end: nav.domContentLoadedEventEnd },
      // The frame's start-up milestones, as the shim's above.
      ...performance.getEntriesByType("mark").filter((m) => m.name.startsWith("walletpush:start:"))
        .map((m) => ({ name: `frame ${m.name.slice(17)}`, start: m.startTime, end: m.startTime })),
    ];
    return { timeOrigin: performance.timeOrigin, entries };
  });
  // Frame times on the host's clock, relative to the moment the shim could run.
  const start = Math.max(host.shimResponseEnd, host.mountedAt ?? 0);
  const shift = inFrame.timeOrigin - host.timeOrigin - start;
  const hostShift = -start;
  const waterfall = Object.fromEntries([
    ...inFrame.entries.map((e) => [e.name, [e.start + shift, e.end + shift]]),
    ...host.marks.map((e) => [`host ${e.name}`, [e.start + hostShift, e.end + hostShift]]),
    ["host element added", [(host.mountedAt ?? 0) + hostShift, (host.mountedAt ?? 0) + hostShift]],
  ]);
  return {
    coldStartMs: host.readyAt - start,
    fromNavigationMs: host.readyAt,
    shimFetchMs: host.shimResponseEnd - host.shimStart,
    waterfall,
  };
}

/**
 * `runs` measured runs after `warmup` discarded ones, each beside one floor run (`floor` from
 * bench/floor.mjs; none when `floor` is null), the two in alternating order. Returns the
 * summary, the floor's, the difference, plus the widget-origin responses of the first measured
 * run.
 */
export async function benchColdStart(browser, sandbox, floor, { runs, warmup }) {
  const samples = [];
  const floorSamples = [];
  let responses = null;
  for (let i = 0; i < warmup + runs; i++) {
    const floorFirst = i % 2 === 1;
    if (floor && floorFirst) {
      const ms = await floorRun(browser, floor);
      if (i >= warmup) floorSamples.push(ms);
    }
    const { handle } = await sandbox.mintHandle();
    const context = await browser.newContext();
    try {
      await context.addInitScript(coldStartProbe, { hostOrigin: sandbox.origins.host, handle, signal: READY_SIGNAL });
      const page = await context.newPage();
      const seen = [];
      page.on("response", (response) => {
        if (response.url().startsWith(`${sandbox.origins.widget}/`)) seen.push(recordResponse(response));
      });
      const ready = page.waitForEvent("console", { predicate: (m) => m.text() === READY_SIGNAL, timeout: 15_000 });
      ready.catch(() => {}); // awaited below, unless goto fails first
      await page.goto(`${sandbox.origins.host}/__sandbox/embed`);
      await ready;
      const sample = await readTimeline(page);
      if (i >= warmup) {
        samples.push(sample);
        responses ??= await Promise.all(seen);
      }
    } finally {
      await context.close();
    }
    if (floor && !floorFirst) {
      const ms = await floorRun(browser, floor);
      if (i >= warmup) floorSamples.push(ms);
    }
  }
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.waterfall)))];
  const medianAt = (name, i) => summary(samples.map((s) => s.waterfall[name]?.[i]).filter(Number.isFinite), 1).median;
  const coldStart = summary(samples.map((s) => s.coldStartMs), 1);
  const floorSummary = floor ? summary(floorSamples, 1) : null;
  return {
    runs: samples.length,
    coldStart,
    // The floor: the same host page, a cross-origin iframe with a plain button, no script.
    floor: floorSummary,
    overFloor: floor ? Number((coldStart.median - floorSummary.median).toFixed(1)) : null,
    // Run i of walletpush minus run i of the floor (adjacent in time), median.
    pairedOverFloor: floor ? summary(samples.map((s, i) => s.coldStartMs - floorSamples[i]), 1) : null,
    fromNavigation: summary(samples.map((s) => s.fromNavigationMs), 1),
    shimFetch: summary(samples.map((s) => s.shimFetchMs), 1),
    // Each request of the frame: median [start, last byte] in ms after the shim could run,
    // in order of start: where cold start goes.
    waterfall: Object.fromEntries(
      names.map((n) => [n, [medianAt(n, 0), medianAt(n, 1)]]).sort((a, b) => a[1][0] - b[1][0]),
    ),
    samples: samples.map((s) => Number(s.coldStartMs.toFixed(1))),
    floorSamples: floorSamples.map((ms) => Number(ms.toFixed(1))),
    responses,
  };
}

async function recordResponse(response) {
  const headers = response.headers();
  let bodyBytes = null;
  let measured = null;
  try {
    const body = await response.body();
    bodyBytes = body.length;
    // The frame page is written per deployment (its configuration inline): section 4 counts it
    // as served.
    if (new URL(response.url()).pathname === "/frame.html") measured = measureBytes(body);
  } catch {
    // Bodies of some responses (e.g. redirects) are not available; the size stays unknown.
  }
  return {
    url: response.url(),
    status: response.status(),
    contentType: headers["content-type"] ?? null,
    contentEncoding: headers["content-encoding"] ?? null,
    bodyBytes,
    measured,
  };
}
