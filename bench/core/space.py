"""The interface every benchmark space implements (NASLib-style: sample / mutate / neighbours / query).

An architecture is a small hashable value (NB201: a tuple of six edge ops; NB101: adjacency + ops).
Spaces identify architectures by an integer ``index`` in the benchmark's own order and by a string
``key`` (NB201: the official arch string; NB101: the module hash), and build PyTorch networks.
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from torch import nn


@runtime_checkable
class Space(Protocol):
    """A finite benchmark space with a fixed architecture order."""

    name: str
    dead_ops_in_class: bool
    """Whether the networks of one functional class may differ in operations off every input→output
    path (NB201 keeps them in the network; NB101 builds the pruned cell). When True only class-invariant
    metrics (``MetricSpec.class_invariant``) may share a class score."""

    def __len__(self) -> int:
        """Number of architectures in the space (NB201: 15,625)."""
        ...

    def arch(self, index: int) -> Hashable:
        """The architecture at ``index`` in the benchmark's order."""
        ...

    def index(self, arch: Hashable) -> int:
        """The benchmark index of ``arch``; ``KeyError`` if it is not in the space."""
        ...

    def key(self, arch: Hashable) -> str:
        """A stable string id (NB201 arch string, NB101 module hash)."""
        ...

    def sample(self, rng: np.random.Generator, n: int) -> list[int]:
        """``n`` distinct indices drawn uniformly without replacement."""
        ...

    def mutate(self, index: int, rng: np.random.Generator) -> int:
        """Index of a random neighbour of ``index`` (one local change)."""
        ...

    def neighbours(self, index: int) -> Sequence[int]:
        """Indices of every architecture one local change away, in a fixed order."""
        ...

    def dead_ops(self, index: int) -> int:
        """Number of operations in ``index``'s cell that lie off every input→output path (0 in a space whose
        networks are built from the pruned cell)."""
        ...

    def canonical(self, index: int) -> int:
        """Index of the representative of ``index``'s functional-equivalence class."""
        ...

    def canonical_indices(self) -> np.ndarray:
        """For every index, :meth:`canonical` of it (``int64``, length ``len(self)``; built once, then cached)."""
        ...

    def build(self, index: int, num_classes: int) -> nn.Module:
        """A freshly initialised PyTorch network (uses torch's global RNG for the init)."""
        ...


def checked_index(space: str, index: object, size: int) -> int:
    """``index`` as an ``int`` in ``0..size-1``: ``TypeError`` for a non-integer, ``IndexError`` outside the
    space (a negative index never counts from the end), each naming the space and the valid range."""
    if isinstance(index, bool) or not isinstance(index, numbers.Integral):
        raise TypeError(f"{space} architecture index must be an integer in 0..{size - 1}, got {index!r}")
    if not 0 <= index < size:
        raise IndexError(f"{space} architecture index {index} is outside 0..{size - 1}")
    return int(index)


def sample_indices(rng: np.random.Generator, size: int, n: int) -> list[int]:
    """``n`` distinct indices of a space of ``size`` architectures, drawn uniformly without replacement with
    ``rng`` (the one draw every space's :meth:`Space.sample` makes); ``ValueError`` if ``n`` is out of range."""
    if not 0 <= n <= size:
        raise ValueError(f"cannot sample {n} architectures from a space of {size}")
    return [int(i) for i in rng.choice(size, size=n, replace=False)]
