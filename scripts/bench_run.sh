# Sourced by bench-channels.sh and bench-sockets.sh: runs one target of the Benchmarks/ package
# and prints its table.
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

  local results="$output/Current_run.jmh.json"
  if [[ ! -f "$results" ]]; then
    echo "$name: the benchmark tool wrote no $results" >&2
    exit 1
  fi
  echo >&2
  python3 "$root/scripts/bench_table.py" --suite "$suite" "$results"
}
