"""Random search: query architectures uniformly at random without replacement."""

from __future__ import annotations

import numpy as np

from bench.core.space import Space
from search.oracle import Oracle
from search.scores import ZCScores


def run(space: Space, oracle: Oracle, scores: ZCScores, rng: np.random.Generator) -> None:
    """Query a uniformly random permutation of the space until the budget ends."""
    for index in rng.permutation(len(space)):
        oracle.query(int(index))
