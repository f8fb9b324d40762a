#!/usr/bin/env bash
# Builds the release widget into www/pkg/ (cargo -> wasm-bindgen -> wasm-opt), the full JOSE
# toolkit build into target/pkg-toolkit/ (for the interop tests; never served), the bundle the
# widget origin serves into www/dist/ (scripts/bundle.mjs: the frame, its adapters, the glue
# and the shim, minified), walletpush-server and the sandbox around it, then prints the bytes of
# what a host page downloads.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh"

# bundle OUT_DIR [CARGO_FLAGS...]: one release Wasm build, its glue, optimised.
bundle() {
  local out="$1"
  shift
  step "cargo build --profile wasm-release --target wasm32-unknown-unknown $* -> ${out#"$ROOT"/}"
  cargo build --profile wasm-release --target wasm32-unknown-unknown -p walletpush "$@"
  rm -rf "$out"
  # --encode-into always: every browser with WebAssembly has TextEncoder.encodeInto, so the
  # glue needs no fallback for strings passed into the Wasm.
  wasm-bindgen --target web --encode-into always --out-dir "$out" \
    "$ROOT/target/wasm32-unknown-unknown/wasm-release/walletpush.wasm"
  # npm binaryen's wasm-opt: Debian's (version 108) emits Wasm that fails at instantiation.
  # -Oz after opt-level "s" (Cargo.toml): the smallest. Measured on the same build, encrypting
  # in Chromium in alternation (`node bench/run.mjs --sections encrypt`): -Oz 49,238 B gzip,
  # 0.71-0.73 ms; -Os 49,298 B, 0.69-0.74 ms; -O3 49,648 B, 0.77-0.82 ms. --converge repeats the passes while they still shrink the module (67 B gzip).
  # --low-memory-unused (217 B gzip) says that no load or store addresses the low 1 KiB of
  # memory, so constant offsets may be folded into them: true here, where Rust's 1 MiB stack
  # sits at the bottom of memory and grows down toward it, reaching it only by overflowing.
  wasm-opt -Oz --converge --low-memory-unused --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --strip-debug --strip-producers \
    "$out/walletpush_bg.wasm" -o "$out/walletpush_bg.wasm"
  # Short names for what the module and its glue share (imports, exports).
  node "$ROOT/scripts/minify-names.mjs" "$out"
}

bundle "$TOOLKIT_PKG_DIR" --features toolkit
bundle "$PKG_DIR"

step "bundle: www/ -> www/dist/ (esbuild)"
node "$ROOT/scripts/bundle.mjs"

step "cargo build --release -p walletpush-server -p walletpush-sandbox"
cargo build --release -p walletpush-server -p walletpush-sandbox

step "sizes"
node "$ROOT/scripts/sizes.mjs"
