#!/usr/bin/env bash
# Runs the channel benchmarks (the separate SwiftPM package in Benchmarks/) and prints a
# markdown table of per-message times, allocations and ratios against AsyncStream,
# AsyncChannel and MultiProducerSingleConsumerAsyncChannel.
#
# Usage: scripts/bench-channels.sh [extra `swift package benchmark` options, e.g. --filter 'Ping.*']
#
# The table goes to standard output; the build and benchmark tool's own output go to standard
# error. The benchmarks are built in release mode in Benchmarks/.build (never the root
# package's .build). The first run builds the benchmark tool and its dependencies (several
# minutes on 2 cores); after that a run takes about a minute.
#
# ordo-one/benchmark 1.38.1 on Linux with Swift 6.3 would depend on
# ordo-one/swift-runtime-interposer through its default "RuntimeInterposer" trait.
# Benchmarks/Package.swift enables only the "MallocInterposer" trait, so that package is never
# fetched: no environment variable is needed. (The tool then prints that it skips
# libSwiftRuntimeInterposerSwift.so; that interposer only matters for the ARC metrics, which
# these benchmarks do not use.)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
output="$(mktemp -d)"
trap 'rm -rf "$output"' EXIT

cd "$root/Benchmarks"
# --disable-sandbox lets the tool write its export outside the package directory.
if ! swift package --disable-sandbox benchmark run \
  --target Channels \
  --format jmh \
  --path "$output" \
  --no-progress \
  "$@" >"$output/log.txt" 2>&1; then
  cat "$output/log.txt" >&2
  echo "bench-channels: the benchmark run failed" >&2
  exit 1
fi
grep -v -E '^\[[0-9]+/[0-9]+\]' "$output/log.txt" >&2 || true

results="$output/Current_run.jmh.json"
if [[ ! -f "$results" ]]; then
  echo "bench-channels: the benchmark tool wrote no $results" >&2
  exit 1
fi
echo >&2
python3 "$root/scripts/bench_table.py" "$results"
