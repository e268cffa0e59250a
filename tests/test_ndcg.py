"""nDCG@k as VKDNW evaluates proxies (gains 2^accuracy − 1, discount 1/log2(position + 1)), on hand-checkable
fixtures, and its column in the correlation table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bench.core.correlation import correlation_table
from bench.core.stats import NDCG_K, ndcg_at_k

ACCURACY = np.array([1.0, 2.0, 3.0])  # percent: gains 1, 3, 7


def test_ndcg_by_hand() -> None:
    """The metric ranks the 2 % architecture first, then 3 %, then 1 %."""
    scores = np.array([0.1, 0.9, 0.5])
    dcg = 3 / 1 + 7 / math.log2(3) + 1 / 2
    ideal = 7 / 1 + 3 / math.log2(3) + 1 / 2
    assert ndcg_at_k(scores, ACCURACY, True) == pytest.approx(dcg / ideal, rel=1e-12)
    assert ndcg_at_k(-scores, ACCURACY, False) == pytest.approx(dcg / ideal, rel=1e-12)
    assert ndcg_at_k(scores, ACCURACY, True, k=1) == pytest.approx(3 / 7, rel=1e-12)
    assert ndcg_at_k(np.array([1.0, 2.0, 3.0]), ACCURACY, True) == pytest.approx(1.0)


def test_ndcg_ties_share_the_mean_gain_and_nan_scores_are_left_out() -> None:
    """Scores tie the 1 % and 2 % architectures on top: each of positions 1 and 2 gets the mean gain 2."""
    scores = np.array([5.0, 5.0, 1.0, np.nan])
    accuracy = np.append(ACCURACY, 50.0)
    dcg = 2 * (1 + 1 / math.log2(3)) + 7 / 2
    ideal = 7 + 3 / math.log2(3) + 1 / 2
    assert ndcg_at_k(scores, accuracy, True) == pytest.approx(dcg / ideal, rel=1e-12)
    at_two = (
        2 * (1 + 1 / math.log2(3)) / (7 + 3 / math.log2(3))
    )  # k = 2: only the tied pair's positions count
    assert ndcg_at_k(scores, accuracy, True, k=2) == pytest.approx(at_two, rel=1e-12)
    at_one = 2 / 7  # k = 1 cuts inside the tie: position 1 gets the pair's mean gain
    assert ndcg_at_k(scores, accuracy, True, k=1) == pytest.approx(at_one, rel=1e-12)
    assert math.isnan(ndcg_at_k(np.array([1.0, np.nan]), np.array([1.0, 2.0]), True))
    with pytest.raises(ValueError, match="k must be >= 1"):
        ndcg_at_k(scores, accuracy, True, k=0)


def test_correlation_table_reports_ndcg() -> None:
    scores = pd.DataFrame({"params": [0.1, 0.9, 0.5], "flops": [1.0, 2.0, 3.0]})
    table = correlation_table(scores, pd.Series(ACCURACY), ["params", "flops"], bootstrap=0).set_index(
        "metric"
    )
    dcg = 3 / 1 + 7 / math.log2(3) + 1 / 2
    ideal = 7 / 1 + 3 / math.log2(3) + 1 / 2
    assert table.loc["params", "ndcg"] == pytest.approx(dcg / ideal, rel=1e-12)
    assert table.loc["flops", "ndcg"] == pytest.approx(1.0)
    assert (table["ndcg_k"] == NDCG_K).all()
