#!/usr/bin/env bash
# Runs runtime-core's task and timer unit tests under Miri (Stacked
# Borrows; strict provenance for the task tests): the task harness's `unsafe` (raw.rs,
# waker.rs, join.rs) is checked for undefined behaviour, including the
# models of a task that frees its own cell. The runtime-wide unit tests
# (blocking pool, monitor) start real threads and timers and are left to
# the ordinary and ASan runs. Needs the nightly toolchain with the miri and
# rust-src components; installs them when missing, and says SKIP when they
# cannot be had (an offline machine without them).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo +nightly miri --version >/dev/null 2>&1; then
  if ! rustup toolchain install nightly --profile minimal --component miri,rust-src; then
    echo "SKIP: ci/miri.sh: the nightly toolchain with miri cannot be installed here"
    exit 0
  fi
fi
rustup component add --toolchain nightly rust-src >/dev/null 2>&1 || true
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
start=$SECONDS
# The task tests under strict provenance (STYLE.md). The timer tests start
# the timer thread, which parks in parking_lot_core, whose word lock casts
# integers to pointers: those run with Miri's default (permissive)
# provenance.
MIRIFLAGS="${MIRIFLAGS:--Zmiri-strict-provenance}" \
  cargo +nightly miri test -j2 -p runtime-core --lib -- task::
cargo +nightly miri test -j2 -p runtime-core --lib -- time::
echo "miri: runtime-core took $((SECONDS - start)) s"
