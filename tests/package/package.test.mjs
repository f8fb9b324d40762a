// The npm package (packages/walletpush-button) as an issuer's developers meet it: packed with
// `npm pack`, installed with npm into a fresh Vite + React app and into a plain ES module page
// (under target/package-tests/, reused across runs; the apps pin their versions), built, and
// run in headless Chromium against the sandbox, each provisioning a card. Also: importing it in
// Node prints nothing and defines no global; its types accept a real consumer and refuse
// misuse; the loader with the right integrity works and fails with its typed error otherwise.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { startHost } from "./host.mjs";
import { launch, newContext, waitForEvent, events, clickAndOpenWallet, confirmInWallet } from "../support/browser.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const work = join(root, "target", "package-tests");
const fixtures = fileURLToPath(new URL("fixtures/", import.meta.url));
const manifest = () => JSON.parse(readFileSync(join(root, "www", "dist", "manifest.json"), "utf8"));

function run(command, args, cwd) {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Copies a fixture app into work/ and installs it with npm (the packed tarball included). */
function install(name) {
  const dir = join(work, name);
  cpSync(join(fixtures, name), dir, { recursive: true });
  // The tarball keeps its version while its contents change: install it afresh each run.
  rmSync(join(dir, "node_modules", "walletpush-button"), { recursive: true, force: true });
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], dir);
  return dir;
}

const env = { host: null, browser: null, react: null, esm: null, hang: null, variants: {} };

before(async () => {
  mkdirSync(work, { recursive: true });
  const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work], join(root, "packages", "walletpush-button")));
  renameSync(join(work, packed[0].filename), join(work, "walletpush-button.tgz"));
  env.files = packed[0].files.map((f) => f.path).sort();
  env.react = install("react-app");
  env.esm = install("esm-page");
  const vite = join(env.react, "node_modules", ".bin", "vite");
  run(vite, ["build", "--logLevel", "error"], env.react);
  // React's development build too: only there does StrictMode mount, unmount and mount again.
  execFileSync(vite, ["build", "--logLevel", "error", "--mode", "development", "--base", "/react-dev/", "--outDir", "dist-dev"], {
    cwd: env.react,
    env: { ...process.env, NODE_ENV: "development" },
    stdio: "ignore",
  });

  // A server that accepts and never answers: the loader's timeout.
  env.hang = createServer(() => {});
  await new Promise((resolve) => env.hang.listen(0, "127.0.0.1", resolve));
  // A port nobody listens on: the request fails as a blocked one does.
  const closed = createServer();
  await new Promise((resolve) => closed.listen(0, "127.0.0.1", resolve));
  env.closedPort = closed.address().port;
  await new Promise((resolve) => closed.close(resolve));
  env.host = await startHost(serve);
  env.browser = await launch();
});

after(async () => {
  await env.browser?.close();
  await env.host?.stop();
  env.hang?.closeAllConnections();
  env.hang?.close();
});

/** The test's host origin: its pages, and the backend call that mints a handle. */
async function serve(req, res) {
  const url = new URL(req.url, "http://host.invalid");
  if (url.pathname === "/api/config") {
    const variant = url.searchParams.get("variant") ?? "right";
    const { handle, binding } = await env.host.mintHandle({});
    const config = {
      right: { integrity: manifest().shim.integrity },
      conflict: { integrity: manifest().shim.integrity },
      wrong: { integrity: `sha384-${createHash("sha384").update("another shim").digest("base64")}` },
      timeout: { timeoutMs: 1500 },
    }[variant];
    // As an issuer's backend does: the binding cookie with the handle (docs/design.md §2);
    // host-only, since every origin of this test is on 127.0.0.1.
    res.writeHead(200, {
      "content-type": "application/json", "cache-control": "no-store",
      "set-cookie": `walletpush_binding=${binding}; Path=/walletpush/; HttpOnly; SameSite=Strict`,
    });
    res.end(JSON.stringify({ origin: originOf(variant), ...config, handle }));
    return true;
  }
  const [, app, ...rest] = url.pathname.split("/");
  const dirs = { react: join(env.react, "dist"), "react-dev": join(env.react, "dist-dev"), esm: env.esm };
  if (!Object.hasOwn(dirs, app)) return false;
  const file = normalize(join(dirs[app], rest.join("/") || "index.html"));
  if (!file.startsWith(dirs[app]) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404);
    res.end();
    return true;
  }
  const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css" };
  // The host page's policy of docs/design.md §6: the widget origin for scripts and the frame,
  // no 'unsafe-inline', no 'unsafe-eval'. The "csp" variant leaves the widget origin out.
  const variant = url.searchParams.get("variant");
  const scripts = variant === "csp" ? "'self'" : `'self' ${originOf(variant ?? "right")}`;
  res.writeHead(200, {
    "content-type": types[extname(file)] ?? "application/octet-stream",
    "content-security-policy": `default-src 'self'; script-src ${scripts}; frame-src ${env.host.origins.widget}; style-src 'self'; object-src 'none'; base-uri 'none'`,
  });
  res.end(readFileSync(file));
  return true;
}

/** The widget origin the page of each variant loads the shim from. */
function originOf(variant) {
  if (variant === "http" || variant === "failed-tag") return env.host.origins.host; // no walletpush.js there: 404
  if (variant === "timeout") return `http://127.0.0.1:${env.hang.address().port}`;
  if (variant === "blocked") return `http://127.0.0.1:${env.closedPort}`;
  return env.host.origins.widget;
}

/** Every iframe of the page, in its document and in every shadow root. */
function frameCount(page) {
  return page.evaluate(() => {
    const all = [...document.querySelectorAll("*")];
    return all.reduce((n, el) => n + (el.shadowRoot ? el.shadowRoot.querySelectorAll("iframe").length : 0), document.querySelectorAll("iframe").length);
  });
}

async function withPage(fn) {
  const context = await newContext(env.browser, env.host);
  const page = await context.newPage();
  const violations = [];
  page.on("console", (m) => /Content Security Policy|Refused to/i.test(m.text()) && violations.push(m.text()));
  try {
    return await fn(page, context, violations);
  } finally {
    await context.close();
  }
}

/** Waits until the React app's outcome line (which its callbacks set) says `expected`. */
async function outcome(page, expected) {
  const line = page.locator("#outcome");
  for (let i = 0; i < 50 && (await line.innerText()) !== expected; i++) await page.waitForTimeout(100);
  assert.equal(await line.innerText(), expected, JSON.stringify(await events(page)));
}

/** Clicks the button, confirms in the wallet, and checks the card reached the wallet. */
async function provision(page, context) {
  const before = (await env.host.tokens()).length;
  const ready = await waitForEvent(page, "ready");
  assert.deepEqual(ready.detail.wallets, ["sandbox"]);
  const popup = await clickAndOpenWallet(page, context);
  await confirmInWallet(popup);
  const success = await waitForEvent(page, "success");
  assert.equal(success.detail.last4, ready.detail.last4);
  const tokens = await env.host.tokens();
  assert.equal(tokens.length, before + 1, "one token in the sandbox wallet");
  return success;
}

test("npm pack ships the module, its types, the React component and the LICENSE, nothing else", () => {
  assert.deepEqual(env.files, ["LICENSE", "README.md", "codes.d.ts", "codes.js", "index.d.ts", "index.js", "package.json", "react.d.ts", "react.js"]);
  const pkg = JSON.parse(readFileSync(join(env.esm, "node_modules", "walletpush-button", "package.json"), "utf8"));
  assert.equal(pkg.license, "Apache-2.0");
});

test("importing the package in Node prints nothing and defines no global", () => {
  for (const specifier of ["walletpush-button", "walletpush-button/react"]) {
    const plain = spawnSync("node", ["-e", `import(${JSON.stringify(specifier)})`], { cwd: env.react, encoding: "utf8" });
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(plain.stdout + plain.stderr, "", specifier);
  }
  // The same, counting globals, and server-side rendering of the component.
  const script = `
    const before = new Set(Reflect.ownKeys(globalThis));
    const pkg = await import("walletpush-button");
    const { WalletPushButton } = await import("walletpush-button/react");
    const { createElement } = await import("react");
    const { renderToString } = await import("react-dom/server");
    const html = renderToString(createElement(WalletPushButton, { origin: "https://w.example", handle: "h" }));
    const added = Reflect.ownKeys(globalThis).filter((k) => !before.has(k)).map(String);
    const error = await pkg.load({ origin: "https://w.example" }).catch((e) => e);
    process.stdout.write(JSON.stringify({ added, html, reason: error.reason, typed: error instanceof pkg.WalletPushLoadError, codes: pkg.ERROR_CODES.length }));
  `;
  const result = spawnSync("node", ["--input-type=module", "-e", script], { cwd: env.react, encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, "");
  const out = JSON.parse(result.stdout);
  assert.deepEqual(out.added, [], "globals defined by the import");
  assert.equal(out.html, "<div></div>");
  assert.deepEqual([out.reason, out.typed], ["no-dom", true]);
  assert.ok(out.codes >= 17);
});

test("a TypeScript consumer type-checks; an unknown event, a wrong option type, an unknown detail field do not", () => {
  const tsc = join(env.react, "node_modules", ".bin", "tsc");
  const ok = spawnSync(tsc, ["-p", "tsconfig.json"], { cwd: env.react, encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  // Also as a Node project resolves packages (the `exports` map with its `types`).
  const node = spawnSync(tsc, ["--noEmit", "--strict", "--target", "ES2022", "--module", "NodeNext", "--moduleResolution", "NodeNext", "--lib", "ES2022,DOM", "--jsx", "react-jsx", join("types", "consumer.tsx")], { cwd: env.react, encoding: "utf8" });
  assert.equal(node.status, 0, node.stdout + node.stderr);
  const options = ["--noEmit", "--strict", "--target", "ES2022", "--module", "ESNext", "--moduleResolution", "Bundler", "--lib", "ES2022,DOM"];
  for (const [file, expected] of [
    ["misuse-event.ts", /misuse-event\.ts\(5,\d+\): error TS2345: Argument of type '"sucess"'/],
    ["misuse-option.ts", /misuse-option\.ts\(4,\d+\): error TS2322: Type '"modal"' is not assignable to type 'Mode/],
    ["misuse-detail.ts", /misuse-detail\.ts\(4,\d+\): error TS2339: Property 'pan' does not exist on type 'SuccessDetail'/],
  ]) {
    const bad = spawnSync(tsc, [...options, join("types", file)], { cwd: env.react, encoding: "utf8" });
    assert.notEqual(bad.status, 0, `${file} type-checked`);
    assert.match(bad.stdout, expected);
    assert.equal(bad.stdout.trim().split("\n").length, 1, bad.stdout);
  }
});

test("the Vite + React app, React's development build, StrictMode: one frame, a card provisioned, no frame after unmount", async () => {
  await withPage(async (page, context, violations) => {
    await page.goto(`${env.host.origins.host}/react-dev/`);
    const success = await provision(page, context);
    await outcome(page, `added ${success.detail.last4}`);
    assert.equal(await frameCount(page), 1, "frames in the page");
    assert.ok(await page.evaluate(() => window.appRenders % 2 === 0 && window.appRenders >= 4), "StrictMode's double renders");
    assert.equal(page.frames().filter((f) => f.url().includes("/frame.html")).length, 1);
    assert.equal((await events(page)).filter((e) => e.name === "ready").length, 1, "one widget became ready");
    assert.equal(await page.evaluate(() => document.querySelectorAll('script[src$="/walletpush.js"]').length), 1);
    assert.equal(await page.evaluate(() => document.querySelector('script[src$="/walletpush.js"]').integrity), manifest().shim.integrity);
    await page.locator("#toggle").click();
    await page.waitForFunction(() => !document.getElementById("wallet"));
    assert.equal(await frameCount(page), 0, "frames after unmount");
    await page.locator("#toggle").click();
    await waitForEvent(page, "ready", { skip: 1 });
    assert.equal(await frameCount(page), 1, "frames after mounting again");
    assert.deepEqual(violations, []);
  });
});

test("the Vite + React app, production build: a card provisioned", async () => {
  await withPage(async (page, context, violations) => {
    await page.goto(`${env.host.origins.host}/react/`);
    const success = await provision(page, context);
    await outcome(page, `added ${success.detail.last4}`);
    assert.equal(await frameCount(page), 1);
    assert.ok(await page.evaluate(() => window.appRenders >= 2));
    assert.deepEqual(violations, []);
  });
});

test("the plain ES module page: the loader with the right integrity, once, and a card provisioned", async () => {
  await withPage(async (page, context, violations) => {
    await page.goto(`${env.host.origins.host}/esm/?variant=right`);
    await page.waitForFunction(() => window.loaded || window.loadError);
    assert.equal(await page.evaluate(() => window.loadError), undefined);
    assert.deepEqual(await page.evaluate(() => window.loaded), { same: true, scripts: 1 });
    await provision(page, context);
    assert.equal(await frameCount(page), 1);
    assert.deepEqual(violations, []);
  });
});

test("the loader reuses the page's own script tag for the shim, and refuses one without the integrity asked for", async () => {
  await withPage(async (page) => {
    await page.goto(`${env.host.origins.host}/esm/?variant=existing`);
    await page.waitForFunction(() => window.loaded || window.loadError);
    assert.equal(await page.evaluate(() => window.loadError), undefined);
    assert.deepEqual(await page.evaluate(() => window.loaded), { same: true, scripts: 1 });
    await waitForEvent(page, "ready");
  });
  await withPage(async (page) => {
    await page.goto(`${env.host.origins.host}/esm/?variant=conflict`);
    await page.waitForFunction(() => window.loaded || window.loadError);
    const error = await page.evaluate(() => window.loadError);
    assert.deepEqual([error.typed, error.reason], [true, "conflict"], error.message);
  });
});

test("the loader rejects with its typed error: wrong integrity, 404 (also for the page's own failed tag), CSP, unreachable, timeout", async () => {
  const expected = {
    wrong: { reason: "integrity" },
    http: { reason: "http", status: 404 },
    "failed-tag": { reason: "http", status: 404 },
    csp: { reason: "csp" },
    blocked: { reason: "blocked" },
    timeout: { reason: "timeout" },
  };
  for (const [variant, want] of Object.entries(expected)) {
    await withPage(async (page) => {
      await page.goto(`${env.host.origins.host}/esm/?variant=${variant}`);
      await page.waitForFunction(() => window.loaded || window.loadError, null, { timeout: 10_000 });
      const error = await page.evaluate(() => window.loadError);
      assert.ok(error, `${variant}: the loader resolved`);
      assert.deepEqual(
        { typed: error.typed, name: error.name, code: error.code, reason: error.reason, ...(want.status ? { status: error.status } : {}) },
        { typed: true, name: "WalletPushLoadError", code: "LOAD_FAILED", ...want },
        `${variant}: ${error.message}`,
      );
      assert.equal(await frameCount(page), 0);
      assert.equal(await page.evaluate(() => typeof window.WalletPush), "undefined");
    });
  }
});
