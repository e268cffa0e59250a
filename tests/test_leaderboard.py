"""Leaderboard updates: rows replaced by key, and no row lost when processes write at once."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.apps.leaderboard import replace_rows, to_markdown, update_correlations, with_ci
from bench.core.stats import correlation_row, ndcg_at_k

KEY = ["job", "item"]


def _write_many(path: str, job: int, count: int) -> None:
    for item in range(count):
        replace_rows(
            Path(path), pd.DataFrame({"job": [job], "item": [item], "value": [job * 100 + item]}), KEY
        )


def test_replace_rows_replaces_by_key_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "board.csv"
    replace_rows(path, pd.DataFrame({"job": [1, 1], "item": [0, 1], "value": [10, 11]}), KEY)
    board = replace_rows(path, pd.DataFrame({"job": [1], "item": [1], "value": [99]}), KEY)
    assert sorted(map(tuple, board.to_numpy())) == [(1, 0, 10), (1, 1, 99)]
    assert pd.read_csv(path).equals(board)


def test_replace_rows_matches_numeric_keys_by_value(tmp_path: Path) -> None:
    """A run's budget 20 (int) replaces the row read back from the CSV as 20.0 (a float column, as a
    time-budget row leaves a NaN there); missing budgets (None / NaN) match each other."""
    path = tmp_path / "board.csv"
    key = ["algo", "max_queries", "max_seconds"]

    def rows(max_queries: int | None, max_seconds: int | None, acc: float) -> pd.DataFrame:
        return pd.DataFrame(
            {"algo": ["rea"], "max_queries": [max_queries], "max_seconds": [max_seconds], "acc": [acc]}
        )

    replace_rows(path, pd.concat([rows(20, None, 1.0), rows(None, 12000, 5.0)], ignore_index=True), key)
    board = replace_rows(path, rows(20, None, 2.0), key)
    assert sorted(board["acc"].tolist()) == [2.0, 5.0]
    board = replace_rows(path, rows(None, 12000, 6.0), key)
    assert sorted(board["acc"].tolist()) == [2.0, 6.0]


def test_concurrent_writers_lose_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "board.csv"
    jobs, count = 6, 15
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_write_many, args=(str(path), job, count)) for job in range(jobs)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    board = pd.read_csv(path)
    assert len(board) == jobs * count
    assert set(board["value"]) == {job * 100 + item for job in range(jobs) for item in range(count)}


def test_markdown_says_why_a_correlation_is_undefined() -> None:
    """Undefined correlations say why; the common-cell column shows ρ with its n, and ``–`` for a row
    written before the board had that column."""
    truth = np.linspace(80.0, 94.0, 20)
    rows = []
    for metric, scores in [("saturated", np.full(20, 64.0)), ("ranked", truth**2), ("older", -truth)]:
        row = correlation_row(scores, truth, higher_is_better=True, n_boot=50)
        row |= {"ndcg": ndcg_at_k(scores, truth, True, k=10), "ndcg_k": 10}
        common = {"n_common": row["n"], "spearman_common": row["spearman"]}
        if metric == "older":
            common = {"n_common": np.nan, "spearman_common": np.nan}
        rows.append(
            {
                "space": "nb101",
                "dataset": "cifar10",
                "protocol": "p",
                "target": "t",
                "metric": metric,
                **row,
                **common,
                "sample": "20",
                "sample_seed": 0,
                "setup_id": "abc",
            }
        )
    lines = to_markdown(pd.DataFrame(rows)).splitlines()
    saturated = next(line for line in lines if line.startswith("| saturated"))
    ranked = next(line for line in lines if line.startswith("| ranked"))
    older = next(line for line in lines if line.startswith("| older"))
    assert "undefined: constant scores or truth" in saturated and "nan" not in saturated
    assert saturated.endswith("| undefined: constant scores or truth (n = 20) |")
    assert ranked.startswith("| ranked | 1.000 [1.000, 1.000] | 1.000 [1.000, 1.000] |")
    assert ranked.endswith("| 1.000 (k = 10) | 0.000 | 1.000 (n = 20) |")
    assert older.startswith("| older | -1.000 [-1.000, -1.000] |") and older.endswith("| 0.000 | – |")
    worst = ndcg_at_k(-truth, truth, True, k=10)
    assert 0 < worst < 1 and f"| {worst:.3f} (k = 10) |" in older
    assert with_ci(float("nan"), float("nan"), float("nan"), 2) == "undefined: < 3 valid scores"


def test_correlation_board_keeps_ndcg_beside_the_correlations(tmp_path: Path) -> None:
    """nDCG@k and its cut-off go onto the board (CSV and markdown) with the run's other statistics."""
    truth = np.linspace(80.0, 94.0, 12)
    scores = truth.copy()
    scores[[0, -1]] = scores[[-1, 0]]  # the best and the worst swapped: nDCG well below 1
    row = correlation_row(scores, truth, higher_is_better=True, n_boot=0)
    ndcg = ndcg_at_k(scores, truth, True, k=5)
    rows = pd.DataFrame(
        [
            {
                "space": "nb201",
                "dataset": "cifar10",
                "protocol": "p",
                "target": "t",
                "metric": "swapped",
                **row,
                "ndcg": ndcg,
                "ndcg_k": 5,
                "n_common": row["n"],
                "spearman_common": row["spearman"],
                "direction": "higher",
                "sample": "all",
                "sample_seed": 0,
                "setup_id": "abc",
            }
        ]
    )
    path = tmp_path / "correlations.csv"
    update_correlations(path, rows)
    board = pd.read_csv(path)
    assert list(board.columns[board.columns.get_loc("nan_rate") + 1 :][:2]) == ["ndcg", "ndcg_k"]
    assert board.loc[0, "ndcg"] == pytest.approx(ndcg, rel=1e-9) and board.loc[0, "ndcg_k"] == 5
    assert ndcg < 0.9 and f"| {ndcg:.3f} (k = 5) |" in path.with_suffix(".md").read_text()
