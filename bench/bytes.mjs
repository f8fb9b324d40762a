// Section 4: the bytes a host page downloads for the widget, from scripts/sizes.mjs (raw, gzip
// level 9, brotli quality 11), cross-checked against what the browser really fetched from the
// widget origin in a cold-start run: a file fetched but missing from the list, a listed file
// never fetched, or a size that differs from the file on disk is reported. frame.html is the
// exception: the widget origin writes the deployment's configuration into it, so it is counted
// as served, and must be the file plus that insertion (larger, and ending as the file ends).
import { widgetSizes, WIDGET_FILES } from "../scripts/sizes.mjs";

const FRAME_PAGE = "/frame.html";

/** `responses`: the widget-origin responses of one cold start ({url, bodyBytes, measured, ...}). */
export function benchBytes(responses, widgetOrigin) {
  const fromFiles = widgetSizes();
  const fetched = responses.map((r) => ({ ...r, path: new URL(r.url).pathname }));
  // The issuer API's answers are data, not widget files.
  const files = fetched.filter((r) => !r.path.startsWith("/walletpush/"));
  const servedPage = files.find((f) => f.path === FRAME_PAGE)?.measured;
  const filePage = fromFiles.rows.find((r) => r.file === `www/dist${FRAME_PAGE}`);
  const problems = [];
  if (servedPage && filePage && servedPage.raw <= filePage.raw) {
    problems.push(`${FRAME_PAGE}: served ${servedPage.raw} B, not more than the file's ${filePage.raw} B: no configuration inline?`);
  }
  const rows = fromFiles.rows.map((r) => (r === filePage && servedPage ? { ...r, ...servedPage, file: `${r.file} (as served)` } : r));
  const total = rows.reduce(
    (t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }),
    { raw: 0, gzip: 0, brotli: 0 },
  );
  const byPath = new Map(rows.map((r) => [r.file.replace(/^www\/dist/, "").replace(/ \(as served\)$/, ""), r]));
  for (const f of files) {
    const listed = byPath.get(f.path);
    if (!listed) problems.push(`fetched but not in scripts/sizes.mjs WIDGET_FILES: ${f.path} (${f.bodyBytes} B)`);
    else if (f.bodyBytes !== null && f.bodyBytes !== listed.raw) problems.push(`${f.path}: served ${f.bodyBytes} B, file has ${listed.raw} B`);
  }
  for (const path of byPath.keys()) {
    if (!files.some((f) => f.path === path)) problems.push(`listed but not fetched in a cold start: ${path}`);
  }
  for (const file of WIDGET_FILES) {
    if (!fromFiles.rows.some((r) => r.file === file)) problems.push(`listed but missing on disk: ${file}`);
  }
  const find = (suffix) => rows.find((r) => r.file.endsWith(suffix)) ?? { raw: 0, gzip: 0, brotli: 0 };
  const wasm = find("/walletpush_bg.wasm");
  // The glue is bundled into the walletpush/1 adapter: the whole adapter is counted with it.
  const glue = find("/adapters/walletpush.js");
  return {
    rows,
    total,
    wasmAndGlue: { raw: wasm.raw + glue.raw, gzip: wasm.gzip + glue.gzip, brotli: wasm.brotli + glue.brotli },
    shim: find("www/dist/walletpush.js"),
    fetched: fetched.map(({ path, status, bodyBytes, contentEncoding }) => ({ path, status, bodyBytes, contentEncoding })),
    servedCompressed: files.some((f) => f.contentEncoding),
    fetchedFromWidgetOrigin: fetched.reduce((t, f) => t + (f.bodyBytes ?? 0), 0),
    widgetOrigin,
    problems,
  };
}
