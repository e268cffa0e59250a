"""Searcher names → functions, with clear errors for unknown names and parameters."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from functools import partial
from typing import Any, Protocol

import numpy as np

from bench.core.space import Space
from search import bo, full_space, hnas, local, prior_gp, random_search, rea, reinforce, zc
from search.oracle import Oracle
from search.scores import ZCScores


class Searcher(Protocol):
    """Queries ``oracle`` until it raises :class:`search.oracle.BudgetExhausted` (or finishes)."""

    def __call__(
        self, space: Space, oracle: Oracle, scores: ZCScores, rng: np.random.Generator, **params: Any
    ) -> None: ...


SEARCHERS: dict[str, Searcher] = {
    "random": random_search.run,
    "rea": rea.run,
    "reinforce": reinforce.run,
    "bo": bo.run,
    "local": local.run,
    "zc_only": zc.run_zc_only,
    "zc_warmup_rea": zc.run_warmup_rea,
    "hnas": hnas.run,  # HNAS (Trace): M = ntk_trace
    # the paper's other variants: M = GradNorm, SNIP or GraSP; κ is always the NTK condition number
    "hnas_grad_norm": partial(hnas.run, metric="grad_norm"),
    "hnas_snip": partial(hnas.run, metric="snip"),
    "hnas_grasp": partial(hnas.run, metric="grasp"),
    "prior_gp": prior_gp.run,  # BO with a training-free prior mean on an adaptively scored pool (≤ 3,000 archs)
    "full_space_ensemble": full_space.run,  # reference: scores all 15,625 archs first (RoBoT-style)
}

_FIXED = ("space", "oracle", "scores", "rng")
METRIC_PARAMETERS = (
    "metric",
    "condnum_metric",
)  # parameters naming one training-free metric a searcher reads
METRIC_LIST_PARAMETERS = ("metrics",)  # parameters naming a list of them


def register_searcher(name: str, searcher: Searcher) -> Searcher:
    """Add ``searcher`` under ``name`` (a plug-in's own searcher); ``ValueError`` if the name is taken."""
    if name in SEARCHERS:
        raise ValueError(f"searcher {name!r} is registered twice")
    SEARCHERS[name] = searcher
    return searcher


def needed_metrics(algo: str, params: Mapping[str, Any]) -> list[str]:
    """The training-free metrics ``algo`` reads: its metric parameters, given or defaulted."""
    signature = inspect.signature(get_searcher(algo)).parameters
    defaults = {k: v.default for k, v in signature.items() if v.default is not inspect.Parameter.empty}
    chosen = {**defaults, **params}
    names = [chosen[k] for k in METRIC_PARAMETERS if k in chosen]
    names += [name for k in METRIC_LIST_PARAMETERS if k in chosen for name in chosen[k]]
    return list(dict.fromkeys(names))


def get_searcher(algo: str) -> Searcher:
    """The searcher registered as ``algo``; ``ValueError`` naming the valid choices otherwise."""
    if algo not in SEARCHERS:
        raise ValueError(f"unknown algo {algo!r}; valid choices: {', '.join(SEARCHERS)}")
    return SEARCHERS[algo]


def check_params(algo: str, params: Mapping[str, Any]) -> None:
    """``ValueError`` if ``params`` has a name ``algo`` does not take or lacks a required one."""
    signature = inspect.signature(get_searcher(algo)).parameters
    accepted = [name for name in signature if name not in _FIXED]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {unknown} for algo {algo!r}; valid: {', '.join(accepted) or 'none'}"
        )
    missing = [n for n in accepted if signature[n].default is inspect.Parameter.empty and n not in params]
    if missing:
        raise ValueError(f"algo {algo!r} needs parameter(s): {', '.join(missing)}")
