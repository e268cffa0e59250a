"""Is one set of search runs better than another beyond seed noise? The difference of mean accuracy over seeds.

Each side is one final accuracy (%) per seed. :func:`mean_difference` reports both sides' mean and std, the
difference of means (a − b, percentage points) with a 95% percentile-bootstrap interval
(:func:`mean_difference_ci`) and a two-sided p-value: Welch's t-test for independent sides (different
protocols), the paired t-test for paired sides (the same searcher and seeds with one option changed, so seed
s of a and of b share their random draws up to the change).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

N_BOOT, BOOT_SEED = 10_000, 0


def mean_difference_ci(
    a: np.ndarray, b: np.ndarray, paired: bool, n_boot: int = N_BOOT, seed: int = BOOT_SEED
) -> tuple[float, float]:
    """95% percentile-bootstrap interval of mean(a) − mean(b): seed pairs resampled together if ``paired``
    (``a`` and ``b`` then align seed by seed), else each side's seeds resampled separately."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if paired and a.shape != b.shape:
        raise ValueError(f"paired sides must have one value per seed each, got {a.size} and {b.size}")
    rng = np.random.default_rng(seed)
    if paired:
        pairs = rng.integers(0, len(a), size=(n_boot, len(a)))
        samples = (a[pairs] - b[pairs]).mean(axis=1)
    else:
        means_a = a[rng.integers(0, len(a), size=(n_boot, len(a)))].mean(axis=1)
        means_b = b[rng.integers(0, len(b), size=(n_boot, len(b)))].mean(axis=1)
        samples = means_a - means_b
    low, high = np.percentile(samples, [2.5, 97.5])
    return float(low), float(high)


def mean_difference(
    a: np.ndarray, b: np.ndarray, paired: bool, n_boot: int = N_BOOT, seed: int = BOOT_SEED
) -> dict[str, float | int]:
    """``n_a``, ``n_b``, ``mean_a``, ``std_a``, ``mean_b``, ``std_b`` (sample std, ddof 1), ``difference``
    (mean a − mean b), ``ci_low``, ``ci_high`` (:func:`mean_difference_ci`) and ``p_value`` (paired t-test if
    ``paired``, else Welch's t-test), in the units of ``a`` and ``b``."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    low, high = mean_difference_ci(a, b, paired, n_boot, seed)
    test = stats.ttest_rel(a, b) if paired else stats.ttest_ind(a, b, equal_var=False)
    return {
        "n_a": len(a),
        "n_b": len(b),
        "mean_a": a.mean(),
        "std_a": a.std(ddof=1),
        "mean_b": b.mean(),
        "std_b": b.std(ddof=1),
        "difference": a.mean() - b.mean(),
        "ci_low": low,
        "ci_high": high,
        "p_value": float(test.pvalue),
    }
