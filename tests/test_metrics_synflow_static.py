"""synflow, synflow_log10, params and flops: closed forms, overflow handling, NB-Suite-Zero values."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from torch import nn

from metrics import registry
from metrics.batch import Batch
from metrics.probe import Probe

STATIC_METRICS = ["synflow", "synflow_log10", "params", "flops"]


def make_batch(images: torch.Tensor, num_classes: int) -> Batch:
    labels = torch.randint(0, num_classes, (images.shape[0],), generator=torch.Generator().manual_seed(0))
    return Batch(images, labels, num_classes, "synthetic", "test batch")


def test_synflow_closed_form_two_layer_net() -> None:
    """R = 1ᵀ(|W2|(|W1|·1 + |b1|) + |b2|): S2 = Σ_jk |W2|_jk h_k, S1 = Σ_jk |W1|_jk (|W2|ᵀ1)_j; BN bypassed."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.Linear(5, 3))
    w1, b1 = net[0].weight.detach().double().abs().numpy(), net[0].bias.detach().double().abs().numpy()
    w2 = net[2].weight.detach().double().abs().numpy()
    h = w1.sum(axis=1) + b1
    expected = (w2 * h[None, :]).sum() + (w1 * w2.sum(axis=0)[:, None]).sum()
    results = registry.evaluate(["synflow", "synflow_log10"], Probe(net, make_batch(torch.randn(8, 4), 3)))
    assert results["synflow"].value == pytest.approx(expected, rel=1e-12)
    assert results["synflow_log10"].value == pytest.approx(math.log10(expected), rel=1e-12)


def test_synflow_uses_one_all_ones_image_of_the_batch_shape() -> None:
    torch.manual_seed(1)
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 16, 2))
    a = registry.evaluate(["synflow"], Probe(net, make_batch(torch.randn(5, 3, 6, 6), 2)))["synflow"]
    b = registry.evaluate(["synflow"], Probe(net, make_batch(torch.zeros(9, 3, 6, 6), 2)))["synflow"]
    assert a.error is None and a.value == b.value


def test_synflow_log_survives_where_the_sum_overflows() -> None:
    """Two 1×1 layers with w1·w2 = 1.5e308: each layer's saliency is finite, their sum is not."""
    net = nn.Sequential(nn.Linear(1, 1, bias=False), nn.Linear(1, 1, bias=False)).double()
    with torch.no_grad():
        net[0].weight.fill_(1e154)
        net[1].weight.fill_(-1.5e154)
    probe = Probe(net, make_batch(torch.ones(2, 1, dtype=torch.float64), 1))
    results = registry.evaluate(["synflow", "synflow_log10"], probe)
    assert math.isnan(results["synflow"].value) and "non-finite" in results["synflow"].error
    assert results["synflow_log10"].value == pytest.approx(math.log10(2) + math.log10(1.5e308), rel=1e-12)


def test_synflow_log_zero_score_is_nan_with_reason() -> None:
    net = nn.Sequential(nn.Linear(3, 2, bias=False))
    with torch.no_grad():
        net[0].weight.zero_()
    result = registry.evaluate(["synflow_log10"], Probe(net, make_batch(torch.randn(4, 3), 2)))[
        "synflow_log10"
    ]
    assert math.isnan(result.value) and "exactly 0" in result.error


class Counted(nn.Module):
    """8×8 input: Conv(3→8, 3×3, bias) → BN → ReLU → AvgPool 2 → adaptive pool → Linear(8→10); a spare layer."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        self.pool = nn.AvgPool2d(2)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)
        self.spare = nn.Linear(100, 100)  # never runs: counted by neither params nor flops

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.gap(self.pool(self.relu(self.bn(self.conv(x))))).flatten(1))


def test_params_and_flops_closed_form() -> None:
    batch = make_batch(torch.randn(4, 3, 8, 8), 10)
    results = registry.evaluate(["params", "flops"], Probe(Counted(), batch))
    params = (8 * 27 + 8) + 2 * 8 + (8 * 10 + 10)
    flops = (
        9 * 3 * 8 * 64
        + 8 * 64  # conv + bias
        + 2 * 8 * 64  # affine BN
        + 8 * 64  # ReLU
        + 8 * 16 * 4  # 2×2 average pool, 4×4 output
        + 8 * 5 * 5  # adaptive pool 4×4 → 1×1: (4 + 1)·(4 + 1) per channel
        + 8 * 10  # linear, bias not counted
    )
    assert results["params"].value == pytest.approx(params / 1e6, rel=1e-12)
    assert results["flops"].value == pytest.approx(flops / 1e6, rel=1e-12)


@pytest.mark.parametrize(
    ("arch", "params_m", "mflops"),
    [
        # cifar10 rows of nb201_naslib_zc_subset.csv.gz (NAS-Bench-Suite-Zero), arch indices 4811 and 3114
        (
            "|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_1x1~0|nor_conv_1x1~1|none~2|",
            0.615386,
            88.307392,
        ),
        (
            "|nor_conv_1x1~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|",
            0.101306,
            18.757312,
        ),
    ],
)
def test_nb201_matches_nas_bench_suite_zero(arch: str, params_m: float, mflops: float) -> None:
    nb201 = pytest.importorskip("bench.core.benchmarks.nb201.network")
    from bench.core.benchmarks.nb201.space import parse

    net = nb201.NB201Network(parse(arch), 10)
    results = registry.evaluate(["params", "flops"], Probe(net, make_batch(torch.zeros(2, 3, 32, 32), 10)))
    assert results["params"].value == pytest.approx(params_m, abs=5e-7)
    assert results["flops"].value == pytest.approx(mflops, abs=5e-7)


def test_deterministic_and_caller_untouched() -> None:
    torch.manual_seed(2)
    net = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(64, 3)
    )
    net.eval()
    before = copy.deepcopy(net.state_dict())
    batch = make_batch(torch.randn(4, 3, 4, 4), 3)
    first = registry.evaluate(STATIC_METRICS, Probe(net, batch, seed=5))
    second = registry.evaluate(STATIC_METRICS, Probe(net, batch, seed=5))
    for name in STATIC_METRICS:
        assert first[name].error is None, (name, first[name].error)
        assert first[name].value == second[name].value, name
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert all(p.dtype == torch.float32 for p in net.parameters())
    assert not net.training
    assert all(not m._forward_hooks for m in net.modules())
    assert np.isfinite(first["synflow_log10"].value)
