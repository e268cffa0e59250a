"""One search job from a search.run config: the searcher's parameters, the metrics it reads, and the run.

Kept in its own importable module so that worker processes (``workers=N``) can unpickle :func:`run_job`
when search.run itself runs as ``__main__``.
"""

from __future__ import annotations

import functools
import inspect
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from bench.benchmarks import Benchmark, open_benchmark
from bench.paths import data_root
from bench.scoring import ScoreEngine, resolve_device, setup_from_config
from search.cached_scores import EngineScores
from search.registry import SEARCHERS
from search.results import run_search


def algo_params(cfg: DictConfig, algo: str, single: bool) -> dict[str, Any]:
    """Per-searcher defaults from ``algo_params``, overridden by ``params`` when one algo runs alone."""
    defaults = cfg.algo_params.get(algo)
    params = dict(OmegaConf.to_object(defaults)) if defaults is not None else {}
    if single:
        params.update(OmegaConf.to_object(cfg.params) or {})
    return params


METRIC_PARAMETERS = ("metric", "condnum_metric")


def needed_metrics(algo: str, params: dict[str, Any]) -> list[str]:
    """The training-free metrics ``algo`` reads: its metric parameters, given or defaulted."""
    signature = inspect.signature(SEARCHERS[algo]).parameters
    defaults = {k: v.default for k, v in signature.items() if v.default is not inspect.Parameter.empty}
    chosen = {**defaults, **params}
    return [chosen[k] for k in METRIC_PARAMETERS if k in chosen]


@functools.cache
def shared_benchmark(space: str, root: str | None, groundtruth: str | None) -> Benchmark:
    """The benchmark, opened once per process (search jobs in worker processes reuse it)."""
    return open_benchmark(space, root, groundtruth)


SearchJob = tuple[str, str, int]  # (search dataset, algo, seed)


def run_job(cfg: DictConfig, job: SearchJob, single_algo: bool) -> tuple[dict, list[dict]]:
    """One search: ``algo`` with ``seed`` on ``dataset``'s signal; its runs.csv row and trajectory rows."""
    dataset, algo, seed = job
    benchmark = shared_benchmark(cfg.space, cfg.data_root, cfg.groundtruth)
    params = algo_params(cfg, algo, single=single_algo)
    engine = ScoreEngine(
        benchmark.space,
        setup_from_config(cfg.space, dataset, cfg.scoring),
        Path(cfg.cache_dir),
        data_root(cfg.data_root),
        bool(cfg.scoring.share_canonical),
        resolve_device(cfg.scoring.device),
        progress=bool(cfg.progress) and int(cfg.workers) == 1,
    )
    return run_search(
        algo,
        benchmark.space,
        benchmark.truth,
        dataset,
        EngineScores(engine, needed_metrics(algo, params)),
        seed,
        cfg.budget.queries,
        cfg.budget.seconds,
        params,
    )
