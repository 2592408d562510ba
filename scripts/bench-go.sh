#!/usr/bin/env bash
# Runs the five channel shapes of issue 13 in Go and with StarlingChannels in the same run, and
# prints a markdown table of per-message times, the Starling/Go ratios against the project's
# bars (each plain shape within 2x Go, select within 3x Go) and Starling's allocations.
#
# Usage: scripts/bench-go.sh
#
# Go: Benchmarks/Go/chanbench.go, Debian's golang-go (Go 1.19; installed with apt-get when
# missing), GOMAXPROCS=2. Swift: the `Channel` benchmarks of the `Channels` target
# (ordo-one/benchmark, with malloc counts), whose code is Benchmarks/Sources/ChannelShapes. Both
# move 1,000 messages per iteration, making their channels and tasks (goroutines) inside it,
# and report the p50 of their iterations. The Go program runs before and after the Swift
# benchmarks and the faster of its two p50s counts, so a busy machine during one half does not
# flatter Starling.
#
# The table goes to standard output; the builds and the tools' own output go to standard error.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/bench_run.sh"

if ! command -v go >/dev/null 2>&1; then
  echo "bench-go: installing golang-go" >&2
  sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y golang-go >&2
fi

output="$(mktemp -d)"
trap 'rm -rf "$output"' EXIT

go build -o "$output/chanbench" "$root/Benchmarks/Go/chanbench.go"
GOMAXPROCS=2 "$output/chanbench" >"$output/go-before.jsonl"
run_benchmark_tool bench-go Channels "$output" --filter '.*: Channel'
GOMAXPROCS=2 "$output/chanbench" >"$output/go-after.jsonl"

echo >&2
python3 "$root/scripts/bench_table.py" --suite go \
  --go "$output/go-before.jsonl" --go "$output/go-after.jsonl" "$output/Current_run.jmh.json"
