"""Training-free scores for searchers, served by the correlation harness's score engine.

Scores come from the score cache (``bench.core.scoring``); any that are missing are computed on demand,
together with the other metrics the run needs, so one network build serves them all. The compute
seconds recorded with each cached score are what a searcher is charged as training-free cost.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bench.core.scoring import ScoreEngine
from metrics import registry


class EngineScores:
    """A :class:`search.scores.ZCScores` backed by a :class:`bench.core.scoring.ScoreEngine`.

    Args:
        engine: the score engine of the space and scoring setup.
        metric_names: every metric the run may ask for; missing scores are computed for all of them at once.
    """

    def __init__(self, engine: ScoreEngine, metric_names: Sequence[str]) -> None:
        self.engine = engine
        # sorted: the engine keeps one wide table per name list, and checks its cache with the sorted list
        self.metric_names = sorted({registry.get(name).name for name in metric_names})

    def get(self, metric: str, indices: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        if metric not in self.metric_names:
            raise KeyError(f"metric {metric!r} was not declared for this run; declared: {self.metric_names}")
        self.engine.ensure(indices, self.metric_names)
        table = self.engine.table(indices, self.metric_names)
        return table[metric].to_numpy(dtype=float), table[f"{metric}_seconds"].to_numpy(dtype=float)

    def higher_is_better(self, metric: str) -> bool:
        return registry.get(metric).higher_is_better
