#!/usr/bin/env bash
# Builds the release widget into www/pkg/ (cargo -> wasm-bindgen -> wasm-opt) and the sandbox
# server, then prints the bytes of what a host page downloads.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh"

step "cargo build --release --target wasm32-unknown-unknown"
cargo build --release --target wasm32-unknown-unknown -p walletpush

step "wasm-bindgen --target web -> www/pkg/"
rm -rf "$PKG_DIR"
wasm-bindgen --target web --out-dir "$PKG_DIR" \
  "$ROOT/target/wasm32-unknown-unknown/release/walletpush.wasm"

step "wasm-opt (npm binaryen)"
wasm-opt -O3 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --strip-debug --strip-producers \
  "$PKG_DIR/walletpush_bg.wasm" -o "$PKG_DIR/walletpush_bg.wasm"

step "cargo build --release -p walletpush-sandbox"
cargo build --release -p walletpush-sandbox

step "sizes"
node "$ROOT/scripts/sizes.mjs"
