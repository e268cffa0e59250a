"""The NB201 network is the benchmark's network: parameter counts equal the real table."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from bench.core.benchmarks.nb201.network import AvgPool3x3, torch_avg_pool_3x3, with_torch_pools
from bench.core.benchmarks.nb201.space import NB201Space

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


def _pooled_with_grads(pool: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    """Output, input gradient and a second-order gradient (through the first) of ``pool`` at ``x``."""
    x = x.clone().requires_grad_(True)
    out = pool(x)
    (grad,) = torch.autograd.grad(out.pow(3).sum(), x, create_graph=True)
    (second,) = torch.autograd.grad(grad.pow(2).sum(), x)
    return [out, grad, second]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("shape", [(64, 16, 32, 32), (8, 64, 8, 8), (3, 5, 7, 1), (2, 3, 1, 1)])
def test_fast_avg_pool_equals_torch_bit_for_bit(shape, channels_last: bool, dtype: torch.dtype) -> None:
    """The channels-last avg_pool_3x3 gives nn.AvgPool2d's values, gradients, second derivatives and layout."""
    generator = torch.Generator().manual_seed(sum(shape))
    # magnitudes from 1e-3 to 1e3, so that a different summation order would show in the last bits
    x = torch.randn(shape, generator=generator, dtype=dtype) * 10.0 ** torch.randint(
        -3, 4, shape, generator=generator
    )
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    reference = torch_avg_pool_3x3()
    ours = _pooled_with_grads(AvgPool3x3(), x)
    for theirs, mine in zip(_pooled_with_grads(reference, x), ours, strict=True):
        assert torch.equal(theirs, mine)
        assert theirs.stride() == mine.stride()


def test_network_with_fast_pools_equals_torch_pools(nb201_space: NB201Space) -> None:
    """Logits and every parameter gradient of a pool-heavy network are unchanged, bit for bit."""
    index = nb201_space.index(
        "|avg_pool_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|nor_conv_1x1~1|avg_pool_3x3~2|"
    )
    torch.manual_seed(0)
    net = nb201_space.build(index, 10)
    reference = with_torch_pools(net)
    assert sum(isinstance(m, AvgPool3x3) for m in net.modules()) == 4 * 15
    assert not any(isinstance(m, AvgPool3x3) for m in reference.modules())
    images = torch.randn(8, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    labels = torch.arange(8) % 10
    results = []
    for model in (reference, net):
        logits = model(images)
        nn.functional.cross_entropy(logits, labels).backward()
        results.append([logits.detach(), *(p.grad for p in model.parameters())])
    for theirs, mine in zip(*results, strict=True):
        assert torch.equal(theirs, mine)
