"""Scoring speed benchmark (not a test): ``make bench`` writes ``results/bench/scoring.csv``.

Scores a fixed list of 20 NB201 architectures (seeded random choice below) on CIFAR-10 at batch 64
with 2 CPU threads (or on CUDA when present), and records per architecture:

* each metric alone on a fresh probe (its own share of any pass it needs);
* the six classic zero-cost metrics together on one probe (shared passes amortised);
* the full metric set together on one probe;
* one plain cross-entropy forward + backward pass, for scale (``forward_backward_equivalents`` in the summary:
  each measure's mean seconds over this pass's mean seconds);
* the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from bench.core.batches import load_batch
from bench.core.benchmarks import open_benchmark
from bench.core.machine import cpu_model
from bench.core.paths import REPO_ROOT, data_root
from bench.core.space import Space
from metrics import registry
from metrics.probe import Probe

ARCH_SEED = 20261125
NUM_ARCHS = 20
CLASSIC_SIX = ["grad_norm", "snip", "grasp", "fisher", "jacob_cov", "synflow"]


def bench_architectures(space: Space) -> list[int]:
    """The benchmark's fixed architectures: ``NUM_ARCHS`` indices drawn with ``ARCH_SEED``, sorted."""
    return sorted(space.sample(np.random.default_rng(ARCH_SEED), NUM_ARCHS))


def forward_backward_seconds(net: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Wall seconds of one cross-entropy forward + backward pass."""
    start = time.perf_counter()
    F.cross_entropy(net(images), labels).backward()
    net.zero_grad(set_to_none=True)
    return time.perf_counter() - start


def run(threads: int, out: Path) -> pd.DataFrame:
    torch.set_num_threads(threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    benchmark = open_benchmark("nb201")
    indices = bench_architectures(benchmark.space)
    batch = load_batch("cifar10", data_root(), 64, seed=0)
    everything = registry.names()
    rows = []
    for position, index in enumerate(indices):
        torch.manual_seed(index)
        net = benchmark.space.build(index, 10).to(device)
        row: dict[str, float | int | str] = {"arch_index": index}
        row["forward_backward"] = forward_backward_seconds(
            net, batch.images.to(device), batch.labels.to(device)
        )
        for name in everything:
            row[name] = registry.evaluate([name], Probe(net, batch, seed=index))[name].seconds
        for label, names in (("classic_six_together", CLASSIC_SIX), ("all_metrics_together", everything)):
            start = time.perf_counter()
            registry.evaluate(names, Probe(net, batch, seed=index))
            row[label] = time.perf_counter() - start
        rows.append(row)
        print(
            f"[{position + 1}/{NUM_ARCHS}] arch {index}: six {row['classic_six_together']:.2f} s, "
            f"all {row['all_metrics_together']:.2f} s, fwd+bwd {row['forward_backward']:.2f} s",
            flush=True,
        )
    per_arch = pd.DataFrame(rows)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary = pd.DataFrame(
        {
            "measure": [c for c in per_arch.columns if c != "arch_index"],
            "mean_seconds_per_arch": [per_arch[c].mean() for c in per_arch.columns if c != "arch_index"],
            "median_seconds_per_arch": [
                statistics.median(per_arch[c]) for c in per_arch.columns if c != "arch_index"
            ],
        }
    )
    summary["forward_backward_equivalents"] = (
        summary["mean_seconds_per_arch"] / per_arch["forward_backward"].mean()
    ).round(2)
    summary["device"] = device.type if device.type == "cpu" else torch.cuda.get_device_name(device)
    summary["threads"] = threads
    summary["cpu"] = cpu_model()
    summary["peak_rss_mib"] = round(peak_mib, 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    summary.to_csv(out, index=False)
    per_arch.to_csv(out.with_name(out.stem + "_per_arch.csv"), index=False)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "results" / "bench" / "scoring.csv")
    args = parser.parse_args()
    print(run(args.threads, args.out).to_string(index=False))


if __name__ == "__main__":
    main()
