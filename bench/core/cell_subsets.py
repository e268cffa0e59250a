"""Which cells carry a full-space correlation: Spearman ρ per metric on subsets of the scored cells.

Two things make correlations over all 15,625 NB201 cells hard to compare between metrics. (1) The 341 cells
whose output does not depend on the input (chance accuracy) are NaN for some metrics, left out of their ρ, and
scored 0 — correctly last — by others, whose ρ they raise: ``all_scored`` compares every metric on the same
cells. (2) A functional class counts as many times as it has cells (1 to 460: a cell whose output depends on
one edge shares its function, and every class-invariant score, with hundreds of cells whose other operations
are dead): ``class_size<=k`` keeps the cells of classes of at most ``k`` cells; if ρ moves with ``k``, the large
classes — simple cells with few live operations — carry part of the correlation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bench.core import stats
from bench.core.correlation import scored_by_all
from metrics import registry

SIZE_LIMITS = (1, 2, 4, 8, 16, 64)
"""The class sizes ``k`` of the ``class_size<=k`` subsets."""


def cell_subsets(scores: pd.DataFrame, metric_names: list[str]) -> dict[str, pd.Index]:
    """The cells each row of the table uses, by label: ``all``; ``all_scored``, the cells where every metric
    has a finite score (NB201: all but the 341 cells whose output does not depend on the input, which
    jacob_cov, epe_nas, ntk_condnum, synflow_log10 and te_nas_ntk leave NaN while the gradient metrics score
    them 0, at the bottom, where their chance accuracy puts them; ``spearman_common`` in ``correlations.csv``); ``class_size<=k``, the cells of classes
    of at most ``k`` cells, for ``k`` in :data:`SIZE_LIMITS` (class sizes counted within ``scores``)."""
    class_size = scores["canonical_index"].map(scores["canonical_index"].value_counts())
    subsets = {"all": scores.index, "all_scored": scores.index[scored_by_all(scores, metric_names)]}
    for limit in SIZE_LIMITS:
        subsets[f"class_size<={limit}"] = scores.index[class_size <= limit]
    return subsets


def subset_rows(scores: pd.DataFrame, truth: pd.Series, metric_names: list[str]) -> pd.DataFrame:
    """Spearman ρ per metric (signed in its declared direction, NaN scores left out as in
    ``correlations.csv``) on each of :func:`cell_subsets`: one row per metric and subset with ``n_cells``,
    ``n_classes``, ``mean_accuracy`` (% over the subset's cells), ``n`` (cells with a score) and ``spearman``.

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
