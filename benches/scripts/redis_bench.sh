#!/usr/bin/env bash
# redis-benchmark against curio's mini_redis example and tokio's
# mini-redis-server (crates.io mini-redis), both with 2 workers,
# alternating, ROUNDS rounds; `-t set,get -c 50 -n 200000`, without and
# with `-P 16` pipelining. Prints each run and the medians (requests/s).
#
#   benches/scripts/redis_bench.sh [ROUNDS]    (default 5)
#
# redis-benchmark (Debian package redis-tools) is installed with apt-get
# when missing, mini-redis-server with `cargo install mini-redis --root
# target/bench-tools`; without them the script says SKIP and exits 0.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-5}
WORKERS=2
PORT_CURIO=16390
PORT_TOKIO=16391
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
TOOLS=$PWD/target/bench-tools

if ! command -v redis-benchmark >/dev/null; then
  echo "redis-benchmark missing: installing redis-tools with apt-get"
  (apt-get update && apt-get install -y redis-tools) || true
fi
if ! command -v redis-benchmark >/dev/null; then
  echo "SKIP redis_bench: redis-benchmark is not installed and apt-get could not install it"
  exit 0
fi
if [ ! -x "$TOOLS/bin/mini-redis-server" ]; then
  echo "mini-redis-server missing: cargo install mini-redis --root $TOOLS"
  CARGO_TARGET_DIR=$TOOLS/build cargo install -j2 mini-redis --root "$TOOLS" || true
fi
if [ ! -x "$TOOLS/bin/mini-redis-server" ]; then
  echo "SKIP redis_bench: mini-redis-server could not be installed"
  exit 0
fi

cargo build -j2 --release --example mini_redis
"$CARGO_TARGET_DIR/release/examples/mini_redis" serve "127.0.0.1:$PORT_CURIO" "$WORKERS" & curio_pid=$!
# mini-redis-server uses #[tokio::main]: its worker count comes from here.
TOKIO_WORKER_THREADS=$WORKERS "$TOOLS/bin/mini-redis-server" --port "$PORT_TOKIO" & tokio_pid=$!
trap 'kill "$curio_pid" "$tokio_pid" 2>/dev/null || true' EXIT
for port in "$PORT_CURIO" "$PORT_TOKIO"; do
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
done

# One redis-benchmark run: "set_rps get_rps".
run() {
  local out
  # shellcheck disable=SC2086
  out=$(redis-benchmark -h 127.0.0.1 -p "$1" -t set,get -c 50 -n 200000 $2 --csv 2>/dev/null)
  local set get
  set=$(awk -F'"' '$2 == "SET" {print $4}' <<<"$out")
  get=$(awk -F'"' '$2 == "GET" {print $4}' <<<"$out")
  echo "$set $get"
}
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

for pipeline in "" "-P 16"; do
  tag=${pipeline:-"-P 1"}; tag=${tag// /}
  : >"/tmp/redis_curio$tag"; : >"/tmp/redis_tokio$tag"
  for round in $(seq "$ROUNDS"); do
    c=$(run "$PORT_CURIO" "$pipeline"); echo "$tag round $round curio: set get $c"; echo "$c" >>"/tmp/redis_curio$tag"
    t=$(run "$PORT_TOKIO" "$pipeline"); echo "$tag round $round tokio: set get $t"; echo "$t" >>"/tmp/redis_tokio$tag"
  done
  for rt in curio tokio; do
    f="/tmp/redis_$rt$tag"
    echo "MEDIAN $tag $rt: SET $(cut -d' ' -f1 "$f" | median) req/s GET $(cut -d' ' -f2 "$f" | median) req/s"
  done
done
