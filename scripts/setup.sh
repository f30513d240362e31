#!/usr/bin/env bash
# Idempotent setup for the course, run by ../run-course.sh and ../run-tests.sh (safe to run again at any time).
#   1. the Fashion-MNIST Debian package (when apt is usable; otherwise the library downloads into data/)
#   2. the notebook runner (dotnet-repl), pinned in .config/dotnet-tools.json
#   3. NuGet restore, then the TorchSharp native compatibility fix (environment.md), then the Release build
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[setup] %s\n' "$*"; }

if ! command -v dotnet >/dev/null; then
  echo "error: the .NET SDK is not installed. Install .NET 10 (https://dot.net) and run this again." >&2
  exit 1
fi
sdk_major=$(dotnet --version | cut -d. -f1)
if [ "$sdk_major" -lt 10 ]; then
  echo "error: .NET SDK $(dotnet --version) found; the course needs .NET 10 or newer." >&2
  exit 1
fi

fashion=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
if [ ! -f "$fashion" ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo -n true 2>/dev/null && sudo="sudo -n"
  if command -v apt-get >/dev/null && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
    say "installing the Debian package dataset-fashion-mnist"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 \
      || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q dataset-fashion-mnist >/dev/null; } \
      || say "could not install dataset-fashion-mnist; the library will download Fashion-MNIST into data/ instead"
  else
    say "dataset-fashion-mnist not installed and apt not usable here; the library will download Fashion-MNIST into data/"
  fi
fi

say "restoring tools and packages"
dotnet tool restore >/dev/null
dotnet restore tests/Diffusion.Tests.csproj --verbosity quiet
dotnet build tools/NativeCompat/NativeCompat.csproj -c Release --verbosity quiet -nologo -clp:ErrorsOnly
dotnet build tools/CourseRunner/CourseRunner.csproj -c Release --verbosity quiet -nologo -clp:ErrorsOnly

# TorchSharp loads libLibTorchSharp.so from the NuGet package folder (notebooks) and from build outputs (tests):
# fix the package copy before building so the outputs receive the fixed file, then check the outputs too.
packages=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
native_fix() { dotnet tools/NativeCompat/bin/Release/net10.0/NativeCompat.dll "$@"; }
native_fix "${packages%/}/torchsharp"

say "building Diffusion.Lib, the tests and the diffusion command line (Release)"
dotnet build tests/Diffusion.Tests.csproj -c Release --verbosity quiet -nologo -clp:ErrorsOnly
dotnet build tools/DiffusionCli/DiffusionCli.csproj -c Release --verbosity quiet -nologo -clp:ErrorsOnly
native_fix tests/bin tools/DiffusionCli/bin >/dev/null
say "ready"
