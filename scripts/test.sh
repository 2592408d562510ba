#!/usr/bin/env bash
# The one test command (README, CI): installs what the tests need, checks formatting and the
# documentation examples, runs every test, then the channel tests again under ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== format"
swift format lint --strict --recursive Package.swift Sources Tests

echo "== documentation examples"
python3 scripts/check_examples.py

echo "== tests"
swift test --parallel

echo "== tests under ThreadSanitizer"
swift test --scratch-path .build-tsan --sanitize=thread --filter StarlingChannelsTests
