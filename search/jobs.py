"""One search job from a search.run config: the searcher's parameters, the metrics it reads, and the run.

Kept in its own importable module so that worker processes (``workers=N``) can unpickle :func:`run_job`
when search.run itself runs as ``__main__``.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

from omegaconf import DictConfig, OmegaConf

from bench.benchmarks import Benchmark, open_benchmark
from bench.scoring import ScoreEngine, engine_from_config
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


def algo_label(cfg: DictConfig, algo: str, single: bool) -> str:
    """The searcher's name in outputs and leaderboards: ``algo``, or ``algo[key=value,...]`` when it runs alone
    with ``params`` overrides, so that a variant gets its own rows instead of replacing the searcher's."""
    overrides = (OmegaConf.to_object(cfg.params) or {}) if single else {}
    if not overrides:
        return algo
    return f"{algo}[{','.join(f'{key}={value}' for key, value in sorted(overrides.items()))}]"


METRIC_PARAMETERS = ("metric", "condnum_metric")  # one metric name each
METRIC_LIST_PARAMETERS = ("metrics",)  # a list of metric names


def needed_metrics(algo: str, params: dict[str, Any]) -> list[str]:
    """The training-free metrics ``algo`` reads: its metric parameters, given or defaulted."""
    signature = inspect.signature(SEARCHERS[algo]).parameters
    defaults = {k: v.default for k, v in signature.items() if v.default is not inspect.Parameter.empty}
    chosen = {**defaults, **params}
    names = [chosen[k] for k in METRIC_PARAMETERS if k in chosen]
    names += [name for k in METRIC_LIST_PARAMETERS if k in chosen for name in chosen[k]]
    return list(dict.fromkeys(names))


@functools.cache
def shared_benchmark(space: str, root: str | None, groundtruth: str | None) -> Benchmark:
    """The benchmark, opened once per process (search jobs in worker processes reuse it)."""
    return open_benchmark(space, root, groundtruth)


_ENGINES: dict[tuple[str, str], ScoreEngine] = {}


def shared_engine(cfg: DictConfig, dataset: str) -> ScoreEngine:
    """``dataset``'s score engine, built once per process and config: jobs reuse its loaded score cache.

    (The engine reloads its cache only when the cache files change, so a reused engine stays current.)
    """
    key = (OmegaConf.to_yaml(cfg), dataset)
    if key not in _ENGINES:
        benchmark = shared_benchmark(cfg.space, cfg.data_root, cfg.groundtruth)
        progress = bool(cfg.progress) and int(cfg.workers) == 1
        _ENGINES[key] = engine_from_config(benchmark.space, dataset, cfg, progress)
    return _ENGINES[key]


SearchJob = tuple[str, str, int]  # (search dataset, algo, seed)


def run_job(cfg: DictConfig, job: SearchJob, single_algo: bool) -> tuple[dict, list[dict]]:
    """One search: ``algo`` with ``seed`` on ``dataset``'s signal; its runs.csv row and trajectory rows."""
    dataset, algo, seed = job
    benchmark = shared_benchmark(cfg.space, cfg.data_root, cfg.groundtruth)
    params = algo_params(cfg, algo, single=single_algo)
    engine = shared_engine(cfg, dataset)
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
        algo_label(cfg, algo, single_algo),
    )
