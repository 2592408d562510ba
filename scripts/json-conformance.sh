#!/usr/bin/env bash
# Runs the JSON reader (StarlingPipeline's JSON.decode) over JSONTestSuite's parsing cases and
# prints the counts: every y_ case must be accepted, every n_ case refused (i_ cases may go
# either way and are only counted). The suite is not part of this repository:
#
#   git clone https://github.com/nst/JSONTestSuite /tmp/JSONTestSuite
#   scripts/json-conformance.sh /tmp/JSONTestSuite
set -euo pipefail
cd "$(dirname "$0")/.."
if (($# != 1)) || [[ ! -d "$1/test_parsing" ]]; then
  echo "usage: scripts/json-conformance.sh PATH (a copy of github.com/nst/JSONTestSuite, with test_parsing/)" >&2
  exit 64
fi
suite=$(cd "$1" && pwd)
mkdir -p .build
set +e
JSON_TEST_SUITE=$suite swift test --filter JSONTestSuiteTests >.build/json-conformance.log 2>&1
status=$?
set -e
grep '^JSONTestSuite:' .build/json-conformance.log || tail -20 .build/json-conformance.log
exit $status
