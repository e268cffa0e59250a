"""Is searcher a better than searcher b on the same seeds? Paired differences of test accuracy with CIs.

Reads the ``runs.csv`` of a bench.apps.search output folder (and, with ``--b-folder``, b's runs from another folder run
with the same protocol and budget), pairs the runs by (search dataset, seed), and for every dataset the runs report, writes the mean test accuracy (%) of
each side, the mean paired difference a − b (percentage points) with its 95% percentile-bootstrap interval
(seed pairs resampled, as ``scripts/compare_searches.py``), the two-sided Wilcoxon signed-rank p-value (zero
differences dropped, as scipy's default) and the paired t-test p-value, plus the number of seeds on which a
beats, ties and loses to b.

Usage: ``.venv/bin/python -m scripts.paired_search_test results/search/prior_gp_transfer_q20 prior_gp hnas
[--b-folder results/search/nb201_transfer_q20]`` → ``<folder>/paired_<a>_vs_<b>.csv``. (``n_scored_b`` is NaN
for runs written before ``n_scored`` was recorded.)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from scipy import stats

from bench.core.seed_differences import mean_difference_ci


def paired_table(runs_a: pd.DataFrame, runs_b: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """One row per (search dataset, judged dataset): searcher ``a`` of ``runs_a`` against ``b`` of ``runs_b`` on
    their common seeds."""
    rows = []
    targets = [c for c in runs_a.columns if c.startswith("test_acc_")]
    for dataset, part in runs_a.groupby("dataset", sort=True):
        side_a = part[part["algo"] == a].set_index("seed")
        side_b = runs_b[(runs_b["dataset"] == dataset) & (runs_b["algo"] == b)].set_index("seed")
        seeds = side_a.index.intersection(side_b.index).sort_values()
        if not len(seeds):
            raise ValueError(f"no common seeds of {a!r} and {b!r} on search dataset {dataset!r}")
        for target in targets:
            acc_a = side_a.loc[seeds, target].to_numpy(float)
            acc_b = side_b.loc[seeds, target].to_numpy(float)
            diff = acc_a - acc_b
            low, high = mean_difference_ci(acc_a, acc_b, paired=True)
            nonzero = diff[diff != 0]
            rows.append(
                {
                    "searched_on": dataset,
                    "judged_on": target.removeprefix("test_acc_"),
                    "a": a,
                    "b": b,
                    "n_seeds": len(seeds),
                    "mean_a": acc_a.mean(),
                    "mean_b": acc_b.mean(),
                    "difference": diff.mean(),
                    "ci_low": low,
                    "ci_high": high,
                    "wilcoxon_p": float(stats.wilcoxon(nonzero).pvalue) if len(nonzero) else 1.0,
                    "ttest_p": float(stats.ttest_rel(acc_a, acc_b).pvalue),
                    "wins": int((diff > 0).sum()),
                    "ties": int((diff == 0).sum()),
                    "losses": int((diff < 0).sum()),
                    "n_scored_a": side_a.loc[seeds, "n_scored"].mean(),
                    "n_scored_b": side_b.loc[seeds, "n_scored"].mean()
                    if "n_scored" in side_b
                    else float("nan"),
                }
            )
    return pd.DataFrame(rows)


def _read_runs(folder: Path) -> pd.DataFrame:
    path = folder / "runs.csv"
    if not path.is_file():
        raise SystemExit(f"{path}: no runs.csv (run bench.apps.search with out_dir={folder} first)")
    return pd.read_csv(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a bench.apps.search output folder holding runs.csv")
    parser.add_argument("a", help="searcher a (its algo label in runs.csv)")
    parser.add_argument("b", help="searcher b")
    parser.add_argument("--b-folder", type=Path, help="the folder of b's runs (default: the same folder)")
    args = parser.parse_args()
    runs = [_read_runs(args.folder), _read_runs(args.b_folder or args.folder)]
    table = paired_table(*runs, args.a, args.b)
    table.to_csv(args.folder / f"paired_{args.a}_vs_{args.b}.csv", index=False)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(table.round(4).to_string(index=False))


if __name__ == "__main__":
    main()
