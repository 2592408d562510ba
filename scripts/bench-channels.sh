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

source "$(dirname "${BASH_SOURCE[0]}")/bench_run.sh"
run_benchmarks bench-channels Channels channels "$@"
