#!/usr/bin/env bash
# Runs every example under a time limit: each must exit by itself, on
# loopback, within seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -j2 --release --examples
for path in examples/*.rs; do
  name=$(basename "$path" .rs)
  echo "example: $name"
  timeout 60 "target/release/examples/$name"
done
