#!/usr/bin/env bash
# Fails when a public item of a curio crate has no Rust example in its docs.
# rustdoc's --show-coverage counts no inherent methods, so this builds each
# crate's rustdoc JSON (stable rustdoc with RUSTC_BOOTSTRAP=1, the toolchain
# CI builds with) and ci/doc_examples.py walks it; its header says what it
# counts. Optional features are on, so their items are checked too.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
json=()
for spec in runtime-sync: runtime-core: runtime-net:hyper runtime-macros: curio:hyper; do
  crate=${spec%%:*}
  features=${spec#*:}
  RUSTC_BOOTSTRAP=1 cargo rustdoc -j2 -q -p "$crate" --lib ${features:+--features "$features"} \
    -- -Z unstable-options --output-format json
  json+=("$target/doc/${crate//-/_}.json")
done
python3 ci/doc_examples.py "${json[@]}"
