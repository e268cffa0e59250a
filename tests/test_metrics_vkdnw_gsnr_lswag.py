"""vkdnw, xi_gsnr (+ cumulative), l_swag (+ Λ, Ψ): each against an independent loop on a tiny network."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from metric_helpers import assert_metrics_leave_caller_untouched, conv_net, random_batch
from torch import nn

from bench.core.benchmarks.nb201.network import NB201Network
from metrics import registry
from metrics.gsnr import GsnrSettings
from metrics.lswag import LswagSettings, in_interval
from metrics.probe import Probe
from metrics.swap import activation_patterns
from metrics.vkdnw import (
    VKDNW_SETTINGS,
    VkdnwSettings,
    chosen_entries,
    chunk_size,
    fisher_matrix,
    fresh_eval_mode,
    kaiming_fan_in_init,
    logit_jacobians,
    multinomial_cholesky,
    smoothed_probabilities,
    spectrum_entropy,
)


def test_multinomial_cholesky_factors_the_covariance() -> None:
    torch.manual_seed(0)
    prob = smoothed_probabilities(torch.randn(5, 7) * 3)
    lower = multinomial_cholesky(prob)
    covariance = torch.diag_embed(prob) - prob[:, :, None] * prob[:, None, :]
    assert torch.equal(lower, lower.tril())
    # p sums to 1 only to ≈3e-4 (the float16 smoothing constants), so L Lᵀ matches to that order
    assert (lower @ lower.transpose(1, 2) - covariance).abs().max() < 2e-3
    assert float(prob.sum(dim=1).sub(1).abs().max()) == pytest.approx(2.5e-4, abs=1e-4)


def test_spectrum_entropy_by_hand() -> None:
    """Deciles 0.1…0.9 of 1..10 (linear interpolation) are 1.9, 2.8, …, 9.1; q̃ = q/Σq; −Σ q̃ log q̃."""
    deciles = np.quantile(np.arange(1.0, 11.0), np.arange(1, 10) / 10)
    shares = deciles / deciles.sum()
    expected = -(shares * np.log(shares)).sum()
    # the official float32 decile levels (0.1 is 0.10000000149) and its 1e-10 guards move the value by ~1e-9
    assert spectrum_entropy(torch.arange(1.0, 11.0, dtype=torch.float64)) == pytest.approx(expected, rel=1e-8)
    assert spectrum_entropy(torch.ones(20, dtype=torch.float64)) == pytest.approx(math.log(9), rel=1e-9)


def loop_fisher(net: nn.Module, noise: torch.Tensor, settings: VkdnwSettings) -> torch.Tensor:
    """F = mean_n (L_n J_n)ᵀ(L_n J_n) with J_n from one autograd backward per sample and logit."""
    chosen = chosen_entries(net, settings)
    params = dict(net.named_parameters())
    blocks = []
    for image in noise:
        out = net(image.unsqueeze(0))[0]
        rows = []
        for k in range(len(out)):
            grads = torch.autograd.grad(out[k], [params[name] for name in chosen], retain_graph=True)
            rows.append(
                torch.cat([g.reshape(-1)[chosen[name]] for g, name in zip(grads, chosen, strict=True)])
            )
        jacobian = torch.stack(rows)
        lower = multinomial_cholesky(smoothed_probabilities(out.detach().unsqueeze(0)))[0]
        scaled = lower @ jacobian
        blocks.append(scaled.T @ scaled)
    return torch.stack(blocks).mean(dim=0)


def test_vkdnw_matches_a_per_sample_loop() -> None:
    """The registered value equals the entropy of the loop's Fisher matrix, on the same re-initialised network
    and noise (the shared computation's seeded draws: Kaiming init, then the noise); 3 entries per tensor."""
    settings = VkdnwSettings(tensors=5, entries=3)
    net, batch = conv_net(), random_batch(6, 4)
    probe = Probe(net, batch)
    with probe.seeded(f"vkdnw {VKDNW_SETTINGS}"):  # the shared computation's seed key
        reference = fresh_eval_mode(kaiming_fan_in_init(copy.deepcopy(net)))
        noise = torch.randn_like(batch.images)
    ours = fisher_matrix(reference, noise, settings)
    loop = loop_fisher(reference, noise, settings)
    assert ours.shape == (15, 15)
    torch.testing.assert_close(ours, loop, rtol=1e-4, atol=1e-7)
    expected = spectrum_entropy(torch.linalg.svdvals(loop_fisher(reference, noise, VKDNW_SETTINGS)))
    results = registry.evaluate(["vkdnw", "vkdnw_single", "n_layers"], probe)
    value = results["vkdnw"].value
    assert value == pytest.approx(expected, rel=1e-4)
    assert 0 < value < math.log(9)
    # VKDNW_single orders by ℵ (9 parameter tensors here) first, then by the entropy
    assert results["n_layers"].value == 9
    assert results["vkdnw_single"].value == 10 * 9 + value


def test_jacobian_chunks_shrink_with_the_class_count_and_network_size_and_leave_values_alone() -> None:
    """16 samples a call on CIFAR-10's 10 classes (as before the rule) for any NB201 network (at most 1.6 M
    parameters), 2 on CIFAR-100 / ImageNet16-120 and beyond; fewer on large networks (NB101: 3.5 M entries in the
    chosen tensors → 7, 30.7 M → 2); the per-sample Jacobians of a 100-class network agree across chunks (2, 5 or
    the whole 6) to float32 rounding."""
    small = 1_600_000
    assert [chunk_size(k, small) for k in (2, 10, 11, 80, 100, 120, 1000)] == [80, 16, 14, 2, 2, 2, 2]
    assert [chunk_size(10, n) for n in (3_468_426, 30_679_178, 10**9)] == [7, 2, 2]
    net = fresh_eval_mode(kaiming_fan_in_init(conv_net(classes=100)))
    noise = torch.randn(6, 3, 4, 4, generator=torch.Generator().manual_seed(1))
    chosen = chosen_entries(net, VkdnwSettings(tensors=4, entries=2))
    whole = logit_jacobians(net, noise, chosen, chunk=6)
    assert whole.shape == (6, 100, 8)
    for chunk in (2, 5):
        torch.testing.assert_close(
            logit_jacobians(net, noise, chosen, chunk=chunk), whole, rtol=1e-5, atol=1e-7
        )


def group_loop_gradients(
    net: nn.Module, images: torch.Tensor, labels: torch.Tensor, groups: int, reset: bool
):
    """Per Conv2d/Linear layer, the weight gradient after each group's backward (train mode), zeroed between
    groups when ``reset`` (else accumulated, the official NB201 loop)."""
    net = copy.deepcopy(net).train()
    layers = [m for m in net.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    size = len(images) // groups
    recorded: list[list[np.ndarray]] = [[] for _ in layers]
    for j in range(groups):
        if reset:
            net.zero_grad()
        F.cross_entropy(net(images[j * size : (j + 1) * size]), labels[j * size : (j + 1) * size]).backward()
        for store, layer in zip(recorded, layers, strict=True):
            store.append(layer.weight.grad.detach().reshape(-1).double().numpy().copy())
    return [np.stack(store) for store in recorded]


def loop_gsnr(gradients: list[np.ndarray], xi: float = 1e-8) -> float:
    return sum(
        float((g.mean(axis=0) ** 2 / (g.var(axis=0) + xi)).sum()) for g in gradients if g.var(axis=0).any()
    )


def test_xi_gsnr_matches_group_loops_with_and_without_reset() -> None:
    net, batch = conv_net(), random_batch(24, 5)
    results = registry.evaluate(["xi_gsnr", "xi_gsnr_cumulative"], Probe(net, batch))
    independent = loop_gsnr(group_loop_gradients(net, batch.images, batch.labels, 8, reset=True))
    cumulative = loop_gsnr(group_loop_gradients(net, batch.images, batch.labels, 8, reset=False))
    assert results["xi_gsnr"].value == pytest.approx(independent, rel=1e-4)
    assert results["xi_gsnr_cumulative"].value == pytest.approx(cumulative, rel=1e-4)
    assert results["xi_gsnr_cumulative"].value > results["xi_gsnr"].value


def test_l_swag_terms_match_loops() -> None:
    """Λ = Σ_l log Σ_w 1/std(|g|) over 2 halves; Ψ = SWAP's count over every ReLU on 16 images; L-SWAG = Λ × Ψ."""
    net, batch = conv_net(), random_batch(32, 5)
    results = registry.evaluate(["l_swag", "l_swag_lambda", "l_swag_psi"], Probe(net, batch))
    expected_lambda = 0.0
    for g in group_loop_gradients(net, batch.images, batch.labels, 2, reset=True):
        std = np.abs(g).std(axis=0)
        expected_lambda += math.log((1 / std[std > 0]).sum())
    expected_psi = activation_patterns(copy.deepcopy(net).train(), batch.images[:16])
    assert results["l_swag_lambda"].value == pytest.approx(expected_lambda, rel=1e-5)
    assert results["l_swag_psi"].value == expected_psi
    assert 16 < expected_psi <= 4 * 5 * 5 * 2  # distinct patterns among the 200 ReLU units
    assert results["l_swag"].value == pytest.approx(expected_lambda * expected_psi, rel=1e-5)


def test_layer_interval_centres() -> None:
    assert in_interval(4, (0.0, 1.0)) == [True] * 4
    assert in_interval(4, (0.25, 0.75)) == [False, True, True, False]  # centres 1/8, 3/8, 5/8, 7/8
    assert in_interval(5, (0.0, 0.5)) == [True, True, True, False, False]  # centre 0.5 is inside


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: VkdnwSettings(tensors=-1), "vkdnw setting tensors must be a positive whole number, got -1"),
        (lambda: VkdnwSettings(entries=0), "vkdnw setting entries"),
        (lambda: GsnrSettings(groups=1), "xi_gsnr setting groups must be a whole number ≥ 2, got 1"),
        (lambda: GsnrSettings(xi=-1.0), "xi_gsnr setting xi must be a finite number > 0"),
        (lambda: GsnrSettings(gradients="median"), "unknown xi_gsnr gradients 'median'"),
        (lambda: LswagSettings(samples=-3), "l_swag setting samples must be a positive whole number, got -3"),
        (lambda: LswagSettings(splits=1), "l_swag setting splits"),
        (lambda: LswagSettings(interval=(0.6, 0.2)), "l_swag setting interval"),
    ],
)
def test_bad_settings_fail_in_one_line(make, message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        make()
    assert "\n" not in str(raised.value)


def test_small_batches_fail_with_a_reason() -> None:
    results = registry.evaluate(["xi_gsnr", "l_swag_psi"], Probe(conv_net(), random_batch(4, 5)))
    assert "8 gradient groups need at least 8 samples, the batch has 4" in results["xi_gsnr"].error
    assert "l_swag needs 16 images, the batch has 4" in results["l_swag_psi"].error


def test_new_metrics_leave_the_caller_untouched() -> None:
    names = [
        "vkdnw",
        "vkdnw_single",
        "xi_gsnr",
        "xi_gsnr_cumulative",
        "l_swag",
        "l_swag_lambda",
        "l_swag_psi",
    ]
    assert_metrics_leave_caller_untouched(conv_net(), random_batch(16, 5), names)


def test_l_swag_psi_counts_dead_relus() -> None:
    """Node 1 = conv(node 0) reaches nothing (edges 2←1, 3←1 are none); the live path is node 0 → pool → conv 3←2, so
    no live ReLU reads node 0 and the dead ReLU adds patterns that the pruned cell (same live weights) lacks: Ψ is not
    class-invariant."""
    dead = ("nor_conv_3x3", "avg_pool_3x3", "none", "none", "none", "nor_conv_1x1")
    pruned = ("none", "avg_pool_3x3", "none", "none", "none", "nor_conv_1x1")
    torch.manual_seed(0)
    full = NB201Network(dead, 10)
    other = NB201Network(pruned, 10)
    weights = full.state_dict()
    other.load_state_dict({key: weights[key] for key in other.state_dict()})
    batch = random_batch(16, 32, 10)
    values = [
        registry.evaluate(["l_swag_psi"], Probe(net, batch))["l_swag_psi"].value for net in (full, other)
    ]
    assert values[0] > values[1] > 0
