"""Regularised (aging) evolution, Real et al. 2019, with the NAS-Bench-201 settings.

Population 10 and tournament (sample) size 3 as in the NATS-Bench REA runs (``--ea_population 10
--ea_sample_size 3``). Each cycle draws ``sample_size`` members with replacement, mutates the best
one by one edge op (``space.mutate``), queries the child, appends it and removes the oldest member.
A child that was already queried is free (cached by the oracle) and still joins the population.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np

from bench.core.space import Space
from search.oracle import Oracle
from search.scores import ZCScores


def run(
    space: Space,
    oracle: Oracle,
    scores: ZCScores,
    rng: np.random.Generator,
    population_size: int = 10,
    sample_size: int = 3,
) -> None:
    """REA from a population of ``population_size`` uniformly random architectures."""
    evolve(space, oracle, rng, space.sample(rng, population_size), sample_size)


def evolve(
    space: Space, oracle: Oracle, rng: np.random.Generator, initial: Sequence[int], sample_size: int
) -> None:
    """Query ``initial`` as the population (its size stays fixed), then evolve until the budget ends."""
    if sample_size < 1 or not initial:
        raise ValueError("REA needs a non-empty initial population and sample_size >= 1")
    population: deque[tuple[int, float]] = deque()
    for index in initial:
        population.append((int(index), oracle.query(index)))
    while True:
        contenders = [population[int(i)] for i in rng.integers(len(population), size=sample_size)]
        parent = max(contenders, key=lambda member: member[1])[0]
        child = space.mutate(parent, rng)
        population.append((child, oracle.query(child)))
        population.popleft()
