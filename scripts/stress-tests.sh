#!/usr/bin/env bash
# Runs the timing-sensitive test suites N times under a CPU hog and reports failures per test.
#
#   scripts/stress-tests.sh N [--filter REGEX] [--all] [--tsan] [--hogs K]
#
# The hog is K busy processes (default: one per core), so every run sees a machine at least as
# loaded as CI's. By default the suites that wait on processes, peers, timers and reconnects run;
# --filter picks others (swift test's --filter syntax), --all runs the whole suite, and --tsan
# runs under ThreadSanitizer (its own build folder, .build-tsan). Exits 1 if any run failed.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:?usage: scripts/stress-tests.sh N [--filter REGEX] [--all] [--tsan] [--hogs K]}"
shift
filter="PipeEventTests|PipelineCommandTests|IPCListenerTests|BadInputTests|PatternBadInputTests|ContextTests|RPCTests|RPCInteropTests|SecureInteropTests|NetworkModulesTests|SocketModulesTests|PipelineTests|ChannelStressTests|TickerTests|SelectTests|CatEndToEndTests|TCPEchoExampleTests|DeadMansSwitchExampleTests"
hogs="$(nproc)"
build=(swift build --build-tests)
test=(swift test --skip-build --parallel)
while (($# > 0)); do
  case "$1" in
    --filter) filter="$2"; shift 2 ;;
    --all) filter=""; shift ;;
    --hogs) hogs="$2"; shift 2 ;;
    --tsan)
      build+=(--scratch-path .build-tsan --sanitize=thread)
      test+=(--scratch-path .build-tsan --sanitize=thread)
      shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ -n "$filter" ]]; then test+=(--filter "$filter"); fi

echo "== build"
"${build[@]}" 2>&1 | tail -1

hog_pids=()
stop_hogs() { for pid in "${hog_pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop_hogs EXIT
for ((i = 0; i < hogs; i++)); do
  (while :; do :; done) &
  hog_pids+=($!)
done
echo "== $runs runs of: ${filter:-every test}, beside $hogs busy processes"

logs="$(mktemp -d)"
declare -A failures=()
failed_runs=0
for ((run = 1; run <= runs; run++)); do
  log="$logs/run-$run.log"
  start=$SECONDS
  if "${test[@]}" >"$log" 2>&1; then
    echo "run $run: passed ($((SECONDS - start)) s)"
  else
    failed_runs=$((failed_runs + 1))
    names="$(grep -oE '✘ Test [^ ]+ (failed|recorded)' "$log" | awk '{print $3}' | sort -u || true)"
    [[ -z "$names" ]] && names="(no failing test named: see $log)"
    echo "run $run: FAILED ($((SECONDS - start)) s): $(echo "$names" | tr '\n' ' ')"
    while read -r name; do failures["$name"]=$((${failures["$name"]:-0} + 1)); done <<<"$names"
  fi
done

echo "== $failed_runs of $runs runs failed"
for name in "${!failures[@]}"; do
  echo "${failures[$name]} $name"
done | sort -rn | awk '{printf "  %3d of '"$runs"'  %s\n", $1, $2}'
echo "logs: $logs"
((failed_runs == 0))
