#!/usr/bin/env bash
# Installs what the build and the tests need, when it is missing: the Wasm target, the pinned
# wasm-bindgen CLI (cached in .tools/), the npm packages, Debian's Chromium and chromedriver.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ ! -x "$WASM_BINDGEN_ROOT/bin/wasm-bindgen" ] || [ ! -x "$WASM_BINDGEN_ROOT/bin/wasm-bindgen-test-runner" ]; then
  step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION into .tools/ (a few minutes, once)"
  # Not --locked: a pinned transitive version of its lock file is missing from the registry mirror.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$WASM_BINDGEN_ROOT"
fi

if [ ! -d node_modules ] || [ package.json -nt node_modules ] || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules ]; }; then
  step "npm install"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
  touch node_modules
fi

if [ ! -x "$CHROMIUM" ] || [ ! -x "$CHROMEDRIVER" ]; then
  step "installing Debian's chromium and chromium-driver"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# The handle-minting examples' tests (tests/mint/): Python's `cryptography` and a JDK (17+).
if ! python3 -c "import cryptography" 2>/dev/null && ! PYTHONPATH="$TOOLS/python" python3 -c "import cryptography" 2>/dev/null; then
  step "pip install cryptography into .tools/python"
  python3 -m pip install --quiet --target "$TOOLS/python" cryptography
fi
if ! command -v java >/dev/null; then
  step "installing Debian's openjdk-17-jdk-headless"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openjdk-17-jdk-headless >/dev/null
fi
