"""Correlations on the architectures every metric scored (``n_common`` / ``spearman_common``) and the
pairwise metric comparison on them (``metric_differences.csv``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.core import stats
from bench.core.correlation import correlation_table, difference_table
from bench.core.groundtruth import column
from bench.core.paths import REPO_ROOT

FULL_SPACE_RUN = REPO_ROOT / "results/correlate/nb201_cifar10_abdelfattah2021/scores.parquet"


def test_common_cells_leave_out_what_any_metric_left_out(nb201_truth) -> None:
    """jacob_cov is NaN on the 341 disconnected NB201 cells (chance accuracy), which snip scores 0: on the
    common cells snip's ρ is the one computed without those cells, jacob_cov's is unchanged."""
    scores = pd.read_parquet(FULL_SPACE_RUN, columns=["arch_index", "snip", "jacob_cov"]).set_index(
        "arch_index"
    )
    truth = column(nb201_truth, "cifar10", "test_acc_200ep").loc[scores.index]
    table = correlation_table(scores, truth, ["snip", "jacob_cov"], bootstrap=0).set_index("metric")

    scored = scores["jacob_cov"].notna().to_numpy()
    assert scored.sum() == 15625 - 341
    assert (truth[~scored] == 10.0).all()  # the disconnected cells train to chance
    assert (table["n_common"] == 15625 - 341).all()
    assert table.loc["snip", "n"] == 15625
    expected = stats.correlation_row(
        scores["snip"].to_numpy()[scored], truth.to_numpy()[scored], True, n_boot=0
    )
    assert table.loc["snip", "spearman_common"] == expected["spearman"]
    assert table.loc["snip", "spearman_common"] < table.loc["snip", "spearman"] - 0.01
    assert table.loc["jacob_cov", "spearman_common"] == table.loc["jacob_cov", "spearman"]
    assert np.isfinite(table["spearman_common"]).all()


def test_metric_differences_compare_on_the_common_cells(nb201_truth) -> None:
    """On the committed CIFAR-10 full-space table: every pair compares on the 15,284 connected cells (each
    metric's ρ there is its ``spearman_common``), where synflow and synflow_log10 (its logarithm, NaN on the
    disconnected cells) rank alike and cannot be told apart, while jacob_cov's lead over snip is far beyond
    chance even after the Holm correction."""
    names = ["snip", "jacob_cov", "synflow", "synflow_log10"]
    scores = pd.read_parquet(FULL_SPACE_RUN, columns=["arch_index", *names]).set_index("arch_index")
    truth = column(nb201_truth, "cifar10", "test_acc_200ep").loc[scores.index]
    table = difference_table(scores, truth, names, bootstrap=100)
    correlations = correlation_table(scores, truth, names, bootstrap=0)
    assert len(table) == 6 and (table["n"] == 15625 - 341).all()
    rho = dict(zip(table["metric_a"], table["spearman_a"], strict=False))
    rho |= dict(zip(table["metric_b"], table["spearman_b"], strict=False))
    assert rho == pytest.approx(
        dict(zip(correlations["metric"], correlations["spearman_common"], strict=True))
    )
    pairs = {
        frozenset((a, b)): row
        for a, b, row in zip(table["metric_a"], table["metric_b"], table.itertuples(), strict=True)
    }
    twins = pairs[frozenset(("synflow", "synflow_log10"))]
    assert twins.difference == 0.0 and not twins.distinguishable
    lead = pairs[frozenset(("jacob_cov", "snip"))]
    assert (
        lead.metric_a == "jacob_cov"
        and lead.difference > 0.05
        and lead.p_holm < 1e-6
        and lead.distinguishable
    )
