#!/usr/bin/env bash
# Data-free scores (no Taskonomy images here) of TransNAS-Bench-101 tasks into the committed score cache,
# results/scores/tnb101_{micro,macro}/<task>/<setup>/, one torch thread, resumable (rerun the same command).
# Correlation outputs (100 bootstrap resamples) and board rows go to /tmp (the lead's producers write the
# committed ones).
#
#   scripts/tnb101_data_free_scoring.sh SPACE TASK METRICS [SAMPLE [TARGET]]
#   (TARGET: the task's ground-truth column, valid_top1_acc by default; autoencoder/normal: valid_ssim,
#   room_layout: valid_neg_l2_loss, segmentsemantic: valid_pixel_acc)
#   e.g. scripts/tnb101_data_free_scoring.sh tnb101_micro class_scene '[params,flops,synflow,l2_norm]'
#        scripts/tnb101_data_free_scoring.sh tnb101_macro class_scene '[synflow]' 100
set -euo pipefail
cd "$(dirname "$0")/.."
space="$1" task="$2" metrics="$3" sample="${4:-all}" target="${5:-valid_top1_acc}"
python="${PYTHON:-.venv/bin/python}"
nice -n 10 "$python" -m bench correlate space="$space" dataset="$task" sample="$sample" target="$target" \
  metrics="$metrics" \
  scoring.threads=1 scoring.device=cpu progress=false stats.bootstrap=100 \
  out_dir="/tmp/tnb101_out/${space}_${task}_${sample}" leaderboard=/tmp/tnb101_out/correlations.csv
