"""Is one search protocol better than another beyond seed noise? Differences of mean test accuracy with CIs.

The command line of :func:`bench.apps.analyses.protocol_comparisons` (see there and
:mod:`bench.core.seed_differences`): for each comparison of :data:`bench.apps.analyses.COMPARISONS` and each
searcher run in both folders, the mean and std of each side's 200-epoch test accuracy (%) over its seeds, the
difference of means (a − b, percentage points) with its 95% bootstrap interval and a two-sided p-value
(Welch's t-test unpaired, the paired t-test paired), and the mean 12-epoch validation accuracy (%) each side
reached on its own search signal.

Usage: ``.venv/bin/python scripts/compare_searches.py`` → ``results/search/protocol_comparisons.csv``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from bench.apps.analyses import protocol_comparisons
from bench.core.paths import REPO_ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--search-root", type=Path, default=REPO_ROOT / "results" / "search")
    args = parser.parse_args()
    table = protocol_comparisons(args.search_root)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(table.drop(columns=["a", "b"]).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
