"""PriorGP's parts on hand values, and one short configuration on the committed NB201 CIFAR-10 score table."""

from __future__ import annotations

import numpy as np
import pytest

from bench.core.paths import REPO_ROOT
from bench.core.scoring import ScoreEngine, ScoringSetup
from search.oracle import Budget
from search.prior_gp import MIN_FIT, hamming_kernel, metric_weights, posterior, prior_mean
from search.results import run_search
from search.scores import TableScores


def test_hamming_kernel_counts_differing_positions() -> None:
    # two positions with three choices each: a = (0, 0), b = (0, 1), c = (2, 1)
    a, b, c = ([1, 0, 0, 1, 0, 0], [1, 0, 0, 0, 1, 0], [0, 0, 1, 0, 1, 0])
    k = hamming_kernel(np.array([a, b, c], dtype=float), np.array([a], dtype=float), length_scale=2.0)
    assert k[:, 0] == pytest.approx(np.exp(-np.array([0.0, 1.0, 2.0]) / 2.0))


def test_metric_weights_follow_kendall_tau_on_the_queries() -> None:
    accs = [70.0, 80.0, 90.0, 85.0]
    ranks = np.array([[0.1, 0.9, 0.5], [0.2, 0.8, 0.5], [0.4, 0.3, 0.5], [0.3, 0.4, 0.5]])
    # metric 0 orders the queries exactly (τ = 1), metric 1 inversely (τ = −1), metric 2 is constant (τ NaN)
    assert metric_weights(ranks, accs) == pytest.approx([1.0, 0.0, 0.0])
    assert metric_weights(ranks[: MIN_FIT - 1], accs[: MIN_FIT - 1]) == pytest.approx([1 / 3] * 3)
    assert metric_weights(ranks[:, 1:], accs) == pytest.approx([0.5, 0.5])  # no positive τ: equal weights


def test_prior_mean_is_a_nonnegative_least_squares_line() -> None:
    ensemble = np.array([0.0, 0.5, 1.0, 0.25])
    line = prior_mean(ensemble, np.array([0, 1, 2]), np.array([80.0, 85.0, 90.0]))
    assert line == pytest.approx([80.0, 85.0, 90.0, 82.5])
    flat = prior_mean(ensemble, np.array([0, 1, 2]), np.array([90.0, 85.0, 80.0]))  # slope clipped to 0
    assert flat == pytest.approx([85.0] * 4)


def test_posterior_interpolates_the_queried_residuals() -> None:
    x = np.eye(3)  # three one-position archs, pairwise one position apart
    residuals = np.array([1.0, -1.0, 0.0])
    mean, std = posterior(x, residuals, x, length_scale=1.0, noise=1e-8)
    assert mean == pytest.approx(residuals, abs=1e-6)
    assert std == pytest.approx(0.0, abs=1e-3)


@pytest.fixture(scope="module")
def cifar10_scores(nb201_space) -> TableScores:
    """The committed CIFAR-10 full-space table (batch 64, fixed batch) for two cheap metrics."""
    engine = ScoreEngine(
        nb201_space,
        ScoringSetup("nb201", "cifar10"),
        REPO_ROOT / "results" / "scores",
        REPO_ROOT,
        progress=False,
    )
    table = engine.table(range(len(nb201_space)), ["synflow", "params"])
    return TableScores(table, {"synflow": True, "params": True})


def test_short_real_configuration(nb201_space, nb201_truth, cifar10_scores) -> None:
    params = {"metrics": ["synflow", "params"], "n_start": 200, "max_scored": 400}
    row, trajectory = run_search(
        "prior_gp",
        nb201_space,
        nb201_truth,
        dataset="cifar10",
        scores=cifar10_scores,
        seed=0,
        budget=Budget(8, None),
        params=params,
    )
    assert row["queries"] == len(trajectory) == 8
    assert 200 < row["n_scored"] <= 400  # the pool grew around the queried archs, within its cap
    classes = nb201_space.canonical_indices()[[t["arch_index"] for t in trajectory]]
    assert len(set(classes.tolist())) == 8  # never a functional duplicate
    again, _ = run_search(
        "prior_gp",
        nb201_space,
        nb201_truth,
        dataset="cifar10",
        scores=cifar10_scores,
        seed=0,
        budget=Budget(8, None),
        params=params,
    )
    assert again == row
    # the best of 8 queries guided by synflow and params beats the median NB201 cell (CIFAR-10 test 90.75 %)
    assert row["test_acc_cifar10"] > 90.75
