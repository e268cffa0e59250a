"""`python -m bench search` gives the same runs whether its searches run in one process or in parallel worker processes.

Run through the real entry point (``python -m bench search``), where the
worker processes must import the job function from ``bench.apps.search_jobs``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent


def run_with_workers(workers: int, out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    command = [
        sys.executable,
        "-m",
        "bench",
        "search",
        "algo=[random,rea]",
        "seeds=3",
        "budget.queries=15",
        "progress=false",
        f"workers={workers}",
        f"out_dir={out}",
        f"leaderboard={out / 'search.csv'}",
        f"cache_dir={out / 'scores'}",
        f"hydra.run.dir={out / 'hydra'}",
    ]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return pd.read_csv(out / "runs.csv"), pd.read_csv(out / "trajectory.csv")


def test_parallel_workers_give_the_same_runs_in_the_same_order(tmp_path: Path) -> None:
    runs_1, trajectory_1 = run_with_workers(1, tmp_path / "one")
    runs_2, trajectory_2 = run_with_workers(2, tmp_path / "two")
    assert len(runs_1) == 6 and runs_1["arch_index"].nunique() > 1
    pd.testing.assert_frame_equal(runs_1, runs_2)
    pd.testing.assert_frame_equal(trajectory_1, trajectory_2)
