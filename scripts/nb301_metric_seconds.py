"""Seconds per NAS-Bench-301 architecture of each metric, alone on a fresh probe (not a test; a cost survey).

Builds the ``nb301`` network (C = 32, 8 cells, NB-Suite-Zero's configuration) of a few architectures of the
725 and times every named metric alone on its own probe (so each pays for any forward/backward pass it
shares with others when scored together) on the harness's fixed CIFAR-10 batch of 64, on the CPU with the
torch threads given. Prints one line per (architecture, metric) as soon as it is measured, then the median
per metric, cheapest first; ``--out`` also writes the per-architecture table as CSV. The values are not
kept: the score cache is untouched.

Usage: ``python scripts/nb301_metric_seconds.py [--archs 0 1 2] [--metrics classic] [--threads 1]
[--out /tmp/nb301_seconds.csv]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
import torch

from bench.core.batches import load_batch
from bench.core.benchmarks import open_benchmark
from bench.core.paths import data_root
from bench.core.scoring import ScoringOptions
from metrics import registry
from metrics.probe import Probe


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", type=int, nargs="+", default=[0, 1, 2], help="indices into the 725")
    parser.add_argument("--metrics", nargs="+", default=["classic"], help="metric names or set names")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    space = open_benchmark("nb301").space
    setup = ScoringOptions().setup("nb301", "cifar10")
    batch = load_batch("cifar10", data_root(), setup.batch_size, setup.seed)
    rows = []
    for index in args.archs:
        seed = setup.arch_seed(index)
        torch.manual_seed(seed)
        net = space.build(index, 10)
        for name in registry.resolve(args.metrics):
            start = time.perf_counter()
            result = registry.evaluate([name], Probe(net, batch, seed=seed))[name]
            wall = time.perf_counter() - start
            rows.append({"arch_index": index, "metric": name, "seconds": wall, "error": result.error or ""})
            print(f"arch {index} {name}: {wall:.2f} s {result.error or ''}", flush=True)
    table = pd.DataFrame(rows)
    if args.out:
        table.to_csv(args.out, index=False)
    print(table.groupby("metric")["seconds"].median().sort_values().to_string(float_format="{:.2f}".format))


if __name__ == "__main__":
    main()
