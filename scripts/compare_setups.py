"""How much does a change of scoring setup move each metric's Spearman? A paired comparison of two runs.

Reads the ``scores.parquet`` of two ``bench.apps.correlate`` output folders that scored the same
architectures under different settings (e.g. one fixed batch vs a fresh batch per architecture),
and writes, per metric present in both, ρ of each run against the ground truth and their difference
ρ(second) − ρ(first) with a 95% paired-bootstrap interval (:func:`bench.core.stats.paired_spearman_difference`)
to ``<second>/paired_vs_<first folder name>.csv``, with ``scores_spearman``: the Spearman between the two runs'
scores of the same architectures (1 = the setup change leaves the ranking as it is; a test-retest figure
when the runs differ only in batch and seed).

Usage: ``.venv/bin/python scripts/compare_setups.py FIRST_DIR SECOND_DIR [--space nb201] [--dataset cifar10]
[--target test_acc_200ep] [--bootstrap 1000]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from bench.core.benchmarks import open_benchmark
from bench.core.groundtruth import column
from bench.core.stats import finite_pairs_spearman, paired_spearman_difference
from metrics import registry


def read_scores(folder: Path) -> pd.DataFrame:
    """The run's per-architecture scores, indexed by ``arch_index``."""
    path = folder / "scores.parquet"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: pass an output folder of bench.apps.correlate")
    return pd.read_parquet(path).set_index("arch_index")


def compare(first: pd.DataFrame, second: pd.DataFrame, truth: pd.Series, n_boot: int) -> pd.DataFrame:
    """One row per metric scored in both runs, on the architectures both runs scored."""
    shared = first.index.intersection(second.index)
    if shared.empty:
        raise ValueError("the two runs have no architecture in common")
    names = [name for name in registry.names() if name in first.columns and name in second.columns]
    rows = []
    for name in names:
        a = first.loc[shared, name].to_numpy(dtype=float)
        b = second.loc[shared, name].to_numpy(dtype=float)
        row = paired_spearman_difference(
            a, b, truth.loc[shared].to_numpy(dtype=float), registry.get(name).higher_is_better, n_boot=n_boot
        )
        rows.append({"metric": name, **row, "scores_spearman": finite_pairs_spearman(a, b)[0]})
    return pd.DataFrame(rows).sort_values("difference", ascending=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--space", default="nb201")
    parser.add_argument("--dataset", default="cifar10")
    parser.add_argument("--target", default=None, help="ground-truth column (default: the space's)")
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()
    benchmark = open_benchmark(args.space)
    truth = column(benchmark.truth, args.dataset, args.target or benchmark.default_target)
    table = compare(read_scores(args.first), read_scores(args.second), truth, args.bootstrap)
    out = args.second / f"paired_vs_{args.first.name}.csv"
    table.to_csv(out, index=False)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
