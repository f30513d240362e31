#!/usr/bin/env bash
# Runs the whole course headless: every notebook in notebooks/, in order, executed with dotnet-repl.
# Executed notebooks (with their figures inline) go to out/notebooks, figure files to out/figures.
#   ./run-course.sh                   the real experiments (DIFFUSION_QUICK unset)
#   DIFFUSION_QUICK=1 ./run-course.sh the quick version: small data, models and step counts (minutes)
#   ./run-course.sh --only 02         only the notebooks whose names start with 02
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
export DIFFUSION_OUTPUT="${DIFFUSION_OUTPUT:-$PWD/out}"
dotnet tools/CourseRunner/bin/Release/net10.0/CourseRunner.dll "$PWD" "$@"
