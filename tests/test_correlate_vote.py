"""The majority-vote ensemble output of bench.apps.correlate: pairwise accuracy, never a Spearman value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.core.correlation import vote_table


def test_vote_of_three_metrics_on_a_hand_made_example() -> None:
    truth = pd.Series([1.0, 2.0, 3.0, 4.0])
    scores = pd.DataFrame(
        {
            "synflow": [1.0, 2.0, 3.0, 4.0],  # right on every pair
            "jacob_cov": [1.0, 2.0, 3.0, 4.0],  # right on every pair
            "snip": [4.0, 3.0, 2.0, 1.0],  # wrong on every pair: outvoted 2 to 1
        }
    )
    row = vote_table(scores, truth, ["synflow", "jacob_cov", "snip"]).iloc[0]
    assert row["pairwise_accuracy"] == pytest.approx(1.0)
    assert row["kendall_equivalent"] == pytest.approx(1.0)
    assert "spearman" not in row.index
    scores["jacob_cov"] = scores["snip"]
    assert vote_table(scores, truth, ["synflow", "jacob_cov", "snip"]).iloc[0]["pairwise_accuracy"] == 0.0


def test_no_vote_without_its_three_metrics() -> None:
    scores = pd.DataFrame({"synflow": np.arange(3.0)})
    assert vote_table(scores, pd.Series(np.arange(3.0)), ["synflow"]) is None
