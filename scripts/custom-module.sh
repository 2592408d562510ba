#!/usr/bin/env bash
# Builds Examples/CustomModule as the package of its own it is (against this checkout, as a user's
# package would against Starling's repository) and runs its shout.yaml with the `my-starling` it
# makes. The test suite builds the same sources inside this package (CustomModuleExampleTests);
# this checks the example's Package.swift too. A full build of Starling: minutes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
example="$root/Examples/CustomModule"
scratch="${SCRATCH:-$root/.build-custom-module}"

# The same dependency versions as this package (Package.resolved is not in git).
if [[ -f "$root/Package.resolved" ]]; then cp "$root/Package.resolved" "$example/Package.resolved"; fi

swift build --package-path "$example" --scratch-path "$scratch"
output="$("$scratch/debug/my-starling" run "$example/shout.yaml")"
expected=$'HELLO 1!!!\nHELLO 2!!!\nHELLO 3!!!'
if [[ "$output" != "$expected" ]]; then
  echo "custom-module: my-starling printed:" >&2
  echo "$output" >&2
  exit 1
fi
"$scratch/debug/my-starling" show process.shout | head -1
echo "custom-module: my-starling ran shout.yaml with its own module"
