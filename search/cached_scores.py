"""Training-free scores for searchers, served by the correlation harness's score engine.

Scores come from the score cache (``bench.core.scoring``); any that are missing are computed on demand,
together with the other metrics the run needs, so one network build serves them all. The compute
seconds recorded with each cached score are what a searcher is charged as training-free cost.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

import numpy as np

from bench.core.scoring import ScoreEngine
from metrics import registry


class _ReadScores:
    """Scores of one engine and metric list read so far, as arrays over the whole space (NaN where unread)."""

    def __init__(self, size: int, metric_names: Sequence[str]) -> None:
        self.read = np.zeros(size, dtype=bool)
        self.columns = {
            column: np.full(size, np.nan) for name in metric_names for column in (name, f"{name}_seconds")
        }


_READ: weakref.WeakKeyDictionary[ScoreEngine, dict[tuple[str, ...], _ReadScores]] = (
    weakref.WeakKeyDictionary()
)
"""Per engine and metric list, the scores read so far: shared by every search of the process on that engine
(a cached score never changes for an engine's setup), so the 20 seeds of a preset read each architecture once."""


class EngineScores:
    """A :class:`search.scores.ZCScores` backed by a :class:`bench.core.scoring.ScoreEngine`.

    Each architecture's scores are read from the engine once per process (computed first if missing) and then
    served from arrays over the whole space: searchers ask for the same architectures again and again.

    Args:
        engine: the score engine of the space and scoring setup.
        metric_names: every metric the run may ask for; missing scores are computed for all of them at once.
    """

    def __init__(self, engine: ScoreEngine, metric_names: Sequence[str]) -> None:
        self.engine = engine
        # sorted: the engine keeps one wide table per name list, and checks its cache with the sorted list
        self.metric_names = sorted({registry.get(name).name for name in metric_names})
        by_names = _READ.setdefault(engine, {})
        key = tuple(self.metric_names)
        if key not in by_names:
            by_names[key] = _ReadScores(len(engine.space), self.metric_names)
        self._scores = by_names[key]

    def get(self, metric: str, indices: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        if metric not in self.metric_names:
            raise KeyError(f"metric {metric!r} was not declared for this run; declared: {self.metric_names}")
        wanted = np.asarray(indices, dtype=np.int64)
        read, columns = self._scores.read, self._scores.columns
        unread = np.unique(wanted[~read[wanted]])
        if unread.size:
            self.engine.ensure(unread, self.metric_names)
            table = self.engine.table(unread, self.metric_names)
            for column, values in columns.items():
                values[unread] = table[column].to_numpy(dtype=float)
            read[unread] = True
        return columns[metric][wanted], columns[f"{metric}_seconds"][wanted]

    def higher_is_better(self, metric: str) -> bool:
        return registry.get(metric).higher_is_better
