#!/usr/bin/env bash
# Runs the pipeline benchmarks (the `Pipeline` target of the SwiftPM package in Benchmarks/) and
# prints a markdown table: events per second through input.pull -> process.modify ->
# output.push beside the same relay written by hand against Starling's sockets and in C against
# nng, over inproc and tcp, per event, with allocations.
#
# Usage: scripts/bench-pipeline.sh [extra `swift package benchmark` options]
#
# nng comes from Debian (libnng-dev), installed with apt-get when missing.
set -euo pipefail

if ! dpkg -s libnng-dev >/dev/null 2>&1; then
  echo "bench-pipeline: installing libnng-dev" >&2
  sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y libnng-dev >&2
fi

source "$(dirname "${BASH_SOURCE[0]}")/bench_run.sh"
run_benchmarks bench-pipeline Pipeline pipeline "$@"
