#!/usr/bin/env bash
# Runs runtime-core's tests, and the facade's task and shutdown tests that
# drive it, under AddressSanitizer (use-after-free, double free, leaks).
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1
export RUSTFLAGS="-Zsanitizer=address"
export RUSTDOCFLAGS="-Zsanitizer=address"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/asan"
export ASAN_OPTIONS="detect_leaks=1"
target=x86_64-unknown-linux-gnu
cargo test -j2 -p runtime-core --lib --target "$target"
cargo test -j2 -p curio --target "$target" \
  --test task_spawn --test task_cancel --test rt_shutdown --test rt_blocking --test regressions
