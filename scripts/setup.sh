#!/usr/bin/env bash
# Installs what the build and the tests need, when it is missing: the Wasm target, the pinned
# wasm-bindgen CLI (cached in .tools/), the npm packages, Debian's Chromium and chromedriver,
# and schemathesis in a Python virtual environment under .tools/.
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

if ! "$SCHEMATHESIS_VENV/bin/st" --version 2>/dev/null | grep -q "version $SCHEMATHESIS_VERSION\$"; then
  step "installing schemathesis $SCHEMATHESIS_VERSION into $SCHEMATHESIS_VENV (once)"
  if ! python3 -c "import ensurepip, venv" 2>/dev/null; then
    step "installing Debian's python3 and python3-venv"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3 python3-venv >/dev/null
  fi
  rm -rf "$SCHEMATHESIS_VENV"
  python3 -m venv "$SCHEMATHESIS_VENV"
  "$SCHEMATHESIS_VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# PostgreSQL for the tests of walletpush-server on several instances: each test makes a
# throw-away cluster with initdb (server/tests/support/postgres.rs).
if ! command -v initdb >/dev/null 2>&1 && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  step "installing Debian's postgresql"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
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
