"""Which cells carry a full-space correlation: Spearman on subsets of the cells of a finished run.

The command line of :func:`bench.apps.analyses.cell_subset_table` (subsets and their rationale:
:mod:`bench.core.cell_subsets`). Reads a finished correlation run (its ``scores.parquet`` holds each cell's
``canonical_index``) and the ground truth; writes ``cell_subsets.csv`` beside it: one row per metric and subset
with ``n_cells``, ``n_classes``, ``mean_accuracy`` (%), ``n`` (cells with a score) and ``spearman``, and
prints the ρ table.

Usage: ``.venv/bin/python scripts/cell_subsets.py results/correlate/nb201_cifar10_abdelfattah2021
[--dataset cifar10] [--target test_acc_200ep]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.apps.analyses import cell_subset_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a bench correlate output folder holding scores.parquet")
    parser.add_argument("--space", default="nb201")
    parser.add_argument(
        "--dataset", default=None, help="default: read from the folder name nb201_<dataset>_..."
    )
    parser.add_argument("--target", default="test_acc_200ep")
    args = parser.parse_args()
    dataset = args.dataset or args.run.name.split("_")[1]
    table = cell_subset_table(args.run, args.space, dataset, args.target)
    wide = table.pivot(index="metric", columns="cells", values="spearman")
    print(
        table.drop_duplicates("cells")[["cells", "n_cells", "n_classes", "mean_accuracy"]].to_string(
            index=False
        )
    )
    print(wide[list(dict.fromkeys(table["cells"]))].round(3).to_string())


if __name__ == "__main__":
    main()
