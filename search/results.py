"""Harness entry point and result tables: one search run → a ``runs.csv`` row and ``trajectory.csv`` rows.

Test accuracies (200-epoch ``test_acc_200ep``, %) are looked up here, after the search, from the
ground truth; the searcher only ever holds the :class:`~search.oracle.Oracle`.

* runs row: ``algo, seed, dataset, max_queries, max_seconds, arch_index, arch_str, queries,
  simulated_seconds, zc_seconds, n_scored, valid_acc, test_acc_<dataset>`` for every dataset of the
  ground truth. The final arch is the queried arch with the best validation accuracy (earliest on ties);
  ``simulated_seconds`` is the charged training time (s); ``zc_seconds`` the compute time (s) of the
  zero-cost scores the searcher requested, which is not charged to the budget (as in HNAS);
  ``n_scored`` the number of distinct architectures with a requested score (the "architectures
  scored" budget).
* trajectory rows, one per charged query: ``algo, seed, dataset, query`` (1-based count),
  ``simulated_seconds`` (cumulative), ``arch_index`` and ``valid_acc`` of the arch queried at that
  step, ``incumbent_index``, ``incumbent_valid_acc``, ``incumbent_test_acc`` (search dataset), plus
  ``n_scored`` (architectures scored when the query was made) and any note the searcher attached
  (HNAS: ``target_metric``, ``target_coeff``, ``pool_size``).
* summary: mean and standard deviation (pandas default, ddof = 1) per group of runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from bench.core.groundtruth import GroundTruth, column
from bench.core.space import Space
from search.oracle import Budget, BudgetExhausted, Oracle, Query
from search.registry import check_params, get_searcher
from search.scores import TrackedScores, ZCScores

TEST_COLUMN = "test_acc_200ep"
SUMMARY_COLUMNS = ("queries", "simulated_seconds", "zc_seconds", "n_scored", "valid_acc")


def run_search(
    algo: str,
    space: Space,
    truth: GroundTruth,
    *,
    dataset: str,
    scores: ZCScores,
    seed: int,
    budget: Budget,
    params: Mapping[str, Any],
    label: str | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run ``algo`` once with ``seed`` on ``dataset``'s validation signal under ``budget``; return its runs
    row and trajectory rows. ``label`` names the run in the rows' ``algo`` column (default: ``algo``).
    """
    searcher = get_searcher(algo)
    check_params(algo, params)
    oracle = Oracle.from_truth(truth, dataset, budget)
    tracked = TrackedScores(scores)
    with contextlib.suppress(BudgetExhausted):
        searcher(space, ScoredCountNotes(oracle, tracked), tracked, np.random.default_rng(seed), **params)
    history = oracle.history
    if not history:
        raise RuntimeError(f"algo {algo!r} made no query within the budget")
    key = {"algo": label or algo, "seed": seed, "dataset": dataset}
    leaders = incumbents(history)
    best = leaders[-1]
    row = {
        **key,
        "max_queries": budget.max_queries,
        "max_seconds": budget.max_seconds,
        "arch_index": best.index,
        "arch_str": space.key(space.arch(best.index)),
        "queries": len(history),
        "simulated_seconds": history[-1].cumulative_seconds,
        "zc_seconds": tracked.zc_seconds,
        "n_scored": tracked.n_scored,
        "valid_acc": best.valid_acc,
        **{f"test_acc_{name}": value for name, value in report(truth, best.index).items()},
    }
    test = column(truth, dataset, TEST_COLUMN)
    trajectory = [
        {
            **key,
            "query": step,
            "simulated_seconds": query.cumulative_seconds,
            "arch_index": query.index,
            "valid_acc": query.valid_acc,
            "incumbent_index": incumbent.index,
            "incumbent_valid_acc": incumbent.valid_acc,
            "incumbent_test_acc": float(test.loc[incumbent.index]),
            **query.note,
        }
        for step, (query, incumbent) in enumerate(zip(history, leaders, strict=True), start=1)
    ]
    return row, trajectory


class ScoredCountNotes:
    """The searcher's view of ``oracle``: every query's note also records ``n_scored``, the architectures whose
    training-free scores the searcher had requested by then (so trajectories can be drawn against that budget).
    Everything else is the oracle's."""

    def __init__(self, oracle: Oracle, tracked: TrackedScores) -> None:
        self._oracle, self._tracked = oracle, tracked

    def query(self, index: int, note: Mapping[str, float] | None = None) -> float:
        return self._oracle.query(index, {**(note or {}), "n_scored": self._tracked.n_scored})

    def __getattr__(self, name: str) -> Any:
        return getattr(self._oracle, name)

    def __len__(self) -> int:
        return len(self._oracle)


def incumbents(history: Sequence[Query]) -> list[Query]:
    """After each query, the query with the best validation accuracy so far (earliest on ties)."""
    out: list[Query] = []
    for query in history:
        out.append(query if not out or query.valid_acc > out[-1].valid_acc else out[-1])
    return out


def report(truth: GroundTruth, index: int) -> dict[str, float]:
    """200-epoch test accuracy (%) of ``index`` on every dataset of ``truth``."""
    return {name: float(column(truth, name, TEST_COLUMN).loc[index]) for name in truth.datasets()}


def summarize(runs: pd.DataFrame, by: Sequence[str] = ("algo",)) -> pd.DataFrame:
    """Per group: ``n_runs`` and ``<col>_mean`` / ``<col>_std`` of the numeric result columns."""
    columns = [*SUMMARY_COLUMNS, *(c for c in runs.columns if c.startswith("test_acc_"))]
    grouped = runs.groupby(list(by), dropna=False, sort=True)
    stats = grouped[columns].agg(["mean", "std"])
    stats.columns = [f"{name}_{stat}" for name, stat in stats.columns]
    return pd.concat([grouped.size().rename("n_runs"), stats], axis=1).reset_index()
