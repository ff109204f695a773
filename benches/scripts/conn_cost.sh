#!/usr/bin/env bash
# Server instructions per connection (connect+accept+close) and per echo
# message (1 and 1,000 connections), curio and tokio, under callgrind:
# each figure is the difference of two runs of benches/src/bin/conn_cost.rs
# (server threads only: every thread but the client, thread 1), so start-up
# and shutdown cancel. Usage: conn_cost.sh [REPS] (default 3).
# Installs valgrind with apt-get when missing, else SKIP.
set -euo pipefail
cd "$(dirname "$0")/../.."
reps=${1:-3}
if ! command -v valgrind >/dev/null; then
    if command -v apt-get >/dev/null && { apt-get update && apt-get install -y valgrind; } >/dev/null 2>&1; then
        :
    else
        echo "SKIP: valgrind is not installed and could not be installed"
        exit 0
    fi
fi
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build -j2 --profile bench -p curio-benches --bin conn_cost >&2
bin=$CARGO_TARGET_DIR/release/conn_cost
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# The server threads' instructions of one run: conn_cost ARGS...
server_ir() {
    rm -f "$out"/cg.out*
    valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out/cg.out" \
        "$bin" "$@" >/dev/null 2>"$out/stderr" || { cat "$out/stderr" >&2; return 1; }
    local sum=0 f t
    for f in "$out"/cg.out-*; do
        [[ $f == *-01 ]] && continue
        t=$(grep -m1 '^summary:' "$f" | awk '{print $2}')
        sum=$((sum + ${t:-0}))
    done
    echo "$sum"
}

for rep in $(seq "$reps"); do
    for rt in curio tokio; do
        c0=$(server_ir "$rt" connect 200); c1=$(server_ir "$rt" connect 1200)
        e0=$(server_ir "$rt" echo 200 1); e1=$(server_ir "$rt" echo 1200 1)
        k0=$(server_ir "$rt" echo 2 1000); k1=$(server_ir "$rt" echo 12 1000)
        echo "$rt rep $rep: Ir per connection $(((c1 - c0) / 1000)), per message on 1 connection $(((e1 - e0) / 1000)), on 1000 connections $(((k1 - k0) / 10000))"
    done
done
