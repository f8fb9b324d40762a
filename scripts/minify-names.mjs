// Shortens the names that the Wasm module and its wasm-bindgen glue share, in a package that
// scripts/build.sh made (node scripts/minify-names.mjs DIR, with DIR/walletpush_bg.wasm,
// DIR/walletpush.js and DIR/walletpush.d.ts).
//
// wasm-bindgen names each import after what it does plus a 16-digit hash
// (`__wbg_instanceof_Uint8Array_d7aeb0dcb3108fea`), and each export after its Rust item
// (`widget_sessionReady`): the Wasm's import and export sections and the glue carry them all,
// and the hashes do not compress. binaryen's wasm-opt renames them to one or two letters and
// prints what it renamed; this script then renames them the same way in the glue (the keys of
// the imports object, each `wasm.<export>`) and in the declarations of the raw exports
// (`InitOutput`). The JS API of the glue (`init`, `initSync`, `Widget`, `encryptJwe`...) is not
// renamed. Any name left behind fails the build.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

const dir = process.argv[2];
if (!dir) throw new Error("usage: node scripts/minify-names.mjs DIR");
const wasmFile = `${dir}/walletpush_bg.wasm`;
const jsFile = `${dir}/walletpush.js`;
const dtsFile = `${dir}/walletpush.d.ts`;

const printed = execFileSync(
  "wasm-opt",
  [
    wasmFile,
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--minify-imports-and-exports-and-modules",
    "-o",
    wasmFile,
  ],
  { encoding: "utf8" },
);
const renamed = JSON.parse(printed.slice(printed.indexOf("{")));
const [module] = importModules(readFileSync(wasmFile));

let js = readFileSync(jsFile, "utf8");
const escape = (name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** Replaces every match of `pattern` by `to`; fails when there is none. */
function rename(text, pattern, to, what) {
  const re = new RegExp(pattern, "gm");
  if (!re.test(text)) throw new Error(`minify-names: ${what} not found in the glue`);
  return text.replace(re, to);
}

// Imports: one module, whose functions are the keys of one object in the glue.
const modules = new Set(renamed.imports.map(([m]) => m));
if (modules.size !== 1) throw new Error(`minify-names: expected one import module, found ${[...modules]}`);
js = rename(js, `"${escape([...modules][0])}": import0`, `"${module}": import0`, "the import module");
for (const [, from, to] of renamed.imports) {
  js = rename(js, `(?<=^\\s*)${escape(from)}(?=: function)`, to, `import ${from}`);
}

// Exports: the glue reads each as `wasm.<name>`; a few (e.g. `__abort_handler`) it never reads.
let dts = readFileSync(dtsFile, "utf8");
for (const [from, to] of renamed.exports) {
  const read = new RegExp(`\\bwasm\\.${escape(from)}\\b`, "g");
  js = js.replace(read, `wasm.${to}`);
  dts = dts.replace(new RegExp(`(?<=^\\s*readonly )${escape(from)}(?=:)`, "m"), to);
}
for (const [from] of renamed.exports) {
  if (new RegExp(`\\bwasm\\.${escape(from)}\\b`).test(js)) throw new Error(`minify-names: wasm.${from} left`);
}

writeFileSync(jsFile, js);
writeFileSync(dtsFile, dts);

/** The module names of a Wasm binary's imports, in order of first appearance. */
function importModules(bytes) {
  let at = 8;
  const leb = () => {
    let value = 0;
    let shift = 0;
    let byte;
    do {
      byte = bytes[at++];
      value |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return value >>> 0;
  };
  const name = () => {
    const length = leb();
    const text = bytes.subarray(at, at + length).toString();
    at += length;
    return text;
  };
  const limits = (from) => {
    at = from;
    const flags = bytes[at++];
    leb();
    if (flags & 1) leb();
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    if (id === 2) {
      const found = new Set();
      for (let i = leb(); i > 0; i--) {
        found.add(name());
        name();
        const kind = bytes[at++];
        if (kind === 0) leb(); // function: type index
        else if (kind === 1) limits(++at); // table: element type, limits
        else if (kind === 2) limits(at); // memory: limits
        else if (kind === 3) at += 2; // global: value type, mutability
        else throw new Error(`minify-names: unknown import kind ${kind}`);
      }
      return [...found];
    }
    at = end;
  }
  return [];
}
