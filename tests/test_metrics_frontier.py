"""The 2022–2025 metrics: n_layers (ℵ), n_convs, logsynflow, gradsign, swap; each against an independent value."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from metric_helpers import assert_metrics_leave_caller_untouched, make_batch, random_batch
from torch import nn

from bench.core.benchmarks.nb201.network import NB201Network
from metrics import registry
from metrics.gradsign import check_reducer, reduce_agreement, sign_agreement
from metrics.probe import Probe
from metrics.swap import (
    SwapSettings,
    activation_patterns,
    distinct_columns,
    parameter_prior,
    register_reg_swap,
)

CONV = ("nor_conv_3x3", "nor_conv_1x1")


@pytest.mark.parametrize(
    "ops",
    [
        ("none", "skip_connect", "avg_pool_3x3", "none", "skip_connect", "avg_pool_3x3"),
        ("nor_conv_3x3", "avg_pool_3x3", "nor_conv_1x1", "skip_connect", "none", "nor_conv_3x3"),
        ("nor_conv_3x3",) * 6,
    ],
)
def test_structure_counts_on_nb201_cells(ops: tuple[str, ...]) -> None:
    """ℵ = 21 + 45c and n_convs = 7 + 15c for a cell with c conv ops (3 tensors and 1 conv per conv op, 15
    cells; stem 3 / 1, two reduction blocks 7 / 3, head BN 2, classifier 2)."""
    convs = sum(op in CONV for op in ops)
    results = registry.evaluate(["n_layers", "n_convs"], Probe(NB201Network(ops, 10), random_batch(2, 32)))
    assert results["n_layers"].value == 21 + 45 * convs
    assert results["n_convs"].value == 7 + 15 * convs


def test_structure_counts_on_a_small_net() -> None:
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(16, 3))
    results = registry.evaluate(["n_layers", "n_convs"], Probe(net, random_batch(2, 4)))
    # conv weight and bias, BN weight and bias, linear weight and bias; one conv
    assert (results["n_layers"].value, results["n_convs"].value) == (6, 1)


def test_logsynflow_by_hand_on_a_two_layer_net() -> None:
    """|W| net, all-ones input: R = Σ_i |W2|_i Σ_j |W1|_ij, so ∂R/∂W1_ij = |W2|_i and ∂R/∂W2_i = Σ_j |W1|_ij;
    LogSynflow = Σ_ij |W1|_ij log(1 + |W2|_i) + Σ_i |W2|_i log(1 + Σ_j |W1|_ij)."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 2, bias=False), nn.Linear(2, 1, bias=False))
    w1 = net[0].weight.detach().double().abs().numpy()
    w2 = net[1].weight.detach().double().abs().numpy()[0]
    expected = sum(w1[i, j] * math.log1p(w2[i]) for i in range(2) for j in range(3))
    expected += sum(w2[i] * math.log1p(w1[i].sum()) for i in range(2))
    results = registry.evaluate(["logsynflow"], Probe(net, make_batch(torch.randn(4, 3))))
    assert results["logsynflow"].value == pytest.approx(expected, rel=1e-12)


def loop_sign_agreement(
    net: nn.Module, images: torch.Tensor, labels: torch.Tensor
) -> tuple[np.ndarray, np.ndarray]:
    """The official per-sample loop: each sample alone, train mode, sign of every Conv2d/Linear weight grad.

    Returns |Σ_i sign(g_ik)| and, per weight, min_i |g_ik| / max |g| (where a sign is float noise)."""
    net = copy.deepcopy(net).train()
    layers = [m for m in net.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    grads = []
    for i in range(len(images)):
        loss = F.cross_entropy(net(images[i : i + 1]), labels[i : i + 1])
        grads.append(
            torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, [m.weight for m in layers])])
        )
    stacked = torch.stack(grads)
    smallest = stacked.abs().min(dim=0).values / stacked.abs().max()
    return torch.sign(stacked).sum(dim=0).abs().numpy(), smallest.numpy()


def test_gradsign_matches_a_per_sample_loop() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(4, 3),
    )
    batch = random_batch(20, 5)  # 20 samples: more than one vmap chunk
    agreement, _ = loop_sign_agreement(net, batch.images, batch.labels)
    results = registry.evaluate(["gradsign", "gradsign_mean"], Probe(net, batch))
    assert results["gradsign"].value == pytest.approx(agreement.sum(), abs=1e-9)
    assert results["gradsign_mean"].value == pytest.approx(agreement.mean(), rel=1e-12)
    assert agreement.max() <= 20


def test_gradsign_on_nb201_matches_the_loop_up_to_float_noise() -> None:
    """On an NB201 network (its custom avg-pool Function swapped for nn.AvgPool2d, which torch.func can vmap), at
    the real 32×32 resolution: the agreement equals the loop's except where a per-sample gradient is float noise
    (below 1e-5 of the largest), whose sign the two summation orders may flip."""
    torch.manual_seed(1)
    ops = ("avg_pool_3x3", "nor_conv_1x1", "skip_connect", "none", "avg_pool_3x3", "nor_conv_1x1")
    net = NB201Network(ops, 3)
    batch = random_batch(4, 32)
    agreement, smallest = loop_sign_agreement(net, batch.images, batch.labels)
    ours = sign_agreement(Probe(net, batch)).numpy()
    differ = ours != agreement
    assert (smallest[differ] < 1e-5).all()
    assert differ.sum() <= 1e-4 * differ.size


def test_gradsign_leaves_out_nan_agreements_as_the_official_nan_reducers() -> None:
    """np.nansum / np.nanmean over |Σ_i sign(g_ik)|: a NaN agreement is left out of the sum and of the mean's
    count; all NaN is NaN (not the official nansum's 0)."""
    agreement = torch.tensor([1.0, float("nan"), 3.0, 0.0])
    assert reduce_agreement(agreement, "sum") == 4.0
    assert reduce_agreement(agreement, "mean") == pytest.approx(4.0 / 3.0, rel=1e-15)
    assert math.isnan(reduce_agreement(torch.full((3,), float("nan")), "sum"))


def test_gradsign_marks_a_nan_per_sample_gradient() -> None:
    """One NaN pixel in one image makes every per-sample gradient of that image NaN; torch.sign(NaN) is 0, so
    without the mark the other images' signs would still give a finite GradSign."""
    net = nn.Sequential(nn.Conv2d(3, 2, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 3))
    batch = random_batch(4, 4)
    assert torch.isfinite(sign_agreement(Probe(net, batch))).all()
    batch.images[2, 0, 1, 1] = float("nan")
    assert torch.isnan(sign_agreement(Probe(net, batch))).all()
    result = registry.evaluate(["gradsign"], Probe(net, batch))["gradsign"]
    assert math.isnan(result.value) and result.error


def test_gradsign_reducer_and_swap_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown gradsign reducer 'median'"):
        check_reducer("median")
    with pytest.raises(ValueError, match="repeats must be a positive whole number, got -1"):
        SwapSettings(repeats=-1)
    with pytest.raises(ValueError, match="samples must be a positive whole number"):
        SwapSettings(samples=0)
    with pytest.raises(ValueError, match="sigma > 0"):
        register_reg_swap("reg_swap_bad", mu=100.0, sigma=0.0)
    assert "reg_swap_bad" not in registry.names()
    assert registry.get("swap").settings["repeats"] == 32
    assert registry.get("gradsign").settings["reducer"] == "sum"


def test_distinct_columns_counts_distinct_patterns() -> None:
    g = torch.Generator().manual_seed(0)
    active = (torch.rand(16, 500, generator=g) > 0.9).float()
    expected = len({tuple(column) for column in active.T.tolist()})
    assert distinct_columns(active) == expected
    assert distinct_columns(torch.ones(70, 3)) == 1  # the unpacked path (more than 53 samples)
    wide = (torch.rand(40, 300, generator=g) > 0.5).float()  # float64 codes (more than 24 samples)
    assert distinct_columns(wide) == len({tuple(column) for column in wide.T.tolist()})


def test_activation_patterns_by_hand() -> None:
    """1×1 conv with channels (x, −x) on 1×2 images: unit patterns over the samples, read off by hand."""
    net = nn.Sequential(nn.Conv2d(1, 2, 1, bias=False), nn.ReLU())
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([1.0, -1.0]).reshape(2, 1, 1, 1))
    images = torch.tensor([[1.0, 2.0], [-1.0, 3.0], [2.0, -1.0]]).reshape(3, 1, 1, 2)
    # units (channel, pixel): (+,0) → [1,0,1]; (+,1) → [1,1,0]; (−,0) → [0,1,0]; (−,1) → [0,0,1]: all distinct
    assert activation_patterns(net, images) == 4
    images = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).reshape(2, 1, 1, 2)  # (+,·) → [1,1]; (−,·) → [0,0]
    assert activation_patterns(net, images) == 2


@pytest.mark.parametrize("samples", [3, 60])  # packed codes (≤ 53 samples) and the unpacked fallback
def test_activation_patterns_refuse_a_nan_output(samples: int) -> None:
    """One NaN pixel of one image makes a ReLU output NaN: the pattern count is undefined, so it raises."""
    net = nn.Sequential(nn.Conv2d(1, 2, 1, bias=False), nn.ReLU())
    images = torch.rand(samples, 1, 1, 2)
    assert activation_patterns(net, images) >= 1
    images[samples - 1, 0, 0, 1] = float("nan")
    with pytest.raises(ValueError, match="activation patterns: a ReLU output is NaN"):
        activation_patterns(net, images)


def test_swap_is_bounded_and_reg_prior_is_the_gaussian_of_thousand_parameters() -> None:
    net = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(64, 3)
    )
    batch = random_batch(16, 4)
    value = registry.evaluate(["swap"], Probe(net, batch))["swap"].value
    assert 1 <= value <= 4 * 4 * 4  # at most one pattern per unit (V = 64 ReLU outputs)
    thousands = sum(p.numel() for p in net.parameters()) / 1e3
    assert parameter_prior(Probe(net, batch), mu=0.1, sigma=0.02) == pytest.approx(
        math.exp(-((thousands - 0.1) ** 2) / 0.02)
    )


def test_swap_needs_its_samples() -> None:
    net = nn.Sequential(nn.Conv2d(3, 2, 1), nn.ReLU())
    result = registry.evaluate(["swap"], Probe(net, random_batch(8, 4)))["swap"]
    assert math.isnan(result.value) and "swap needs 16 images, the batch has 8" in result.error


def test_new_metrics_leave_the_caller_untouched() -> None:
    torch.manual_seed(0)
    net = NB201Network(
        ("nor_conv_3x3", "avg_pool_3x3", "nor_conv_1x1", "skip_connect", "none", "nor_conv_3x3"), 3
    )
    assert_metrics_leave_caller_untouched(
        net, random_batch(16, 8), ["n_layers", "n_convs", "logsynflow", "gradsign", "gradsign_mean", "swap"]
    )


def test_the_old_synflow_log_name_points_to_its_new_name() -> None:
    with pytest.raises(ValueError, match=r"renamed to 'synflow_log10'.*rename-metric"):
        registry.get("synflow_log")
