"""``python -m bench nbsz-board``: NAS-Bench-Suite-Zero's own proxy scores through this project's statistics.

For every benchmark and task of their files (:mod:`bench.core.nbsuitezero`: NB101, NB201 ×3, NB301, TransNAS
micro ×7 and macro ×7), correlates each of their proxies with the file's validation metric (named per task by
:func:`~bench.core.nbsuitezero.target_name`, higher is better) exactly as ``bench correlate`` correlates ours:
Spearman / Kendall with bootstrap CIs, top-10% precision, NaN rate, Spearman on the architectures every proxy
scored. Rows go to the correlation leaderboard with ``protocol=nb-suite-zero`` and ``source=nb-suite-zero``,
beside (never replacing) this project's rows; the per-task tables go to ``results/nbsz/``; the heat map of
every metric's ρ on every task of the board (:mod:`bench.apps.task_heatmap`) to
``spearman_by_task.png`` / ``.csv`` beside the leaderboard.

Options: ``--benchmarks nb301 tnb101_micro ...`` (default: all), ``--bootstrap 1000``, ``--data-root DIR``,
``--leaderboard results/leaderboard/correlations.csv``, ``--out results/nbsz``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from bench.apps import leaderboard, task_heatmap
from bench.core import nbsuitezero
from bench.core.correlation import correlation_table
from bench.core.paths import DataFileError, data_root

SOURCE = "nb-suite-zero"
HEATMAP = "spearman_by_task.png"  # beside the leaderboard; its values in spearman_by_task.csv


def task_rows(root: Path, benchmark: str, task: str, bootstrap: int, top_fraction: float) -> pd.DataFrame:
    """Leaderboard rows of their proxies on one task."""
    table = nbsuitezero.table(root, benchmark, task)
    names = nbsuitezero.proxy_names(table)
    rows = correlation_table(
        table, table["val_accuracy"], names, bootstrap=bootstrap, top_fraction=top_fraction
    )
    return rows.assign(
        space=benchmark,
        dataset=task,
        protocol=SOURCE,
        target=nbsuitezero.target_name(benchmark, task),
        sample="all",
        sample_seed=0,
        setup_id=Path(nbsuitezero.FILES[benchmark]).name.removesuffix(".json.gz"),
        source=SOURCE,
    )


def run(args: argparse.Namespace) -> pd.DataFrame:
    """All rows of the chosen benchmarks; written to the leaderboard and ``args.out``."""
    root = data_root(args.data_root)
    frames = []
    for benchmark in args.benchmarks:
        for task in nbsuitezero.tasks(root, benchmark):
            frame = task_rows(root, benchmark, task, args.bootstrap, args.top_fraction)
            args.out.mkdir(parents=True, exist_ok=True)
            frame.to_csv(args.out / f"{benchmark}_{task}.csv", index=False)
            frames.append(frame)
            print(f"{benchmark}/{task}: {len(frame)} proxies on {int(frame['n'].max())} architectures")
    rows = pd.concat(frames, ignore_index=True)
    leaderboard.update_correlations(args.leaderboard, rows)
    heatmap = task_heatmap.write(args.leaderboard, args.leaderboard.with_name(HEATMAP))
    print(f"heat map of every metric's Spearman on every task: {heatmap}")
    return rows


def main() -> int:
    """Entry point; a missing file or an unknown benchmark ends in a one-line error (exit status 2)."""
    parser = argparse.ArgumentParser(prog="bench nbsz-board", description=__doc__.splitlines()[0])
    parser.add_argument("--benchmarks", nargs="+", default=list(nbsuitezero.FILES))
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--top-fraction", type=float, default=0.1)
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--leaderboard", type=Path, default=Path("results/leaderboard/correlations.csv"))
    parser.add_argument("--out", type=Path, default=Path("results/nbsz"))
    args = parser.parse_args()
    try:
        run(args)
    except (ValueError, DataFileError) as err:
        print(f"bench nbsz-board: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
