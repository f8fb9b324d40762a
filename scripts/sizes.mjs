// Prints the bytes of the widget's files as the widget origin serves them (www/dist/, made by
// scripts/bundle.mjs): raw, gzip (level 9) and brotli (quality 11), each file on its own.
import { readFileSync, existsSync, writeFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * What every page downloads: the shim, the frame page, its style and its module. A page in
 * another language than English also downloads that language's words (www/dist/i18n-fr.js...,
 * about 0.55 KB gzip each), not counted here.
 */
const BASE_FILES = [
  "www/dist/walletpush.js",
  "www/dist/frame.html",
  "www/dist/frame.css",
  "www/dist/frame.js",
];

/**
 * What each wallet kind adds (frame.js imports an adapter only for a wallet the page shows; the
 * walletpush/1 adapter carries the wasm-bindgen glue). Google's and Apple's adapters run in a
 * nested frame on the adapter origin (www/dist/adapter/): the frame's end of it, then the
 * adapter frame's page, style and script, then the wallet's adapter. The wallets' own scripts
 * (Google's, Apple's) come from the wallets and are not counted. frame.html is served with the
 * deployment's configuration inline, a few hundred bytes more than the file (the benchmark
 * measures the page as served).
 */
const ADAPTER_FRAME = ["www/dist/adapters/nested.js", "www/dist/adapter/adapter.html", "www/dist/adapter/adapter.css", "www/dist/adapter/adapter.js"];
export const FILES_BY_KIND = {
  "walletpush/1": ["www/dist/adapters/walletpush.js", "www/dist/pkg/walletpush_bg.wasm"],
  google: [...ADAPTER_FRAME, "www/dist/adapter/adapters/google.js"],
  apple: [...ADAPTER_FRAME, "www/dist/adapter/adapters/apple.js"],
  "token-connect": ["www/dist/adapters/token-connect.js"],
};

/**
 * The byte budgets of the widget (gzip, KB = 1024 B): the benchmark and `npm test` check them.
 * Based on p256 doing every curve operation in the Wasm (docs/design.md §7), with its table of
 * base-point multiples: the Wasm with its glue and the walletpush/1 adapter 52,711 B when they
 * were set, every wallet configuration's download at most 65,446 B (all four wallets). `total`
 * was 64 KB until Google's and Apple's scripts moved off the widget origin (docs/design.md §4):
 * their adapter frame's page, style and script add about 5.9 KB, so all four wallets are about
 * 69 KB, of which the widget origin's files stay under 64 KB. A size budget does not outweigh
 * keeping third-party scripts off the widget origin.
 */
export const BYTE_BUDGETS = { wasmAndGlue: 54 * 1024, shim: 4 * 1024, total: 72 * 1024 };

/** The files a page with wallets of `kinds` downloads, in load order, each once. */
export function filesFor(kinds) {
  return [...new Set([...BASE_FILES, ...kinds.flatMap((k) => FILES_BY_KIND[k])])];
}

/** The files a host page downloads for the widget with the sandbox wallet, in load order. */
export const WIDGET_FILES = filesFor(["walletpush/1"]);

/** The configurations compared: one wallet each, and all four. */
export const CONFIGURATIONS = [
  ["sandbox (walletpush/1)", ["walletpush/1"]],
  ["google", ["google"]],
  ["apple", ["apple"]],
  ["token-connect", ["token-connect"]],
  ["all four", ["walletpush/1", "google", "apple", "token-connect"]],
];

export function measure(path) {
  return measureBytes(readFileSync(path));
}

/** Raw, gzip -9 and brotli -q 11 bytes of one response body. */
export function measureBytes(bytes) {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
    }).length,
  };
}

export function widgetSizes(files = WIDGET_FILES) {
  const rows = files.filter((f) => existsSync(root + f)).map((file) => ({
    file,
    ...measure(root + file),
  }));
  const total = rows.reduce(
    (t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }),
    { raw: 0, gzip: 0, brotli: 0 },
  );
  return { rows, total };
}

/** Totals per configuration (each file is its own response, so gzip/brotli are per file). */
export function configurationSizes() {
  return CONFIGURATIONS.map(([name, kinds]) => ({ name, files: filesFor(kinds).length, ...widgetSizes(filesFor(kinds)).total }));
}

/** Today's figures plus 1%, rounded up to 10 B: the ceilings tests/build/sizes.test.mjs holds. */
export function ceilings() {
  const up = (n) => Math.ceil((n * 1.01) / 10) * 10;
  return {
    wasmAndGlue: up(widgetSizes(FILES_BY_KIND["walletpush/1"]).total.gzip),
    configurations: Object.fromEntries(configurationSizes().map((c) => [c.name, up(c.gzip)])),
  };
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv.includes("--ceilings")) {
  const file = fileURLToPath(new URL("../tests/build/size-ceilings.json", import.meta.url));
  writeFileSync(file, JSON.stringify(ceilings(), null, 2) + "\n");
  console.log(`written: ${file}`);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const { rows, total } = widgetSizes();
  const pad = (s, n) => String(s).padStart(n);
  console.log(`${"file".padEnd(34)}${pad("raw", 10)}${pad("gzip", 10)}${pad("brotli", 10)}`);
  for (const r of [...rows, { file: "total", ...total }]) {
    console.log(`${r.file.padEnd(34)}${pad(r.raw, 10)}${pad(r.gzip, 10)}${pad(r.brotli, 10)}`);
  }
  console.log(`\n${"wallets configured".padEnd(24)}${pad("files", 6)}${pad("raw", 10)}${pad("gzip", 10)}${pad("brotli", 10)}`);
  for (const c of configurationSizes()) {
    console.log(`${c.name.padEnd(24)}${pad(c.files, 6)}${pad(c.raw, 10)}${pad(c.gzip, 10)}${pad(c.brotli, 10)}`);
  }
}
