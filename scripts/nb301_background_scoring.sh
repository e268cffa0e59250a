#!/usr/bin/env bash
# Scores the 725 NAS-Bench-301 architectures (space nb301, CIFAR-10) into the committed cache
# results/scores/nb301/cifar10/f4cbadc102b0/ (the harness defaults: one fixed batch of 64, seed 0, PyTorch's
# default initialisation), one metric list after another, cheapest first, so that a stopped run leaves whole
# metrics done rather than every metric half done. One process, one torch thread, nice 19; every architecture's
# scores go to a journal as soon as they are computed, and each stage ends by folding the journals into
# scores.parquet. Rerun the same command after an interruption: only missing scores are computed.
# Correlation outputs (100 bootstrap resamples) and board rows go to /tmp (the lead's producers write the
# committed ones). Progress: results/logs/nb301_stage_<metrics>.log.
#
#   scripts/nb301_background_scoring.sh [METRICS ...]
#   default stages: the 8 metrics of the first table (issue #30), then the other classic metrics, cheapest
#   first (seconds per architecture measured by scripts/metric_seconds.py; docs/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-.venv/bin/python}"
if [ "$#" -eq 0 ]; then
  set -- '[params,flops,l2_norm,synflow]' '[naswot]' '[grad_norm,snip,plain]' '[synflow_log10,meco]' \
    '[linear_regions]' '[jacob_cov]' '[zen]' '[zico]' '[nasi]' '[fisher]' '[epe_nas]' '[ntk_trace,ntk_condnum]' \
    '[te_nas_ntk]' '[grasp]'
fi
mkdir -p results/logs
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
for metrics in "$@"; do
  stage="$(echo "$metrics" | tr -d '[]' | tr ',' '_')"
  nice -n 19 "$python" -m bench correlate space=nb301 dataset=cifar10 sample=all metrics="$metrics" \
    scoring.threads=1 scoring.device=cpu progress=false stats.bootstrap=100 \
    out_dir="/tmp/nb301_out/${stage}" leaderboard=/tmp/nb301_out/correlations.csv \
    > "results/logs/nb301_stage_${stage}.log" 2>&1
done
