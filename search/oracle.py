"""The budgeted oracle that searchers query for validation accuracy (simulated training).

A query of architecture ``index`` returns its validation signal and charges its simulated training time
(seconds) to a :class:`Budget`. Which ground-truth columns these are is the benchmark's declaration
(:class:`bench.core.benchmarks.SearchColumns`; NB201: the 12-epoch validation accuracy ``valid_acc_12ep``, for
CIFAR-10 the ``cifar10-valid`` split, charged ``train_seconds_12ep``). A benchmark without a training-time
column is budgeted in queries only: every query costs NaN seconds and a time budget is refused.

Budget conventions (explicit, because papers differ):

* A repeat query of an architecture already queried returns the cached value and costs nothing.
* A new query is refused (:class:`BudgetExhausted`) when it would make the query count exceed
  ``max_queries`` or the cumulative simulated seconds exceed ``max_seconds``. The refused query is
  not charged and the oracle closes: every later new query is refused too, even a cheaper one. So
  the search stops at the first query that does not fit and the budget is never exceeded. (The
  NAS-Bench-201 / NATS-Bench reference loops instead let the query that crosses the time budget
  through and stop after it, overshooting by at most one query; here the total stays at or below
  the budget, undershooting by less than one query.)
* Two guards stop searchers that could otherwise loop forever on free repeats: once every
  architecture has been queried, any query raises; and ``max_repeats`` consecutive repeat queries
  (a converged policy, a population stuck in a fully explored region) raise as well.

The oracle keeps no reference to the ground-truth frame: it copies the two columns it needs into
private arrays, so a searcher holding it cannot reach test accuracies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from bench.core.benchmarks import SearchColumns
from bench.core.groundtruth import GroundTruth, column

MAX_REPEATS = 10_000


class BudgetExhausted(Exception):
    """A query was refused: the budget is spent, the space is fully queried, or the search stalled."""


@dataclass(frozen=True)
class Budget:
    """Search budget; ``None`` means unlimited.

    Attributes:
        max_queries: most distinct architectures that may be queried.
        max_seconds: most cumulative simulated training seconds that may be charged.
    """

    max_queries: int | None = None
    max_seconds: float | None = None

    def __post_init__(self) -> None:
        if self.max_queries is not None and self.max_queries < 1:
            raise ValueError(f"max_queries must be at least 1 or None, got {self.max_queries}")
        if self.max_seconds is not None and not self.max_seconds > 0:
            raise ValueError(f"max_seconds must be positive or None, got {self.max_seconds}")

    def refusal(self, queries: int, seconds: float, cost: float) -> str | None:
        """Why one more query costing ``cost`` seconds does not fit after ``queries`` / ``seconds``."""
        if self.max_queries is not None and queries + 1 > self.max_queries:
            return f"query budget of {self.max_queries} queries is spent"
        if self.max_seconds is not None and seconds + cost > self.max_seconds:
            return (
                f"a query costing {cost:.1f} s would exceed the time budget of {self.max_seconds:.1f} s "
                f"({seconds:.1f} s used)"
            )
        return None


@dataclass(frozen=True)
class Query:
    """One charged query.

    Attributes:
        index: architecture index in the benchmark order.
        valid_acc: validation accuracy returned (%).
        seconds: simulated training seconds charged for it.
        cumulative_seconds: simulated seconds charged so far, this query included.
        note: per-step values the searcher attached (e.g. HNAS's BO parameters).
    """

    index: int
    valid_acc: float
    seconds: float
    cumulative_seconds: float
    note: Mapping[str, float] = field(default_factory=dict)


class Oracle:
    """Validation accuracy of architectures, charged to a budget, cached per architecture.

    Args:
        valid_acc: validation signal (higher is better; NB201: accuracy in %) per architecture index.
        train_seconds: simulated training seconds charged per architecture index (all NaN: queries only, and
            then ``budget.max_seconds`` must be ``None``).
        budget: the limits on queries and seconds.
        max_repeats: consecutive free repeat queries after which the search counts as stalled.
    """

    __slots__ = ("_budget", "_cache", "_closed", "_cost", "_history", "_max_repeats", "_repeats", "_valid")

    def __init__(
        self, valid_acc: np.ndarray, train_seconds: np.ndarray, budget: Budget, max_repeats: int = MAX_REPEATS
    ) -> None:
        self._valid = np.array(valid_acc, dtype=float)
        self._cost = np.array(train_seconds, dtype=float)
        if self._valid.shape != self._cost.shape or self._valid.ndim != 1:
            raise ValueError("valid_acc and train_seconds must be 1-D arrays of the same length")
        if budget.max_seconds is not None and np.isnan(self._cost).any():
            raise ValueError(
                f"a time budget ({budget.max_seconds:g} s) needs a training time for every architecture; "
                "this benchmark has none (budget in queries only: budget.seconds=null)"
            )
        self._budget = budget
        self._max_repeats = max_repeats
        self._cache: dict[int, float] = {}
        self._history: list[Query] = []
        self._closed: str | None = None
        self._repeats = 0

    @classmethod
    def from_truth(
        cls,
        truth: GroundTruth,
        dataset: str,
        budget: Budget,
        columns: SearchColumns,
        indices: np.ndarray | None = None,
    ) -> Oracle:
        """An oracle over ``truth``'s ``dataset`` frame, copying only ``columns``' signal and cost columns.

        ``indices``: the architectures (ground-truth index values) the oracle covers, in its own order 0..n-1
        (a search pool); ``None``: the frame must be indexed 0..n-1 and the oracle covers all of it.
        """
        valid = column(truth, dataset, columns.signal)
        if indices is None:
            if not (valid.index == np.arange(len(valid))).all():
                raise ValueError(f"{truth.space}/{dataset} ground truth must be indexed 0..{len(valid) - 1}")
            indices = valid.index.to_numpy()
        signal = valid.loc[indices].to_numpy(dtype=float)
        if columns.cost is None:
            return cls(signal, np.full(len(signal), np.nan), budget)
        cost = column(truth, dataset, columns.cost).loc[indices].to_numpy(dtype=float)
        return cls(signal, cost, budget)

    def __len__(self) -> int:
        """Number of architectures the oracle covers."""
        return len(self._valid)

    @property
    def num_queries(self) -> int:
        """Distinct architectures queried (and charged) so far."""
        return len(self._history)

    @property
    def seconds(self) -> float:
        """Simulated training seconds charged so far."""
        return self._history[-1].cumulative_seconds if self._history else 0.0

    @property
    def history(self) -> tuple[Query, ...]:
        """Charged queries in order."""
        return tuple(self._history)

    def is_queried(self, index: int) -> bool:
        """Whether ``index`` was already queried (a repeat would be free)."""
        return int(index) in self._cache

    def query(self, index: int, note: Mapping[str, float] | None = None) -> float:
        """Validation accuracy (%) of ``index``; charges its training seconds unless already queried.

        Raises:
            BudgetExhausted: the query does not fit the budget, every architecture has been queried,
                or more than ``max_repeats`` consecutive queries were repeats.
            IndexError: ``index`` is outside the space.
        """
        index = int(index)
        if not 0 <= index < len(self):
            raise IndexError(f"architecture index {index} outside 0..{len(self) - 1}")
        if index in self._cache:
            return self._repeat(index)
        if self._closed is None:
            self._closed = self._budget.refusal(len(self._history), self.seconds, self._cost[index])
        if self._closed is not None:
            raise BudgetExhausted(self._closed)
        value, cost = float(self._valid[index]), float(self._cost[index])
        self._cache[index] = value
        self._history.append(Query(index, value, cost, self.seconds + cost, dict(note or {})))
        self._repeats = 0
        return value

    def _repeat(self, index: int) -> float:
        if len(self._cache) == len(self):
            raise BudgetExhausted(f"every one of the {len(self)} architectures has been queried")
        self._repeats += 1
        if self._repeats > self._max_repeats:
            raise BudgetExhausted(f"search stalled: {self._max_repeats} consecutive repeat queries")
        return self._cache[index]
