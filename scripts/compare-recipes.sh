#!/usr/bin/env bash
# Trains the Small UNet with each training recipe for the same 800 steps of batch 128 (same seed: same initial
# weights, same batches), then evaluates each at 1,000 images with DDIM-50 and DPM-Solver++-20. This is how the shipped
# models' recipe was chosen (models/README.md). About 20 minutes per recipe on 2 CPU cores; run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
cli="dotnet tools/DiffusionCli/bin/Release/net10.0/diffusion.dll"
out=out/recipes
run() {
  local name=$1; shift
  $cli train --out "$out/$name" --preset small --steps 800 --warmup 100 "$@"
  $cli evaluate --model "$out/$name/model.bin" --samples 1000 --samplers ddim:50,dpm:20 --out "$out/$name.evaluation.csv"
}
run A_eps
run B_v --target velocity
run C_v_minsnr --target velocity --min-snr 5
run E_v_minsnr_cosine_1e-3 --target velocity --min-snr 5 --lr-decay cosine --lr 1e-3
