"""Reference regime "score everything first" (RoBoT-style): not a budget-respecting searcher.

Scores every architecture of the space with ``metrics`` before the first query (the cost RoBoT,
He et al. ICLR 2024, and HNAS pay but do not tabulate), then queries, one at a time, the top unqueried
functional class of a robust ensemble: each metric's rank quantile over the whole space, weighted by its
Kendall τ with the validation accuracies queried so far (clipped at 0; equal weights before
``search.prior_gp.MIN_FIT`` queries), as :func:`search.prior_gp.metric_weights`. No surrogate: this shows
what full-space scoring alone buys, and its rows are labelled as a reference in the leaderboard docs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bench.core.space import Space
from search.oracle import Oracle
from search.prior_gp import DECIMALS, DEFAULT_METRICS, ScoredPool, metric_weights
from search.scores import ZCScores


def run(
    space: Space,
    oracle: Oracle,
    scores: ZCScores,
    rng: np.random.Generator,
    metrics: Sequence[str] = DEFAULT_METRICS,
) -> None:
    """Score all of ``space``, then query the top of the τ-weighted rank ensemble until the budget ends.

    ``rng`` is unused: the regime is deterministic (ties: the smallest arch index).
    """
    classes = space.canonical_indices()
    pool = ScoredPool(scores, metrics, len(space))
    pool.add(range(len(space)))
    ranks = pool.ranks()
    queried: list[int] = []
    accs: list[float] = []
    open_ = np.ones(len(space), dtype=bool)
    while open_.any():
        ensemble = np.round(ranks @ metric_weights(ranks[queried], accs), DECIMALS)
        pick = int(np.argmax(np.where(open_, ensemble, -np.inf)))
        accs.append(oracle.query(pick))
        queried.append(pick)
        open_ &= classes != classes[pick]
