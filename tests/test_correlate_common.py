"""Correlations on the architectures every metric scored (``n_common`` / ``spearman_common``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from bench import stats
from bench.correlate import correlation_table
from bench.groundtruth.base import column
from bench.paths import REPO_ROOT

FULL_SPACE_RUN = REPO_ROOT / "results/correlate/nb201_cifar10_abdelfattah2021/scores.parquet"


def test_common_cells_leave_out_what_any_metric_left_out(nb201_truth) -> None:
    """jacob_cov is NaN on the 341 disconnected NB201 cells (chance accuracy), which snip scores 0: on the
    common cells snip's ρ is the one computed without those cells, jacob_cov's is unchanged."""
    scores = pd.read_parquet(FULL_SPACE_RUN, columns=["arch_index", "snip", "jacob_cov"]).set_index(
        "arch_index"
    )
    truth = column(nb201_truth, "cifar10", "test_acc_200ep").loc[scores.index]
    cfg = OmegaConf.create({"bootstrap": 0, "top_fraction": 0.1})
    table = correlation_table(scores, truth, ["snip", "jacob_cov"], cfg).set_index("metric")

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
