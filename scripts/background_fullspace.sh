#!/usr/bin/env bash
# Background job: score every NB201 functional class (4,930) on one dataset with the metrics HNAS and the
# zero-cost searchers need, in two shards (one per core), then merge and report. Resumable.
set -euo pipefail
cd "$(dirname "$0")/.."
METRICS="${METRICS:-[ntk_trace,ntk_condnum,grad_norm,snip,synflow,params,flops,naswot]}"
DATASET="${DATASET:-cifar10}"
for shard in 0 1; do
  .venv/bin/python -m bench.correlate sample=all dataset="$DATASET" metrics="$METRICS" \
    shard.index=$shard shard.count=2 scoring.threads=1 > "results/logs/fullspace_${DATASET}_shard$shard.log" 2>&1 &
done
wait
.venv/bin/python -m bench.correlate sample=all dataset="$DATASET" metrics="$METRICS" protocol=full_space \
  out_dir="results/correlate/nb201_${DATASET}_all" > "results/logs/fullspace_${DATASET}_merge.log" 2>&1
