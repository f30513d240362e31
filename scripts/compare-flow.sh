#!/usr/bin/env bash
# Lesson 11's measurement (issue 22): flow matching against the DDPM recipe at equal compute. The Small UNet trained on
# 102,400 images (the recipe comparison budget of models/README.md) with the same seed, batch 32, lr 2e-3 with cosine
# decay and 400 warmup steps; the only differences are the path and the target:
#   ddpm: cosine schedule, v prediction, Min-SNR-5 (round two's winner)
#   flow: rectified flow x_t = (1 - t) x_0 + t eps, flow velocity u = eps - x_0, plain MSE, t uniform (Liu et al. 2023)
#   flow-logitnormal: the same with t = sigmoid(n), n ~ N(0, 1) (Esser et al. 2024, eq. 19)
# Then three draws of 1,000 images per sampler and step count (5 to 50 evaluations; up to 20 for flow-logitnormal, a
# second look; the twin's DDIM also from the last step, ddpm-trailing). Heun's N times cost 2N - 1 evaluations
# (heun:3 = 5).
# Models, loss and evaluation CSVs go to models/recipes/flow. A finished step is skipped, an interrupted training resumes.
set -uo pipefail
cd "$(dirname "$0")/.."
cli="dotnet tools/DiffusionCli/bin/Release/net10.0/diffusion.dll"
out=models/recipes/flow
work=${FLOW_WORK:-out/compare-flow}
train() {
  local name=$1; shift
  [ -f "$out/$name.bin" ] && return 0
  if [ -f "$work/$name/checkpoint.bin" ]; then $cli train --out "$work/$name" --resume --steps 3200
  else $cli train --out "$work/$name" --preset small --steps 3200 --warmup 400 --batch 32 --lr 2e-3 --lr-decay cosine \
       --checkpoint-every 200 "$@"; fi || return 1
  cp "$work/$name/model.bin" "$out/$name.bin" && cp "$work/$name/loss.csv" "$out/$name.loss.csv"
}
evaluate_as() {
  local model=$1 name=$2 samplers=$3
  [ -f "$out/$name.evaluation.csv" ] && return 0
  $cli evaluate --model "$out/$model.bin" --samples 1000 --repeats 3 --samplers "$samplers" --out "$out/$name.evaluation.csv"
}
evaluate() { evaluate_as "$1" "$1" "$2"; }
mkdir -p "$out"
train ddpm --target velocity --min-snr 5 --schedule cosine || exit 1
train flow --target flowvelocity --schedule rectifiedflow || exit 1
train flow-logitnormal --target flowvelocity --schedule rectifiedflow --timesteps logitnormal || exit 1
evaluate ddpm ddim:5,ddim:10,ddim:20,ddim:50,dpm:5,dpm:10,dpm:20,dpm:50
# DDIM started at the last step, as the flow's samplers are (even spacing starts 5 steps at t = 800; Lin et al. 2024)
evaluate_as ddpm ddpm-trailing ddim:5:spacing=trailing,ddim:10:spacing=trailing,ddim:20:spacing=trailing,ddim:50:spacing=trailing
flow_samplers=euler:5,euler:10,euler:20,euler:50,heun:3,heun:5,heun:10,heun:25,dpm:5,dpm:10,dpm:20,dpm:50
evaluate flow $flow_samplers
evaluate flow-logitnormal euler:5,euler:10,euler:20,heun:3,heun:5,heun:10,dpm:5,dpm:10,dpm:20
