"""The search app's jobs: its config turned into typed settings once, and one (dataset, algo, seed) run.

Kept in its own module so that worker processes (``workers=N``) can unpickle :func:`run_job`; a job carries
:class:`SearchSettings` (plain values), never the Hydra config.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from bench.apps.config import config_names, scoring_options
from bench.core.benchmarks import Benchmark, open_benchmark
from bench.core.paths import data_root
from bench.core.plugins import load_plugins
from bench.core.scoring import ScoreEngine, ScoringOptions, whole_number
from search.api import run as run_search_once


def algo_params(cfg: DictConfig, algo: str, single: bool) -> dict[str, Any]:
    """Per-searcher defaults from ``algo_params``, overridden by ``params`` when one algo runs alone."""
    defaults = cfg.algo_params.get(algo)
    params = dict(OmegaConf.to_object(defaults)) if defaults is not None else {}
    if single:
        params.update(OmegaConf.to_object(cfg.params) or {})
    return params


def algo_label(cfg: DictConfig, algo: str, single: bool) -> str:
    """The searcher's name in outputs and leaderboards: ``algo``, or ``algo[key=value,...]`` when it runs alone
    with ``params`` overrides, so that a variant gets its own rows instead of replacing the searcher's."""
    overrides = (OmegaConf.to_object(cfg.params) or {}) if single else {}
    if not overrides:
        return algo
    return f"{algo}[{','.join(f'{key}={value}' for key, value in sorted(overrides.items()))}]"


@dataclass(frozen=True)
class SearchSettings:
    """Everything a search job needs from the app's config, as plain values.

    Attributes:
        space, root, groundtruth: the benchmark and where its data lives (``root`` ``None``: found automatically).
        cache_dir: the score cache; scoring: how missing scores are computed.
        max_queries, max_seconds: the budget of every run.
        params, labels: per algo, its parameters and its name in the outputs.
        plugins: modules to import in each worker before running (their metrics and searchers register).
        progress: show the scoring progress bar (single process only).
        scores_source: where training-free scores come from (``search.external_scores.SCORE_SOURCES``).
    """

    space: str
    root: str | None
    groundtruth: str | None
    cache_dir: str
    scoring: ScoringOptions
    max_queries: int | None
    max_seconds: float | None
    params: dict[str, dict[str, Any]] = field(hash=False)
    labels: dict[str, str] = field(hash=False)
    plugins: tuple[str, ...] = ()
    progress: bool = False
    scores_source: str = "cache"

    def __post_init__(self) -> None:
        # frozen: the checked values (20.0 queries as 20, 600 seconds as 600.0) are set through object.__setattr__
        if self.max_queries is not None:
            object.__setattr__(self, "max_queries", whole_number("budget.queries", self.max_queries, low=1))
        if self.max_seconds is not None:
            seconds = self.max_seconds
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds > 0:
                raise ValueError(
                    f"budget.seconds={seconds!r} is invalid: must be a number > 0 (seconds), or null"
                )
            object.__setattr__(self, "max_seconds", float(seconds))

    @classmethod
    def from_config(cls, cfg: DictConfig, algos: list[str]) -> SearchSettings:
        """The settings of ``cfg`` for ``algos`` (parameters and labels resolved per algo)."""
        single = len(algos) == 1
        return cls(
            space=str(cfg.space),
            root=cfg.data_root,
            groundtruth=cfg.groundtruth,
            cache_dir=str(cfg.cache_dir),
            scoring=scoring_options(cfg.scoring),
            max_queries=cfg.budget.queries,
            max_seconds=cfg.budget.seconds,
            params={algo: algo_params(cfg, algo, single) for algo in algos},
            labels={algo: algo_label(cfg, algo, single) for algo in algos},
            plugins=tuple(config_names(cfg.plugins)) if cfg.get("plugins") else (),
            progress=bool(cfg.progress) and int(cfg.workers) == 1,
            scores_source=str(cfg.get("scores_source", "cache")),
        )


@functools.cache
def shared_benchmark(space: str, root: str | None, groundtruth: str | None) -> Benchmark:
    """The benchmark, opened once per process (search jobs in worker processes reuse it)."""
    return open_benchmark(space, root, groundtruth)


_ENGINES: dict[tuple[str, str], ScoreEngine] = {}


def shared_engine(settings: SearchSettings, dataset: str) -> ScoreEngine:
    """``dataset``'s score engine, built once per process and settings: jobs reuse its loaded score cache.

    (The engine reloads its cache only when the cache files change, so a reused engine stays current.)
    """
    key = (
        repr((settings.space, settings.root, settings.cache_dir, settings.scoring, settings.progress)),
        dataset,
    )
    if key not in _ENGINES:
        benchmark = shared_benchmark(settings.space, settings.root, settings.groundtruth)
        _ENGINES[key] = settings.scoring.engine(
            benchmark.space, dataset, Path(settings.cache_dir), data_root(settings.root), settings.progress
        )
    return _ENGINES[key]


SearchJob = tuple[str, str, int]  # (search dataset, algo, seed)


def run_job(settings: SearchSettings, job: SearchJob) -> tuple[dict, list[dict]]:
    """One search: ``algo`` with ``seed`` on ``dataset``'s signal; its runs.csv row and trajectory rows."""
    dataset, algo, seed = job
    load_plugins(settings.plugins)
    benchmark = shared_benchmark(settings.space, settings.root, settings.groundtruth)
    result = run_search_once(
        benchmark,
        algo,
        seed=seed,
        dataset=dataset,
        queries=settings.max_queries,
        seconds=settings.max_seconds,
        params=settings.params[algo],
        label=settings.labels[algo],
        engine=shared_engine(settings, dataset) if settings.scores_source == "cache" else None,
        scores_source=settings.scores_source,
    )
    return result.row, result.trajectory.to_dict("records")
