"""The NB201 network is the benchmark's network: parameter counts equal the real table."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bench.spaces.nb201 import NB201Space

CLASSES = {"cifar10": 10, "cifar100": 100, "ImageNet16-120": 120}


@pytest.mark.parametrize("dataset", list(CLASSES))
def test_parameter_counts_equal_the_table(dataset: str, nb201_space: NB201Space, nb201_truth) -> None:
    table = nb201_truth.frame(dataset)["params_M"]
    sample = nb201_space.sample(np.random.default_rng(2026), 300)
    for index in [*sample, 6111, 9930, 857]:
        net = nb201_space.build(index, CLASSES[dataset])
        count = sum(p.numel() for p in net.parameters() if p.requires_grad)
        assert count / 1e6 == pytest.approx(table[index], abs=5e-7), nb201_space.arch_str(index)


def test_forward_shapes(nb201_space: NB201Space) -> None:
    net = nb201_space.build(6111, 120)
    assert net(torch.randn(2, 3, 16, 16)).shape == (2, 120)
    assert net.features(torch.randn(2, 3, 32, 32)).shape == (2, 64, 8, 8)


def test_disconnected_cell_outputs_constant_logits(nb201_space: NB201Space) -> None:
    index = nb201_space.index("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    net = nb201_space.build(index, 10).eval()
    out = net(torch.randn(4, 3, 32, 32))
    assert torch.allclose(out, out[:1].expand_as(out))
