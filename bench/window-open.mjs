// What `window.open` costs in this headless Chromium, by what is opened and how: the part of
// section 3 (click to hand-off) that is the browser's, not the widget's. Not part of
// `npm run bench`; run it on its own:
//
//   node bench/window-open.mjs [--runs 15]
//
// A host page embeds a frame on another origin of the same site, as the shim embeds the widget
// frame; a real click in the frame (Playwright's, so a user gesture) runs `window.open` and
// times it with `performance.now()`. The variants alternate within each run, so other work on
// the machine weighs on all of them alike. Each wallet window is closed before the next run.
import { createServer } from "node:http";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { launch } from "../tests/support/browser.mjs";
import { summary } from "./stats.mjs";
import { busyShare } from "./machine.mjs";

const { values: flags } = parseArgs({ options: { runs: { type: "string", default: "15" } } });
const runs = Number(flags.runs);
const WARMUP = 2;

/** The widget's own features (www/adapters/walletpush.js). */
const POPUP = "popup,width=480,height=720";

/** A page server on loopback: `html(url)` gives each page. */
async function serve(html) {
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(html(new URL(req.url, "http://x")));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: server.address().port };
}

/**
 * The frame's page: a button whose click opens `window.__variant` and keeps the time
 * `window.open` took (and, for "then navigate", the time until the window was sent on).
 */
const framePage = () => `<!doctype html><button id="open">open</button><script>
document.getElementById("open").addEventListener("click", () => {
  const { url, features, then } = window.__variant;
  const start = performance.now();
  const opened = window.open(then ? "about:blank" : url, "walletpush", features);
  const open = performance.now() - start;
  if (then && opened) opened.location.replace(url);
  window.__timing = { open, total: performance.now() - start, opened: Boolean(opened) };
});
</script>`;

const wallet = await serve(() => "<!doctype html><title>wallet</title><p>wallet entry");
const frame = await serve(framePage);
const host = await serve(() => `<!doctype html><iframe src="http://127.0.0.1:${frame.port}/frame"></iframe>`);
const sameSite = `http://127.0.0.1:${wallet.port}/entry`; // as the sandbox's wallet
const crossSite = `http://localhost:${wallet.port}/entry`; // as a wallet in production

const VARIANTS = {
  "about:blank": { url: "about:blank", features: POPUP },
  "the frame's own origin": { url: `http://127.0.0.1:${frame.port}/blank`, features: POPUP },
  "wallet, same site (the sandbox's)": { url: sameSite, features: POPUP },
  "wallet, another site (production)": { url: crossSite, features: POPUP },
  "another site, about:blank then navigate": { url: crossSite, features: POPUP, then: true },
  "another site, noopener": { url: crossSite, features: `${POPUP},noopener` },
  "another site, a tab (no features)": { url: crossSite, features: "" },
};

const busy = await busyShare(1000);
const browser = await launch();
const version = browser.version();
const samples = Object.fromEntries(Object.keys(VARIANTS).map((name) => [name, { open: [], total: [] }]));
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  for (let run = 0; run < WARMUP + runs; run++) {
    const names = Object.keys(VARIANTS);
    for (const name of run % 2 ? names.reverse() : names) {
      await page.goto(`http://127.0.0.1:${host.port}/`);
      const inner = await (await page.waitForSelector("iframe")).contentFrame();
      await inner.waitForSelector("#open");
      await inner.evaluate((variant) => (window.__variant = variant), VARIANTS[name]);
      const popup = context.waitForEvent("page", { timeout: 5000 }).catch(() => null);
      await inner.click("#open");
      const timing = await inner.evaluate(() => window.__timing);
      await (await popup)?.close();
      if (run >= WARMUP) {
        samples[name].open.push(timing.open);
        samples[name].total.push(timing.total);
      }
    }
  }
} finally {
  await browser.close();
  for (const s of [wallet, frame, host]) s.server.close();
}

console.log(`window.open in Chromium ${version}, ${runs} runs per variant, CPU busy at start ${(busy * 100).toFixed(0)}% (load average ${loadavg()[0].toFixed(2)})`);
console.log(`${"variant".padEnd(42)}${"median".padStart(10)}${"p90".padStart(10)}`);
for (const [name, s] of Object.entries(samples)) {
  const open = summary(s.open, 1);
  const then = VARIANTS[name].then ? `   (until navigated: ${summary(s.total, 1).median} ms)` : "";
  console.log(`${name.padEnd(42)}${`${open.median} ms`.padStart(10)}${`${open.p90} ms`.padStart(10)}${then}`);
}
