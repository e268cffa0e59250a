"""Seconds per architecture of each metric, alone on a fresh probe (not a test; a cost survey).

Builds the networks of a few architectures of a benchmark space (``--space``: ``nb301``, the C = 32, 8-cell
network of NB-Suite-Zero's configuration; ``nb101``, the NB101 network of the architecture index; any
registered space) and times every named metric alone on its own fresh probe (``ScoreEngine.probe``: the
network, initialisation, batch and BatchNorm override that scoring uses; building it is not timed), so each
pays for any forward/backward pass it shares with others when scored together. The batch is the harness's
fixed batch of 64 of ``--dataset`` (on a TransNAS task, a shape-only batch, so only data-free metrics run);
the CPU runs the torch threads given. Prints one line per (architecture, metric) as soon as it is measured,
then the median per metric, cheapest first; ``--out`` also writes the per-architecture table as CSV. The
values are not kept: the score cache is untouched.

Usage: ``python scripts/metric_seconds.py [--space nb301] [--dataset cifar10] [--archs 0 1 2] [--metrics classic]
[--threads 1] [--out /tmp/nb301_seconds.csv]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch

from bench.core.benchmarks import open_benchmark
from bench.core.paths import data_root
from bench.core.scoring import ScoreEngine, ScoringOptions
from metrics import registry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", default="nb301", help="a registered benchmark space")
    parser.add_argument(
        "--dataset", default="cifar10", help="the dataset (task) whose network and batch are used"
    )
    parser.add_argument(
        "--archs", type=int, nargs="+", default=[0, 1, 2], help="architecture indices of the space"
    )
    parser.add_argument("--metrics", nargs="+", default=["classic"], help="metric names or set names")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    setup = ScoringOptions().setup(args.space, args.dataset)
    names = registry.resolve(args.metrics)
    rows = []
    with tempfile.TemporaryDirectory() as no_cache:
        engine = ScoreEngine(
            open_benchmark(args.space).space, setup, Path(no_cache), data_root(), progress=False
        )
        engine.check_metrics(names)
        for index in args.archs:
            for name in names:
                probe = engine.probe(index)
                start = time.perf_counter()
                result = registry.evaluate([name], probe)[name]
                wall = time.perf_counter() - start
                rows.append(
                    {"arch_index": index, "metric": name, "seconds": wall, "error": result.error or ""}
                )
                print(f"arch {index} {name}: {wall:.2f} s {result.error or ''}", flush=True)
    table = pd.DataFrame(rows)
    if args.out:
        table.to_csv(args.out, index=False)
    print(table.groupby("metric")["seconds"].median().sort_values().to_string(float_format="{:.2f}".format))


if __name__ == "__main__":
    main()
