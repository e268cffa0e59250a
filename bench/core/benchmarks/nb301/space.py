"""The NAS-Bench-301 pool: the 725 DARTS-space architectures NAS-Bench-Suite-Zero scored, in its file order.

The DARTS space holds about 10^18 cells, so this space is the pool of architectures that have ground truth
here. ``neighbours`` and ``mutate`` stay inside the pool: one edge's input or op changed, in either cell;
most architectures of a random 725-sample have no such neighbour, and ``mutate`` then raises ``ValueError``.
Every intermediate node feeds the cell output, so no operation is ever dead and every architecture is its
own functional class.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from torch import nn

from bench.core.benchmarks.nb301.genotype import OPS, Genotype, parse, to_str, validate
from bench.core.benchmarks.nb301.network import NB_SUITE_ZERO, DartsConfig, DartsNetwork
from bench.core.space import sample_indices


def one_change_variants(genotype: Genotype) -> list[Genotype]:
    """Every genotype differing from ``genotype`` in one edge (its input or its op), normal cell first."""
    variants = []
    for which in (0, 1):
        cell = genotype[which]
        for position, (source, op) in enumerate(cell):
            node = position // 2 + 2
            changes = [(s, op) for s in range(node) if s != source] + [
                (source, o) for o in range(len(OPS)) if o != op
            ]
            for edge in changes:
                new_cell = (*cell[:position], edge, *cell[position + 1 :])
                variants.append((new_cell, genotype[1]) if which == 0 else (genotype[0], new_cell))
    return variants


class NB301Space:
    """A list of DARTS genotypes in ground-truth order, built with one :class:`DartsConfig`.

    Args:
        genotypes: compact genotype strings (or parsed genotypes), in ground-truth order.
        config: how networks are built (default: NB-Suite-Zero's, whose parameter counts match theirs).
        name: the registry name of the benchmark this space belongs to (``nb301``, or a variant built with
            another ``config``, whose scores are cached apart).
    """

    dead_ops_in_class = False

    def __init__(
        self, genotypes: Sequence[str | Genotype], config: DartsConfig = NB_SUITE_ZERO, name: str = "nb301"
    ) -> None:
        self.name = name
        self._archs: list[Genotype] = [parse(g) if isinstance(g, str) else validate(g) for g in genotypes]
        self._index = {arch: i for i, arch in enumerate(self._archs)}
        if len(self._index) != len(self._archs):
            raise ValueError("NB301 genotype list contains duplicates")
        self.config = config
        self._neighbours: dict[int, tuple[int, ...]] = {}

    def __len__(self) -> int:
        return len(self._archs)

    def arch(self, index: int) -> Genotype:
        return self._archs[index]

    def index(self, arch: Hashable) -> int:
        key = parse(arch) if isinstance(arch, str) else validate(arch)
        return self._index[key]

    def key(self, arch: Hashable) -> str:
        return to_str(validate(arch))

    def sample(self, rng: np.random.Generator, n: int) -> list[int]:
        return sample_indices(rng, len(self), n)

    def neighbours(self, index: int) -> tuple[int, ...]:
        """Pool members one edge change away from ``index``, in :func:`one_change_variants` order."""
        if index not in self._neighbours:
            found = (self._index.get(v) for v in one_change_variants(self._archs[index]))
            self._neighbours[index] = tuple(i for i in found if i is not None)
        return self._neighbours[index]

    def mutate(self, index: int, rng: np.random.Generator) -> int:
        options = self.neighbours(index)
        if not options:
            raise ValueError(
                f"no one-edge neighbour of NB301 architecture {index} is among the {len(self)} of this pool"
            )
        return int(options[rng.integers(len(options))])

    def dead_ops(self, index: int) -> int:
        return 0

    def canonical(self, index: int) -> int:
        return index

    def canonical_indices(self) -> np.ndarray:
        return np.arange(len(self), dtype=np.int64)

    def build(self, index: int, num_classes: int) -> nn.Module:
        """The DARTS network of ``index`` under this space's configuration, freshly initialised."""
        return DartsNetwork(self._archs[index], num_classes, self.config)
