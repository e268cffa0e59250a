"""The Python API of the search layer: one call runs one searcher once on a benchmark.

>>> import bench, search
>>> benchmark = bench.open_benchmark("nb201")
>>> result = search.run(benchmark, "rea", seed=0, queries=20, dataset="cifar10")
>>> result.row["test_acc_cifar10"]

Searchers that read training-free scores get them from the score cache (``cache_dir``), computed where
missing with ``scoring`` (:class:`bench.core.scoring.ScoringOptions`), exactly as ``python -m bench search``
does; the result equals the CLI's row for the same seed and budget.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from bench.core.benchmarks import Benchmark
from bench.core.paths import REPO_ROOT, data_root
from bench.core.scoring import ScoreEngine, ScoringOptions
from search.cached_scores import EngineScores
from search.external_scores import SCORE_SOURCES, nb_suite_zero_scores
from search.oracle import Budget
from search.registry import get_searcher, needed_metrics
from search.results import run_search

DEFAULT_CACHE = REPO_ROOT / "results" / "scores"


@dataclass(frozen=True)
class SearchResult:
    """One search run.

    Attributes:
        row: the ``runs.csv`` row: the returned architecture, queries and simulated seconds spent, its
            validation accuracy and 200-epoch test accuracy (%) on every dataset of the benchmark.
        trajectory: one row per charged query (the incumbent after it), as in ``trajectory.csv``.
    """

    row: dict[str, Any]
    trajectory: pd.DataFrame = field(repr=False)


def run(
    benchmark: Benchmark,
    algo: str,
    *,
    seed: int = 0,
    dataset: str = "cifar10",
    queries: int | None = 20,
    seconds: float | None = None,
    params: Mapping[str, Any] | None = None,
    label: str | None = None,
    engine: ScoreEngine | None = None,
    cache_dir: str | Path = DEFAULT_CACHE,
    root: str | Path | None = None,
    scoring: ScoringOptions | None = None,
    progress: bool = False,
    scores_source: str = "cache",
) -> SearchResult:
    """Run searcher ``algo`` with ``seed`` on ``dataset``'s 12-epoch validation signal.

    Args:
        benchmark: from :func:`bench.open_benchmark`.
        algo: a registered searcher (``search.registry.SEARCHERS``).
        seed: seed of the searcher's random generator.
        dataset: whose validation accuracy is the search signal (and whose scores the searcher reads).
        queries, seconds: the budget: most distinct architectures queried, most simulated training seconds
            charged (``None``: no limit on that one).
        params: the searcher's own parameters (e.g. ``{"metric": "synflow"}``).
        label: the name in the row's ``algo`` column (default ``algo``).
        engine: the score engine to read training-free scores from (default: one for ``scoring`` on
            ``dataset`` under ``cache_dir``, with images from the data root ``root``).
        scores_source: ``cache`` (the score engine) or ``nb-suite-zero`` (their files' proxy scores,
            :mod:`search.external_scores`); the row's ``scores_source`` column records it.
    """
    params = dict(params or {})
    get_searcher(algo)
    benchmark.spec.check_dataset(dataset)
    if scores_source not in SCORE_SOURCES:
        raise ValueError(f"unknown scores_source {scores_source!r}; valid: {', '.join(SCORE_SOURCES)}")
    metric_names = needed_metrics(algo, params)
    scores = None
    if metric_names and scores_source == "nb-suite-zero":
        scores = nb_suite_zero_scores(benchmark.truth, dataset, metric_names)
    elif metric_names:
        if engine is None:
            options = scoring or ScoringOptions()
            engine = options.engine(benchmark.space, dataset, Path(cache_dir), data_root(root), progress)
        scores = EngineScores(engine, metric_names)
    row, trajectory = run_search(
        algo,
        benchmark.space,
        benchmark.truth,
        dataset=dataset,
        scores=scores,  # type: ignore[arg-type]
        seed=seed,
        budget=Budget(queries, seconds),
        params=params,
        label=label,
    )
    return SearchResult(
        {**row, "scores_source": scores_source if metric_names else "none"}, pd.DataFrame(trajectory)
    )
