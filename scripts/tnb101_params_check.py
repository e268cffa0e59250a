"""Parameter counts of this project's TransNAS-Bench-101 networks against NB-Suite-Zero's ``params``.

Builds the network of every architecture of ``tnb101_micro`` and ``tnb101_macro`` for every task its file
covers (on PyTorch's ``meta`` device: shapes only, no memory, no data) and writes
``results/crosscheck/tnb101_params.csv``: per space, task and architecture, their ``params`` (millions) and
ours. Prints how many are equal (to the file's 6 decimals) per space and task.

Usage: ``python scripts/tnb101_params_check.py [--out results/crosscheck/tnb101_params.csv]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import torch

from bench.core.benchmarks import open_benchmark
from bench.core.paths import REPO_ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "results/crosscheck/tnb101_params.csv")
    args = parser.parse_args()
    rows = []
    for name in ("tnb101_micro", "tnb101_macro"):
        benchmark = open_benchmark(name)
        for task in benchmark.truth.datasets():
            truth = benchmark.truth.frame(task)
            for index, arch_str, theirs in zip(
                truth.index, truth["arch_str"], truth["params_M"], strict=True
            ):
                with torch.device("meta"):
                    net = benchmark.space.build_for(int(index), task)
                ours = round(sum(p.numel() for p in net.parameters()) / 1e6, 6)
                rows.append(
                    {"space": name, "task": task, "arch_str": arch_str, "theirs_M": theirs, "ours_M": ours}
                )
    frame = pd.DataFrame(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    equal = (frame["ours_M"] - frame["theirs_M"]).abs() < 5e-7
    summary = frame.assign(equal=equal).groupby(["space", "task"], sort=False)["equal"].agg(["sum", "size"])
    print(summary.to_string())
    print(f"all: {int(equal.sum())}/{len(frame)} equal")


if __name__ == "__main__":
    main()
