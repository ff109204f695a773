#!/usr/bin/env bash
# Runs every example under a time limit: each must exit by itself, on
# loopback, within seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -j2 --release --examples
# Arguments that make an example quick (a time scale, a self-test mode).
declare -A args=([kid]="0.02" [monitor]="0.02 127.0.0.1:0")
for path in examples/*.rs; do
  name=$(basename "$path" .rs)
  echo "example: $name ${args[$name]:-}"
  # shellcheck disable=SC2086
  timeout 60 "target/release/examples/$name" ${args[$name]:-}
done
