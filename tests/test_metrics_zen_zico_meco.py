"""Zen-score, ZiCo and MeCo against hand-worked values and slow independent computations."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from metric_helpers import (
    RecordingProbe,
    assert_metrics_leave_caller_untouched,
    make_batch,
    random_batch,
)
from torch import nn
from torch.nn import functional as F

from metrics import registry
from metrics.meco import meco, min_correlation_eigenvalue
from metrics.probe import Probe
from metrics.zen import zen
from metrics.zico import zico, zico_from_gradients


def plain_net(seed: int = 0, classes: int = 3) -> nn.Sequential:
    """Conv-BN-ReLU ×2, global average pooling, linear classifier (a Zen-NAS style plain CNN)."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Conv2d(4, 5, 3, padding=1, bias=False),
        nn.BatchNorm2d(5),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(5, classes),
    )


# --------------------------------------------------------------------------------------------- zen


def manual_bn(
    x: torch.Tensor, running_var: torch.Tensor, momentum: float = 0.1
) -> tuple[torch.Tensor, torch.Tensor]:
    """Train-mode BN with weight 1, bias 0 (biased batch variance), and the running-variance update."""
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    var = x.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    count = x.numel() / x.shape[1]
    unbiased = var.flatten() * count / (count - 1)
    return (x - mean) / torch.sqrt(var + 1e-5), (1 - momentum) * running_var + momentum * unbiased


def slow_zen(net: nn.Sequential, shape: torch.Size) -> float:
    """Zen-score with hand-written layers: N(0,1) init in module order, explicit BN and running variances."""
    w1 = torch.randn(net[0].weight.shape)  # conv biases are zeroed by the init, so omitted below
    w2 = torch.randn(net[3].weight.shape)
    torch.randn(net[8].weight.shape)  # the classifier weight is re-drawn too (after the convs)
    x, noise = torch.randn(shape), torch.randn(shape)
    variances = [torch.ones(4), torch.ones(5)]
    features = []
    for inputs in (x, x + 1e-2 * noise):
        h, variances[0] = manual_bn(F.conv2d(inputs, w1, padding=1), variances[0])
        h, variances[1] = manual_bn(F.conv2d(F.relu(h), w2, padding=1), variances[1])
        features.append(F.relu(h))
    response = (features[0] - features[1]).abs().sum(dim=(1, 2, 3)).mean()
    return float(torch.log(response)) + sum(0.5 * math.log(float(v.mean())) for v in variances)


def test_zen_matches_hand_written_forward() -> None:
    net, batch = plain_net(seed=1), random_batch(n=8, size=5)
    for module in net.modules():  # non-fresh buffers: the metric must reset them
        if isinstance(module, nn.BatchNorm2d):
            module.running_var.fill_(7.0)
    probe = Probe(net, batch, seed=3)
    with probe.seeded("zen"):
        value = zen(probe)
    with probe.seeded("zen"):
        expected = slow_zen(net, batch.images.shape)
    assert value == pytest.approx(expected, rel=1e-5)


class FunctionalPoolNet(nn.Module):
    """Pools with ``mean`` (no pooling module): Zen falls back to the classifier input."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.classifier = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(F.relu(self.conv(x)).mean(dim=(2, 3)))


def test_zen_falls_back_to_classifier_input() -> None:
    net, batch = FunctionalPoolNet(), random_batch(n=6, size=3)
    probe = Probe(net, batch, seed=0)
    with probe.seeded("zen"):
        value = zen(probe)
    with probe.seeded("zen"):
        w = torch.randn(net.conv.weight.shape)
        torch.randn(net.classifier.weight.shape)
        x, noise = torch.randn(batch.images.shape), torch.randn(batch.images.shape)
        pooled = [F.relu(F.conv2d(v, w, padding=1)).mean(dim=(2, 3)) for v in (x, x + 1e-2 * noise)]
        expected = math.log(float((pooled[0] - pooled[1]).abs().sum(dim=1).mean()))  # no BN: no scale term
    assert value == pytest.approx(expected, rel=1e-5)


def test_zen_depends_on_seed_not_on_images() -> None:
    net, batch = plain_net(), random_batch(n=8)
    other_images = make_batch(batch.images + 5.0, batch.labels)
    assert registry.evaluate(["zen"], Probe(net, batch, seed=0))["zen"].value == pytest.approx(
        registry.evaluate(["zen"], Probe(net, other_images, seed=0))["zen"].value, rel=0, abs=0
    )
    assert registry.evaluate(["zen"], Probe(net, batch, seed=1))["zen"].value != pytest.approx(
        registry.evaluate(["zen"], Probe(net, batch, seed=0))["zen"].value
    )


# -------------------------------------------------------------------------------------------- zico


def test_zico_hand_worked_gradients() -> None:
    # Layer a: per element mean|g| = [2, 2, 0], population std = [1, 0, 0]: only element 0 counts,
    # ratio sum 2. Layer b: mean|g| = 1, std = 1, log 1 = 0. Layer c: constant, skipped. Total log 2.
    gradients = {
        "a": [torch.tensor([1.0, 2.0, 0.0]), torch.tensor([3.0, 2.0, 0.0])],
        "b": [torch.tensor([-1.0]), torch.tensor([1.0])],
        "c": [torch.tensor([4.0, 4.0]), torch.tensor([4.0, 4.0])],
    }
    assert zico_from_gradients(gradients) == pytest.approx(math.log(2.0), rel=1e-12)


def slow_zico(net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Each half's gradients from its own copy; for two samples mean|g|/std = (|g1|+|g2|)/|g1−g2|."""
    half = len(images) // 2
    per_split = []
    for part in (slice(0, half), slice(half, None)):
        model = copy.deepcopy(net).train()
        weights = [m.weight for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
        loss = F.cross_entropy(model(images[part]), labels[part])
        per_split.append([g.double().numpy().ravel() for g in torch.autograd.grad(loss, weights)])
    total = 0.0
    for g1, g2 in zip(*per_split, strict=True):
        ratios = [(abs(a) + abs(b)) / abs(a - b) for a, b in zip(g1, g2, strict=True) if a != b]
        if sum(ratios) != 0:
            total += math.log(sum(ratios))
    return total


def test_zico_matches_explicit_per_split_gradients() -> None:
    net, batch = plain_net(seed=2), random_batch(n=12, size=4, seed=1)
    expected = slow_zico(net, batch.images, batch.labels)
    assert zico(Probe(net, batch)) == pytest.approx(expected, rel=1e-9)


def test_zico_needs_two_samples() -> None:
    result = registry.evaluate(["zico"], Probe(plain_net(), random_batch(n=1)))["zico"]
    assert math.isnan(result.value) and "at least 2" in result.error


# -------------------------------------------------------------------------------------------- meco


def test_meco_hand_worked_correlation() -> None:
    # A 1×1 conv that copies channels 0 and 1 is the whole network (the root is the only module).
    # Channel a = [1, -1, 1, -1], b = [1, 1, 1, -1]: ρ = 2 / sqrt(4 · 3) = 1/√3, λ_min = 1 − 1/√3.
    conv = nn.Conv2d(3, 2, 1, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]).reshape(2, 3, 1, 1))
    image = torch.stack(
        [torch.tensor([1.0, -1.0, 1.0, -1.0]), torch.tensor([1.0, 1.0, 1.0, -1.0]), torch.zeros(4)]
    )
    images = torch.stack([image.reshape(3, 2, 2), torch.randn(3, 2, 2)])
    assert meco(Probe(conv, make_batch(images))) == pytest.approx(1 - 1 / math.sqrt(3), rel=1e-12)


def numpy_min_eigenvalue(feature: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = np.corrcoef(feature.reshape(feature.shape[0], -1))
    corr[~np.isfinite(corr)] = 0.0
    return float(np.linalg.eigvalsh(corr).min())


def test_meco_matches_numpy_eigenvalues() -> None:
    # Every module is hooked: the root Sequential (logits: 0), each child; pooled/flattened/linear
    # outputs have one value per channel and contribute 0. Only the first image enters the network.
    net, batch = plain_net(seed=4), random_batch(n=6, size=5, seed=2)
    h = batch.images[:1]
    expected = 0.0
    model = copy.deepcopy(net).train()
    with torch.no_grad():
        for layer in model:
            h = layer(h)
            if h.dim() == 4 and h.shape[-1] > 1:
                expected += numpy_min_eigenvalue(h[0].double().numpy())
    assert meco(Probe(net, batch)) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_meco_uses_only_the_first_image() -> None:
    net, batch = plain_net(seed=4), random_batch(n=6, size=5, seed=2)
    shuffled = make_batch(torch.cat([batch.images[:1], torch.randn(5, 3, 5, 5)]), batch.labels)
    assert meco(Probe(net, batch)) == meco(Probe(net, shuffled))


def test_min_correlation_eigenvalue_degenerate_cases() -> None:
    assert min_correlation_eigenvalue(torch.randn(4, 1, 1)) == 0.0  # one value per channel
    assert min_correlation_eigenvalue(torch.randn(1, 3, 3)) == 1.0  # one non-constant channel
    constant = torch.stack([torch.ones(2, 2), torch.randn(2, 2), torch.randn(2, 2)])
    assert min_correlation_eigenvalue(constant) == pytest.approx(0.0, abs=1e-12)  # zeroed row/column


# ---------------------------------------------------------------------- determinism, purity, hooks

NAMES = ["zen", "zico", "meco"]


def test_specs_declare_direction_and_needs() -> None:
    specs = {name: registry.get(name) for name in NAMES}
    assert all(spec.higher_is_better and spec.version == 1 and spec.bn == "train" for spec in specs.values())
    assert [specs[name].needs for name in NAMES] == ["none", "labels", "data"]


def test_deterministic_across_runs_and_probes() -> None:
    net, batch = plain_net(seed=1), random_batch(n=12, size=4, seed=2)
    runs = [registry.evaluate(NAMES, Probe(net, batch, seed=7)) for _ in range(3)]
    for name in NAMES:
        assert runs[0][name].error is None, runs[0][name].error
        assert runs[0][name].value == runs[1][name].value == runs[2][name].value


def test_caller_network_and_batch_untouched_and_hooks_removed() -> None:
    assert_metrics_leave_caller_untouched(plain_net(seed=1), random_batch(n=12, size=4, seed=2), NAMES)


class FailsMidway(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 2, 1)
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.pool(self.conv(x))
        raise RuntimeError("forward failed on purpose")


def test_hooks_removed_when_forward_raises() -> None:
    probe = RecordingProbe(FailsMidway(), random_batch(n=4))
    results = registry.evaluate(NAMES, probe)
    assert all(math.isnan(r.value) and "on purpose" in r.error for r in results.values())
    assert len(probe.copies) == len(NAMES)
    assert all(not m._forward_hooks for c in probe.copies for m in c.modules())
