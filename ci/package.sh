#!/usr/bin/env bash
# Packages every crate of the workspace as `cargo publish` would (without
# building the packages: --no-verify), then lists the .crate files made.
# Fails when a manifest cannot be packaged (a path dependency without a
# version, a missing readme, a bad keyword or category...).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
rm -rf "$target/package"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! cargo package --workspace --allow-dirty --no-verify >"$log" 2>&1; then
  cat "$log"
  echo "package: cargo package --workspace failed" >&2
  exit 1
fi
shopt -s nullglob
crates=("$target"/package/*.crate)
if [ ${#crates[@]} -eq 0 ]; then
  cat "$log"
  echo "package: cargo package made no .crate file" >&2
  exit 1
fi
for crate in "${crates[@]}"; do
  name=$(basename "$crate" .crate)
  note=""
  if tar xzf "$crate" -O "$name/Cargo.toml" | grep -q '^publish = false'; then
    note=", publish = false"
  fi
  echo "package: $name.crate ($(tar tzf "$crate" | wc -l) files$note)"
done
