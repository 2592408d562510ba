#!/usr/bin/env bash
# Runs the StarlingSystem benchmarks (the `System` target of the SwiftPM package in Benchmarks/)
# and prints a markdown table: a line echo over TCP on ByteStream beside the same echo written
# directly on SwiftNIO, measured in the same process and the same run, per line, with
# allocations.
#
# Usage: scripts/bench-system.sh [extra `swift package benchmark` options, e.g. --filter 'LineEcho pipelined.*']
#
# The table goes to standard output; the build and the benchmark tool's own output go to
# standard error. The benchmarks are built in release mode in Benchmarks/.build (never the root
# package's .build). The first run builds SwiftNIO and the benchmark tool (several minutes on 2
# cores); after that a run takes about a minute.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/bench_run.sh"
run_benchmarks bench-system System system "$@"
