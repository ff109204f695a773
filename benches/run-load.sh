#!/usr/bin/env bash
# Runs the under-load benchmarks (benches/benches/load.rs) in release mode; LOAD_BENCH_* variables pass through.
cd "$(dirname "$0")/.." && exec cargo bench -j2 -p curio-benches --bench load "$@"
