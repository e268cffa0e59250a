#!/usr/bin/env bash
# Long scoring runs in the background, resumable: the work is cut into SHARDS interleaved shards (default 4 per
# worker) that WORKERS processes (default: one per core, one torch thread each) take in turn, so a worker that
# draws cheap architectures takes the next shard instead of idling; then the merge run writes outputs and
# leaderboard rows. Progress: results/logs/<name>_shard*.log and the journals under results/scores/. Rerun the
# same command after an interruption: only missing scores are computed.
#
#   [WORKERS=2] [SHARDS=8] scripts/background_scoring.sh EXPERIMENT DATASET METRICS [more Hydra overrides...]
#   e.g. scripts/background_scoring.sh nb201_sample1000 cifar10 '[synflow,naswot]'
#        scripts/background_scoring.sh abdelfattah2021_nb201 cifar10 \
#          '[grad_norm,snip,grasp,fisher,synflow,jacob_cov,ntk_trace,ntk_condnum,naswot,params,flops]'
set -euo pipefail
cd "$(dirname "$0")/.."
experiment="$1" dataset="$2" metrics="$3"
shift 3
workers="${WORKERS:-$(nproc)}"
shards="${SHARDS:-$((4 * workers))}"
name="${experiment}_${dataset}"
mkdir -p results/logs
export experiment dataset metrics shards name
seq 0 $((shards - 1)) | xargs -P "$workers" -I{} sh -c '.venv/bin/python -m bench correlate \
  experiment="$experiment" dataset="$dataset" metrics="$metrics" "$@" shard.index={} shard.count="$shards" \
  scoring.threads=1 > "results/logs/${name}_shard{}.log" 2>&1' sh "$@"
.venv/bin/python -m bench correlate experiment="$experiment" dataset="$dataset" metrics="$metrics" "$@" \
  > "results/logs/${name}_merge.log" 2>&1
