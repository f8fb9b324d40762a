// Loads a release build of the Wasm (its wasm-bindgen glue and optimised `.wasm`, as built by
// `npm run build`) into a page of headless Chromium, served from a loopback server, and calls
// its exports there. The page owns `crypto.getRandomValues`, so that a test can choose the
// bytes one call draws (an encryption's ephemeral key and IV) and then hand back to the
// browser's own randomness.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { launch } from "../support/browser.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The builds under test: the module every host page downloads, and the toolkit build. */
export const BUILDS = {
  release: { dir: join(root, "www", "pkg"), what: "www/pkg/ (the widget's module)" },
  toolkit: { dir: join(root, "target", "pkg-toolkit"), what: "target/pkg-toolkit/ (toolkit exports)" },
};

const TYPES = { ".js": "text/javascript; charset=utf-8", ".wasm": "application/wasm" };

/**
 * The page: a module script that replaces `crypto.getRandomValues` with one that serves queued
 * bytes first (in whatever chunks the Wasm asks for) and the browser's randomness after, then
 * loads the glue with its default `init()`, as the widget's adapter does.
 */
const PAGE = `<!doctype html><meta charset="utf-8"><title>release vectors</title>
<script type="module">
const real = crypto.getRandomValues.bind(crypto);
let queue = new Uint8Array(0);
let draws = [];
crypto.getRandomValues = (view) => {
  const out = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  draws.push(out.length);
  const n = Math.min(out.length, queue.length);
  out.set(queue.subarray(0, n));
  queue = queue.subarray(n);
  if (n < out.length) real(out.subarray(n));
  return view;
};
const bytes = (a) => Uint8Array.from(a);
const plain = (v) => (v instanceof Uint8Array ? { bytes: [...v] } : v);
const mod = await import(new URLSearchParams(location.search).get("pkg") + "walletpush.js");
await mod.default();
window.harness = {
  exports: Object.keys(mod).filter((k) => k !== "default" && k !== "initSync").sort(),
  /**
   * Runs each call {fn, args, bytesArgs: [indexes of byte-array args], forced: [bytes]} in turn;
   * answers {ok, value | error: {name, code, reason, message}, draws, left}.
   */
  run(calls) {
    return calls.map(({ fn, args, bytesArgs = [], forced = [] }) => {
      queue = bytes(forced);
      draws = [];
      const real = args.map((a, i) => (bytesArgs.includes(i) ? bytes(a) : a));
      let out;
      try {
        const value = mod[fn](...real);
        out = { ok: true, value: value && typeof value === "object"
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)])) : value };
      } catch (e) {
        out = { ok: false, error: { name: e?.name, code: e?.code, reason: e?.reason, message: String(e?.message ?? e) } };
      }
      out.draws = draws;
      out.left = queue.length;
      queue = new Uint8Array(0);
      return out;
    });
  },
};
</script>`;

/** Serves the page and both builds on 127.0.0.1 (a free port). */
async function serve() {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(PAGE);
      return;
    }
    const [, build, ...rest] = path.split("/");
    const dir = BUILDS[build]?.dir;
    const file = dir && normalize(join(dir, ...rest));
    const type = file && TYPES[extname(file)];
    if (!type || !file.startsWith(dir + sep)) return void res.writeHead(404).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

/**
 * Starts the server and Chromium, and opens one page per build. Returns
 * {pages: {release, toolkit}, close()}; each page has `exports` and `run(calls)`.
 */
export async function openBuilds() {
  for (const [name, build] of Object.entries(BUILDS)) {
    for (const f of ["walletpush.js", "walletpush_bg.wasm"]) {
      if (!existsSync(join(build.dir, f))) throw new Error(`${name} build missing (${build.what}): run npm run build`);
    }
  }
  const server = await serve();
  const browser = await launch();
  const pages = {};
  try {
    for (const name of Object.keys(BUILDS)) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const problems = [];
      page.on("pageerror", (e) => problems.push(String(e)));
      await page.goto(`${server.origin}/?pkg=/${name}/`);
      await page.waitForFunction(() => window.harness, null, { timeout: 15_000 }).catch((e) => {
        throw new Error(`${name}: the module did not load: ${problems.join("; ") || e.message}`);
      });
      pages[name] = {
        exports: await page.evaluate(() => window.harness.exports),
        run: (calls) => page.evaluate((c) => window.harness.run(c), calls),
      };
    }
  } catch (error) {
    await browser.close();
    await server.close();
    throw error;
  }
  return {
    pages,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
