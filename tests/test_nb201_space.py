"""NB201 space: string/index round trips, malformed strings, canonical classes, neighbours."""

from __future__ import annotations

import numpy as np
import pytest

from bench.core.benchmarks.nb201.space import (
    NUM_ARCHS,
    OPS,
    NB201Space,
    enumerate_archs,
    expression,
    live_edges,
    parse,
    to_str,
)


def test_round_trips_for_every_arch(nb201_space: NB201Space, nb201_truth) -> None:
    strings = nb201_truth.arch_strs()
    assert len(nb201_space) == NUM_ARCHS == 15625
    for index, arch_str in enumerate(strings):
        arch = parse(arch_str)
        assert to_str(arch) == arch_str
        assert nb201_space.index(arch_str) == index
        assert nb201_space.index(arch) == index
        assert nb201_space.arch_str(index) == arch_str
    assert set(map(parse, strings)) == set(enumerate_archs())


def test_official_index_zero_is_the_documented_cell(nb201_space: NB201Space) -> None:
    assert nb201_space.arch_str(0) == (
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
    )


@pytest.mark.parametrize(
    "bad",
    [
        "|conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|",  # unknown op
        "|none~0|+|none~0|none~1|",  # two nodes only
        "|none~0|+|none~0|none~1|+|none~0|none~1|",  # node 3 lacks an input
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2| ",  # stray character
        "|none~1|+|none~0|none~1|+|none~0|none~1|none~2|",  # wrong source node
        "none~0+none~0|none~1+none~0|none~1|none~2",  # missing bars
    ],
)
def test_malformed_string_raises_value_error_quoting_it(bad: str) -> None:
    with pytest.raises(ValueError) as info:
        parse(bad)
    assert repr(bad) in str(info.value)


def test_canonical_classes() -> None:
    """Our functional classes: 5,260 (the NB201 paper's 6,466 keeps zero terms; see README)."""
    classes = {expression(arch) for arch in enumerate_archs()}
    assert len(classes) == 5260


def test_canonical_examples(nb201_space: NB201Space) -> None:
    # Swapping the two intermediate nodes when they are not connected gives the same function.
    a = "|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"
    b = "|avg_pool_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
    assert expression(parse(a)) == expression(parse(b))
    assert nb201_space.canonical(nb201_space.index(a)) == nb201_space.canonical(nb201_space.index(b))
    # A dead edge (into node 2, which never reaches the output) does not matter.
    c = "|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"
    d = "|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"
    assert expression(parse(c)) == expression(parse(d))
    # Disconnected cells all compute zero.
    assert expression(parse("|none~0|+|nor_conv_3x3~0|none~1|+|none~0|skip_connect~1|none~2|")) == "0"
    # Different ops on a live edge differ.
    e = "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"
    assert expression(parse(a)) != expression(parse(e))


def test_shared_and_separate_convolutions_differ() -> None:
    """One convolution used twice (through skips) is not two convolutions of the same input."""
    shared = (
        "|nor_conv_1x1~0|+|none~0|nor_conv_3x3~1|+|none~0|skip_connect~1|skip_connect~2|"  # c(x) + n(c(x))
    )
    separate = (
        "|nor_conv_1x1~0|+|nor_conv_1x1~0|none~1|+|none~0|nor_conv_3x3~1|skip_connect~2|"  # c'(x) + n(c(x))
    )
    assert expression(parse(shared)) == "nor_conv_1x1#0(x)+nor_conv_3x3#0(nor_conv_1x1#0(x))"
    assert expression(parse(separate)) == "nor_conv_1x1#0(x)+nor_conv_3x3#0(nor_conv_1x1#1(x))"
    # relabelling the separate convolutions (which edge holds which) does not change the class
    relabelled = "|nor_conv_1x1~0|+|nor_conv_1x1~0|none~1|+|none~0|skip_connect~1|nor_conv_3x3~2|"
    assert expression(parse(relabelled)) == expression(parse(separate))


def test_live_edges() -> None:
    # node 1 reaches nothing; node 2 has no input: only the edge 3←0 is live
    assert live_edges(parse("|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|nor_conv_1x1~2|")) == [3]
    every = parse("|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|skip_connect~1|none~2|")
    assert live_edges(every) == [0, 3, 4]


def test_dead_ops(nb201_space: NB201Space) -> None:
    dead_two = "|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|nor_conv_1x1~2|"  # 3 ops, 1 live
    assert nb201_space.dead_ops(nb201_space.index(dead_two)) == 2
    every = "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|skip_connect~1|none~2|"
    assert (
        nb201_space.dead_ops(nb201_space.index(every)) == 2
    )  # node 2 does not reach the output: its 2 inputs are dead
    full = "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|skip_connect~1|nor_conv_3x3~2|"
    assert nb201_space.dead_ops(nb201_space.index(full)) == 0
    assert nb201_space.dead_ops(nb201_space.index("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")) == 0


def test_canonical_representative_is_smallest_index(nb201_space: NB201Space) -> None:
    reps = nb201_space.canonical_indices()
    assert len(np.unique(reps)) == 5260
    assert (reps <= np.arange(len(reps))).all()
    assert (reps[reps] == reps).all()


def test_neighbours_and_mutate(nb201_space: NB201Space) -> None:
    rng = np.random.default_rng(0)
    for index in nb201_space.sample(rng, 20):
        neighbours = nb201_space.neighbours(index)
        assert len(neighbours) == 6 * (len(OPS) - 1) == len(set(neighbours))
        arch = nb201_space.arch(index)
        for other in neighbours:
            assert sum(a != b for a, b in zip(arch, nb201_space.arch(other), strict=True)) == 1
        assert nb201_space.mutate(index, rng) in neighbours


def test_sample_is_seeded_and_without_replacement(nb201_space: NB201Space) -> None:
    first = nb201_space.sample(np.random.default_rng(3), 500)
    assert first == nb201_space.sample(np.random.default_rng(3), 500)
    assert len(set(first)) == 500
    with pytest.raises(ValueError, match="cannot sample"):
        nb201_space.sample(np.random.default_rng(0), 15626)
