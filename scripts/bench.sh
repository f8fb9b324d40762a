#!/usr/bin/env bash
# `npm run bench`: builds the release widget and sandbox, installs wrk if missing, then runs the
# benchmark (bench/run.mjs): JWE encrypt, cold start, click to hand-off, bytes, and the
# issuer API under load. Figures are printed and written to bench-results/bench.json.
# Arguments go to bench/run.mjs, e.g. `npm run bench -- --quick` or `-- --duration 10`.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
"$ROOT/scripts/build.sh"

if ! command -v wrk >/dev/null; then
  step "installing wrk (the load generator of the server section)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi

step "cargo build --release -p walletpush-sandbox --example signature_floor"
cargo build --release -p walletpush-sandbox --example signature_floor

step "benchmark (bench/run.mjs)"
node "$ROOT/bench/run.mjs" "$@"
