#!/usr/bin/env bash
# Runs runtime-sync's loom models (tests named loom_*) and prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
RUSTFLAGS="--cfg curio_loom -C debug-assertions" LOOM_MAX_PREEMPTIONS=2 \
    cargo test -p runtime-sync --release --lib loom -- --test-threads=1
end=$(date +%s)
echo "loom-sync: $((end - start)) s"
