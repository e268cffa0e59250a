"""The NAS-Bench-101 space: a list of cells (model specs) in ground-truth order, keyed by module hash."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from torch import nn

from bench.core.benchmarks.nb101.network import NB101Network
from bench.core.benchmarks.nb101.spec import ModelSpec, one_change_variants
from bench.core.space import checked_index, sample_indices


class NB101Space:
    """A finite list of NAS-Bench-101 cells in ground-truth order (e.g. the 500-cell NASLib subset
    or all 423,624 cells of the official tfrecord), keyed by module hash.

    ``index`` and ``canonical`` map a cell to the first position holding its hash, so isomorphic
    entries share one representative. ``mutate``/``neighbours`` only return cells present in this
    list: on a small subset some cells have no neighbour, and ``mutate`` then raises ``ValueError``.
    """

    name = "nb101"
    dead_ops_in_class = False  # networks are built from the pruned cell: isomorphic cells, same network

    def __init__(self, specs: Sequence[ModelSpec], hashes: Sequence[str] | None = None) -> None:
        """``specs`` is kept as given (it may parse lazily); ``hashes`` (the official ``module_hash`` per
        spec) avoids touching every spec, so large lists load fast."""
        self._specs = specs
        if hashes is not None:
            if len(hashes) != len(self._specs):
                raise ValueError(f"{len(hashes)} hashes for {len(self._specs)} specs")
            self._hashes = list(hashes)
        else:
            self._hashes = [spec.hash for spec in self._specs]
        self._first: dict[str, int] = {}
        for position, key in enumerate(self._hashes):
            self._first.setdefault(key, position)
        self._neighbours: dict[int, tuple[int, ...]] = {}
        self._canonical: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self._specs)

    def arch(self, index: int) -> ModelSpec:
        return self._specs[checked_index(self.name, index, len(self))]

    def index(self, arch: ModelSpec) -> int:
        return self._first[arch.hash]

    def index_of_hash(self, key: str) -> int:
        """Position of the first cell with module hash ``key``; ``KeyError`` if absent."""
        return self._first[key]

    def key(self, arch: ModelSpec) -> str:
        return arch.hash

    def sample(self, rng: np.random.Generator, n: int) -> list[int]:
        return sample_indices(rng, len(self), n)

    def mutate(self, index: int, rng: np.random.Generator) -> int:
        options = self.neighbours(index)
        if not options:
            raise ValueError(
                f"no one-change neighbour of cell {index} ({self._hashes[index]}) is among the "
                f"{len(self)} cells of this space"
            )
        return int(options[rng.integers(len(options))])

    def neighbours(self, index: int) -> tuple[int, ...]:
        if index not in self._neighbours:
            found: dict[int, None] = {}
            for variant in one_change_variants(self.arch(index)):
                position = self._first.get(variant.hash)
                if position is not None:
                    found.setdefault(position)
            self._neighbours[index] = tuple(found)
        return self._neighbours[index]

    def dead_ops(self, index: int) -> int:
        return 0  # networks are built from the pruned cell

    def canonical(self, index: int) -> int:
        return self._first[self._hashes[checked_index(self.name, index, len(self))]]

    def canonical_indices(self) -> np.ndarray:
        if self._canonical is None:
            self._canonical = np.array([self._first[key] for key in self._hashes], dtype=np.int64)
        return self._canonical

    def build(self, index: int, num_classes: int) -> nn.Module:
        return NB101Network(self.arch(index), num_classes)
