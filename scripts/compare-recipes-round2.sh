#!/usr/bin/env bash
# Recipe round two (models/README.md): the Small UNet trained on 102,400 images under each recipe (the comparison
# budget of round one), same seed (same initial weights, same data order), warmup over 12,800 images, then three
# independent draws of 1,000 images with DPM-Solver++(2M) 20 steps, each against its own floor. Every run starts from
# round one's winner (v, Min-SNR-5, cosine decay) and changes one thing. About 20 minutes of training and 8 of
# evaluation per run on a quiet 2-core machine; a finished run is skipped, an interrupted one resumes.
set -uo pipefail
cd "$(dirname "$0")/.."
cli="dotnet tools/DiffusionCli/bin/Release/net10.0/diffusion.dll"
out=${RECIPES_OUT:-out/recipes2}
run() {
  local name=$1 batch=$2 images=$3; shift 3
  [ -f "$out/$name.evaluation.csv" ] && return 0
  local steps=$(( images / batch )) warmup=$(( 12800 / batch ))
  if [ ! -f "$out/$name/model.bin" ]; then
    if [ -f "$out/$name/checkpoint.bin" ]; then $cli train --out "$out/$name" --resume --steps $steps
    else $cli train --out "$out/$name" --preset small --steps $steps --warmup $warmup --batch $batch \
         --target velocity --min-snr 5 --lr-decay cosine --checkpoint-every 200 "$@"; fi || return 1
  fi
  $cli evaluate --model "$out/$name/model.bin" --samples 1000 --repeats 3 --samplers dpm:20 --out "$out/$name.evaluation.csv"
}
run b32_lr2e-3 32 102400 --lr 2e-3                                   # phase 1's winner: batch 32, lr 2e-3
run b32_lr2e-3_cosine-schedule 32 102400 --lr 2e-3 --schedule cosine  # the noise schedule
run b32_lr2e-3_width48 32 60000 --lr 2e-3 --width 48                 # 1.7x the cost per image: equal wall time
run b64_lr2e-3 64 102400 --lr 2e-3
run b128_lr2e-3 128 102400 --lr 2e-3
# EMA decays 0.9995 and 0.9999 are not run here: for the 3,200 steps of batch 32 the library's EMA warm-up,
# d_n = min(d, (1 + n) / (10 + n)), stays below 0.9972, so every decay from 0.999 up gives the same weights.
