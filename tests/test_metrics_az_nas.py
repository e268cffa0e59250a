"""AZ-NAS components (metrics/az_nas.py) against values worked out by hand, and on NB201 networks."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from metric_helpers import assert_metrics_leave_caller_untouched, random_batch

from bench.core.benchmarks.nb101.network import NB101Network
from bench.core.benchmarks.nb101.spec import ModelSpec
from bench.core.benchmarks.nb201.network import NB201Network
from metrics import registry
from metrics.az_nas import EPS_LOG, EPS_SIGMA, block_trainability, cell_features, eigen_entropy
from metrics.probe import Probe

COMPONENTS = ["az_expressivity", "az_progressivity", "az_trainability", "az_complexity"]


def test_settings_are_recorded() -> None:
    for name in COMPONENTS[:3]:
        spec = registry.get(name)
        assert spec.higher_is_better and spec.needs == "none" and spec.settings["batch"] == 64
        assert "Gaussian noise" in str(spec.settings["input"]) and "fan_in" in str(spec.settings["init"])


def test_eigen_entropy_of_two_uncorrelated_unit_channels_is_log_2() -> None:
    # pixels (rows) ±1 in every sign pattern: centred, Σ = I, eigenvalues 1, 1 → p = (1/2, 1/2)
    rows = torch.tensor([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    feature = rows.reshape(4, 1, 1, 2).permute(0, 3, 1, 2)  # (B=4, C=2, H=1, W=1)
    assert eigen_entropy(feature) == pytest.approx(-math.log(0.5 + EPS_LOG), rel=1e-6)
    one_channel_dominant = feature * torch.tensor([1.0, 0.0]).reshape(1, 2, 1, 1)
    assert eigen_entropy(one_channel_dominant) == pytest.approx(0.0, abs=1e-6)


def test_block_trainability_of_a_scaled_single_channel_block() -> None:
    # g_in = 2 g_out with one channel: g_inᵀ g_out / n = 2 Σ g² / n = 2 → σ = 2
    f_in = torch.randn(8, 1, 4, 4, requires_grad=True)
    expected = -2.0 - 1.0 / (2.0 + EPS_SIGMA) + 2.0
    assert block_trainability(f_in, 2.0 * f_in) == pytest.approx(expected, rel=1e-6)


def test_block_trainability_unshuffles_a_halved_resolution() -> None:
    # 2×2 average pooling of one channel: after pixel-unshuffle, each of the 4 input channels is g_out / 4,
    # so the 4×1 matrix has entries 1/4 and σ = sqrt(4 / 16) = 1/2
    f_in = torch.randn(8, 1, 4, 4, requires_grad=True)
    expected = -0.5 - 1.0 / (0.5 + EPS_SIGMA) + 2.0
    assert block_trainability(f_in, F.avg_pool2d(f_in, 2)) == pytest.approx(expected, rel=1e-5)


def test_an_identity_block_scores_minus_infinity() -> None:
    f_in = torch.randn(4, 2, 3, 3, requires_grad=True)
    assert block_trainability(f_in, f_in + 0.0) == -math.inf


def test_features_are_the_stem_and_every_cell() -> None:
    net = NB201Network(("nor_conv_3x3",) * 6, num_classes=10, channels=4)
    features = cell_features(net, torch.randn(2, 3, 32, 32))
    assert len(features) == 18  # stem + 15 cells + 2 reduction blocks
    # a reduction block starts a stage: stem + 5 cells at 4 channels, then 8, then 16
    assert [f.shape[1] for f in features] == [4] * 6 + [8] * 6 + [16] * 6
    assert all(not module._forward_hooks for module in net.modules())


def test_nb101_features_are_the_stem_and_its_nine_cells() -> None:
    # conv3x3 → output: the max-pools before the second and third stack fall inside the next cell's block
    spec = ModelSpec([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "conv3x3-bn-relu", "output"])
    net = NB101Network(spec, 10, stem_channels=4)
    features = cell_features(net, torch.randn(2, 3, 16, 16))
    assert [(f.shape[1], f.shape[2]) for f in features] == [(4, 16)] * 4 + [(8, 8)] * 3 + [(16, 4)] * 3
    components = registry.evaluate(COMPONENTS[:3], Probe(net, random_batch(n=4, size=16, classes=10), seed=0))
    assert all(math.isfinite(result.value) for result in components.values())


def test_a_network_without_feature_modules_is_named() -> None:
    with pytest.raises(ValueError, match="Sequential has neither a feature_modules"):
        cell_features(torch.nn.Sequential(torch.nn.Conv2d(3, 2, 1)), torch.randn(1, 3, 4, 4))


def test_components_on_nb201_networks() -> None:
    """On narrow NB201 networks (4 stem channels) to keep the test fast; the full-width per-architecture
    agreement with the official code is results/crosscheck/az_nas_official_nb201.csv."""
    batch = random_batch(n=4, size=32, classes=10)
    conv = NB201Network(
        ("nor_conv_3x3", "avg_pool_3x3", "nor_conv_1x1", "skip_connect", "none", "nor_conv_3x3"),
        10,
        channels=4,
    )
    assert_metrics_leave_caller_untouched(conv, batch, COMPONENTS)
    first = registry.evaluate(COMPONENTS, Probe(conv, batch, seed=3))
    again = registry.evaluate(COMPONENTS, Probe(conv, batch, seed=3))
    assert all(math.isfinite(first[name].value) for name in COMPONENTS)
    assert {name: r.value for name, r in first.items()} == {name: r.value for name, r in again.items()}
    assert first["az_complexity"].value == registry.evaluate(["flops"], Probe(conv, batch))["flops"].value
    # a cell whose output is its input (skip 0→3, every other edge none): every cell block is an exact identity
    identity = NB201Network(("none", "none", "none", "skip_connect", "none", "none"), 10, channels=4)
    result = registry.evaluate(["az_trainability"], Probe(identity, batch))["az_trainability"]
    assert math.isnan(result.value) and result.error == "non-finite value -inf"
