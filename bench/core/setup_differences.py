"""How much does a change of scoring setup move each metric's Spearman? A paired comparison of two score tables
of the same architectures (e.g. one fixed batch vs a fresh batch per architecture)."""

from __future__ import annotations

import pandas as pd

from bench.core.stats import finite_pairs_spearman, paired_spearman_difference
from metrics import registry


def setup_differences(
    first: pd.DataFrame, second: pd.DataFrame, truth: pd.Series, n_boot: int
) -> pd.DataFrame:
    """One row per registered metric scored in both tables, on the architectures both scored, sorted by
    ``difference`` (largest first).

    ``first``, ``second``: scores indexed by ``arch_index``, one column per metric; ``truth``: accuracy per
    ``arch_index``. Columns: ``metric``, the fields of :func:`bench.core.stats.paired_spearman_difference` (ρ of
    each table against ``truth`` and ρ(second) − ρ(first) with its 95% paired-bootstrap interval of ``n_boot``
    resamples) and ``scores_spearman``: the Spearman between the two tables' scores of the same architectures
    (1 = the setup change leaves the ranking as it is; a test-retest figure when the tables differ only in
    batch and seed). ``ValueError`` if the tables share no architecture.
    """
    shared = first.index.intersection(second.index)
    if shared.empty:
        raise ValueError("the two score tables have no architecture in common")
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
