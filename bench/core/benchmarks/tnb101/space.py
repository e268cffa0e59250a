"""TransNAS-Bench-101 pools: the micro cells or macro networks NB-Suite-Zero scored, keyed by arch string.

One space per search space (``tnb101_micro``: 711 cells; ``tnb101_macro``: 725 networks), in the order of
first appearance in NB-Suite-Zero's file; a task's ground truth may cover only part of the pool (macro:
662 networks on the two classification tasks). ``neighbours`` / ``mutate`` stay inside the pool (micro: one
edge op changed; macro: one stage code changed). Networks differ per task (:meth:`TNB101Space.build_for`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from torch import nn

from bench.core.benchmarks.tnb101.encoding import macro_str, micro_str, parse_macro, parse_micro
from bench.core.benchmarks.tnb101.network import TransNASNetwork, build
from bench.core.space import sample_indices


class TNB101Space:
    """A TransNAS-Bench-101 pool of official arch strings (``kind``: ``micro`` or ``macro``)."""

    dead_ops_in_class = False

    def __init__(self, kind: str, arch_strs: Sequence[str]) -> None:
        if kind not in ("micro", "macro"):
            raise ValueError(f"unknown TransNAS space {kind!r}; valid: micro, macro")
        self.kind, self.name = kind, f"tnb101_{kind}"
        self._parse, self._to_str = (parse_micro, micro_str) if kind == "micro" else (parse_macro, macro_str)
        self._archs = [self._parse(s) for s in arch_strs]
        self._index = {arch: i for i, arch in enumerate(self._archs)}
        if len(self._index) != len(self._archs):
            raise ValueError(f"{self.name} arch list contains duplicates")
        self._neighbours: dict[int, tuple[int, ...]] = {}

    def __len__(self) -> int:
        return len(self._archs)

    def arch(self, index: int) -> tuple[int, ...]:
        return self._archs[index]

    def index(self, arch: Hashable) -> int:
        return self._index[self._parse(arch) if isinstance(arch, str) else tuple(arch)]  # type: ignore[arg-type]

    def key(self, arch: Hashable) -> str:
        return self._to_str(tuple(arch))  # type: ignore[arg-type]

    def sample(self, rng: np.random.Generator, n: int) -> list[int]:
        return sample_indices(rng, len(self), n)

    def neighbours(self, index: int) -> tuple[int, ...]:
        """Pool members differing from ``index`` in one digit (micro: an edge op 0-3; macro: a stage code 1-4)."""
        if index not in self._neighbours:
            arch, digits = self._archs[index], range(4) if self.kind == "micro" else range(1, 5)
            found = []
            for position, current in enumerate(arch):
                for digit in digits:
                    variant = (*arch[:position], digit, *arch[position + 1 :])
                    if digit != current and variant in self._index:
                        found.append(self._index[variant])
            self._neighbours[index] = tuple(found)
        return self._neighbours[index]

    def mutate(self, index: int, rng: np.random.Generator) -> int:
        options = self.neighbours(index)
        if not options:
            raise ValueError(f"no one-digit neighbour of {self.name} architecture {index} is in the pool")
        return int(options[rng.integers(len(options))])

    def dead_ops(self, index: int) -> int:
        return 0  # zero edges are built as zero ops; no class sharing is claimed (canonical = itself)

    def canonical(self, index: int) -> int:
        return index

    def canonical_indices(self) -> np.ndarray:
        return np.arange(len(self), dtype=np.int64)

    def build(self, index: int, num_classes: int) -> nn.Module:
        """The encoder with a ``num_classes``-way classification head (the ``class_*`` tasks' head)."""
        net = self.build_for(index, "class_scene")
        net.decoder[-1] = nn.Linear(net.decoder[-1].in_features, num_classes)
        return net

    def build_for(self, index: int, task: str) -> TransNASNetwork:
        """The network of ``index`` with ``task``'s head, freshly initialised."""
        return build(self._to_str(self._archs[index]), task)
