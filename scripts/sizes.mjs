// Prints the bytes of the widget's files: raw, gzip (level 9) and brotli (quality 11).
import { readFileSync, existsSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The files a host page downloads for the widget, in load order. */
export const WIDGET_FILES = [
  "www/walletpush.js",
  "www/frame.html",
  "www/frame.css",
  "www/frame.js",
  "www/i18n.js",
  "www/frame/errors.js",
  "www/frame/issuer.js",
  "www/frame/handle.js",
  "www/adapters/walletpush.js",
  "www/pkg/walletpush.js",
  "www/pkg/walletpush_bg.wasm",
];

export function measure(path) {
  const bytes = readFileSync(path);
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
    }).length,
  };
}

export function widgetSizes() {
  const rows = WIDGET_FILES.filter((f) => existsSync(root + f)).map((file) => ({
    file,
    ...measure(root + file),
  }));
  const total = rows.reduce(
    (t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }),
    { raw: 0, gzip: 0, brotli: 0 },
  );
  return { rows, total };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rows, total } = widgetSizes();
  const pad = (s, n) => String(s).padStart(n);
  console.log(`${"file".padEnd(30)}${pad("raw", 10)}${pad("gzip", 10)}${pad("brotli", 10)}`);
  for (const r of [...rows, { file: "total", ...total }]) {
    console.log(`${r.file.padEnd(30)}${pad(r.raw, 10)}${pad(r.gzip, 10)}${pad(r.brotli, 10)}`);
  }
}
