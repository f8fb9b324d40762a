// The release bundle of the widget, as the widget origin and the adapter origin serve it, into
// www/dist/ (git-ignored):
//
//   walletpush.js              the shim, minified
//   frame.html, frame.css      the frame page and its style, whitespace and comments removed
//   frame.js                   the frame with i18n.js (English) and
//                              www/frame/{errors,issuer,handle,values}.js
//   i18n-<language>.js         the other languages' words, one module each, imported by frame.js
//                              only for a page in that language
//   adapters/<kind>.js         one per wallet kind, imported by frame.js only for a wallet the page
//                              shows; walletpush.js carries the wasm-bindgen glue, nested.js is
//                              the widget frame's end of Google's and Apple's adapter frames
//   pkg/walletpush_bg.wasm     the Wasm module, as scripts/build.sh made it into www/pkg/
//   adapter/                   what the adapter origin serves (docs/design.md §1, §4), and
//                              nothing of it on the widget origin: adapter.html, adapter.css,
//                              adapter.js with www/frame/{errors,values,loader}.js,
//                              and adapters/google.js, adapters/apple.js, which adapter.js
//                              imports for its wallet only
//   manifest.json              every file above with its size and sha384 integrity, and the
//                              shim's `integrity` for the host page's script tag (docs/design.md
//                              §6): an inventory of the payment page's scripts, with hashes
//
// The adapters share the frame's modules instead of carrying copies: frame.js exports them, and
// each adapter imports them from "../frame.js", the very module instance the page runs. The
// sources in www/ stay plain ES modules; this file only rearranges and minifies them (esbuild).
import { build, transform } from "esbuild";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const www = fileURLToPath(new URL("../www/", import.meta.url));
const dist = `${www}dist/`;

/** The widget frame's adapter files (www/frame.js imports them by wallet kind). */
export const ADAPTER_FILES = ["walletpush.js", "nested.js", "token-connect.js"];
/** The adapters that run on the adapter origin, in adapter.html (www/adapter.js imports them). */
export const NESTED_ADAPTER_FILES = ["google.js", "apple.js"];
/** The languages' modules, beside frame.js (www/i18n.js imports the one a page needs). */
export const LANGUAGE_FILES = ["fr", "de", "es", "it", "nl", "pt", "pl", "ja", "ar"].map((l) => `i18n-${l}.js`);
/**
 * The frame's modules that adapters import; frame.js exports them in the bundle. The script
 * loader (www/frame/loader.js) is not among them: only Google's and Apple's adapters use it,
 * and they run on the adapter origin, whose adapter.js exports it to them.
 */
const SHARED = ["frame/errors.js", "frame/issuer.js", "frame/values.js"];
/** The modules adapter.js exports to the adapters of the adapter origin. */
const ADAPTER_SHARED = ["frame/errors.js", "frame/values.js", "frame/loader.js"];

const common = {
  bundle: true,
  minify: true,
  format: "esm",
  // No syntax lowering: the widget needs browsers with WebAssembly, ES modules and
  // constructable style sheets, which all run the sources' syntax as written.
  target: "esnext",
  legalComments: "none",
  logLevel: "warning",
  absWorkingDir: www,
};

/** esbuild plugin: imports matching `filter` from the bundled code stay imports, unchanged. */
function keepImports(name, filter) {
  return {
    name,
    setup(b) {
      b.onResolve({ filter }, (args) => ({ path: args.path, external: true }));
    },
  };
}

/** esbuild plugin: imports of the `shared` modules, from anywhere, become `to` ("../frame.js"). */
function sharedFrom(to, shared) {
  return {
    name: `shared-from-${to}`,
    setup(b) {
      const files = new Set(shared.map((m) => resolve(www, m)));
      b.onResolve({ filter: /\.js$/ }, (args) =>
        files.has(resolve(args.resolveDir, args.path)) ? { path: to, external: true } : undefined,
      );
    },
  };
}
const fromFrame = sharedFrom("../frame.js", SHARED);

rmSync(dist, { recursive: true, force: true });
mkdirSync(`${dist}adapters`, { recursive: true });
mkdirSync(`${dist}adapter/adapters`, { recursive: true });
mkdirSync(`${dist}pkg`, { recursive: true });

// The frame: one module; the adapters stay separate files, loaded on demand.
await build({
  ...common,
  stdin: {
    contents: ['import "./frame.js";', ...SHARED.map((m) => `export * from "./${m}";`)].join("\n"),
    resolveDir: www,
    sourcefile: "frame-bundle.js",
  },
  outfile: `${dist}frame.js`,
  plugins: [keepImports("adapters", /^\.\/adapters\//), keepImports("languages", /^\.\/i18n-\w+\.js$/)],
});

// Each language: its own module, loaded on demand.
await build({
  ...common,
  entryPoints: LANGUAGE_FILES,
  outdir: dist,
});

// Each adapter: its own module, with the frame's shared modules taken from frame.js.
await build({
  ...common,
  entryPoints: ADAPTER_FILES.map((f) => `adapters/${f}`),
  outdir: `${dist}adapters`,
  plugins: [fromFrame],
});

// The adapter origin: adapter.js exports the modules its wallets' adapters share (of the
// correlation ids, only newCorrelationId: the issuer API's client stays on the widget origin).
await build({
  ...common,
  stdin: {
    contents: [
      'import "./adapter.js";',
      ...ADAPTER_SHARED.map((m) => `export * from "./${m}";`),
      'export { newCorrelationId } from "./frame/issuer.js";',
    ].join("\n"),
    resolveDir: www,
    sourcefile: "adapter-bundle.js",
  },
  outfile: `${dist}adapter/adapter.js`,
  plugins: [keepImports("adapters", /^\.\/adapters\//)],
});
await build({
  ...common,
  entryPoints: NESTED_ADAPTER_FILES.map((f) => `adapters/${f}`),
  outdir: `${dist}adapter/adapters`,
  plugins: [sharedFrom("../adapter.js", [...ADAPTER_SHARED, "frame/issuer.js"])],
});

// The shim is a classic script (an IIFE already): minified, not bundled.
const shim = await transform(readFileSync(`${www}walletpush.js`, "utf8"), {
  minify: true,
  target: "esnext",
  legalComments: "none",
});
writeFileSync(`${dist}walletpush.js`, shim.code);

const css = await transform(readFileSync(`${www}frame.css`, "utf8"), { loader: "css", minify: true });
writeFileSync(`${dist}frame.css`, css.code);
const adapterCss = await transform(readFileSync(`${www}adapter.css`, "utf8"), { loader: "css", minify: true });
writeFileSync(`${dist}adapter/adapter.css`, adapterCss.code);

// The pages: comments and the whitespace between tags go; the text has no significant runs.
for (const [page, out] of [["frame.html", "frame.html"], ["adapter.html", "adapter/adapter.html"]]) {
  const html = readFileSync(`${www}${page}`, "utf8")
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/>\s+</g, "><")
    .trim();
  writeFileSync(`${dist}${out}`, `${html}\n`);
}

copyFileSync(`${www}pkg/walletpush_bg.wasm`, `${dist}pkg/walletpush_bg.wasm`);

/** The files under `dir`, as paths relative to dist/ with "/" separators, sorted. */
function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dist, resolve(entry.parentPath, entry.name)).split("\\").join("/"))
    .sort();
}

/** `sha384-<base64>`, as the `integrity` attribute takes it (Subresource Integrity §3.5). */
export function integrityOf(bytes) {
  return `sha384-${createHash("sha384").update(bytes).digest("base64")}`;
}

// The manifest: what the widget origin serves, each file with its hash. frame.html is hashed as
// built; the widget origin serves it with the deployment's configuration inserted.
const files = Object.fromEntries(
  filesUnder(dist).map((path) => {
    const bytes = readFileSync(`${dist}${path}`);
    return [path, { bytes: bytes.length, integrity: integrityOf(bytes) }];
  }),
);
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const manifest = { version, shim: { path: "walletpush.js", integrity: files["walletpush.js"].integrity }, files };
writeFileSync(`${dist}manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`walletpush.js integrity: ${manifest.shim.integrity}`);
