"""Is one search protocol better than another beyond seed noise? Differences of mean test accuracy with CIs.

For each comparison below and each searcher run in both folders, this script reads the committed ``runs.csv``
files (one final architecture per seed), judges both sides on the same 200-epoch test accuracy (%), and writes
the mean and std of each side over its seeds, the difference of means (a − b, percentage points), its 95%
percentile-bootstrap interval and a two-sided p-value. Unpaired comparisons (different protocols: the seeds'
runs are independent) resample each side's seeds separately and report Welch's t-test; paired comparisons (the
same searcher and seeds with one option changed, so seed s of a and of b share their random draws up to the
change) resample seed pairs and report the paired t-test. It also writes the mean 12-epoch validation
accuracy (%) each side reached on its own search signal.

Usage: ``.venv/bin/python scripts/compare_searches.py`` → ``results/search/protocol_comparisons.csv``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from bench.core.paths import REPO_ROOT

N_BOOT, BOOT_SEED = 10_000, 0


@dataclass(frozen=True)
class Side:
    """One side of a comparison: the runs of ``folder`` whose search ``dataset`` (signal) is the given one."""

    folder: str
    dataset: str


@dataclass(frozen=True)
class Comparison:
    """a − b on ``judged_on``'s test accuracy; ``paired`` when a and b are the same seeds with one option changed."""

    name: str
    a: Side
    b: Side
    judged_on: str
    paired: bool = False


COMPARISONS = (
    Comparison(
        "per_dataset_vs_transfer",
        Side("nb201_per_dataset_q20", "ImageNet16-120"),
        Side("nb201_transfer_q20", "cifar10"),
        "ImageNet16-120",
    ),
    Comparison(
        "per_dataset_vs_transfer",
        Side("nb201_per_dataset_q20", "cifar100"),
        Side("nb201_transfer_q20", "cifar10"),
        "cifar100",
    ),
    Comparison(
        "distinct_classes_vs_per_dataset",
        Side("nb201_per_dataset_in16_hnas_distinct", "ImageNet16-120"),
        Side("nb201_per_dataset_q20", "ImageNet16-120"),
        "ImageNet16-120",
        paired=True,
    ),
    Comparison(
        "distinct_classes_vs_transfer",
        Side("nb201_per_dataset_in16_hnas_distinct", "ImageNet16-120"),
        Side("nb201_transfer_q20", "cifar10"),
        "ImageNet16-120",
    ),
)


def difference_ci(
    a: np.ndarray, b: np.ndarray, paired: bool, n_boot: int = N_BOOT, seed: int = BOOT_SEED
) -> tuple[float, float]:
    """95% percentile-bootstrap interval of mean(a) − mean(b): seed pairs resampled if ``paired``, else each side."""
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


def side_runs(search_root: Path, side: Side) -> pd.DataFrame:
    """The runs of one side, indexed by (algo, seed); an algo label's options (``hnas[distinct_classes=True]``) are
    dropped so that a searcher run with an option meets its plain runs."""
    path = search_root / side.folder / "runs.csv"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no runs.csv (run bench.apps.search with out_dir={path.parent} first)"
        )
    runs = pd.read_csv(path)
    runs["algo"] = runs["algo"].str.replace(r"\[.*\]$", "", regex=True)
    return runs[runs["dataset"] == side.dataset].set_index(["algo", "seed"]).sort_index()


def compare(search_root: Path, comparison: Comparison) -> pd.DataFrame:
    """One row per searcher present in both sides of ``comparison``."""
    a, b = side_runs(search_root, comparison.a), side_runs(search_root, comparison.b)
    target = f"test_acc_{comparison.judged_on}"
    rows = []
    for algo in sorted(set(a.index.get_level_values("algo")) & set(b.index.get_level_values("algo"))):
        runs_a, runs_b = a.loc[algo], b.loc[algo]
        if comparison.paired:
            seeds = runs_a.index.intersection(runs_b.index)
            runs_a, runs_b = runs_a.loc[seeds], runs_b.loc[seeds]
        acc_a, acc_b = runs_a[target].to_numpy(float), runs_b[target].to_numpy(float)
        test = stats.ttest_rel if comparison.paired else lambda x, y: stats.ttest_ind(x, y, equal_var=False)
        low, high = difference_ci(acc_a, acc_b, comparison.paired)
        rows.append(
            {
                "comparison": comparison.name,
                "judged_on": comparison.judged_on,
                "algo": algo,
                "a": f"{comparison.a.folder}:{comparison.a.dataset}",
                "b": f"{comparison.b.folder}:{comparison.b.dataset}",
                "paired": comparison.paired,
                "n_a": len(acc_a),
                "n_b": len(acc_b),
                "mean_a": acc_a.mean(),
                "std_a": acc_a.std(ddof=1),
                "mean_b": acc_b.mean(),
                "std_b": acc_b.std(ddof=1),
                "difference": acc_a.mean() - acc_b.mean(),
                "ci_low": low,
                "ci_high": high,
                "p_value": float(test(acc_a, acc_b).pvalue),
                "valid_acc_a": runs_a["valid_acc"].mean(),
                "valid_acc_b": runs_b["valid_acc"].mean(),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--search-root", type=Path, default=REPO_ROOT / "results" / "search")
    args = parser.parse_args()
    table = pd.concat([compare(args.search_root, c) for c in COMPARISONS], ignore_index=True)
    table.to_csv(args.search_root / "protocol_comparisons.csv", index=False)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(table.drop(columns=["a", "b"]).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
