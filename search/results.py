"""Harness entry point and result tables: one search run → a ``runs.csv`` row and ``trajectory.csv`` rows.

Which ground-truth columns a search reads is the benchmark's declaration
(:class:`bench.core.benchmarks.SearchColumns`, per dataset): the signal a query returns, the cost it is
charged, and the final column reported for the returned architecture (NB201: ``valid_acc_12ep``,
``train_seconds_12ep``, the 200-epoch ``test_acc_200ep``). Final values are looked up here, after the search;
the searcher only ever holds the :class:`~search.oracle.Oracle`. On a pool benchmark (``SearchColumns.pool``)
the searcher runs on the search dataset's covered architectures (:class:`search.pool.PoolSpace`); rows give
benchmark indices.

* runs row: ``algo, seed, dataset, max_queries, max_seconds, arch_index, arch_str, queries,
  simulated_seconds, zc_seconds, n_scored, valid_acc, test_acc_<dataset>`` for every dataset with declared
  search columns: that dataset's final column (NaN where its ground truth does not cover the arch), then
  ``signal``, ``reported`` (the search dataset's signal and final column names) and ``charged`` (its cost
  column, or ``queries only`` where the benchmark has no training time; ``simulated_seconds`` is then NaN).
  The final arch is the queried arch with the best validation signal (earliest on ties);
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

from bench.core.benchmarks import SearchColumns, benchmark_spec
from bench.core.groundtruth import GroundTruth, column
from bench.core.space import Space
from search.oracle import Budget, BudgetExhausted, Oracle, Query
from search.pool import PoolScores, PoolSpace
from search.registry import check_params, get_searcher
from search.scores import TrackedScores, ZCScores

QUERIES_ONLY = "queries only"
"""The ``charged`` value of runs on a benchmark without a training-time column."""
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
    columns: Mapping[str, SearchColumns] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run ``algo`` once with ``seed`` on ``dataset``'s validation signal under ``budget``; return its runs
    row and trajectory rows. ``label`` names the run in the rows' ``algo`` column (default: ``algo``);
    ``columns``: per dataset, the search columns (default: the registered benchmark ``space.name``'s).
    """
    searcher = get_searcher(algo)
    check_params(algo, params)
    columns = dict(benchmark_spec(space.name).search if columns is None else columns)
    if dataset not in columns:
        raise ValueError(f"benchmark {space.name!r} declares no search columns for dataset {dataset!r}")
    chosen = columns[dataset]
    if chosen.pool:
        members = column(truth, dataset, chosen.signal).index.to_numpy(dtype=np.int64)
        searched: Space = PoolSpace(space, members)
        scores = PoolScores(scores, members)
        oracle = Oracle.from_truth(truth, dataset, budget, chosen, members)
    else:
        members = np.arange(len(space), dtype=np.int64)
        searched = space
        oracle = Oracle.from_truth(truth, dataset, budget, chosen)
    tracked = TrackedScores(scores)
    with contextlib.suppress(BudgetExhausted):
        searcher(searched, ScoredCountNotes(oracle, tracked), tracked, np.random.default_rng(seed), **params)
    history = oracle.history
    if not history:
        raise RuntimeError(f"algo {algo!r} made no query within the budget")
    key = {"algo": label or algo, "seed": seed, "dataset": dataset}
    leaders = incumbents(history)
    best = leaders[-1]
    best_index = int(members[best.index])
    row = {
        **key,
        "max_queries": budget.max_queries,
        "max_seconds": budget.max_seconds,
        "arch_index": best_index,
        "arch_str": space.key(space.arch(best_index)),
        "queries": len(history),
        "simulated_seconds": history[-1].cumulative_seconds,
        "zc_seconds": tracked.zc_seconds,
        "n_scored": tracked.n_scored,
        "valid_acc": best.valid_acc,
        **{f"test_acc_{name}": value for name, value in report(truth, best_index, columns).items()},
        "signal": chosen.signal,
        "reported": chosen.final,
        "charged": chosen.cost or QUERIES_ONLY,
    }
    final = column(truth, dataset, chosen.final)
    trajectory = [
        {
            **key,
            "query": step,
            "simulated_seconds": query.cumulative_seconds,
            "arch_index": int(members[query.index]),
            "valid_acc": query.valid_acc,
            "incumbent_index": int(members[incumbent.index]),
            "incumbent_valid_acc": incumbent.valid_acc,
            "incumbent_test_acc": float(final.loc[members[incumbent.index]]),
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


def report(truth: GroundTruth, index: int, columns: Mapping[str, SearchColumns]) -> dict[str, float]:
    """The final value of ``index`` (NB201: 200-epoch test accuracy, %) on every dataset of ``truth`` that
    declares search ``columns``; NaN where that dataset's ground truth does not cover ``index``."""
    out = {}
    for name in truth.datasets():
        if name in columns:
            final = column(truth, name, columns[name].final)
            out[name] = float(final.loc[index]) if index in final.index else float("nan")
    return out


def summarize(runs: pd.DataFrame, by: Sequence[str] = ("algo",)) -> pd.DataFrame:
    """Per group: ``n_runs`` and ``<col>_mean`` / ``<col>_std`` of the numeric result columns."""
    columns = [*SUMMARY_COLUMNS, *(c for c in runs.columns if c.startswith("test_acc_"))]
    grouped = runs.groupby(list(by), dropna=False, sort=True)
    stats = grouped[columns].agg(["mean", "std"])
    stats.columns = [f"{name}_{stat}" for name, stat in stats.columns]
    return pd.concat([grouped.size().rename("n_runs"), stats], axis=1).reset_index()
