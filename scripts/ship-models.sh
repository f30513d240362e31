#!/usr/bin/env bash
# How the shipped models and their stored evaluations are made (issues 21 and 22), one part at a time:
#   scripts/ship-models.sh classes   the class-conditional model, its guidance sweep and its evaluation at guidance 1.5
#   scripts/ship-models.sh ddpm      three draws of 1,000-step DDPM for the unconditional model
#   scripts/ship-models.sh flow      the flow-matching model (logit-normal t) and its evaluation
# Hours of work on two cores, so every step carries on where it stopped: a training resumes from the checkpoint in
# models/training/NAME (commit that folder between sittings; stop with Ctrl-C or kill, which save first), an evaluation
# finishes its file (evaluate --resume), and a step whose output is complete is skipped. Run the same command again after
# a stop. A newly trained model replaces the shipped file and removes the evaluations of the old one, which are then
# measured again; commit the model, its loss log and its CSVs, and delete models/training/NAME.
# The unconditional model (models/fashion-mnist-small.bin) was trained with the same recipe in the same way.
set -uo pipefail
cd "$(dirname "$0")/.."
cli="dotnet tools/DiffusionCli/bin/Release/net10.0/diffusion.dll"
# round two's recipe (models/README.md): 37,500 steps of batch 32 = 1.2 M images, lr 2e-3 with warm-up and cosine decay
recipe=(--preset small --steps 37500 --warmup 400 --batch 32 --lr 2e-3 --lr-decay cosine)

# train NAME FILE OPTIONS..: train (or resume) in models/training/NAME; ship its model.bin as models/FILE.bin
train() {
  local work=models/training/$1 file=models/$2; shift 2
  [ ! -d "$work" ] && [ -f "$file.bin" ] && return 0            # shipped, and its training folder deleted: done
  if [ ! -f "$work/model.bin" ]; then
    if [ -f "$work/checkpoint.bin" ]; then $cli train --out "$work" --resume --steps 37500 || return 1
    else $cli train --out "$work" "${recipe[@]}" "$@" || return 1; fi
    [ -f "$work/model.bin" ] || { echo "$work: stopped before the last step; run this again to carry on"; return 1; }
  fi
  if ! cmp -s "$work/model.bin" "$file.bin"; then
    cp "$work/model.bin" "$file.bin" && cp "$work/loss.csv" "$file.loss.csv" || return 1
    rm -f "$file".*evaluation.csv "$file".guidance.csv           # they measured the model it replaces
    echo "shipped $file.bin"
  fi
}

# evaluate FILE OPTIONS..: measure into FILE, or finish it if a stopped run left it
evaluate() {
  local out=$1; shift
  if [ -f "$out" ]; then $cli evaluate "$@" --out "$out" --resume; else $cli evaluate "$@" --out "$out"; fi
}

case "${1:-}" in
  classes)
    train classes fashion-mnist-small-classes --classes --target velocity --min-snr 5 --schedule cosine || exit 1
    model=models/fashion-mnist-small-classes.bin
    evaluate models/fashion-mnist-small-classes.guidance.csv --model $model --samples 1000 --repeats 3 \
      --guidance 0,1,1.5,2,3,5 --samplers dpm:20 || exit 1
    evaluate models/fashion-mnist-small-classes.evaluation.csv --model $model --samples 1000 --repeats 3 \
      --guidance 1.5 --samplers dpm:20,ddim:50:spacing=trailing,ddim:50:eta=1 ;;
  ddpm)
    evaluate models/fashion-mnist-small.ddpm.evaluation.csv --model models/fashion-mnist-small.bin --samples 1000 \
      --repeats 3 --samplers ddpm ;;
  flow)
    train flow fashion-mnist-small-flow --target flowvelocity --schedule rectifiedflow --timesteps logitnormal || exit 1
    evaluate models/fashion-mnist-small-flow.evaluation.csv --model models/fashion-mnist-small-flow.bin --samples 1000 \
      --repeats 3 --samplers euler:5,euler:10,euler:20,euler:50,heun:3,heun:5,heun:10,heun:25,dpm:10,dpm:20,dpm:50 ;;
  *)
    echo "usage: scripts/ship-models.sh classes|ddpm|flow" >&2
    exit 2 ;;
esac
