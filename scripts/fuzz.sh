#!/usr/bin/env bash
# `npm run fuzz -- [SECONDS] [TARGET...]`: coverage-guided fuzzing of the core's parsers
# (fuzz/, cargo-fuzz and libFuzzer). Runs each target named (all by default) for SECONDS
# (default 30; 0 for no time limit), starting from its corpus in fuzz/corpus/<target>/, then
# minimises that corpus (`cargo fuzz cmin`) so that only inputs that add coverage stay;
# `regression-*` inputs always stay. `cargo test` replays the corpus (tests/fuzz_corpus.rs).
# A crash stops the script and leaves the input in fuzz/artifacts/<target>/.
# FUZZ_ARGS adds libFuzzer options, e.g. `FUZZ_ARGS=-runs=10000000 npm run fuzz -- 0 json`
# for ten million executions.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

seconds="${1:-30}"
[ "$#" -gt 0 ] && shift
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
  echo "usage: npm run fuzz -- [SECONDS] [TARGET...]" >&2
  exit 2
fi

CARGO_FUZZ_ROOT="$TOOLS/cargo-fuzz"
export PATH="$CARGO_FUZZ_ROOT/bin:$PATH"
if ! command -v cargo-fuzz >/dev/null; then
  step "installing cargo-fuzz into .tools/ (a few minutes, once)"
  cargo install cargo-fuzz --root "$CARGO_FUZZ_ROOT"
fi

# libFuzzer's instrumentation needs nightly flags: the nightly toolchain where it is installed,
# else the stable one with RUSTC_BOOTSTRAP=1.
if rustup run nightly rustc --version >/dev/null 2>&1; then
  fuzz=(cargo +nightly fuzz)
else
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi
# No sanitizer: the core forbids `unsafe`, so AddressSanitizer would find nothing that safe
# Rust does not already check, and halves the executions per second. --release: optimised and
# without debug assertions, except in the core, whose overflow checks stay on (fuzz/Cargo.toml).
build_flags=(--sanitizer none --release)

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <("${fuzz[@]}" list)
fi

for target in "${targets[@]}"; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  step "fuzz $target for ${seconds}s"
  # -max_len: the protocol's messages are small, and a long input in the corpus (a regression
  # input) must not make every mutation that long.
  "${fuzz[@]}" run "${build_flags[@]}" "$target" "$corpus" -- \
    -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 ${FUZZ_ARGS:-}

  step "minimise fuzz/corpus/$target"
  kept="$(mktemp -d)"
  find "$corpus" -maxdepth 1 -name 'regression-*' -exec mv -t "$kept" {} +
  # -use_counters=0: an input stays if it reaches a branch no other input reaches, not merely
  # one more often; this keeps each corpus to a few hundred files.
  "${fuzz[@]}" cmin "${build_flags[@]}" "$target" "$corpus" -- -use_counters=0
  find "$kept" -maxdepth 1 -type f -exec mv -t "$corpus" {} +
  rmdir "$kept"
  echo "fuzz/corpus/$target: $(find "$corpus" -type f | wc -l) files, $(du -sb "$corpus" | cut -f1) bytes"
done
