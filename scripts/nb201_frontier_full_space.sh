#!/usr/bin/env bash
# Scores the frontier metrics that are still missing from the full NB201 space (issue #34) into the committed cache
# of the dataset (CIFAR-10: results/scores/nb201/cifar10/7db1a1ad65ba/), one metric list after another, mostly cheapest
# first, so that a stopped run leaves whole metrics done rather than every metric half done. Each stage is one
# scripts/background_scoring.sh run (WORKERS processes of one torch thread, default one per core; nice 10), which
# journals every architecture as soon as it is scored and folds the journals into scores.parquet when the stage
# ends. Rerun the same command after an interruption: finished stages are served from the cache in seconds and only
# missing scores are computed. Correlation outputs and board rows go to /tmp/nb201_frontier_full/ (make corr-all-*
# writes the committed ones, once FULL_METRICS_<dataset> in the Makefile names the metric). Progress:
# results/logs/abdelfattah2021_nb201_<dataset>_shard*.log.
#
#   scripts/nb201_frontier_full_space.sh [DATASET [METRICS ...]]
#   default: cifar10 and the stages below. Cost of the 15,625 networks (none of these metrics is class-invariant),
#   one thread on this project's 2-core machine (docs/performance.md, ×1.3-1.5 for a loaded core):
#   [l_swag_psi,az_complexity] ≈ 1 CPU-h and the AZ-NAS trio ≈ 3 (one shared pass; it completes az_nas, whose
#   published 0.913 the issue asks to check), [gradsign_mean] ≈ 3.5 and [l_swag] ≈ 4, all four done and committed;
#   [swap] ≈ 11, [vkdnw,vkdnw_single] ≈ 16.
set -euo pipefail
cd "$(dirname "$0")/.."
dataset="${1:-cifar10}"
shift $(($# > 0 ? 1 : 0))
if [ "$#" -eq 0 ]; then
  set -- '[l_swag_psi,az_complexity]' '[az_expressivity,az_progressivity,az_trainability]' '[l_swag]' \
    '[gradsign_mean]' '[swap]' '[vkdnw,vkdnw_single]'
fi
out=/tmp/nb201_frontier_full
mkdir -p "$out"
for metrics in "$@"; do
  stage="$(echo "$metrics" | tr -d '[]' | tr ',' '_')"
  echo "$(date -u +%FT%TZ) ${dataset} ${metrics} start" >> "$out/stages.log"
  nice -n 10 scripts/background_scoring.sh abdelfattah2021_nb201 "$dataset" "$metrics" \
    out_dir="$out/${dataset}_${stage}" leaderboard="$out/correlations.csv" progress=false
  echo "$(date -u +%FT%TZ) ${dataset} ${metrics} done" >> "$out/stages.log"
done
