#!/usr/bin/env bash
# Builds everything and serves the sandbox demo: host pages, widget + issuer API, wallet.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
"$ROOT/scripts/build.sh"
step "starting the sandbox (Ctrl-C stops it; state lives in ./data)"
exec "$ROOT/target/release/walletpush-sandbox" --www-dir "$DIST_DIR" --data-dir "$ROOT/data" "$@"
