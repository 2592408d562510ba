#!/usr/bin/env bash
# The one test command (README, CI): installs what the tests need (Debian's nng tools, Chromium,
# curl, openssl; pynng and websockets in .venv, the real peers of the interop tests), checks
# formatting and the documentation examples, builds the libraries in release mode, runs every
# test, then every test again under ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== interop peers: nngcat (Debian nng-utils, nng 1.5), libnng-dev (the perf peer of the command"
echo "   tests), headless Chromium (the browser tests), curl (StarlingHTTP's HTTP client), openssl"
echo "   (the tests' certificates) and python3-venv (for .venv)"
missing=()
for package in nng-utils libnng-dev chromium curl openssl python3-venv; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

echo "== interop peers: pynng (bundles nng 1.11) and websockets (StarlingHTTP's WebSocket peer) in .venv"
if ! .venv/bin/python3 -c "import pynng, websockets" 2>/dev/null; then
  [[ -x .venv/bin/python3 ]] || python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "pynng==0.9.0" "websockets==17.4"
fi

echo "== format"
swift format lint --strict --recursive Package.swift Sources Tests

echo "== documentation examples"
python3 scripts/check_examples.py

echo "== release build (the optimizer sees code the debug tests do not)"
swift build -c release --scratch-path .build-release --target Starling
swift build -c release --scratch-path .build-release --product starling

echo "== reliability smoke: a 20 s soak and one chaos round (the full runs: scripts/soak.sh 600, scripts/chaos.sh)"
STARLING=.build-release/release/starling SOAK_INTERVAL=2 SOAK_TOLERANCE=50 scripts/soak.sh 20
STARLING=.build-release/release/starling scripts/chaos.sh 1

echo "== tests"
swift test --parallel

echo "== tests under ThreadSanitizer"
# In two passes, the pipeline suites apart from the rest: all 520 tests at once under the
# sanitizer on two cores starve each other for seconds, long enough to trip the deadlines some
# tests give their peers (seen twice, a different test each time; none fails alone).
swift test --scratch-path .build-tsan --sanitize=thread --skip StarlingPipelineTests
swift test --scratch-path .build-tsan --sanitize=thread --filter StarlingPipelineTests
