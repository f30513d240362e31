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

# Summaries: dotnet test's "Total tests: 40 / Passed: 40 / Failed: 0" and the runner's "notebooks: 4 passed, 0 failed".
count() { local n; n=$(sed -nE "$1" "$2" | tail -1); echo "${n:-0}"; }
unit_total=$(count 's/^ *Total tests: *([0-9]+).*/\1/p' "$logs/unit")
unit_passed=$(count 's/^ *Passed: *([0-9]+).*/\1/p' "$logs/unit")
unit_failed=$(count 's/^ *Failed: *([0-9]+).*/\1/p' "$logs/unit")
nb_passed=$(count 's/^notebooks: ([0-9]+) passed.*/\1/p' "$logs/notebooks")
nb_failed=$(count 's/^notebooks: .* ([0-9]+) failed.*/\1/p' "$logs/notebooks")
passed=$((unit_passed + nb_passed))
failed=$((unit_failed + nb_failed))
echo
echo "unit tests: $unit_passed passed, $unit_failed failed (of $unit_total)"
echo "notebooks: $nb_passed passed, $nb_failed failed"
echo "tests: $passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$unit_total" -gt 0 ] && [ "$nb_passed" -gt 0 ]
