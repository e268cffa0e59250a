#!/usr/bin/env bash
# Long scoring runs in the background, resumable: two shards (one per core, one torch thread each), then the
# merge run that writes outputs and leaderboard rows. Progress: results/logs/<name>_shard*.log and the
# journals under results/scores/. Rerun the same command after an interruption: only missing scores are computed.
#
#   scripts/background_scoring.sh EXPERIMENT DATASET METRICS [more Hydra overrides...]
#   e.g. scripts/background_scoring.sh nb201_sample1000 cifar10 '[synflow,naswot]'
#        scripts/background_scoring.sh abdelfattah2021_nb201 cifar10 \
#          '[grad_norm,snip,grasp,fisher,synflow,jacob_cov,ntk_trace,ntk_condnum,naswot,params,flops]'
set -euo pipefail
cd "$(dirname "$0")/.."
experiment="$1" dataset="$2" metrics="$3"
shift 3
name="${experiment}_${dataset}"
mkdir -p results/logs
for shard in 0 1; do
  .venv/bin/python -m bench.correlate experiment="$experiment" dataset="$dataset" metrics="$metrics" "$@" \
    shard.index=$shard shard.count=2 scoring.threads=1 > "results/logs/${name}_shard$shard.log" 2>&1 &
done
wait
.venv/bin/python -m bench.correlate experiment="$experiment" dataset="$dataset" metrics="$metrics" "$@" \
  > "results/logs/${name}_merge.log" 2>&1
