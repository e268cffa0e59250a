"""Searchers driven by one zero-cost metric: ``zc_only`` and ``zc_warmup_rea``.

* ``zc_only`` (NASWOT-style, Mellor et al. 2021): score ``n_samples`` distinct uniformly random
  archs (default 1000; NASWOT reports N = 10, 100 and 1000) and query only the best-scoring one,
  once, so that the run reports its validation accuracy. The budget is charged that one query.
* ``zc_warmup_rea`` (Abdelfattah et al. 2021, "warmup"): score ``n_samples`` random archs (default
  3000), query the top ``population_size`` (default 10) as REA's initial population, then continue
  regularised evolution (:mod:`search.rea`).

Architectures whose metric failed (NaN) are never chosen.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bench.core.space import Space
from search.oracle import Oracle
from search.rea import evolve
from search.scores import ZCScores


def top_by_metric(scores: ZCScores, metric: str, indices: Sequence[int], k: int) -> list[int]:
    """The ``k`` best of ``indices`` by ``metric`` in its declared direction (ties: input order)."""
    values, _ = scores.get(metric, indices)
    finite = np.flatnonzero(np.isfinite(values))
    if not len(finite):
        raise ValueError(f"metric {metric!r} failed (NaN) on all {len(indices)} sampled architectures")
    sign = -1.0 if scores.higher_is_better(metric) else 1.0
    order = finite[np.argsort(sign * values[finite], kind="stable")]
    return [int(indices[i]) for i in order[:k]]


def run_zc_only(
    space: Space,
    oracle: Oracle,
    scores: ZCScores,
    rng: np.random.Generator,
    metric: str,
    n_samples: int = 1000,
) -> None:
    """Query the best of ``n_samples`` random archs by ``metric``, and nothing else."""
    pool = space.sample(rng, min(n_samples, len(space)))
    oracle.query(top_by_metric(scores, metric, pool, 1)[0])


def run_warmup_rea(
    space: Space,
    oracle: Oracle,
    scores: ZCScores,
    rng: np.random.Generator,
    metric: str,
    n_samples: int = 3000,
    population_size: int = 10,
    sample_size: int = 3,
) -> None:
    """REA whose initial population is the top ``population_size`` of ``n_samples`` by ``metric``."""
    pool = space.sample(rng, min(n_samples, len(space)))
    evolve(space, oracle, rng, top_by_metric(scores, metric, pool, population_size), sample_size)
