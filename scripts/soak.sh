#!/usr/bin/env bash
# A full-rate soak over tcp: a `starling cat` push sends 64-byte messages to a pull as fast as it
# takes them, and two reqs ask a rep one request after another, for SECONDS (release build). The
# resident memory (RSS) of each of the five processes is sampled every 10 s (SOAK_INTERVAL) and
# printed with the bytes per second the pull and the rep read. At the end: whether each process's
# RSS stayed within 10% (SOAK_TOLERANCE) of its first sample after the warm-up (the first fifth of
# the run, at most 60 s). Exits non-zero if one grew more, or if a process died.
#
# Usage: scripts/soak.sh SECONDS
# scripts/test.sh runs a smoke of it (SOAK_INTERVAL=2 SOAK_TOLERANCE=50 soak.sh 20): too short to
# judge flatness, it checks that nothing dies or runs away.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:?usage: scripts/soak.sh SECONDS}
interval=${SOAK_INTERVAL:-10}
tolerance=${SOAK_TOLERANCE:-10}
starling=${STARLING:-.build-release/release/starling}
if [[ -z "${STARLING:-}" ]]; then
  swift build -c release --scratch-path .build-release --product starling >&2
fi

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pipeline="tcp://127.0.0.1:$(free_port)"
reqrep="tcp://127.0.0.1:$(free_port)"
data=$(printf 'x%.0s' {1..64})
forever=1000000000000000

names=(push pull rep req1 req2)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

"$starling" cat --pull0 --listen "$pipeline" &
pull=$!
"$starling" cat --rep0 --listen "$reqrep" --data pong &
rep=$!
"$starling" cat --push0 --dial "$pipeline" --async --data "$data" --count $forever &
push=$!
"$starling" cat --req0 --dial "$reqrep" --async --data ping --count $forever &
req1=$!
"$starling" cat --req0 --dial "$reqrep" --async --data ping --count $forever &
req2=$!
pids=("$push" "$pull" "$rep" "$req1" "$req2")

rss() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo dead; }
read_bytes() { awk '/^rchar/ { print $2 }' "/proc/$1/io" 2>/dev/null || echo 0; }

echo "soak: ${seconds} s over tcp (release build): push -> pull (64 B messages), 2 reqs -> rep; RSS in MB every ${interval} s"
printf '%6s %7s %7s %7s %7s %7s %12s %12s\n' t "${names[@]}" "pull MB/s" "rep MB/s"
samples=$((seconds / interval))
declare -A series
last_pull=$(read_bytes "$pull")
last_rep=$(read_bytes "$rep")
for ((i = 1; i <= samples; i++)); do
  sleep "$interval"
  row=()
  for j in "${!names[@]}"; do
    value=$(rss "${pids[$j]}")
    row+=("$value")
    series[${names[$j]}]+="$value "
  done
  now_pull=$(read_bytes "$pull")
  now_rep=$(read_bytes "$rep")
  printf '%6d %7s %7s %7s %7s %7s %12.1f %12.2f\n' $((i * interval)) "${row[@]}" \
    "$(awk -v a="$last_pull" -v b="$now_pull" -v t="$interval" 'BEGIN { print (b - a) / t / 1e6 }')" \
    "$(awk -v a="$last_rep" -v b="$now_rep" -v t="$interval" 'BEGIN { print (b - a) / t / 1e6 }')"
  last_pull=$now_pull
  last_rep=$now_rep
done

warmup=$((seconds / 5 < 60 ? seconds / 5 : 60))
first=$(((warmup + interval - 1) / interval))
status=0
for name in "${names[@]}"; do
  # shellcheck disable=SC2086
  verdict=$(echo ${series[$name]} | awk -v first="$first" -v name="$name" -v tolerance="$tolerance" '{
    if ($0 ~ /dead/) { print name ": died"; exit 1 }
    base = $(first + 1); top = base
    for (i = first + 1; i <= NF; i++) if ($i > top) top = $i
    growth = 100 * (top - base) / base
    printf "%s %.1f -> at most %.1f MB (%+.1f%%)", name, base, top, growth
    exit growth > tolerance ? 1 : 0
  }') || status=1
  echo "soak: after the ${warmup} s warm-up: ${verdict}"
done
if ((status == 0)); then
  echo "soak: RSS flat within ${tolerance}% after warm-up: yes"
else
  echo "soak: RSS flat within ${tolerance}% after warm-up: NO"
fi
exit $status
