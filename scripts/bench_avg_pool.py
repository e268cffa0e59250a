"""Paired benchmark (not a test) of NB201's ``avg_pool_3x3``: ``nn.AvgPool2d`` against ``AvgPool3x3``.

This machine's speed drifts by tens of percent within an hour, so two ``make bench`` runs cannot
measure a 10% change. Here both versions run in one process, architecture by architecture, on the
same network weights, alternating which goes first: all metrics together on a fresh probe, on the
architectures of ``make bench`` (``scripts/bench_scoring.py``: CIFAR-10, batch 64), with the given
number of threads. Every score of the two versions is also compared (they must be equal bit for
bit). Writes ``results/bench/avg_pool.csv`` (one row per architecture: pool edges per cell, seconds
with each version, scores that differ) and prints the means.

Usage: ``.venv/bin/python scripts/bench_avg_pool.py [--threads 2]``
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import pandas as pd
import torch
from bench_scoring import NUM_ARCHS, bench_architectures
from torch import nn

from bench.core.batches import load_batch
from bench.core.benchmarks import open_benchmark
from bench.core.benchmarks.nb201.network import with_torch_pools
from bench.core.paths import REPO_ROOT, data_root
from metrics import registry
from metrics.batch import Batch
from metrics.probe import Probe


def timed_scores(net: nn.Module, batch: Batch, seed: int, names: list[str]) -> tuple[float, dict[str, float]]:
    """(wall seconds, metric → value) of all ``names`` together on a fresh probe of ``net``."""
    start = time.perf_counter()
    results = registry.evaluate(names, Probe(net, batch, seed=seed))
    return time.perf_counter() - start, {name: result.value for name, result in results.items()}


def same(a: float, b: float) -> bool:
    """Equal values, NaN equal to NaN (a metric undefined on both)."""
    return a == b or (math.isnan(a) and math.isnan(b))


def run(threads: int, out: Path) -> pd.DataFrame:
    torch.set_num_threads(threads)
    benchmark = open_benchmark("nb201")
    indices = bench_architectures(benchmark.space)
    batch = load_batch("cifar10", data_root(), 64, seed=0)
    names = registry.names()
    rows = []
    for position, index in enumerate(indices):
        torch.manual_seed(index)
        ours = benchmark.space.build(index, 10)
        versions = {"torch_avgpool2d": with_torch_pools(ours), "channels_last_avgpool3x3": ours}
        order = list(versions) if position % 2 else list(reversed(versions))
        seconds, values = {}, {}
        for label in order:
            seconds[label], values[label] = timed_scores(versions[label], batch, index, names)
        differ = [
            n for n in names if not same(values["torch_avgpool2d"][n], values["channels_last_avgpool3x3"][n])
        ]
        rows.append(
            {
                "arch_index": index,
                "avg_pool_edges": benchmark.space.arch_str(index).count("avg_pool_3x3"),
                **{f"seconds_{label}": seconds[label] for label in versions},
                "threads": threads,
                "scores_that_differ": ";".join(differ),
            }
        )
        print(f"[{position + 1}/{NUM_ARCHS}] arch {index}: {seconds}, differ: {differ or 'none'}", flush=True)
    table = pd.DataFrame(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "results" / "bench" / "avg_pool.csv")
    args = parser.parse_args()
    table = run(args.threads, args.out)
    pools = table["avg_pool_edges"] > 0
    for label, rows in (("all", table), ("with avg_pool_3x3", table[pools]), ("without", table[~pools])):
        before, after = (
            rows["seconds_torch_avgpool2d"].mean(),
            rows["seconds_channels_last_avgpool3x3"].mean(),
        )
        print(
            f"{label} ({len(rows)} archs): {before:.2f} s → {after:.2f} s per arch ({after / before - 1:+.1%})"
        )
    print("scores that differ:", int((table["scores_that_differ"] != "").sum()), "architectures")


if __name__ == "__main__":
    main()
