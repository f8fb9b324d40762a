#!/usr/bin/env bash
# Every test: formatting, lints, native tests, the core's tests in headless Chromium, the
# release build, then the interop, sandbox and end-to-end suites.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh"

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (native and wasm32), warnings denied"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p walletpush --target wasm32-unknown-unknown --all-targets -- -D warnings
# The widget's own build, without the test harness.
cargo clippy -p walletpush --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p walletpush --target wasm32-unknown-unknown --all-targets --features toolkit -- -D warnings

step "native tests"
cargo test --workspace

step "core tests in headless Chromium (wasm-bindgen-test), with the toolkit exports"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test -p walletpush --target wasm32-unknown-unknown --features toolkit

"$ROOT/scripts/build.sh"

step "interop, sandbox and end-to-end tests (node --test)"
shopt -s nullglob
node --test --test-concurrency=1 tests/build/*.test.mjs tests/frame/*.test.mjs tests/interop/*.test.mjs tests/release/*.test.mjs tests/sandbox/*.test.mjs tests/e2e/*.test.mjs tests/package/*.test.mjs tests/mint/*.test.mjs
