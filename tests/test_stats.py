"""Tests for bench.core.stats: rank statistics checked against scipy and hand-made examples."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bench.core import stats as bstats
from bench.core.paths import DataFileError, data_root


def _correlated(n: int, seed: int = 0, noise: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.normal(size=n)
    return truth + noise * rng.normal(size=n), truth


def _tied(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Integer-valued scores and truth, so both sides have many ties."""
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 8, size=n).astype(float)
    return scores, scores + rng.integers(0, 5, size=n)


def test_keys_and_point_estimates_match_scipy() -> None:
    scores, truth = _tied(300)
    row = bstats.correlation_row(scores, truth, higher_is_better=True, n_boot=50)
    assert tuple(row) == bstats.CORRELATION_KEYS
    assert row["n"] == 300
    assert row["nan_rate"] == 0.0
    assert row["spearman"] == pytest.approx(stats.spearmanr(scores, truth).statistic, abs=1e-12)
    assert row["kendall"] == pytest.approx(stats.kendalltau(scores, truth).statistic, abs=1e-12)


def test_lower_is_better_flips_sign_and_interval() -> None:
    scores, truth = _correlated(400, noise=2.0)
    up = bstats.correlation_row(scores, truth, higher_is_better=True, n_boot=200, seed=3)
    down = bstats.correlation_row(-scores, truth, higher_is_better=False, n_boot=200, seed=3)
    flipped = bstats.correlation_row(scores, truth, higher_is_better=False, n_boot=200, seed=3)
    for key in bstats.CORRELATION_KEYS:
        assert down[key] == pytest.approx(up[key], abs=1e-12), key
    assert up["spearman"] > 0
    assert flipped["spearman"] == pytest.approx(-up["spearman"], abs=1e-12)
    assert flipped["kendall"] == pytest.approx(-up["kendall"], abs=1e-12)
    assert flipped["spearman_ci_low"] == pytest.approx(-up["spearman_ci_high"], abs=1e-9)
    assert flipped["kendall_ci_high"] == pytest.approx(-up["kendall_ci_low"], abs=1e-9)


def test_nan_scores_excluded_and_counted() -> None:
    scores, truth = _correlated(200)
    with_nan = scores.copy()
    with_nan[::4] = np.nan
    keep = ~np.isnan(with_nan)
    row = bstats.correlation_row(with_nan, truth, higher_is_better=True, n_boot=100, seed=1)
    clean = bstats.correlation_row(scores[keep], truth[keep], higher_is_better=True, n_boot=100, seed=1)
    assert row["n"] == 150
    assert row["nan_rate"] == pytest.approx(0.25)
    for key in bstats.CORRELATION_KEYS:
        if key not in ("n", "nan_rate"):
            assert row[key] == pytest.approx(clean[key], abs=1e-12), key


def test_infinite_scores_are_kept_as_extremes() -> None:
    truth = np.arange(10.0)
    scores = truth.copy()
    scores[0] = -np.inf
    row = bstats.correlation_row(scores, truth, higher_is_better=True, n_boot=20)
    assert row["n"] == 10
    assert row["spearman"] == pytest.approx(1.0)


def test_interval_contains_estimate_and_narrows_with_n() -> None:
    small = bstats.correlation_row(*_correlated(100, seed=5), higher_is_better=True, n_boot=400)
    large = bstats.correlation_row(*_correlated(3000, seed=5), higher_is_better=True, n_boot=400)
    for row in (small, large):
        for name in ("spearman", "kendall"):
            assert row[f"{name}_ci_low"] <= row[name] <= row[f"{name}_ci_high"]
    for name in ("spearman", "kendall"):
        small_width = small[f"{name}_ci_high"] - small[f"{name}_ci_low"]
        large_width = large[f"{name}_ci_high"] - large[f"{name}_ci_low"]
        assert large_width < small_width / 3  # width ~ 1/sqrt(n): sqrt(30) ~ 5.5


def test_bootstrap_is_seeded() -> None:
    scores, truth = _correlated(150, noise=2.0)
    first = bstats.correlation_row(scores, truth, True, n_boot=100, seed=7)
    again = bstats.correlation_row(scores, truth, True, n_boot=100, seed=7)
    other = bstats.correlation_row(scores, truth, True, n_boot=100, seed=8)
    assert first == again
    assert first["spearman_ci_low"] != other["spearman_ci_low"]


@pytest.mark.parametrize("n", [4, 50, 400])
def test_vectorised_bootstrap_matches_scipy_per_resample(n: int) -> None:
    """The count-weighted rank trick must equal spearmanr on each explicit resample (ties included)."""
    scores, truth = _tied(n, seed=n)
    n_boot = bstats._BOOT_CHUNK + 11  # spans two chunks
    boot_spearman, boot_kendall = bstats._bootstrap(scores, truth, n_boot, seed=2)
    rng = np.random.default_rng(2)
    expected_s, expected_k = [], []
    for start in range(0, n_boot, bstats._BOOT_CHUNK):
        size = min(bstats._BOOT_CHUNK, n_boot - start)
        for idx in rng.integers(0, n, size=(size, n)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # constant resamples: scipy warns and returns NaN
                expected_s.append(stats.spearmanr(scores[idx], truth[idx]).statistic)
                expected_k.append(stats.kendalltau(scores[idx], truth[idx]).statistic)
    np.testing.assert_allclose(boot_spearman, expected_s, atol=1e-10)
    np.testing.assert_array_equal(boot_kendall, expected_k)  # exact pair counts, scipy's expression


def test_discordant_pairs_same_in_32_and_64_bit_counts() -> None:
    """Large populations count in int64 (products of counts could pass 2**31); both widths give the same pairs,
    and they equal a direct count of the explicit resample's discordant pairs."""
    scores, truth = _tied(300, seed=7)
    x, y = bstats._TieGroups(scores), bstats._TieGroups(truth)
    draws = next(bstats._resamples(scores.size, 5, seed=1))[2]
    assert draws.dtype == np.int32 and draws.shape == (300, 5)
    pairs = bstats._KendallPairs(x, y)
    narrow = pairs.discordant(draws)
    wide = pairs.discordant(draws.astype(np.int64))
    np.testing.assert_array_equal(narrow, wide)
    items = np.repeat(np.arange(scores.size), draws[:, 0])
    a, b = scores[items], truth[items]
    direct = ((a[:, None] < a[None, :]) & (b[:, None] > b[None, :])).sum()
    assert narrow[0] == direct


def test_top10_precision_hand_made() -> None:
    truth = np.arange(20.0)  # true top 10% (k = 2): architectures 19 and 18
    scores = np.zeros(20)
    scores[19], scores[5], scores[18] = 3.0, 2.0, 1.0  # metric's top 2: 19 and 5 -> one hit of two
    row = bstats.correlation_row(scores, truth, higher_is_better=True, n_boot=0)
    assert row["top10_precision"] == 0.5
    assert bstats.top_fraction_precision(truth, truth) == 1.0
    assert bstats.top_fraction_precision(-truth, truth) == 0.0
    # k = ceil(0.25 * 20) = 5 of the reversed order: architectures 0..4, none in the true top 5.
    assert bstats.top_fraction_precision(-truth, truth, top_fraction=0.25) == 0.0


def test_top10_precision_ties_break_by_position() -> None:
    truth = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    # All scores tie: the metric's top 1 is index 0 (lowest index), not in the true top (index 9).
    tied = np.ones(10)
    tied[3] = 0.0
    assert bstats.top_fraction_precision(tied, truth) == 0.0
    # Reordering so that the true best comes first makes the same tie resolve to a hit.
    order = np.arange(10)[::-1]
    assert bstats.top_fraction_precision(tied[order], truth[order]) == 1.0


@pytest.mark.parametrize(
    ("scores", "truth"),
    [
        (np.array([]), np.array([])),
        (np.array([1.0]), np.array([2.0])),
        (np.array([1.0, 2.0]), np.array([2.0, 3.0])),
        (np.array([1.0, 2.0, np.nan, np.nan]), np.array([1.0, 2.0, 3.0, 4.0])),
        (np.full(10, 3.0), np.arange(10.0)),
        (np.arange(10.0), np.full(10, 50.0)),
        (np.array([np.nan, 1.0, 1.0, 1.0, 1.0]), np.arange(5.0)),
    ],
)
def test_degenerate_inputs_give_nan_without_warnings(scores: np.ndarray, truth: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        row = bstats.correlation_row(scores, truth, higher_is_better=True, n_boot=50)
    assert row["n"] == int((~np.isnan(scores)).sum())
    for key in bstats.CORRELATION_KEYS:
        if key not in ("n", "nan_rate"):
            assert math.isnan(row[key]), key
    expected_rate = np.isnan(scores).mean() if scores.size else math.nan
    assert row["nan_rate"] == pytest.approx(expected_rate, nan_ok=True)


def test_small_sample_bootstrap_survives_constant_resamples() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        row = bstats.correlation_row(np.array([1.0, 2.0, 3.0]), np.array([1.0, 3.0, 2.0]), True, n_boot=300)
    assert row["spearman"] == pytest.approx(0.5)
    assert row["spearman_ci_low"] <= row["spearman_ci_high"]


def test_invalid_inputs_raise() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        bstats.correlation_row(np.arange(3.0), np.arange(4.0), True)
    with pytest.raises(ValueError, match="truth contains NaN"):
        bstats.correlation_row(np.arange(3.0), np.array([1.0, np.nan, 2.0]), True)
    with pytest.raises(ValueError, match="top_fraction"):
        bstats.correlation_row(np.arange(5.0), np.arange(5.0), True, top_fraction=0.0)


@pytest.mark.slow
def test_bootstrap_at_full_nb201_size() -> None:
    """1000 resamples of n = 15,625 (the full space): the interval brackets the estimate and is narrow.

    (How long it takes is a benchmark figure, not a test assertion.)"""
    scores, truth = _correlated(15625, seed=11)
    row = bstats.correlation_row(scores, truth, higher_is_better=True, n_boot=1000)
    assert row["spearman_ci_low"] < row["spearman"] < row["spearman_ci_high"]
    assert row["spearman_ci_high"] - row["spearman_ci_low"] < 0.03


# --- majority vote -------------------------------------------------------------------------------

TRUTH4 = np.array([1.0, 2.0, 3.0, 4.0])


def test_majority_vote_hand_made() -> None:
    """Six pairs; the majority is wrong only on (0, 1), where two of three metrics are wrong."""
    perfect = TRUTH4
    wrong_01_23 = np.array([2.0, 1.0, 4.0, 3.0])
    wrong_01_lower_better = -np.array([2.0, 1.0, 3.0, 4.0])  # declared lower-is-better
    matrix = np.column_stack([perfect, wrong_01_23, wrong_01_lower_better])
    result = bstats.majority_vote_kendall(matrix, [True, True, False], TRUTH4)
    assert result["pairwise_accuracy"] == pytest.approx(5 / 6)
    assert result["kendall_equivalent"] == pytest.approx(2 / 3)
    assert result["n_pairs"] == 6
    assert result["exhaustive"] is True
    assert result["n_metrics"] == 3
    assert result["vote_tie_rate"] == 0.0


def test_majority_vote_truth_ties_skipped_and_vote_ties_half() -> None:
    tied_truth = np.array([1.0, 1.0, 2.0, 3.0])
    single = bstats.majority_vote_kendall(TRUTH4[:, None], [True], tied_truth)
    assert single["n_pairs"] == 5
    assert single["truth_ties_skipped"] == 1
    assert single["pairwise_accuracy"] == 1.0

    swapped = np.array([2.0, 1.0, 3.0, 4.0])  # disagrees with the perfect metric on (0, 1) only
    split = bstats.majority_vote_kendall(np.column_stack([TRUTH4, swapped]), [True, True], TRUTH4)
    assert split["pairwise_accuracy"] == pytest.approx(5.5 / 6)
    assert split["vote_tie_rate"] == pytest.approx(1 / 6)


def test_majority_vote_nan_abstains() -> None:
    partial = np.array([np.nan, 1.0, 2.0, 3.0])
    reversed_scores = -TRUTH4
    matrix = np.column_stack([partial, TRUTH4, reversed_scores])
    result = bstats.majority_vote_kendall(matrix, [True, True, True], TRUTH4)
    # Pairs with architecture 0 (3 of 6): 1 vs 1 -> tie (half). Others: 2 vs 1 -> right.
    assert result["pairwise_accuracy"] == pytest.approx((3 * 0.5 + 3) / 6)


def test_single_metric_matches_kendall_without_ties() -> None:
    scores, truth = _correlated(300, seed=4)
    result = bstats.majority_vote_kendall(scores[:, None], [True], truth)
    assert result["kendall_equivalent"] == pytest.approx(stats.kendalltau(scores, truth).statistic, abs=1e-12)


def test_majority_vote_samples_pairs_for_large_n() -> None:
    scores, truth = _correlated(3000, seed=9)
    sampled = bstats.majority_vote_kendall(scores[:, None], [True], truth, n_pairs=40_000, seed=1)
    assert sampled["exhaustive"] is False
    assert sampled["n_pairs"] == 40_000
    # Sampling error of a proportion over 40k pairs is ~0.0025 on tau.
    assert sampled["kendall_equivalent"] == pytest.approx(
        stats.kendalltau(scores, truth).statistic, abs=0.015
    )
    assert sampled == bstats.majority_vote_kendall(scores[:, None], [True], truth, n_pairs=40_000, seed=1)


def test_majority_vote_validation_and_degenerate() -> None:
    with pytest.raises(ValueError, match="directions"):
        bstats.majority_vote_kendall(np.zeros((4, 2)), [True], TRUTH4)
    with pytest.raises(ValueError, match="2-D"):
        bstats.majority_vote_kendall(np.zeros(4), [True], TRUTH4)
    result = bstats.majority_vote_kendall(np.zeros((3, 1)), [True], np.full(3, 5.0))
    assert result["n_pairs"] == 0
    assert math.isnan(result["pairwise_accuracy"])


# --- metric x metric -----------------------------------------------------------------------------


def test_rank_correlation_matrix_pairwise_nan_omission() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    frame["c"] = -(frame["a"] ** 3)
    frame.loc[:9, "b"] = np.nan
    frame["constant"] = 1.0
    matrix = bstats.rank_correlation_matrix(frame)
    assert list(matrix.columns) == list(matrix.index) == ["a", "b", "c", "constant"]
    assert matrix.loc["a", "c"] == pytest.approx(-1.0)
    keep = frame["b"].notna()
    expected = stats.spearmanr(frame.loc[keep, "a"], frame.loc[keep, "b"]).statistic
    assert matrix.loc["a", "b"] == pytest.approx(expected)
    assert matrix.loc["b", "a"] == pytest.approx(expected)
    assert math.isnan(matrix.loc["a", "constant"])


@pytest.mark.slow
def test_real_nb201_scores_match_scipy() -> None:
    try:
        path = data_root() / "nb201" / "nb201_naslib_zc_subset.csv.gz"
    except DataFileError:
        pytest.skip("no data root")
    if not path.is_file():
        pytest.skip(f"{path} not present")
    frame = pd.read_csv(path)
    frame = frame[frame["dataset"] == "cifar10"]
    row = bstats.correlation_row(
        frame["synflow"].to_numpy(), frame["naslib_val_acc"].to_numpy(), higher_is_better=True, n_boot=200
    )
    assert row["spearman"] == pytest.approx(
        stats.spearmanr(frame["synflow"], frame["naslib_val_acc"]).statistic, abs=1e-12
    )
    assert row["spearman"] > 0.5
    assert row["spearman_ci_low"] < row["spearman"] < row["spearman_ci_high"]


def _suite_zero_cifar10() -> pd.DataFrame:
    frame = pd.read_csv(data_root() / "nb201" / "nb201_naslib_zc_subset.csv.gz")
    return frame[frame["dataset"] == "cifar10"].reset_index(drop=True)


def test_paired_difference_of_real_scores_matches_scipy_per_resample() -> None:
    """NB-Suite-Zero's snip vs synflow on its 724 CIFAR-10 archs: point values and every resample's gap."""
    frame = _suite_zero_cifar10()
    first, second, truth = (frame[c].to_numpy(dtype=float) for c in ("snip", "synflow", "naslib_val_acc"))
    row = bstats.paired_spearman_difference(first, second, truth, higher_is_better=True, n_boot=150, seed=4)
    assert row["n"] == len(frame)
    assert row["spearman_first"] == pytest.approx(stats.spearmanr(first, truth).statistic, abs=1e-12)
    assert row["spearman_second"] == pytest.approx(stats.spearmanr(second, truth).statistic, abs=1e-12)
    assert row["difference"] == pytest.approx(row["spearman_second"] - row["spearman_first"], abs=1e-15)
    rho = np.array(
        [
            [stats.spearmanr(side[i], truth[i]).statistic for side in (first, second)]
            for _, chunk, _ in bstats._resamples(len(frame), 150, seed=4)
            for i in chunk
        ]
    )
    for name, samples in (
        ("spearman_first", rho[:, 0]),
        ("spearman_second", rho[:, 1]),
        ("difference", rho[:, 1] - rho[:, 0]),
    ):
        low, high = np.percentile(samples, [2.5, 97.5])
        assert row[f"{name}_ci_low"] == pytest.approx(low, abs=1e-10)
        assert row[f"{name}_ci_high"] == pytest.approx(high, abs=1e-10)
    # each side's interval is the one correlation_row draws for that side alone (same seed, same resamples)
    alone = bstats.correlation_row(second, truth, higher_is_better=True, n_boot=150, seed=4)
    assert (row["spearman_second_ci_low"], row["spearman_second_ci_high"]) == pytest.approx(
        (alone["spearman_ci_low"], alone["spearman_ci_high"]), abs=1e-12
    )
    # synflow ranks these archs better than snip (0.74 vs 0.61 in the peer survey), clearly so when paired
    assert 0 < row["difference_ci_low"] < row["difference"] < row["difference_ci_high"]


def test_paired_difference_is_antisymmetric_and_drops_nan_pairs() -> None:
    frame = _suite_zero_cifar10()
    first, second, truth = (
        frame[c].to_numpy(dtype=float, copy=True) for c in ("grad_norm", "jacov", "naslib_val_acc")
    )
    first[:10] = np.nan
    forward = bstats.paired_spearman_difference(first, second, truth, higher_is_better=True, n_boot=100)
    backward = bstats.paired_spearman_difference(second, first, truth, higher_is_better=True, n_boot=100)
    assert forward["n"] == backward["n"] == len(frame) - 10 - np.isnan(second[10:]).sum()
    assert forward["difference"] == pytest.approx(-backward["difference"], abs=1e-15)
    assert forward["difference_ci_low"] == pytest.approx(-backward["difference_ci_high"], abs=1e-12)
    flipped = bstats.paired_spearman_difference(first, second, truth, higher_is_better=False, n_boot=0)
    assert flipped["spearman_first"] == pytest.approx(-forward["spearman_first"], abs=1e-12)
    assert math.isnan(flipped["difference_ci_low"])
    same = bstats.paired_spearman_difference(second, second, truth, higher_is_better=True, n_boot=50)
    assert same["difference"] == same["difference_ci_low"] == same["difference_ci_high"] == 0.0


def test_holm_adjust_by_hand() -> None:
    """m = 4 tested values (the NaN is not in the family): sorted 0.005, 0.01, 0.03, 0.04 are scaled by 4, 3,
    2, 1 to 0.02, 0.03, 0.06, 0.04, then made monotone (0.04 → 0.06); 0.4 × 2 = 0.8 and 0.5 × 1 = 0.5 → 0.8."""
    adjusted = bstats.holm_adjust(np.array([0.01, 0.04, 0.03, np.nan, 0.005]))
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, np.nan, 0.02], rtol=1e-12)
    np.testing.assert_allclose(bstats.holm_adjust(np.array([0.5, 0.4])), [0.8, 0.8], rtol=1e-12)
    # 0.3 × 3 = 0.9, 0.6 × 2 = 1.2, 0.9 × 1 = 0.9 → monotone 0.9, 1.2, 1.2 → capped at 1
    np.testing.assert_allclose(bstats.holm_adjust(np.array([0.3, 0.6, 0.9])), [0.9, 1.0, 1.0], rtol=1e-12)


def test_spearman_differences_of_real_scores() -> None:
    """NB-Suite-Zero's CIFAR-10 snip, synflow, jacov and a copy of synflow, on the archs all four scored:
    each pair's gap and interval from the same resamples as scipy's ρ per resample, its normal p-value and
    the Holm adjustment over the table."""
    frame = _suite_zero_cifar10()
    frame = frame.assign(synflow_copy=frame["synflow"])
    names = ["snip", "synflow", "jacov", "synflow_copy"]
    matrix, truth = frame[names].to_numpy(dtype=float), frame["naslib_val_acc"].to_numpy(dtype=float)
    table = bstats.spearman_differences(matrix, truth, [True] * 4, names, n_boot=120, seed=2)
    assert len(table) == 6 and list(table.columns) == list(bstats.DIFFERENCE_COLUMNS)
    common = ~np.isnan(matrix).any(axis=1)
    assert (table["n"] == common.sum()).all() and 3 <= common.sum() <= len(frame)
    rho = {n: stats.spearmanr(matrix[common, k], truth[common]).statistic for k, n in enumerate(names)}
    resampled = {
        n: np.array(
            [
                stats.spearmanr(matrix[common, k][i], truth[common][i]).statistic
                for _, chunk, _ in bstats._resamples(int(common.sum()), 120, seed=2)
                for i in chunk
            ]
        )
        for k, n in enumerate(names)
    }
    for row in table.itertuples():
        assert row.spearman_a >= row.spearman_b
        assert row.spearman_a == pytest.approx(rho[row.metric_a], abs=1e-12)
        assert row.difference == pytest.approx(rho[row.metric_a] - rho[row.metric_b], abs=1e-12)
        gaps = resampled[row.metric_a] - resampled[row.metric_b]
        low, high = np.percentile(gaps, [2.5, 97.5])
        assert (row.difference_ci_low, row.difference_ci_high) == pytest.approx((low, high), abs=1e-10)
        if {row.metric_a, row.metric_b} == {"synflow", "synflow_copy"}:
            assert (row.difference, row.p_value, row.distinguishable) == (0.0, 1.0, False)
        else:
            assert row.z == pytest.approx(row.difference / np.std(gaps, ddof=1), rel=1e-9)
            assert row.p_value == pytest.approx(2 * stats.norm.sf(abs(row.z)), rel=1e-12)
    np.testing.assert_array_equal(table["p_holm"], bstats.holm_adjust(table["p_value"].to_numpy()))
    # synflow ranks these archs better than snip (0.74 vs 0.61 in the peer survey), beyond doubt
    pair = table[(table["metric_a"] == "synflow") & (table["metric_b"] == "snip")].iloc[0]
    assert pair["p_holm"] < 1e-4 and pair["distinguishable"]


def test_spearman_differences_leave_undefined_metrics_out_of_the_family() -> None:
    """A constant metric has no ρ: its pairs are NaN and not counted by Holm; NaN rows drop everywhere."""
    frame = _suite_zero_cifar10()
    truth = frame["naslib_val_acc"].to_numpy(dtype=float)
    good = frame[["synflow", "snip"]].to_numpy(dtype=float)
    good[:5, 1] = np.nan
    matrix = np.column_stack([good, np.ones(len(frame))])
    table = bstats.spearman_differences(
        matrix, truth, [True, True, True], ["synflow", "snip", "flat"], n_boot=40
    )
    assert (table["n"] == np.isfinite(good).all(axis=1).sum()).all()
    assert list(table["metric_b"].iloc[1:]) == ["flat", "flat"]  # undefined ρ sorts last
    assert table.iloc[1:][["difference", "p_value", "p_holm"]].isna().all().all()
    assert table["p_holm"].iloc[0] == table["p_value"].iloc[0]  # a family of one test


def test_spearman_differences_pairs_with_keeps_those_pairs_and_adjusts_over_them() -> None:
    """``pairs_with``: only pairs holding a named column, each with the statistics of the full table (the same
    paired resamples), and Holm over those pairs alone."""
    frame = _suite_zero_cifar10()
    names = ["snip", "synflow", "jacov", "grad_norm"]
    matrix, truth = frame[names].to_numpy(dtype=float), frame["naslib_val_acc"].to_numpy(dtype=float)
    full = bstats.spearman_differences(matrix, truth, [True] * 4, names, n_boot=60, seed=3)
    kept = bstats.spearman_differences(
        matrix, truth, [True] * 4, names, n_boot=60, seed=3, pairs_with={"jacov"}
    )
    assert len(full) == 6 and len(kept) == 3
    assert all("jacov" in (row.metric_a, row.metric_b) for row in kept.itertuples())
    same = full.merge(kept, on=["metric_a", "metric_b"], suffixes=("_full", ""))
    assert len(same) == 3
    for column in ("difference", "difference_ci_low", "difference_ci_high", "z", "p_value"):
        np.testing.assert_array_equal(same[column], same[f"{column}_full"])
    np.testing.assert_array_equal(kept["p_holm"], bstats.holm_adjust(kept["p_value"].to_numpy()))
    assert (same["p_holm"] <= same["p_holm_full"]).all() and (same["p_holm"] < same["p_holm_full"]).any()
