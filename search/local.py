"""Local search (best improvement with random restarts), as in White et al. 2021's NAS local search.

Start at a uniformly random architecture; query all of its neighbours (``space.neighbours``, one
edge op changed) in random order; move to the best neighbour if it beats the current one; at a local
optimum restart from a new uniformly random architecture. Already-queried archs are free repeats.
"""

from __future__ import annotations

import numpy as np

from bench.core.space import Space
from search.oracle import Oracle
from search.scores import ZCScores


def run(space: Space, oracle: Oracle, scores: ZCScores, rng: np.random.Generator) -> None:
    """Hill-climb with restarts until the budget ends."""
    while True:
        current = int(rng.integers(len(space)))
        current_acc = oracle.query(current)
        while True:
            neighbours = [int(n) for n in rng.permutation(space.neighbours(current))]
            accs = [oracle.query(n) for n in neighbours]
            best = int(np.argmax(accs))
            if accs[best] <= current_acc:
                break
            current, current_acc = neighbours[best], accs[best]
