#!/usr/bin/env bash
# Runs every test: the library's unit tests, then every notebook in quick mode (a notebook passes when no cell errors).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
status=0
dotnet test tests/Diffusion.Tests.csproj -c Release --no-build --logger "console;verbosity=normal" 2>&1 \
  | tee "$logs/unit" || status=1

export DIFFUSION_QUICK=1
export DIFFUSION_OUTPUT="${DIFFUSION_OUTPUT:-$PWD/out/quick}"
dotnet tools/CourseRunner/bin/Release/net10.0/CourseRunner.dll "$PWD" --timeout-minutes 20 "$@" 2>&1 \
  | tee "$logs/notebooks" || status=1

# Summaries: dotnet test's "Passed!  - Failed: 0, Passed: 40, ..." and the runner's "notebooks: 4 passed, 0 failed".
unit=$(grep -E "^ *(Passed|Failed)! " "$logs/unit" | tail -1 || true)
notebooks=$(grep -E "^notebooks: " "$logs/notebooks" | tail -1 || true)
count() { local n; n=$(sed -nE "$1" <<<"$2"); echo "${n:-0}"; }
passed=$(( $(count 's/.*Passed: *([0-9]+).*/\1/p' "$unit") + $(count 's/^notebooks: ([0-9]+) passed.*/\1/p' "$notebooks") ))
failed=$(( $(count 's/.*Failed: *([0-9]+),.*/\1/p' "$unit") + $(count 's/.* ([0-9]+) failed.*/\1/p' "$notebooks") ))
echo
echo "unit tests: ${unit:-did not run}"
echo "${notebooks:-notebooks: did not run}"
echo "tests: $passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ -n "$unit" ] && [ -n "$notebooks" ]
