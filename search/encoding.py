"""Architectures as fixed-length tuples of categorical choices (NB201: 6 edges × 5 ops).

Used by the searchers that model the choice at each position: REINFORCE (one categorical policy per
position), BO and PriorGP (one-hot features), and :class:`search.pool.PoolSpace` (neighbours by the number of
differing positions). Built by scanning the space once, so it works for any space whose architectures are
tuples of choices, nested tuples flattened (NB201 and the test fakes: flat; NB301: two cells of 8 (input, op)
edges → 32 positions; TransNAS micro: 6 ops). Tuples of different lengths (TransNAS macro: 4 to 6 stage codes)
are padded at the end with :data:`PAD`, a choice of its own. NB101 graphs are not tuples of choices.
"""

from __future__ import annotations

import numpy as np

from bench.core.space import Space

PAD = "-"
"""The choice at the positions past the end of a shorter architecture."""


def flat_choices(arch: object) -> tuple:
    """``arch``'s choices in order, nested tuples flattened (``TypeError`` if ``arch`` is not a tuple)."""
    if not isinstance(arch, tuple):
        raise TypeError(f"architecture {arch!r} is not a tuple of choices")
    return tuple(c for part in arch for c in (flat_choices(part) if isinstance(part, tuple) else (part,)))


class Categorical:
    """Per-position choice codes of every architecture in ``space``.

    Attributes:
        choices: per position, the sorted distinct values seen there.
        codes: ``(len(space), positions)`` array of choice codes per architecture index.
    """

    def __init__(self, space: Space) -> None:
        try:
            flat = [flat_choices(space.arch(i)) for i in range(len(space))]
        except TypeError as err:
            raise ValueError(f"space {space.name!r} architectures are not tuples of choices: {err}") from err
        width = max(len(a) for a in flat)
        archs = [a + (PAD,) * (width - len(a)) for a in flat]
        self.space = space
        self.choices = [sorted({a[p] for a in archs}, key=str) for p in range(width)]
        lookup = [{value: code for code, value in enumerate(c)} for c in self.choices]
        self.codes = np.array([[lookup[p][v] for p, v in enumerate(a)] for a in archs], dtype=np.int64)
        self.offsets = np.cumsum([0, *(len(c) for c in self.choices)])
        self._by_codes = {tuple(row): i for i, row in enumerate(self.codes.tolist())}

    @property
    def width(self) -> int:
        """Length of the one-hot encoding (NB201: 30)."""
        return int(self.offsets[-1])

    def one_hot(self, indices: np.ndarray) -> np.ndarray:
        """``(len(indices), width)`` 0/1 features: one block per position, one column per choice."""
        out = np.zeros((len(indices), self.width))
        out[np.arange(len(indices))[:, None], self.codes[indices] + self.offsets[:-1]] = 1.0
        return out

    def index(self, codes: np.ndarray) -> int:
        """Architecture index of a per-position code vector; ``KeyError`` if no architecture has it."""
        return self._by_codes[tuple(int(k) for k in codes)]

    def nearest(self, codes: np.ndarray) -> int:
        """Index of the architecture with ``codes``, else of the one differing in the fewest positions (ties:
        the smallest index): in a pool not every code vector is an architecture."""
        key = tuple(int(k) for k in codes)
        if key in self._by_codes:
            return self._by_codes[key]
        return int(np.argmin((self.codes != np.asarray(codes)).sum(axis=1)))
