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

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

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

output="$(mktemp -d)"
trap 'rm -rf "$output"' EXIT

cd "$root/Benchmarks"
# --disable-sandbox lets the tool write its export outside the package directory.
if ! swift package --disable-sandbox benchmark run \
  --target Sockets \
  --format jmh \
  --path "$output" \
  --no-progress \
  "$@" >"$output/log.txt" 2>&1; then
  cat "$output/log.txt" >&2
  echo "bench-sockets: the benchmark run failed" >&2
  exit 1
fi
grep -v -E '^\[[0-9]+/[0-9]+\]' "$output/log.txt" >&2 || true

results="$output/Current_run.jmh.json"
if [[ ! -f "$results" ]]; then
  echo "bench-sockets: the benchmark tool wrote no $results" >&2
  exit 1
fi
echo >&2
python3 "$root/scripts/bench_table.py" --suite sockets "$results"
