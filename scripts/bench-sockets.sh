#!/usr/bin/env bash
# Runs the socket benchmarks (the `Sockets` target of the SwiftPM package in Benchmarks/) and
# prints a markdown table: Starling's push/pull throughput and req/rep round trip beside nng's
# and libzmq's, measured in the same process and the same run, over inproc, ipc and tcp, for
# 64 B, 1 KiB and 64 KiB messages, per message, with allocations; then whether the project's
# two bars are met (push/pull 64 B over tcp at least 10x nng's throughput; req/rep 64 B over tcp
# no slower than nng's round trip).
#
# Usage: scripts/bench-sockets.sh [extra `swift package benchmark` options, e.g. --filter 'ReqRep tcp.*']
#
# nng and libzmq come from Debian (libnng-dev, libzmq3-dev); they are installed with apt-get
# when missing (as root, or through sudo). The table goes to standard output; the build and the
# benchmark tool's own output go to standard error. The benchmarks are built in release mode in
# Benchmarks/.build (never the root package's .build). The first run builds SwiftNIO and the
# benchmark tool (several minutes on 2 cores); after that a run takes about three minutes.
set -euo pipefail


missing=()
for package in libnng-dev libzmq3-dev; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  echo "bench-sockets: installing ${missing[*]}" >&2
  sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2
fi

source "$(dirname "${BASH_SOURCE[0]}")/bench_run.sh"
run_benchmarks bench-sockets Sockets sockets "$@"
