"""Which cells carry a full-space correlation: Spearman on subsets of the cells of a finished run.

Two things make correlations over all 15,625 NB201 cells hard to compare between metrics. (1) The 341 cells
whose output does not depend on the input (chance accuracy) are NaN for some metrics, left out of their ρ, and
scored 0 — correctly last — by others, whose ρ they raise: ``all_scored`` compares every metric on the same
cells. (2) A functional class counts as many times as it has cells (1 to 460: a cell whose output depends on
one edge shares its function, and every class-invariant score, with hundreds of cells whose other operations
are dead): ``class_size<=k`` keeps the cells of classes of at most ``k`` cells; if ρ moves with ``k``, the large
classes — simple cells with few live operations — carry part of the correlation.

Reads a finished correlation run (its ``scores.parquet`` holds each cell's ``canonical_index``) and the ground
truth; writes ``cell_subsets.csv`` beside it: one row per metric and subset with ``n_cells``, ``n_classes``,
``mean_accuracy`` (%), ``n`` (cells with a score) and ``spearman``, and prints the ρ table.

Usage: ``.venv/bin/python scripts/cell_subsets.py results/correlate/nb201_cifar10_abdelfattah2021
[--dataset cifar10] [--target test_acc_200ep]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from bench.core import stats
from bench.core.benchmarks import open_benchmark
from bench.core.correlation import scored_by_all
from bench.core.groundtruth import column
from metrics import registry

SIZE_LIMITS = (1, 2, 4, 8, 16, 64)


def cell_subsets(scores: pd.DataFrame, metric_names: list[str]) -> dict[str, pd.Index]:
    """The cells each row of the table uses, by label: ``all``; ``all_scored``, the cells where every metric
    has a finite score (NB201: all but the 341 cells whose output does not depend on the input, which
    jacob_cov, epe_nas, ntk_condnum, synflow_log and te_nas_ntk leave NaN while the gradient metrics score
    them 0, at the bottom, where their chance accuracy puts them; ``spearman_common`` in ``correlations.csv``); ``class_size<=k``, the cells of classes
    of at most ``k`` cells, for ``k`` in :data:`SIZE_LIMITS` (class sizes counted within ``scores``)."""
    class_size = scores["canonical_index"].map(scores["canonical_index"].value_counts())
    subsets = {"all": scores.index, "all_scored": scores.index[scored_by_all(scores, metric_names)]}
    for limit in SIZE_LIMITS:
        subsets[f"class_size<={limit}"] = scores.index[class_size <= limit]
    return subsets


def subset_rows(scores: pd.DataFrame, truth: pd.Series, metric_names: list[str]) -> pd.DataFrame:
    """Spearman ρ per metric (signed in its declared direction, NaN scores left out as in
    ``correlations.csv``) on each of :func:`cell_subsets`.

    ``scores``: one row per cell, indexed by ``arch_index``, with ``canonical_index`` and one column per
    metric; ``truth``: accuracy (%) per ``arch_index``.
    """
    rows = []
    for label, cells in cell_subsets(scores, metric_names).items():
        accuracy = truth.loc[cells].to_numpy(dtype=float)
        for name in metric_names:
            row = stats.correlation_row(
                scores.loc[cells, name].to_numpy(dtype=float),
                accuracy,
                registry.get(name).higher_is_better,
                n_boot=0,
            )
            rows.append(
                {
                    "metric": name,
                    "cells": label,
                    "n_cells": len(cells),
                    "n_classes": int(scores.loc[cells, "canonical_index"].nunique()),
                    "mean_accuracy": float(np.mean(accuracy)),
                    "n": row["n"],
                    "spearman": row["spearman"],
                }
            )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a bench.apps.correlate output folder holding scores.parquet")
    parser.add_argument("--space", default="nb201")
    parser.add_argument(
        "--dataset", default=None, help="default: read from the folder name nb201_<dataset>_..."
    )
    parser.add_argument("--target", default="test_acc_200ep")
    args = parser.parse_args()
    scores_path = args.run / "scores.parquet"
    if not scores_path.is_file():
        raise SystemExit(f"{scores_path}: not found; run bench.apps.correlate with that out_dir first")
    scores = pd.read_parquet(scores_path).set_index("arch_index")
    dataset = args.dataset or args.run.name.split("_")[1]
    truth = column(open_benchmark(args.space).truth, dataset, args.target)
    metric_names = [name for name in registry.names() if name in scores.columns]
    table = subset_rows(scores, truth, metric_names)
    table.to_csv(args.run / "cell_subsets.csv", index=False)
    wide = table.pivot(index="metric", columns="cells", values="spearman")
    print(
        table.drop_duplicates("cells")[["cells", "n_cells", "n_classes", "mean_accuracy"]].to_string(
            index=False
        )
    )
    print(wide[list(dict.fromkeys(table["cells"]))].round(3).to_string())


if __name__ == "__main__":
    main()
