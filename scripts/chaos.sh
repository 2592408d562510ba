#!/usr/bin/env bash
# Chaos for the sockets: for every pattern (req/rep, push/pull, pub/sub, survey, bus, pair), a peer
# is killed with SIGKILL and restarted ROUNDS times (default 3) while messages flow, with real
# processes (`starling cat`, `starling run`, pynng), and what SP promises is checked: every
# request answered, a push losing only what was in flight and the rest arriving in order without
# duplicates, a restarted subscriber, respondent, bus node or pair peer heard again. Prints a line
# of counts per pattern; exits non-zero if a check failed (see scripts/chaos.py).
#
# Usage: scripts/chaos.sh [ROUNDS]
#        scripts/chaos.sh loss [ROUNDS]    messages lost when a pull is killed mid-stream (~17-byte
#                                          messages), a Starling push beside a pynng push
#
# Builds `starling` in release mode in .build-release (set STARLING to use another binary) and
# makes .venv with pynng if it is missing, as scripts/test.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! .venv/bin/python3 -c "import pynng" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "pynng==0.9.0"
fi
if [[ -z "${STARLING:-}" ]]; then
  swift build -c release --scratch-path .build-release --product starling >&2
  export STARLING=.build-release/release/starling
fi
if [[ "${1:-}" == "loss" ]]; then
  exec .venv/bin/python3 scripts/chaos.py loss --rounds "${2:-3}"
fi
exec .venv/bin/python3 scripts/chaos.py run --rounds "${1:-3}"
