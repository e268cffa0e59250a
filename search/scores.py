"""Zero-cost (training-free) scores as searchers see them.

:class:`ZCScores` is the protocol: ``get`` returns raw metric values (NaN where the metric failed)
and the compute seconds per architecture; ``higher_is_better`` gives the declared direction.
:class:`TableScores` serves precomputed values from a table; an engine computing scores on demand
satisfies the same protocol. :class:`TrackedScores` wraps any source and adds up the compute
seconds a searcher caused, once per distinct (metric, architecture) pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd


class ZCScores(Protocol):
    """A source of zero-cost scores per architecture index."""

    def get(self, metric: str, indices: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Raw values of ``metric`` for ``indices`` (NaN where it failed) and compute seconds per arch."""
        ...

    def higher_is_better(self, metric: str) -> bool:
        """Whether larger values of ``metric`` predict better architectures."""
        ...


class TableScores:
    """Scores from a table indexed by ``arch_index`` with columns ``<metric>`` and ``<metric>_seconds``.

    Args:
        frame: the table; ``<metric>_seconds`` is the compute time (s) of ``<metric>`` on that arch.
        directions: metric name → higher-is-better; every metric named must have both columns.
    """

    def __init__(self, frame: pd.DataFrame, directions: dict[str, bool]) -> None:
        for metric in directions:
            missing = [c for c in (metric, f"{metric}_seconds") if c not in frame.columns]
            if missing:
                raise ValueError(f"score table lacks column(s) {missing} for metric {metric!r}")
        self._frame = frame
        self._directions = dict(directions)

    def _check(self, metric: str) -> None:
        if metric not in self._directions:
            raise KeyError(f"unknown metric {metric!r}; available: {', '.join(sorted(self._directions))}")

    def get(self, metric: str, indices: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        self._check(metric)
        wanted = np.asarray(indices, dtype=np.int64)
        rows = self._frame.index.get_indexer(wanted)
        if (rows < 0).any():
            absent = wanted[rows < 0]
            raise KeyError(
                f"score table has no row for {len(absent)} requested architecture(s) "
                f"(metric {metric!r}), e.g. arch_index {absent[:5].tolist()}"
            )
        values = self._frame[metric].to_numpy(dtype=float)[rows]
        seconds = self._frame[f"{metric}_seconds"].to_numpy(dtype=float)[rows]
        return values, seconds

    def higher_is_better(self, metric: str) -> bool:
        self._check(metric)
        return self._directions[metric]


class TrackedScores:
    """A :class:`ZCScores` wrapper recording which (metric, arch) pairs were requested.

    ``zc_seconds`` is the searcher's training-free cost: the compute seconds of every distinct
    requested pair, each counted once (NaN seconds count as 0). ``n_scored`` is the other side of that
    budget: the number of distinct architectures with at least one requested score.
    """

    def __init__(self, inner: ZCScores) -> None:
        self._inner = inner
        self._seconds: dict[tuple[str, int], float] = {}
        self._archs: set[int] = set()

    def get(self, metric: str, indices: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        values, seconds = self._inner.get(metric, indices)
        archs = np.asarray(indices, dtype=np.int64).tolist()
        costs = np.nan_to_num(np.asarray(seconds, dtype=float)).tolist()
        for index, cost in zip(archs, costs, strict=True):
            self._seconds.setdefault((metric, index), cost)
        self._archs.update(archs)
        return values, seconds

    def higher_is_better(self, metric: str) -> bool:
        return self._inner.higher_is_better(metric)

    @property
    def n_scored(self) -> int:
        """Distinct architectures whose training-free scores were requested so far."""
        return len(self._archs)

    @property
    def zc_seconds(self) -> float:
        """Compute seconds of all distinct (metric, arch) pairs requested so far."""
        return float(sum(self._seconds.values()))
