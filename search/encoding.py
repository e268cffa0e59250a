"""Architectures as fixed-length tuples of categorical choices (NB201: 6 edges × 5 ops).

Used by the searchers that model the choice at each position: REINFORCE (one categorical policy per
position) and BO (one-hot features). Built by scanning the space once, so it works for any space
whose architectures are equal-length tuples (NB201, the test fakes); NB101 graphs are not.
"""

from __future__ import annotations

import numpy as np

from bench.core.space import Space


class Categorical:
    """Per-position choice codes of every architecture in ``space``.

    Attributes:
        choices: per position, the sorted distinct values seen there.
        codes: ``(len(space), positions)`` array of choice codes per architecture index.
    """

    def __init__(self, space: Space) -> None:
        archs = [space.arch(i) for i in range(len(space))]
        if not all(isinstance(a, tuple) for a in archs) or len({len(a) for a in archs}) != 1:
            raise ValueError(f"space {space.name!r} architectures are not equal-length tuples of choices")
        self.space = space
        self.choices = [sorted({a[p] for a in archs}, key=str) for p in range(len(archs[0]))]
        lookup = [{value: code for code, value in enumerate(c)} for c in self.choices]
        self.codes = np.array([[lookup[p][v] for p, v in enumerate(a)] for a in archs], dtype=np.int64)
        self.offsets = np.cumsum([0, *(len(c) for c in self.choices)])

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
        """Architecture index of a per-position code vector."""
        return self.space.index(tuple(c[int(k)] for c, k in zip(self.choices, codes, strict=True)))
