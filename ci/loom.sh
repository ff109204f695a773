#!/usr/bin/env bash
# Runs every loom model of the workspace with bounded preemptions, in
# release mode with debug assertions, and prints how long each crate took.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTFLAGS="--cfg curio_loom -C debug-assertions"
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/loom"
for crate in $(ls -d runtime-*/ | tr -d /); do
  if grep -rqs 'curio_loom' "$crate/src"; then
    start=$SECONDS
    cargo test -j2 -p "$crate" --release --lib loom_ -- --test-threads=1
    echo "loom: $crate took $((SECONDS - start)) s (LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS)"
  fi
done
