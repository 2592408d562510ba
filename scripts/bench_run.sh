# Sourced by bench-channels.sh, bench-sockets.sh, bench-pipeline.sh and bench-go.sh: runs one
# target of the Benchmarks/ package and prints its table.
#
#   run_benchmarks NAME TARGET SUITE [extra `swift package benchmark` options]
#
# The table goes to standard output; the build and the benchmark tool's own output go to
# standard error. The benchmarks are built in release mode in Benchmarks/.build.
run_benchmarks() {
  local name="$1" target="$2" suite="$3"
  shift 3
  local root output
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  output="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$output'" EXIT
  run_benchmark_tool "$name" "$target" "$output" "$@"
  echo >&2
  python3 "$root/scripts/bench_table.py" --suite "$suite" "$output/Current_run.jmh.json"
}

# Runs one target of the Benchmarks/ package and leaves its JMH export in
# OUTPUT/Current_run.jmh.json.
#
#   run_benchmark_tool NAME TARGET OUTPUT [extra `swift package benchmark` options]
run_benchmark_tool() {
  local name="$1" target="$2" output="$3"
  shift 3
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

  # --disable-sandbox lets the tool write its export outside the package directory.
  if ! (cd "$root/Benchmarks" && swift package --disable-sandbox benchmark run \
    --target "$target" \
    --format jmh \
    --path "$output" \
    --no-progress \
    "$@" >"$output/log.txt" 2>&1); then
    cat "$output/log.txt" >&2
    echo "$name: the benchmark run failed" >&2
    exit 1
  fi
  grep -v -E '^\[[0-9]+/[0-9]+\]' "$output/log.txt" >&2 || true

  if [[ ! -f "$output/Current_run.jmh.json" ]]; then
    echo "$name: the benchmark tool wrote no $output/Current_run.jmh.json" >&2
    exit 1
  fi
}
