#!/usr/bin/env bash
# Background job: score every NB201 functional class (4,930) on one dataset with the metrics of the
# abdelfattah2021_nb201 preset (HNAS's ntk_trace/ntk_condnum and the zero-cost searchers' included), in two shards (one per core), then merge and report. Resumable.
set -euo pipefail
cd "$(dirname "$0")/.."
METRICS="${METRICS:-[grad_norm,snip,grasp,fisher,synflow,jacob_cov,ntk_trace,ntk_condnum,naswot,params,flops]}"
DATASET="${DATASET:-cifar10}"
for shard in 0 1; do
  .venv/bin/python -m bench.correlate sample=all dataset="$DATASET" metrics="$METRICS" \
    shard.index=$shard shard.count=2 scoring.threads=1 > "results/logs/fullspace_${DATASET}_shard$shard.log" 2>&1 &
done
wait
.venv/bin/python -m bench.correlate experiment=abdelfattah2021_nb201 dataset="$DATASET" metrics="$METRICS" \
  > "results/logs/fullspace_${DATASET}_merge.log" 2>&1
