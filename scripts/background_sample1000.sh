#!/usr/bin/env bash
# Background job: the 1,000-architecture NB201 CIFAR-10 correlation run in two shards (one per core),
# then the merge run that writes the outputs. Resumable: rerun it and only missing scores are computed.
set -euo pipefail
cd "$(dirname "$0")/.."
METRICS="${METRICS:-[epe_nas,fisher,flops,grad_norm,grasp,jacob_cov,l2_norm,linear_regions,meco,nasi,naswot,ntk_condnum,ntk_trace,params,plain,snip,synflow,synflow_log,zen,zico]}"
DATASET="${DATASET:-cifar10}"
for shard in 0 1; do
  .venv/bin/python -m bench.correlate experiment=nb201_sample1000 dataset="$DATASET" metrics="$METRICS" \
    shard.index=$shard shard.count=2 scoring.threads=1 > "results/logs/sample1000_${DATASET}_shard$shard.log" 2>&1 &
done
wait
.venv/bin/python -m bench.correlate experiment=nb201_sample1000 dataset="$DATASET" metrics="$METRICS" \
  > "results/logs/sample1000_${DATASET}_merge.log" 2>&1
