# Shared by the project's scripts: paths and the pinned tool versions.
# Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The wasm-bindgen CLI must equal the crate's exact version (pinned with "=" in Cargo.toml).
WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen = .*"=\([0-9.]*\)".*$/\1/p' "$ROOT/Cargo.toml")"
if [ -z "$WASM_BINDGEN_VERSION" ]; then
  echo "scripts/lib.sh: no exact (=) wasm-bindgen version in Cargo.toml" >&2
  exit 1
fi
TOOLS="$ROOT/.tools"
WASM_BINDGEN_ROOT="$TOOLS/wasm-bindgen-$WASM_BINDGEN_VERSION"
# The API tester that checks the issuer API against server/openapi.yaml (tests/api/), from
# PyPI into a virtual environment of its own (tests/api/openapi.test.mjs reads this line).
SCHEMATHESIS_VERSION="4.32.5"
SCHEMATHESIS_VENV="${SCHEMATHESIS_VENV:-$TOOLS/schemathesis-$SCHEMATHESIS_VERSION}"
export SCHEMATHESIS_VENV
export PATH="$WASM_BINDGEN_ROOT/bin:$ROOT/node_modules/.bin:$PATH"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
# The widget as served, and the full JOSE toolkit build (feature `toolkit`) the interop tests load.
PKG_DIR="$ROOT/www/pkg"
# The release bundle as the widget origin serves it (scripts/bundle.mjs), from www/ and PKG_DIR.
DIST_DIR="$ROOT/www/dist"
TOOLKIT_PKG_DIR="$ROOT/target/pkg-toolkit"

step() { printf '\n== %s\n' "$*"; }
