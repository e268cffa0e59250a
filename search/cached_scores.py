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

    Each architecture's scores are read from the engine once (computed first if missing) and then served
    from arrays over the whole space: searchers ask for the same architectures again and again.

    Args:
        engine: the score engine of the space and scoring setup.
        metric_names: every metric the run may ask for; missing scores are computed for all of them at once.
    """

    def __init__(self, engine: ScoreEngine, metric_names: Sequence[str]) -> None:
        self.engine = engine
        # sorted: the engine keeps one wide table per name list, and checks its cache with the sorted list
        self.metric_names = sorted({registry.get(name).name for name in metric_names})
        size = len(engine.space)
        self._read = np.zeros(size, dtype=bool)
        self._columns = {
            column: np.full(size, np.nan)
            for name in self.metric_names
            for column in (name, f"{name}_seconds")
        }

    def get(self, metric: str, indices: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        if metric not in self.metric_names:
            raise KeyError(f"metric {metric!r} was not declared for this run; declared: {self.metric_names}")
        wanted = np.asarray(indices, dtype=np.int64)
        unread = np.unique(wanted[~self._read[wanted]])
        if unread.size:
            self.engine.ensure(unread, self.metric_names)
            table = self.engine.table(unread, self.metric_names)
            for column, values in self._columns.items():
                values[unread] = table[column].to_numpy(dtype=float)
            self._read[unread] = True
        return self._columns[metric][wanted], self._columns[f"{metric}_seconds"][wanted]

    def higher_is_better(self, metric: str) -> bool:
        return registry.get(metric).higher_is_better
