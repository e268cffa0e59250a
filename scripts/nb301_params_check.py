"""Parameter counts of this project's DARTS network against NB-Suite-Zero's ``params`` on all 725 NB301 archs.

Builds every architecture of the ``nb301`` pool under both configurations of
:mod:`bench.core.benchmarks.nb301.network` (no scoring, no data) and writes
``results/crosscheck/nb301_params.csv``: per architecture, their ``params`` (millions, from the file) and ours
under ``nb-suite-zero`` and ``nb301-training``. Prints how many match exactly (to the file's 6 decimals).

Usage: ``python scripts/nb301_params_check.py [--out results/crosscheck/nb301_params.csv]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from torch import nn

from bench.core.benchmarks import open_benchmark
from bench.core.benchmarks.nb301.network import CONFIGS, DartsNetwork
from bench.core.paths import REPO_ROOT


def count_millions(net: nn.Module) -> float:
    """Trainable parameters in millions, rounded as NB-Suite-Zero's file rounds them (6 decimals)."""
    return round(sum(p.numel() for p in net.parameters() if p.requires_grad) / 1e6, 6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "results/crosscheck/nb301_params.csv")
    args = parser.parse_args()
    benchmark = open_benchmark("nb301")
    truth = benchmark.truth.frame("cifar10")
    rows = []
    for index in range(len(benchmark.space)):
        genotype = benchmark.space.arch(index)
        row = {
            "arch_index": index,
            "arch_str": truth.at[index, "arch_str"],
            "theirs_M": truth.at[index, "params_M"],
        }
        for name, config in CONFIGS.items():
            row[f"ours_{name}_M"] = count_millions(DartsNetwork(genotype, 10, config))
        rows.append(row)
    frame = pd.DataFrame(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    for name in CONFIGS:
        diff = (frame[f"ours_{name}_M"] - frame["theirs_M"]).abs()
        print(f"{name}: {int((diff < 5e-7).sum())}/{len(frame)} equal; max |difference| {diff.max():.6f} M")


if __name__ == "__main__":
    main()
