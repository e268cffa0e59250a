"""Rank statistics between zero-cost metric scores and ground-truth accuracy.

All correlations are *signed in the metric's declared direction*: a metric declared lower-is-better
has its scores negated before anything is computed, so a metric that ranks architectures well always
gets a positive correlation and a metric that ranks them backwards a negative one.

Scores that are NaN mean the metric failed on that architecture; those architectures are left out
and counted in ``nan_rate``. Infinite scores are kept: they are ordered (``-inf`` below everything)
and every statistic here depends only on the order of the scores.

Functions:
    correlation_row: Spearman, Kendall tau-b (with bootstrap CIs) and top-10% precision of one metric.
    paired_spearman_difference: how much a change of scoring setup moves one metric's Spearman (paired CI).
    spearman_differences: every pair of metrics, paired-bootstrap test of their Spearman gap, Holm-adjusted.
    holm_adjust: Holm–Bonferroni adjusted p-values of a family of tests.
    majority_vote_kendall: pairwise ranking accuracy of a majority-vote ensemble of metrics.
    rank_correlation_matrix: metric x metric Spearman correlation.
    finite_pairs_spearman: Spearman of two score vectors over the positions where both are finite.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Collection, Iterator

import numpy as np
import pandas as pd
from scipy import stats

DEFAULT_N_PAIRS = 1_000_000
"""Pairs sampled by :func:`majority_vote_kendall` when ``n_pairs`` is None (all pairs if fewer exist)."""

_BOOT_CHUNK = 64
"""Bootstrap resamples processed together (bounds memory at ~8 MB per array for n = 15625)."""

_PAIR_CHUNK = 250_000
"""Architecture pairs voted on together in :func:`majority_vote_kendall`."""

CORRELATION_KEYS = (
    "n",
    "spearman",
    "spearman_ci_low",
    "spearman_ci_high",
    "kendall",
    "kendall_ci_low",
    "kendall_ci_high",
    "top10_precision",
    "nan_rate",
)
"""Keys of the dict returned by :func:`correlation_row`, in a stable order for tables."""


def _as_1d_float(values: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def _direction_sign(higher_is_better: bool) -> float:
    return 1.0 if higher_is_better else -1.0


def _is_constant(values: np.ndarray) -> bool:
    return values.size == 0 or bool(np.all(values == values[0]))


class _TieGroups:
    """Tie structure of a vector: each item's group (0 = smallest value) and the items sorted by group."""

    def __init__(self, values: np.ndarray) -> None:
        uniques, codes = np.unique(values, return_inverse=True)
        self.codes = codes.astype(np.int64)
        self.order = np.argsort(self.codes, kind="stable")
        self.starts = np.searchsorted(self.codes[self.order], np.arange(uniques.size))

    def group_draws(self, draws: np.ndarray) -> np.ndarray:
        """Draws of each tie group (groups x resamples) from ``draws[j, b]``, the draws of item ``j`` in resample ``b``."""
        return np.add.reduceat(draws[self.order], self.starts, axis=0)

    def resample_ranks(self, group_draws: np.ndarray) -> np.ndarray:
        """Average rank of every original item inside each bootstrap resample (items x resamples).

        ``group_draws``: :meth:`group_draws` of the resamples. The rank of item ``j`` in resample ``b`` is the
        number of resampled items strictly below its tie group plus ``(group size + 1) / 2`` (the midrank, as in
        ``scipy.stats.rankdata``). Items drawn zero times get a rank too; they carry zero weight downstream.
        """
        below = np.cumsum(group_draws, axis=0) - group_draws
        return (below + (group_draws + 1.0) / 2.0)[self.codes]


def _bootstrap_spearman(draws: np.ndarray, rx: np.ndarray, ry: np.ndarray) -> np.ndarray:
    """Spearman rho of each resample, as a count-weighted Pearson correlation of within-resample ranks
    (``draws[j, b]``: draws of item ``j`` in resample ``b``; ``rx``, ``ry``: :meth:`_TieGroups.resample_ranks`
    of the two sides for these draws).

    Midranks of ``n`` items always have mean ``(n + 1) / 2``, which gives the centring term directly. Every
    product and sum is a multiple of 1/4 below 2**53 (for n up to about 10**5), so exact in any order.
    Resamples with a constant side give NaN.
    """
    n = draws.shape[0]
    mean_sq = ((n + 1) / 2.0) ** 2
    cov = np.einsum("jb,jb,jb->b", draws, rx, ry) / n - mean_sq
    var_x = np.einsum("jb,jb,jb->b", draws, rx, rx) / n - mean_sq
    var_y = np.einsum("jb,jb,jb->b", draws, ry, ry) / n - mean_sq
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = cov / np.sqrt(var_x * var_y)
    # A constant resample has variance 0 up to rounding; treat anything that small as undefined.
    tiny = 1e-9 * mean_sq
    rho[(var_x <= tiny) | (var_y <= tiny)] = np.nan
    return np.clip(rho, -1.0, 1.0)


def _kendall(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall tau-b, NaN (without a warning) if either side is constant."""
    if _is_constant(x) or _is_constant(y):
        return math.nan
    return float(stats.kendalltau(x, y).statistic)


def _tied_pairs(group_draws: np.ndarray) -> np.ndarray:
    """Pairs of drawn items that tie on one side, per resample: the sum over tie groups of ``g (g - 1) / 2``,
    ``g`` the number of draws in the group (``group_draws``: :meth:`_TieGroups.group_draws`)."""
    return (group_draws * (group_draws - 1) // 2).sum(axis=0, dtype=np.int64)


class _KendallPairs:
    """Kendall tau-b of ``x`` against ``y`` on bootstrap resamples given by their draw counts.

    The pair counts are those of ``scipy.stats.kendalltau`` on the explicit resample (discordant pairs,
    pairs tied in ``x``, in ``y``, in both), exact integers, combined by scipy's expression, so every value
    is bit-identical to scipy's. Discordant pairs, as in scipy: items sorted by ``x`` then ``y``; a discordant
    pair is then an inversion of ``y`` (items tied in ``x`` are in increasing ``y``, so they never count).
    Inversions are counted by bottom-up merging: at the level of half-size ``h`` every block of ``2h``
    positions pairs each item of its right half with the items of its left half that have a larger ``y``.
    Which left items those are depends on ``x`` and ``y`` only, so each level's positions are worked out
    once here; per resample chunk a level is then a gather, a cumulative sum and two lookups. An item drawn
    ``c`` times and one drawn ``c'`` times form ``c * c'`` pairs.
    """

    def __init__(self, x: _TieGroups, y: _TieGroups) -> None:
        self.x, self.y = x, y
        span = int(y.codes.max()) + 1
        self.joint = _TieGroups(x.codes * span + y.codes)
        self.order = np.lexsort((y.codes, x.codes))
        codes = y.codes[self.order]
        position = np.arange(self.order.size)
        self.levels: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        half = 1
        while half < self.order.size:
            block = position // (2 * half)
            in_right = (position // half) % 2 == 1
            left, right = np.flatnonzero(~in_right), np.flatnonzero(in_right)
            left_keys = block[left] * span + codes[left]
            by_key = np.argsort(left_keys, kind="stable")
            sorted_keys = left_keys[by_key]
            not_larger = np.searchsorted(sorted_keys, block[right] * span + codes[right], side="right")
            block_end = np.searchsorted(sorted_keys, (block[right] + 1) * span, side="left")
            self.levels.append((left[by_key], right, not_larger, block_end))
            half *= 2

    def discordant(self, draws: np.ndarray) -> np.ndarray:
        """Discordant pairs per resample (``draws[j, b]``: integer draws of item ``j`` in resample ``b``, of a
        dtype that holds the product of any two sums of draws)."""
        weights = draws[self.order]
        total = np.zeros(draws.shape[1], dtype=np.int64)
        for sorted_left, right, not_larger, block_end in self.levels:
            cumulative = np.zeros((sorted_left.size + 1, draws.shape[1]), dtype=draws.dtype)
            np.cumsum(weights[sorted_left], axis=0, out=cumulative[1:])
            larger = cumulative[block_end] - cumulative[not_larger]
            larger *= weights[right]
            total += larger.sum(axis=0, dtype=np.int64)
        return total

    def tau(self, draws: np.ndarray, x_groups: np.ndarray, y_groups: np.ndarray) -> np.ndarray:
        """Kendall tau-b of each resample; NaN where a side is constant. ``draws[j, b]``: draws of item ``j`` in
        resample ``b`` (as from :func:`_resamples`); ``x_groups``, ``y_groups``: their
        :meth:`_TieGroups.group_draws` on each side."""
        n = draws.shape[0]
        total = n * (n - 1) // 2
        x_tied = _tied_pairs(x_groups).astype(float)
        y_tied = _tied_pairs(y_groups).astype(float)
        both_tied = _tied_pairs(self.joint.group_draws(draws)).astype(float)
        discordant = self.discordant(draws).astype(float)
        concordant_minus_discordant = total - x_tied - y_tied + both_tied - 2.0 * discordant
        with np.errstate(divide="ignore", invalid="ignore"):
            tau = concordant_minus_discordant / np.sqrt(total - x_tied) / np.sqrt(total - y_tied)
        tau[(x_tied == total) | (y_tied == total)] = np.nan
        return np.minimum(1.0, np.maximum(-1.0, tau))


def _bootstrap(x: np.ndarray, y: np.ndarray, n_boot: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Spearman and Kendall tau-b for ``n_boot`` paired resamples (architectures drawn with replacement).

    Both statistics are computed on the same resamples, from each resample's draw counts: Spearman as a
    count-weighted correlation of midranks, Kendall from exact pair counts (:class:`_KendallPairs`),
    :data:`_BOOT_CHUNK` resamples at a time.
    """
    x_ties = _TieGroups(x)
    y_ties = _TieGroups(y)
    kendall_pairs = _KendallPairs(x_ties, y_ties)
    spearman = np.empty(n_boot)
    kendall = np.empty(n_boot)
    for start, idx, draws in _resamples(x.size, n_boot, seed):
        x_groups, y_groups = x_ties.group_draws(draws), y_ties.group_draws(draws)
        spearman[start : start + len(idx)] = _bootstrap_spearman(
            draws, x_ties.resample_ranks(x_groups), y_ties.resample_ranks(y_groups)
        )
        kendall[start : start + len(idx)] = kendall_pairs.tau(draws, x_groups, y_groups)
    return spearman, kendall


def _resamples(n: int, n_boot: int, seed: int) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Bootstrap resamples of ``n`` items in chunks: (first resample number, drawn indices, draws).

    ``indices[b]`` are the ``n`` items drawn with replacement for resample ``start + b``; ``draws[j, b]`` is how
    often item ``j`` was drawn in it, an integer array (items x resamples) of a width that holds the product of
    any two sums of draws (int32 while ``n * n < 2**31``, else int64).
    """
    rng = np.random.default_rng(seed)
    width = np.int32 if n * n < 2**31 else np.int64
    for start in range(0, n_boot, _BOOT_CHUNK):
        size = min(_BOOT_CHUNK, n_boot - start)
        idx = rng.integers(0, n, size=(size, n))
        offsets = (np.arange(size) * n)[:, None]
        counts = np.bincount((idx + offsets).ravel(), minlength=size * n).reshape(size, n)
        yield start, idx, np.ascontiguousarray(counts.T, dtype=width)


def _percentile_ci(samples: np.ndarray) -> tuple[float, float]:
    """95% percentile interval of the finite bootstrap samples (NaN, NaN if there are none)."""
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return math.nan, math.nan
    low, high = np.percentile(finite, [2.5, 97.5])
    return float(low), float(high)


def top_k_indices(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest values; ties go to the lower index (stable, deterministic)."""
    return np.argsort(-values, kind="stable")[:k]


def top_fraction_precision(scores: np.ndarray, truth: np.ndarray, top_fraction: float = 0.1) -> float:
    """Share of the true top architectures that the metric also puts in its top.

    Both tops hold ``k = ceil(top_fraction * n)`` architectures: the ``k`` best by ``truth`` and the ``k``
    best by ``scores`` (already direction-adjusted, higher = better). Ties at the cut-off are broken by
    position (lower index first), so the result is deterministic. The value is in [0, 1]; a random
    ranking scores about ``top_fraction`` on average. NaN if ``n == 0`` or either input is constant.
    """
    if not 0.0 < top_fraction <= 1.0:
        raise ValueError(f"top_fraction must be in (0, 1], got {top_fraction}")
    n = scores.size
    if n == 0 or _is_constant(scores) or _is_constant(truth):
        return math.nan
    k = math.ceil(top_fraction * n)
    hits = np.intersect1d(top_k_indices(scores, k), top_k_indices(truth, k)).size
    return hits / k


NDCG_K = 1000  # VKDNW's cut-off (ondratybl/VKDNW NB201/paper_preparation.ipynb: ndcg_score(..., k=1000))


def ndcg_at_k(scores: np.ndarray, truth: np.ndarray, higher_is_better: bool, k: int = NDCG_K) -> float:
    """Normalised discounted cumulative gain of the metric's ranking at cut-off ``k``, as VKDNW evaluates proxies.

    Gains are 2^accuracy − 1 with accuracy in percent (VKDNW's ``2**val_acc - 1``), so the top architectures
    dominate; the discount of position i (1-based) is 1/log2(i + 1) for i ≤ k and 0 beyond. DCG sums gain ×
    discount down the metric's order (declared direction; architectures with a NaN score left out); architectures
    tied on the score share the mean gain of their group, each position keeping its own discount (scikit-learn's
    ``ndcg_score`` with ``ignore_ties=False``). nDCG = DCG / DCG of the accuracy order, in [0, 1]; NaN for fewer
    than 2 valid architectures. ``k`` larger than the number of architectures counts them all.
    """
    scores = _as_1d_float(scores, "scores")
    truth = _as_1d_float(truth, "truth")
    if scores.shape != truth.shape:
        raise ValueError(f"scores and truth differ in length: {scores.size} vs {truth.size}")
    if k < 1:
        raise ValueError(f"nDCG cut-off k must be >= 1, got {k}")
    valid = ~np.isnan(scores)
    x = scores[valid] * _direction_sign(higher_is_better)
    gains = np.exp2(truth[valid]) - 1.0
    n = x.size
    if n < 2:
        return math.nan
    discount = np.zeros(n)
    top = min(k, n)
    discount[:top] = 1.0 / np.log2(np.arange(2, top + 2))
    cumulative = np.cumsum(discount)
    levels, group, sizes = np.unique(-x, return_inverse=True, return_counts=True)
    mean_gain = np.bincount(group, weights=gains, minlength=levels.size) / sizes
    ends = np.cumsum(sizes) - 1
    group_discount = np.diff(cumulative[ends], prepend=0.0)
    dcg = float((mean_gain * group_discount).sum())
    ideal = float((np.sort(gains)[::-1] * discount).sum())
    return dcg / ideal if ideal > 0 else math.nan


def correlation_row(
    scores: np.ndarray,
    truth: np.ndarray,
    higher_is_better: bool,
    n_boot: int = 1000,
    seed: int = 0,
    top_fraction: float = 0.1,
) -> dict:
    """Rank agreement between one metric's scores and ground-truth accuracy.

    Args:
        scores: one score per architecture; NaN marks a failed evaluation.
        truth: ground-truth accuracy per architecture (same order); must not contain NaN.
        higher_is_better: the metric's declared direction. If False the scores are negated first.
        n_boot: bootstrap resamples for the confidence intervals (0 disables them: CIs are NaN).
        seed: seed of the ``numpy.random.Generator`` drawing the resamples.
        top_fraction: size of the "top" set for ``top10_precision`` (default 10%).

    Returns:
        ``n``: architectures with a valid (non-NaN) score, the sample every other value uses.
        ``spearman``: Spearman rank correlation rho in [-1, 1], signed in the declared direction
        (positive = the metric ranks better architectures higher).
        ``spearman_ci_low`` / ``spearman_ci_high``: 95% percentile bootstrap interval of rho, resampling
        (score, truth) pairs of architectures with replacement.
        ``kendall``: Kendall tau-b (scipy's default variant, which corrects for ties) in [-1, 1],
        signed likewise; ``kendall_ci_low`` / ``kendall_ci_high``: its interval from the same resamples.
        ``top10_precision``: see :func:`top_fraction_precision` (key name kept for the 10% default).
        ``nan_rate``: share of the input architectures left out because their score was NaN.

        Every statistic is NaN (without raising) when ``n < 3`` or when the valid scores or the truth
        are constant; ``nan_rate`` is NaN only for empty input.
    """
    scores = _as_1d_float(scores, "scores")
    truth = _as_1d_float(truth, "truth")
    if scores.shape != truth.shape:
        raise ValueError(f"scores and truth differ in length: {scores.size} vs {truth.size}")
    if np.isnan(truth).any():
        raise ValueError("truth contains NaN; drop those architectures before calling correlation_row")
    if n_boot < 0:
        raise ValueError(f"n_boot must be >= 0, got {n_boot}")

    valid = ~np.isnan(scores)
    x = scores[valid] * _direction_sign(higher_is_better)
    y = truth[valid]
    n = int(x.size)
    row = dict.fromkeys(CORRELATION_KEYS, math.nan)
    row["n"] = n
    row["nan_rate"] = float(1.0 - n / scores.size) if scores.size else math.nan
    if n < 3 or _is_constant(x) or _is_constant(y):
        return row

    row["spearman"] = float(stats.spearmanr(x, y).statistic)
    row["kendall"] = _kendall(x, y)
    row["top10_precision"] = top_fraction_precision(x, y, top_fraction)
    if n_boot > 0:
        boot_spearman, boot_kendall = _bootstrap(x, y, n_boot, seed)
        row["spearman_ci_low"], row["spearman_ci_high"] = _percentile_ci(boot_spearman)
        row["kendall_ci_low"], row["kendall_ci_high"] = _percentile_ci(boot_kendall)
    return row


def _bootstrap_spearman_columns(columns: np.ndarray, truth: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """Spearman of every column of ``columns`` (architectures × k) with ``truth``, on the same ``n_boot``
    resamples of architectures: shape ``(n_boot, k)``, NaN where a side is constant in a resample."""
    truth_ties = _TieGroups(truth)
    column_ties = [_TieGroups(column) for column in columns.T]
    rho = np.empty((n_boot, len(column_ties)))
    for start, idx, draws in _resamples(truth.size, n_boot, seed):
        truth_ranks = truth_ties.resample_ranks(
            truth_ties.group_draws(draws)
        )  # once per chunk, for every column
        for k, ties in enumerate(column_ties):
            rho[start : start + len(idx), k] = _bootstrap_spearman(
                draws, ties.resample_ranks(ties.group_draws(draws)), truth_ranks
            )
    return rho


_PAIRED_KEYS = tuple(
    f"{name}{end}"
    for name in ("spearman_first", "spearman_second", "difference")
    for end in ("", "_ci_low", "_ci_high")
)


def paired_spearman_difference(
    first: np.ndarray,
    second: np.ndarray,
    truth: np.ndarray,
    higher_is_better: bool,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict:
    """Spearman of two score vectors of the same architectures (e.g. two scoring setups) and their gap.

    Architectures with a NaN in either vector are left out of both. The 95% interval of
    ``difference`` = ρ(second) − ρ(first) comes from a *paired* bootstrap: each resample draws
    architectures with replacement and recomputes both correlations on the same draw, so the noise
    shared by the two (which architectures happen to be in the sample) cancels in the difference.

    Returns ``n``, ``spearman_first``, ``spearman_second``, each with its own 95% percentile interval from the
    same resamples (``spearman_first_ci_low`` / ``_high``, ``spearman_second_ci_low`` / ``_high``),
    ``difference``, ``difference_ci_low``, ``difference_ci_high`` (Spearman signed in the declared direction;
    NaN where undefined).
    """
    first, second = _as_1d_float(first, "first"), _as_1d_float(second, "second")
    truth = _as_1d_float(truth, "truth")
    if not first.shape == second.shape == truth.shape:
        raise ValueError(f"lengths differ: {first.size}, {second.size}, {truth.size}")
    valid = ~(np.isnan(first) | np.isnan(second) | np.isnan(truth))
    sign = _direction_sign(higher_is_better)
    a, b, y = first[valid] * sign, second[valid] * sign, truth[valid]
    row = {"n": int(y.size)} | dict.fromkeys(_PAIRED_KEYS, math.nan)
    if y.size < 3 or _is_constant(a) or _is_constant(b) or _is_constant(y):
        return row
    row["spearman_first"] = float(stats.spearmanr(a, y).statistic)
    row["spearman_second"] = float(stats.spearmanr(b, y).statistic)
    row["difference"] = row["spearman_second"] - row["spearman_first"]
    if n_boot > 0:
        rho = _bootstrap_spearman_columns(np.column_stack([a, b]), y, n_boot, seed)
        row["spearman_first_ci_low"], row["spearman_first_ci_high"] = _percentile_ci(rho[:, 0])
        row["spearman_second_ci_low"], row["spearman_second_ci_high"] = _percentile_ci(rho[:, 1])
        row["difference_ci_low"], row["difference_ci_high"] = _percentile_ci(rho[:, 1] - rho[:, 0])
    return row


def holm_adjust(p_values: np.ndarray) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values (step-down), the family being every non-NaN entry.

    The ``i``-th smallest of ``m`` p-values becomes ``max_{j ≤ i} min(1, (m − j + 1) p_(j))``; rejecting
    where the adjusted value is below α keeps the chance of *any* false rejection in the family ≤ α.
    NaN entries stay NaN and do not count in ``m``.
    """
    p = _as_1d_float(p_values, "p_values")
    adjusted = np.full(p.shape, math.nan)
    tested = np.flatnonzero(~np.isnan(p))
    order = tested[np.argsort(p[tested], kind="stable")]
    scaled = p[order] * (order.size - np.arange(order.size))
    adjusted[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return adjusted


DIFFERENCE_COLUMNS = (
    "metric_a",
    "metric_b",
    "n",
    "spearman_a",
    "spearman_b",
    "difference",
    "difference_ci_low",
    "difference_ci_high",
    "z",
    "p_value",
    "p_holm",
    "distinguishable",
)
"""Columns of :func:`spearman_differences`."""


def spearman_differences(
    score_matrix: np.ndarray,
    truth: np.ndarray,
    directions: list[bool],
    names: list[str],
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    pairs_with: Collection[str] | None = None,
) -> pd.DataFrame:
    """Which metrics rank the same architectures significantly better than which: every pair of metrics
    (with ``pairs_with``, only the pairs that hold at least one of those names, e.g. an ensemble against its
    components and against the other metrics).

    All metrics are compared on one population, the architectures where no score is NaN (pass the
    rows every metric scored). Each row is a pair ``metric_a``, ``metric_b`` with ρ(a) ≥ ρ(b) (Spearman
    with ``truth``, signed in the declared direction; a metric with undefined ρ comes last), and
    ``difference`` = ρ(a) − ρ(b) ≥ 0. The bootstrap is *paired*: each resample of architectures
    recomputes every metric's ρ, so one resample's draw of architectures moves all of them alike.
    ``difference_ci_low`` / ``_high``: 95% percentile interval of the resampled differences.
    ``z`` = difference / its bootstrap standard error, ``p_value`` = two-sided normal p of ``z`` (a
    percentile p-value could not go below 1 / ``n_boot``, too coarse for a family of many pairs),
    ``p_holm`` = :func:`holm_adjust` over all pairs of the table, ``distinguishable`` = ``p_holm < alpha``.
    Pairs involving an undefined ρ have NaN statistics and are not in the Holm family.
    """
    scores = np.asarray(score_matrix, dtype=float)
    if scores.ndim != 2 or scores.shape[1] != len(names) or len(directions) != len(names):
        raise ValueError(
            f"score_matrix of shape {scores.shape} for {len(names)} names, {len(directions)} directions"
        )
    truth = _as_1d_float(truth, "truth")
    if truth.size != scores.shape[0]:
        raise ValueError(f"truth has {truth.size} entries for {scores.shape[0]} architectures")
    valid = ~(np.isnan(scores).any(axis=1) | np.isnan(truth))
    adjusted = scores[valid] * np.array([_direction_sign(d) for d in directions])
    y = truth[valid]
    defined = [y.size >= 3 and not _is_constant(column) and not _is_constant(y) for column in adjusted.T]
    rho = np.array(
        [
            float(stats.spearmanr(column, y).statistic) if ok else math.nan
            for column, ok in zip(adjusted.T, defined, strict=True)
        ]
    )
    boot = _bootstrap_spearman_columns(adjusted, y, n_boot, seed) if n_boot > 0 and any(defined) else None
    order = sorted(range(len(names)), key=lambda k: (math.isnan(rho[k]), -np.nan_to_num(rho[k])))
    rows = []
    for position, a in enumerate(order):
        for b in order[position + 1 :]:
            if pairs_with is not None and names[a] not in pairs_with and names[b] not in pairs_with:
                continue
            row = {"metric_a": names[a], "metric_b": names[b], "n": int(y.size)}
            row |= {"spearman_a": rho[a], "spearman_b": rho[b], "difference": rho[a] - rho[b]}
            row |= dict.fromkeys(("difference_ci_low", "difference_ci_high", "z", "p_value"), math.nan)
            if boot is not None and not math.isnan(row["difference"]):
                gaps = boot[:, a] - boot[:, b]
                row["difference_ci_low"], row["difference_ci_high"] = _percentile_ci(gaps)
                finite = gaps[np.isfinite(gaps)]
                error = float(np.std(finite, ddof=1)) if finite.size > 1 else math.nan
                if error > 0:
                    row["z"] = row["difference"] / error
                    row["p_value"] = float(2.0 * stats.norm.sf(abs(row["z"])))
                elif error == 0:  # the two metrics rank every resample identically
                    row["z"], row["p_value"] = (0.0, 1.0) if row["difference"] == 0 else (math.inf, 0.0)
            rows.append(row)
    table = pd.DataFrame(rows, columns=list(DIFFERENCE_COLUMNS[:-2]))
    table["p_holm"] = holm_adjust(table["p_value"].to_numpy(dtype=float)) if len(table) else []
    table["distinguishable"] = table["p_holm"] < alpha
    return table


def _pair_indices(n: int, n_pairs: int, seed: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """All ``i < j`` pairs if there are at most ``n_pairs``, else ``n_pairs`` random pairs with ``i != j``."""
    total = n * (n - 1) // 2
    if total <= n_pairs:
        i, j = np.triu_indices(n, k=1)
        return i, j, True
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n, size=n_pairs)
    j = (i + rng.integers(1, n, size=n_pairs)) % n
    return i, j, False


def majority_vote_kendall(
    score_matrix: np.ndarray,
    directions: list[bool],
    truth: np.ndarray,
    n_pairs: int | None = None,
    seed: int = 0,
) -> dict:
    """Pairwise ranking accuracy of a majority-vote ensemble of metrics (Abdelfattah et al., 2021).

    For a pair of architectures (a, b), each metric votes for the one with the better
    direction-adjusted score; a metric abstains if its scores are equal or either is NaN. The
    ensemble picks the side with more votes. Pairs tied in ``truth`` are skipped. The vote need not
    be transitive, so it defines no ranking and hence no Spearman correlation: only pairwise accuracy.

    Args:
        score_matrix: shape ``(n_architectures, n_metrics)``; NaN marks a failed evaluation.
        directions: per metric (column), True if higher is better.
        truth: ground-truth accuracy per architecture; must not contain NaN.
        n_pairs: pairs to evaluate. If the number of distinct pairs ``n (n - 1) / 2`` is at most this,
            all of them are used (exact, ``seed`` unused); otherwise this many pairs ``(i, j)`` with
            ``i != j`` are drawn uniformly with replacement from a seeded generator. None means
            :data:`DEFAULT_N_PAIRS`.
        seed: seed of the ``numpy.random.Generator`` that samples pairs.

    Returns:
        ``pairwise_accuracy``: share of evaluated pairs where the majority agrees with truth; a tied
        vote (including every metric abstaining) counts as half right, the expected value of a coin
        flip, so 0.5 is chance level.
        ``kendall_equivalent``: ``2 * pairwise_accuracy - 1``, i.e. (concordant - discordant) / pairs
        over the pairs not tied in truth: on the same scale as Kendall's tau (it equals tau-a for a
        single metric without ties) and comparable to the per-metric ``kendall`` of
        :func:`correlation_row`.
        ``n_pairs``: pairs evaluated (after skipping truth ties); ``truth_ties_skipped``: pairs skipped;
        ``vote_tie_rate``: share of evaluated pairs where the vote was tied;
        ``exhaustive``: True if every pair was used; ``n_metrics``: number of voting metrics.
        Accuracy and its equivalent are NaN if no pair can be evaluated.
    """
    scores = np.asarray(score_matrix, dtype=float)
    if scores.ndim != 2:
        raise ValueError(f"score_matrix must be 2-D (architectures x metrics), got shape {scores.shape}")
    n, n_metrics = scores.shape
    if len(directions) != n_metrics:
        raise ValueError(f"{len(directions)} directions for {n_metrics} metric columns")
    truth = _as_1d_float(truth, "truth")
    if truth.size != n:
        raise ValueError(f"truth has {truth.size} entries for {n} architectures")
    if np.isnan(truth).any():
        raise ValueError("truth contains NaN; drop those architectures first")
    n_pairs = DEFAULT_N_PAIRS if n_pairs is None else n_pairs
    if n_pairs < 1:
        raise ValueError(f"n_pairs must be >= 1, got {n_pairs}")

    adjusted = scores * np.array([_direction_sign(d) for d in directions])
    result = {
        "pairwise_accuracy": math.nan,
        "kendall_equivalent": math.nan,
        "n_pairs": 0,
        "truth_ties_skipped": 0,
        "vote_tie_rate": math.nan,
        "exhaustive": True,
        "n_metrics": n_metrics,
    }
    if n < 2:
        return result
    first, second, exhaustive = _pair_indices(n, n_pairs, seed)
    result["exhaustive"] = exhaustive

    correct = 0.0
    vote_ties = 0
    evaluated = 0
    for start in range(0, first.size, _PAIR_CHUNK):
        i = first[start : start + _PAIR_CHUNK]
        j = second[start : start + _PAIR_CHUNK]
        truth_sign = np.sign(truth[i] - truth[j])
        keep = truth_sign != 0
        i, j, truth_sign = i[keep], j[keep], truth_sign[keep]
        votes = np.nan_to_num(np.sign(adjusted[i] - adjusted[j]), nan=0.0)
        majority = np.sign(votes.sum(axis=1))
        ties = int(np.count_nonzero(majority == 0))
        correct += np.count_nonzero(majority == truth_sign) + 0.5 * ties
        vote_ties += ties
        evaluated += int(truth_sign.size)

    result["n_pairs"] = evaluated
    result["truth_ties_skipped"] = int(first.size - evaluated)
    if evaluated:
        accuracy = correct / evaluated
        result["pairwise_accuracy"] = float(accuracy)
        result["kendall_equivalent"] = float(2.0 * accuracy - 1.0)
        result["vote_tie_rate"] = vote_ties / evaluated
    return result


def finite_pairs_spearman(a: np.ndarray | pd.Series, b: np.ndarray | pd.Series) -> tuple[float, int]:
    """Spearman ρ of ``a`` and ``b`` over the positions where both are finite (raw signs, no direction);
    returns (ρ, number of positions used), ρ NaN when fewer than 3 remain."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 3:
        return math.nan, int(keep.sum())
    return float(stats.spearmanr(x[keep], y[keep]).statistic), int(keep.sum())


def rank_correlation_matrix(frame: pd.DataFrame, min_periods: int = 3) -> pd.DataFrame:
    """Metric x metric Spearman correlation of the raw scores (one column per metric, rows = architectures).

    Each entry uses the architectures where both metrics have a score (pairwise NaN omission); it is
    NaN if fewer than ``min_periods`` remain or a column is constant on them. Signs are those of the
    raw scores, not direction-adjusted: +1 means the two metrics order architectures identically.
    All columns must be numeric.
    """
    with warnings.catch_warnings():
        # Constant columns yield NaN entries, which is the documented outcome.
        warnings.simplefilter("ignore", RuntimeWarning)
        return frame.corr(method="spearman", min_periods=min_periods)
