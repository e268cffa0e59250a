"""Sharing work between metrics changes no value.

A probe shares one cross-entropy pass, one NTK Gram, one executed-module count and one read-only
network copy between the metrics that need them. Evaluating every metric together on one probe must
give exactly what each metric gives alone on a fresh probe (where nothing computed for another metric
exists), and the shared copy must come out of a full evaluation with its parameters untouched.
"""

from __future__ import annotations

import math

import pytest
import torch
from test_nb101_network import INCEPTION
from torch import nn

from bench.core.batches import load_batch
from bench.core.benchmarks.nb101.network import NB101Network
from bench.core.benchmarks.nb201.network import NB201Network
from bench.core.benchmarks.nb201.space import NB201Space
from metrics import registry
from metrics.batch import Batch
from metrics.probe import Probe


def small_batch(root, dataset: str, size: int) -> Batch:
    """``size`` real images of ``dataset`` (ImageNet16-120: 16×16, the cheapest to score), seed 3."""
    return load_batch(dataset, root, batch_size=size, seed=3)


def nb201_net(space: NB201Space, num_classes: int) -> nn.Module:
    """A benchmark cell in a narrow NB201 network (8 stem channels instead of 16: the same code, a quarter of
    the work)."""
    torch.manual_seed(11)
    index = space.index(
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|skip_connect~2|"
    )
    return NB201Network(space.arch(index), num_classes, channels=8)


def nb101_net(num_classes: int) -> nn.Module:
    """The Inception-like NB101 cell with a 16-channel stem (the benchmark's is 128)."""
    torch.manual_seed(11)
    return NB101Network(INCEPTION, num_classes, stem_channels=16)


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.parametrize("which", ["nb201", "nb101"])
def test_all_metrics_together_equal_each_metric_alone(which: str, root, nb201_space: NB201Space) -> None:
    if which == "nb201":
        batch, net = small_batch(root, "ImageNet16-120", 8), nb201_net(nb201_space, 120)
    else:
        batch, net = small_batch(root, "ImageNet16-120", 4), nb101_net(120)
    names = registry.names()
    together = registry.evaluate(names, Probe(net, batch, seed=5))
    for name in names:
        alone = registry.evaluate([name], Probe(net, batch, seed=5))[name]
        assert same(together[name].value, alone.value), (name, together[name].value, alone.value)
        assert together[name].error == alone.error, name


def test_shared_network_leaves_every_evaluation_with_unchanged_parameters(
    root, nb201_space: NB201Space
) -> None:
    # 16 images: swap reads the batch's first 16 (fewer is its one-line error)
    probe = Probe(nb201_net(nb201_space, 120), small_batch(root, "ImageNet16-120", 16), seed=5)
    shared = probe.network()
    before = {name: (p.detach().clone(), p._version) for name, p in shared.named_parameters()}
    results = registry.evaluate(registry.names(), probe)
    assert probe.network() is shared
    assert shared.training
    for name, param in shared.named_parameters():
        assert param._version == before[name][1], name
        assert torch.equal(param.detach(), before[name][0]), name
        assert param.grad is None, name
    assert not any(module._forward_hooks for module in shared.modules())
    assert all(r.error is None for r in results.values()), {n: r.error for n, r in results.items() if r.error}
