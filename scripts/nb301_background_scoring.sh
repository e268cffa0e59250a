#!/usr/bin/env bash
# Scores the 725 NAS-Bench-301 architectures (space nb301, CIFAR-10) into the committed cache
# results/scores/nb301/cifar10/f4cbadc102b0/ (preset nb301_nbsz_network: one fixed batch of 64, seed 0, PyTorch's
# default initialisation), one metric list after another, so that a stopped run leaves whole metrics done rather
# than every metric half done. Each stage is one scripts/background_scoring.sh run (WORKERS processes of one torch
# thread, default one per core, nice 19), which journals every architecture as soon as it is scored and folds the
# journals into scores.parquet when the stage ends. Rerun the same command after an interruption: finished stages
# are served from the cache in seconds and only missing scores are computed. Correlation outputs (100 bootstrap
# resamples) and board rows go to /tmp/nb301_out (make corr-nb301 writes the committed ones, once the preset names
# the metric). Progress: results/logs/nb301_nbsz_network_cifar10_shard*.log.
#
#   scripts/nb301_background_scoring.sh [METRICS ...]
#   default stages: the 21 classic metrics (issue #30), cheapest first, then the frontier metrics (issue #34).
#   Seconds per architecture on one thread, two jobs on the 2 cores (their logs): classic ≤ 2 except the NTK pair
#   (6.2, shared) and te_nas_ntk (≈ 8); frontier (scripts/metric_seconds.py, three jobs on 2 cores): l_swag_psi 0.2,
#   AZ-NAS's trio 2.5-3.2 (one shared pass), gradsign 2.9, xi_gsnr 4.0, l_swag 4.5, vkdnw 12.7 (the stage's
#   first 12 networks took 26-170 s each: two workers beside two other jobs on the 2 cores). `swap` is not a
#   stage: on this C = 32 network it saturates at its 2^16 ceiling (46 scored: 62,400-65,535); it is scored on
#   SWAP's own one-cell network instead (`make corr-nb301-swap-darts`, space nb301_swap_darts, minutes for the 725).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -eq 0 ]; then
  set -- '[params,flops,l2_norm,synflow]' '[naswot]' '[grad_norm,snip,plain]' '[synflow_log10,meco]' \
    '[linear_regions]' '[jacob_cov]' '[zen]' '[zico]' '[nasi]' '[fisher]' '[epe_nas]' '[ntk_trace,ntk_condnum]' \
    '[te_nas_ntk]' '[grasp]' '[n_layers,n_convs,az_complexity,logsynflow]' \
    '[az_expressivity,az_progressivity,az_trainability]' '[gradsign,gradsign_mean]' \
    '[l_swag,l_swag_lambda,l_swag_psi]' '[xi_gsnr,xi_gsnr_cumulative]' '[vkdnw,vkdnw_single]'
fi
mkdir -p /tmp/nb301_out
for metrics in "$@"; do
  stage="$(echo "$metrics" | tr -d '[]' | tr ',' '_')"
  nice -n 19 scripts/background_scoring.sh nb301_nbsz_network cifar10 "$metrics" scoring.device=cpu progress=false \
    stats.bootstrap=100 out_dir="/tmp/nb301_out/${stage}" leaderboard=/tmp/nb301_out/correlations.csv
done
