"""Searches on a pool: the architectures of a larger space that have ground truth (NB301's 725, a TransNAS task's).

:class:`PoolSpace` presents the pool members of a benchmark space as a space of their own, indexed 0..n-1 in
the benchmark's order, so every searcher runs on it unchanged; :class:`PoolScores` translates its indices back
to the benchmark's for the training-free score source; results map them back with :attr:`PoolSpace.members`.

Neighbourhood rule (``neighbours`` / ``mutate``, used by REA, local search, BO's mutations and PriorGP's pool
growth): distance = the number of positions at which two architectures differ in the per-position encoding of
:class:`search.encoding.Categorical` (NB301: the 16 (input, op) edge choices of both cells, 32 positions;
TransNAS micro: the 6 edge ops; macro: the stage codes, shorter networks padded), so distance 1 is the space's
own one-change neighbourhood. The neighbours of a member are the other members within the smallest radius
that holds at least :data:`MIN_NEIGHBOURS` of them (all members at that radius, in index order). Most members
of a 725-sample of the DARTS space have no pool member one change away; with the nearest member alone
(``MIN_NEIGHBOURS`` = 1) nearest pairs trap REA's population: on NB301, 20 queries, seeds 0-9, REA stalled
after 15.6 queries on average (the oracle's repeat guard), and never with 3, 5, 10 or 24 (mean final accuracy
94.05 / 94.13 / 94.03 / 93.93 %, within the seeds' noise; TransNAS micro class_object: 44.80 / 44.77 / 44.84 /
44.86). 5 is used: the smallest radius set that keeps the search moving, with a margin.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from torch import nn

from bench.core.space import Space, sample_indices
from search.encoding import Categorical
from search.scores import ZCScores

MIN_NEIGHBOURS = 5
"""Fewest neighbours a pool member gets: the radius grows until it holds at least this many (see the module doc)."""


class PoolSpace:
    """The members of ``space`` listed in ``members`` (benchmark indices), as a space indexed 0..n-1.

    Args:
        space: the benchmark space.
        members: benchmark indices of the pool, strictly increasing.
    """

    dead_ops_in_class = False
    min_neighbours = MIN_NEIGHBOURS

    def __init__(self, space: Space, members: Sequence[int]) -> None:
        self.parent = space
        self.members = np.asarray(members, dtype=np.int64)
        if len(self.members) < 2 or (np.diff(self.members) <= 0).any():
            raise ValueError(f"a {space.name} search pool needs at least 2 distinct, increasing indices")
        self.name = space.name
        self._position = {int(m): i for i, m in enumerate(self.members)}
        self._codes: np.ndarray | None = None
        self._neighbours: dict[int, tuple[int, ...]] = {}

    def __len__(self) -> int:
        return len(self.members)

    def arch(self, index: int) -> Hashable:
        return self.parent.arch(int(self.members[index]))

    def index(self, arch: Hashable) -> int:
        """Pool position of ``arch``; ``KeyError`` if it is not in the pool."""
        return self._position[self.parent.index(arch)]

    def key(self, arch: Hashable) -> str:
        return self.parent.key(arch)

    def sample(self, rng: np.random.Generator, n: int) -> list[int]:
        return sample_indices(rng, len(self), n)

    def neighbours(self, index: int) -> tuple[int, ...]:
        """The pool members nearest to ``index`` in the per-position encoding (see the module doc)."""
        if index not in self._neighbours:
            if self._codes is None:
                self._codes = Categorical(self).codes
            distance = (self._codes != self._codes[index]).sum(axis=1)
            distance[index] = distance.max() + 1
            radius = np.sort(distance)[min(self.min_neighbours, len(self) - 1) - 1]
            self._neighbours[index] = tuple(int(i) for i in np.flatnonzero(distance <= radius))
        return self._neighbours[index]

    def mutate(self, index: int, rng: np.random.Generator) -> int:
        """A uniformly random one of :meth:`neighbours`."""
        options = self.neighbours(index)
        return options[int(rng.integers(len(options)))]

    def dead_ops(self, index: int) -> int:
        return self.parent.dead_ops(int(self.members[index]))

    def canonical(self, index: int) -> int:
        """The pool position of the first pool member in ``index``'s functional class."""
        return int(self.canonical_indices()[index])

    def canonical_indices(self) -> np.ndarray:
        classes = self.parent.canonical_indices()[self.members]
        _, first = np.unique(classes, return_index=True)
        representative = dict(zip(classes[first].tolist(), first.tolist(), strict=True))
        return np.array([representative[c] for c in classes.tolist()], dtype=np.int64)

    def build(self, index: int, num_classes: int) -> nn.Module:
        return self.parent.build(int(self.members[index]), num_classes)


class PoolScores:
    """A :class:`search.scores.ZCScores` over a :class:`PoolSpace`'s indices, read from the benchmark's source."""

    def __init__(self, inner: ZCScores, members: np.ndarray) -> None:
        self._inner, self._members = inner, members

    def get(self, metric: str, indices: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        return self._inner.get(metric, self._members[np.asarray(indices, dtype=np.int64)].tolist())

    def higher_is_better(self, metric: str) -> bool:
        return self._inner.higher_is_better(metric)
