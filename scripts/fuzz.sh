#!/usr/bin/env bash
# Fuzzing: libFuzzer targets built with Swift's -sanitize=fuzzer and the address sanitizer.
#
#   scripts/fuzz.sh TARGET SECONDS [LIBFUZZER_FLAG...]   fuzz one target for SECONDS
#   scripts/fuzz.sh --smoke                              replay every target's seed corpus once
#                                                        (seconds; scripts/test.sh runs it)
#   scripts/fuzz.sh --list                               the targets
#
# Targets (Fuzz/Sources/*Fuzz.swift; each checks properties, not only crashes):
#   sp-frames     the SP frame decoder (tcp and ipc framing, receive limits) against a reference
#   sp-handshake  a tcp/ipc connection as StreamTransport configures it: the SP header exchange,
#                 framing and the pipe handler, with a recording socket behind
#   ws-upgrade    a ws listener's connection: the HTTP upgrade (path, subprotocol, refusals),
#                 then SP over WebSocket frames
#   ws-frames     an upgraded ws connection: NIO's frame decoder, fragments, control frames,
#                 limits and close codes of WebSocketPipeHandler
#   http          StarlingHTTP's server connection, as input.http runs it: the connection
#                 timeouts, NIO's HTTP/1.1 handlers, HTTPConnectionHandler (body limit, refusals,
#                 answers) and a program serving each request through the public API (path,
#                 query, headers, the body in every format); every request is answered or
#                 refused, and a silent client's connection is always closed by a timeout
#   config        the YAML config loader and validator, as `starling validate` and `graph` run
#   json          the JSON reader; what it accepts must print and read back as the same value
#   condition     the filter condition language: parse, then evaluate on sample events
#   template      process.modify templates: parse, then render
#   modify        process.modify operations (a JSON list) applied to sample events
#
# Seeds are committed in Fuzz/Corpus/TARGET (small valid inputs from the tests and docs, and
# edge cases); what a run finds goes to .build-fuzz/corpus/TARGET and a crashing input to
# .build-fuzz/findings/TARGET/ (replay it: scripts/fuzz.sh TARGET 0 FILE). Fuzz/Dictionaries
# hold the tokens libFuzzer splices in. The build (release, with -enable-testing so the
# harnesses reach internal types, on its own scratch path .build-fuzz) only happens here:
# the StarlingFuzz target exists only when STARLING_FUZZ is set. Every crash or hang found
# becomes a test in the normal suite, with its fix.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(sp-frames sp-handshake ws-upgrade ws-frames http config json condition template modify)
binary=.build-fuzz/release/StarlingFuzz

usage() {
  echo "usage: scripts/fuzz.sh TARGET SECONDS [LIBFUZZER_FLAG...] | --smoke | --list" >&2
  echo "targets: ${targets[*]}" >&2
  exit 64
}

build() {
  echo "== building the fuzz targets (.build-fuzz, release)" >&2
  # swiftc keeps only the last of several -sanitize flags, and SwiftPM's --sanitize=fuzzer
  # --sanitize=address passes two (modules that get address last get no coverage). So SwiftPM
  # is told of the fuzzer (it then links libFuzzer's main) and each compiler gets both.
  # STARLING_LIBFUZZER leaves out the seed-replaying main that --smoke uses.
  STARLING_FUZZ=1 swift build -c release --scratch-path .build-fuzz --product StarlingFuzz \
    --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing -Xcc -fsanitize=address \
    -Xswiftc -DSTARLING_LIBFUZZER >&2
}

# The flags every run shares: no input may take 10 s or 2 GB.
common=(-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048)
# Crashes are reported by libFuzzer and the sanitizer, not Swift's backtracer (which would
# hold the output open); Fuzz/lsan.supp: globals made once are not leaks.
export SWIFT_BACKTRACE=enable=no
export LSAN_OPTIONS=suppressions=$PWD/Fuzz/lsan.supp

case "${1:-}" in
  --list)
    printf '%s\n' "${targets[@]}"
    exit 0
    ;;
  --smoke)
    # The targets without libFuzzer or the sanitizers, on the normal debug build (only the
    # fuzz sources compile; `swift build` and `swift test` share the rest): each seed runs
    # once and every property is checked; a leak shows only when fuzzing.
    STARLING_FUZZ=1 swift build --product StarlingFuzz >&2
    for target in "${targets[@]}"; do
      if ! STARLING_FUZZ_TARGET=$target .build/debug/StarlingFuzz "Fuzz/Corpus/$target"; then
        for seed in "Fuzz/Corpus/$target"/*; do
          STARLING_FUZZ_TARGET=$target .build/debug/StarlingFuzz "$seed" >/dev/null 2>&1 ||
            echo "fuzz smoke: $target fails on $seed" >&2
        done
        exit 1
      fi
    done
    exit 0
    ;;
esac

(($# >= 2)) || usage
target=$1
seconds=$2
shift 2
[[ " ${targets[*]} " == *" $target "* ]] || usage
[[ "$seconds" =~ ^[0-9]+$ ]] || usage
build

corpus=.build-fuzz/corpus/$target
# Not .build-fuzz/artifacts: SwiftPM owns that directory and empties it when it builds.
artifacts=.build-fuzz/findings/$target/
mkdir -p "$corpus" "$artifacts"
flags=("${common[@]}" -artifact_prefix="$artifacts" -print_final_stats=1)
[[ -f "Fuzz/Dictionaries/$target.dict" ]] && flags+=(-dict="Fuzz/Dictionaries/$target.dict")
[[ "$target" == config ]] && flags+=(-max_len=8192)

if (($# > 0)) && [[ -f "${*: -1}" ]]; then
  # Replaying a file (a crash found earlier): run just that.
  exec env STARLING_FUZZ_TARGET="$target" "$binary" "${flags[@]}" "$@"
fi
log=.build-fuzz/$target.log
echo "== fuzzing $target for $seconds s (log: $log)"
set +e
STARLING_FUZZ_TARGET=$target "$binary" "${flags[@]}" -max_total_time="$seconds" "$@" \
  "$corpus" "Fuzz/Corpus/$target" >"$log" 2>&1
status=$?
set -e
last=$(grep -E '^#[0-9]+' "$log" | tail -1)
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
echo "$target: ${runs:-?} runs (${rate:-?}/s) in $seconds s; last status: ${last:-none}"
if ((status != 0)); then
  grep -E 'ERROR|SUMMARY|Test unit written|Fatal error|precondition' "$log" | head -20 >&2
  echo "$target: FAILED (exit $status); the input is in $artifacts" >&2
  exit 1
fi
