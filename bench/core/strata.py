"""Correlation within strata of a structural count (GRAF, Kadlecová et al., ICML 2024: many proxies' Spearman
collapses or flips sign among architectures with the same number of conv ops).

:func:`spearman_within_strata` splits the architectures by a stratum value (the ``n_convs`` metric: Conv2d
modules of the network; on NB201 ``7 + 15 × conv ops per cell``) and correlates each metric with the ground truth
inside every stratum, in the metric's declared direction, without bootstrap.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from bench.core import stats

STRATUM_METRIC = "n_convs"
MIN_STRATUM = 10
"""Strata with fewer architectures than this get no correlation (reported as NaN with their size)."""


def spearman_within_strata(
    scores: pd.DataFrame, truth: pd.Series, higher_is_better: Mapping[str, bool], strata: pd.Series
) -> pd.DataFrame:
    """One row per metric × stratum: ``metric``, ``stratum`` (the value of ``strata``), ``n`` (architectures of
    the stratum with a finite score), ``spearman`` (NaN when ``n < MIN_STRATUM``, the scores or the truth being
    constant inside it), plus one ``stratum = "all"`` row per metric over every architecture.

    ``higher_is_better`` maps each column of ``scores`` to correlate (a metric or an aggregate), in order, to its
    declared direction. ``scores``, ``truth`` and ``strata`` are indexed by architecture; only the architectures
    in all three count.
    """
    common = scores.index.intersection(truth.index).intersection(strata.dropna().index)
    if common.empty:
        raise ValueError("no architecture has a score, a ground-truth value and a stratum")
    rows = []
    groups = [
        ("all", common),
        *((value, idx) for value, idx in strata.loc[common].groupby(strata).groups.items()),
    ]
    for name, higher in higher_is_better.items():
        for value, members in groups:
            values = scores.loc[members, name].to_numpy(dtype=float)
            row = stats.correlation_row(values, truth.loc[members].to_numpy(dtype=float), higher, n_boot=0)
            small = row["n"] < MIN_STRATUM
            rows.append(
                {
                    "metric": name,
                    "stratum": value if value == "all" else int(value),
                    "n": int(row["n"]),
                    "spearman": float("nan") if small else row["spearman"],
                }
            )
    return pd.DataFrame(rows)


def wide(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`spearman_within_strata`'s rows as a metric × stratum grid of Spearman values (``all`` first)."""
    grid = table.pivot(index="metric", columns="stratum", values="spearman")
    order = ["all", *sorted(c for c in grid.columns if c != "all")]
    return grid[order].sort_values("all", ascending=False)
