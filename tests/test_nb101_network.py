"""The NB101 PyTorch network: parameter counts equal the benchmark's, forward passes work."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from bench.core.benchmarks.nb101.groundtruth import SUBSET_TABLE, load_nb101
from bench.core.benchmarks.nb101.network import NB101Network, count_parameters, vertex_channels
from bench.core.benchmarks.nb101.spec import CONV1X1, CONV3X3, INPUT, MAXPOOL3X3, OUTPUT, ModelSpec
from bench.core.paths import data_root

# Official colab (google-research/nasbench NASBench.ipynb): querying this Inception-like cell prints
# trainable_parameters: 2694282.
INCEPTION = ModelSpec.from_strings(
    "0111010;0000001;0000001;0000100;0000001;0000001;0000000",
    "input,conv1x1-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,maxpool3x3,output",
)
# First cell of hash_iterator() (hash 00005c142e6f48ac74fdcf73e3439874): trainable_parameters 8555530
# (NNI's BenchmarksExample.ipynb shows 8.55553 M; dumps of nasbench_only108.tfrecord print 8555530).
FIRST_CELL = ModelSpec.from_strings(
    "0100110;0010000;0001001;0000010;0000010;0000001;0000000",
    "input,conv3x3-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,conv1x1-bn-relu,output",
)
# A fixed-statistics example quoted in a NASLib-based script: trainable_parameters 3468426.
MAXPOOL_CELL = ModelSpec.from_strings(
    "0101000;0010110;0000001;0000100;0000010;0000001;0000000",
    "input,maxpool3x3,conv3x3-bn-relu,maxpool3x3,conv1x1-bn-relu,maxpool3x3,output",
)


def built_parameters(spec: ModelSpec, num_classes: int = 10) -> int:
    """Trainable parameters of the real module tree, built on the meta device (no memory allocated)."""
    with torch.device("meta"):
        net = NB101Network(spec, num_classes)
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


@pytest.mark.parametrize(
    ("spec", "expected"), [(INCEPTION, 2694282), (FIRST_CELL, 8555530), (MAXPOOL_CELL, 3468426)]
)
def test_published_parameter_counts(spec: ModelSpec, expected: int) -> None:
    assert count_parameters(spec) == expected
    assert built_parameters(spec) == expected


def test_inception_real_build_matches_official_count() -> None:
    net = NB101Network(INCEPTION, 10)
    assert sum(p.numel() for p in net.parameters() if p.requires_grad) == 2694282
    assert all(p.dim() > 0 for p in net.parameters())  # no stray scalar parameters


def test_parameter_counts_of_all_500_subset_cells() -> None:
    table = pd.read_csv(data_root() / SUBSET_TABLE)
    space, _ = load_nb101(data_root(), "subset")
    expected = np.rint(table["params_M"].to_numpy() * 1e6).astype(int)
    analytic = np.array([count_parameters(space.arch(i)) for i in range(len(space))])
    built = np.array([built_parameters(space.arch(i)) for i in range(len(space))])
    assert (analytic == expected).all()
    assert (built == expected).all()


def test_vertex_channels_follow_official_split() -> None:
    assert vertex_channels(128, 128, INCEPTION.array()) == [128, 32, 32, 32, 32, 32, 128]
    three_to_output = ModelSpec(
        [[0, 1, 1, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]],
        [INPUT, CONV3X3, CONV1X1, MAXPOOL3X3, OUTPUT],
    )
    assert vertex_channels(64, 128, three_to_output.array()) == [64, 43, 43, 42, 128]
    trivial = np.array([[0, 1], [0, 0]])
    assert vertex_channels(128, 256, trivial) == [128, 256]


def test_forward_shapes_and_gradients() -> None:
    # narrow nets (stem 16) keep this CPU test fast; with 16 output channels vertex 1 (6 channels)
    # feeds vertex 3 (5 channels), which exercises the one-channel truncation
    truncating = ModelSpec(
        [[0, 1, 1, 0, 0], [0, 0, 0, 1, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]],
        [INPUT, CONV3X3, CONV1X1, MAXPOOL3X3, OUTPUT],
    )
    assert vertex_channels(16, 16, truncating.array())[1:4] == [6, 5, 5]
    trivial = ModelSpec([[0, 1], [0, 0]], [INPUT, OUTPUT])
    torch.manual_seed(0)
    for spec in (truncating, trivial, INCEPTION):
        net = NB101Network(spec, 7, stem_channels=16)
        logits = net(torch.randn(2, 3, 8, 8))
        assert logits.shape == (2, 7)
        logits.sum().backward()
        assert all(p.grad is not None for p in net.parameters())


def test_space_build_uses_num_classes() -> None:
    space, _ = load_nb101(data_root(), "subset")
    net = space.build(0, 100)
    assert net(torch.randn(1, 3, 8, 8)).shape == (1, 100)
    assert count_parameters(space.arch(0), 100) == sum(p.numel() for p in net.parameters())
