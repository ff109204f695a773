#!/usr/bin/env bash
# wrk against the identical hyper HTTP/1 service on curio (hyper_curio) and
# on tokio (hyper_tokio), both with 2 workers, alternating, ROUNDS rounds per
# connection count; prints each run and the medians (requests/s, p50, p99).
#
#   benches/scripts/wrk_hyper.sh [ROUNDS] [DURATION]    (defaults: 5, 10s)
#
# wrk (Debian package wrk) is installed with apt-get when missing; without
# it the script says SKIP and exits 0.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-5}
DURATION=${2:-10s}
WORKERS=2
PORT_CURIO=18080
PORT_TOKIO=18081
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

if ! command -v wrk >/dev/null; then
  echo "wrk missing: installing it with apt-get"
  (apt-get update && apt-get install -y wrk) || true
fi
if ! command -v wrk >/dev/null; then
  echo "SKIP wrk_hyper: wrk is not installed and apt-get could not install it"
  exit 0
fi

cargo build -j2 --release -p curio-benches --bin hyper_curio --bin hyper_tokio
"$CARGO_TARGET_DIR/release/hyper_curio" "$PORT_CURIO" "$WORKERS" & curio_pid=$!
"$CARGO_TARGET_DIR/release/hyper_tokio" "$PORT_TOKIO" "$WORKERS" & tokio_pid=$!
trap 'kill "$curio_pid" "$tokio_pid" 2>/dev/null || true' EXIT
for port in "$PORT_CURIO" "$PORT_TOKIO"; do
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
done

# One wrk run: "requests/s p50_ms p99_ms".
run() {
  local out
  out=$(wrk -t2 -c"$2" -d"$DURATION" --latency "http://127.0.0.1:$1/")
  local rps p50 p99
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}
# wrk prints latencies as 1.23ms, 456.00us or 1.20s.
to_ms() {
  case "$1" in
    *us) awk -v v="${1%us}" 'BEGIN {printf "%.3f", v / 1000}' ;;
    *ms) awk -v v="${1%ms}" 'BEGIN {printf "%.3f", v}' ;;
    *s) awk -v v="${1%s}" 'BEGIN {printf "%.3f", v * 1000}' ;;
    *) echo "$1" ;;
  esac
}
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

for conns in 64 256; do
  : >"/tmp/wrk_curio_$conns" ; : >"/tmp/wrk_tokio_$conns"
  for round in $(seq "$ROUNDS"); do
    c=$(run "$PORT_CURIO" "$conns"); echo "c=$conns round $round curio: $c"; echo "$c" >>"/tmp/wrk_curio_$conns"
    t=$(run "$PORT_TOKIO" "$conns"); echo "c=$conns round $round tokio: $t"; echo "$t" >>"/tmp/wrk_tokio_$conns"
  done
  for rt in curio tokio; do
    f="/tmp/wrk_${rt}_$conns"
    echo "MEDIAN c=$conns $rt: req/s $(cut -d' ' -f1 "$f" | median)" \
      "p50 $(cut -d' ' -f2 "$f" | median) ms p99 $(cut -d' ' -f3 "$f" | median) ms"
  done
done
