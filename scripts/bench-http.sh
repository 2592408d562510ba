#!/usr/bin/env bash
# HTTP and WebSocket benchmarks: hello-world requests per second with wrk against StarlingHTTP
# and against Hummingbird 2.28.1 serving the same answers (interleaved runs, one at a time on
# the same machine), POST echo the same way, and WebSocket echo messages per second against
# a Python `websockets` peer. Prints a markdown table.
#
# Usage: scripts/bench-http.sh [ROUNDS] [SECONDS]   (defaults: 3 rounds of 5 s each)
#
# The servers are the `HTTPBenchServer` product of Benchmarks/ (release build; Hummingbird is
# a dependency of that package only). wrk comes from Debian (installed when missing); the
# Python peer from .venv (scripts/test.sh makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
seconds=${2:-5}

if ! command -v wrk >/dev/null; then
  sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >&2
fi

echo "bench-http: building the servers (release)" >&2
(cd Benchmarks && swift build -c release --product HTTPBenchServer >&2)
server_bin="Benchmarks/.build/release/HTTPBenchServer"
post_script=$(mktemp --suffix=.lua)
trap 'rm -f "$post_script"' EXIT
# A POST of 1 KiB of text.
printf 'wrk.method = "POST"\nwrk.body = string.rep("x", 1024)\nwrk.headers["Content-Type"] = "text/plain"\n' >"$post_script"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Starts `HTTPBenchServer $1` on a free port; sets $port and $pid once it answers.
start_server() {
  port=$(free_port)
  "$server_bin" "$1" "$port" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 200); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "bench-http: $1 did not start" >&2
  exit 1
}

stop_server() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }

# Requests per second of one wrk run: $1 server, $2 method.
measure() {
  start_server "$1"
  local script=()
  if [[ "$2" == POST ]]; then script=(-s "$post_script"); fi
  # A short warm-up, then the measured run.
  wrk -t2 -c32 -d1s "${script[@]}" "http://127.0.0.1:$port/" >/dev/null
  wrk -t2 -c32 -d"${seconds}s" "${script[@]}" "http://127.0.0.1:$port/" | awk '/Requests\/sec/ {print $2}'
  stop_server
}

declare -A total
for round in $(seq 1 "$rounds"); do
  for method in GET POST; do
    for server in starling hummingbird; do
      rate=$(measure "$server" "$method")
      echo "bench-http: round $round $method $server: $rate requests/s" >&2
      total[$server-$method]=$(python3 -c "print(${total[$server-$method]:-0} + $rate)")
    done
  done
done

start_server websocket
ws_rate=$(.venv/bin/python3 Tests/StarlingHTTPTests/Peers/ws_peer.py bench "ws://127.0.0.1:$port/" 100000 64 64 | awk '/RATE/ {print $2}')
stop_server

echo
echo "| benchmark | StarlingHTTP | Hummingbird 2.28.1 | StarlingHTTP ÷ Hummingbird |"
echo "|---|---:|---:|---:|"
for method in GET POST; do
  s=$(python3 -c "print(round(${total[starling-$method]} / $rounds))")
  h=$(python3 -c "print(round(${total[hummingbird-$method]} / $rounds))")
  label="hello world (GET, 13 B)"
  [[ "$method" == POST ]] && label="echo (POST, 1 KiB)"
  echo "| $label, wrk -t2 -c32 | $s req/s | $h req/s | $(python3 -c "print(f'{$s / $h:.2f}×')") |"
done
echo "| WebSocket echo, 64 B, Python websockets client, 64 in flight | $ws_rate msg/s | – | – |"
