"""NASWOT, TE-NAS linear regions and EPE-NAS against hand-worked values and slow independent computations."""

from __future__ import annotations

import copy
import math
from itertools import product

import numpy as np
import pytest
import torch
from metric_helpers import (
    RecordingProbe,
    assert_metrics_leave_caller_untouched,
    conv_net,
    make_batch,
    random_batch,
)
from torch import nn

from metrics import registry
from metrics.activation import epe_nas, linear_regions, naswot
from metrics.probe import Probe


def mlp(inputs: int = 12, hidden: int = 7, classes: int = 3, seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(inputs, hidden),
        nn.ReLU(),
        nn.Linear(hidden, 5),
        nn.ReLU(),
        nn.Linear(5, classes),
    )


# ------------------------------------------------------------------------------------------ naswot


def test_naswot_hand_worked_two_samples() -> None:
    # Identity layer then ReLU: codes are the signs of the inputs. c1 = [1,0,1], c2 = [1,1,0]
    # agree on one unit of three, so K = [[3, 1], [1, 3]] and log det K = log 8.
    layer = nn.Linear(3, 3, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.eye(3))
    net = nn.Sequential(nn.Flatten(), layer, nn.ReLU())
    images = torch.tensor([[1.0, -1.0, 2.0], [1.0, 1.0, -3.0]]).reshape(2, 3, 1, 1)
    assert naswot(Probe(net, make_batch(images))) == pytest.approx(math.log(8.0), rel=1e-12)


def explicit_naswot(net: nn.Module, images: torch.Tensor) -> float:
    """Build K with explicit loops over sample pairs and ReLU units from separately recorded ReLU inputs."""
    relu_inputs: list[np.ndarray] = []
    handles = [
        m.register_forward_hook(
            lambda m, a, o: relu_inputs.append(a[0].detach().reshape(len(images), -1).numpy())
        )
        for m in net.modules()
        if isinstance(m, nn.ReLU)
    ]
    with torch.no_grad():
        net.train()(images)
    for handle in handles:
        handle.remove()
    n = len(images)
    kernel = np.zeros((n, n))
    for values in relu_inputs:
        for i, j in product(range(n), range(n)):
            kernel[i, j] += sum(1 for a, b in zip(values[i] > 0, values[j] > 0, strict=True) if a == b)
    sign, logdet = np.linalg.slogdet(kernel)
    assert sign > 0
    return float(logdet)


@pytest.mark.parametrize("make_net", [mlp, conv_net])
def test_naswot_matches_explicit_kernel(make_net) -> None:
    net = make_net()
    batch = random_batch(n=10, size=2)
    expected = explicit_naswot(copy.deepcopy(net), batch.images)
    assert math.isfinite(expected)
    assert naswot(Probe(net, batch)) == pytest.approx(expected, rel=1e-10)


def test_naswot_duplicate_inputs_give_nan_with_reason() -> None:
    images = torch.randn(4, 3, 2, 2).repeat(2, 1, 1, 1)
    result = registry.evaluate(["naswot"], Probe(mlp(), make_batch(images)))["naswot"]
    assert math.isnan(result.value) and "singular" in result.error


# ---------------------------------------------------------------------------------- linear regions


def identity_conv_net() -> nn.Sequential:
    conv = nn.Conv2d(3, 3, 1, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.eye(3).reshape(3, 3, 1, 1))
    return nn.Sequential(conv, nn.ReLU(), nn.Flatten(), nn.Linear(12, 2))


def test_linear_regions_hand_worked_duplicates() -> None:
    # Codes are the signs of the pixels: all-positive, all-negative and mixed images give three
    # patterns, each image twice, so 3 regions among 6 samples.
    a = torch.ones(3, 2, 2)
    b = -torch.ones(3, 2, 2)
    c = torch.tensor([1.0, -1.0]).repeat(6).reshape(3, 2, 2)
    images = torch.stack([a, a, b, c, b, c])
    assert linear_regions(Probe(identity_conv_net(), make_batch(images))) == 3.0


def brute_force_regions(net: nn.Module, images: torch.Tensor) -> int:
    """Distinct strings of '0'/'1' over the outputs of ReLUs applied to 4-D inputs (TE-NAS update1D style)."""
    per_relu: list[torch.Tensor] = []

    def record(module: nn.Module, args: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        if args[0].dim() == 4:
            per_relu.append(output.detach().reshape(len(images), -1))

    handles = [m.register_forward_hook(record) for m in net.modules() if isinstance(m, nn.ReLU)]
    with torch.no_grad():
        net.train()(images)
    for handle in handles:
        handle.remove()
    strings = set()
    for i in range(len(images)):
        strings.add("".join("1" if v > 0 else "0" for values in per_relu for v in values[i].tolist()))
    return len(strings)


@pytest.mark.parametrize("n,size", [(40, 1), (40, 2), (24, 4)])
def test_linear_regions_matches_brute_force(n: int, size: int) -> None:
    net = conv_net(seed=3)
    batch = random_batch(n=n, size=size, seed=5)
    expected = brute_force_regions(copy.deepcopy(net), batch.images)
    assert linear_regions(Probe(net, batch)) == float(expected)


def test_linear_regions_ignores_fully_connected_relus() -> None:
    result = registry.evaluate(["linear_regions"], Probe(mlp(), random_batch(size=2)))["linear_regions"]
    assert math.isnan(result.value) and "4-D" in result.error


# ------------------------------------------------------------------------------------------ epe_nas


def slow_epe(net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """NASLib's EPE-NAS from per-sample Jacobians (one autograd call per sample) and NumPy loops."""
    rows = []
    for image in images:
        jac = torch.autograd.functional.jacobian(lambda x: net(x[None]).sum(), image)
        rows.append(jac.reshape(-1).numpy())
    n_classes = net(images[:1]).shape[-1]
    per_class: dict[int, list[np.ndarray]] = {}
    for row, label in zip(rows, labels.tolist(), strict=True):
        per_class.setdefault(label, []).append(row)
    scores = {}
    for label, members in per_class.items():
        if len(members) == 1:
            if n_classes > 100:
                continue  # NASLib: len() of the scalar correlation raises, class skipped
            scores[label] = math.log(1.0 + 1e-5)
            continue
        corrs = np.corrcoef(np.vstack(members))
        s = float(np.sum(np.log(np.abs(corrs) + 1e-5)))
        scores[label] = s / len(corrs) if n_classes > 100 else s
    if n_classes <= 100:
        return sum(abs(s) for s in scores.values())
    total = sum(abs(scores[a] - scores[b]) for a in scores for b in scores)
    return total / len(scores)


@pytest.mark.parametrize("classes", [5, 120])
def test_epe_nas_matches_slow_reference(classes: int) -> None:
    # No BatchNorm, so per-sample Jacobians are independent of the other samples. Tolerance: float32
    # Jacobians from a batched vs. per-sample backward differ in the last bits.
    net = mlp(inputs=12, hidden=9, classes=classes, seed=2)
    g = torch.Generator().manual_seed(4)
    images = torch.randn(14, 3, 2, 2, generator=g)
    labels = torch.tensor([0, 1, 1, 2, 2, 2, 3, 0, 1, 2, 4, 3, 3, 0])  # class 4 is a singleton
    expected = slow_epe(copy.deepcopy(net), images, labels)
    assert epe_nas(Probe(net, make_batch(images, labels, classes))) == pytest.approx(expected, rel=1e-6)


def test_epe_nas_constant_jacobian_is_nan_with_reason() -> None:
    net = mlp()
    with torch.no_grad():
        net[5].weight.zero_()  # logits no longer depend on the input: all Jacobians are 0
    batch = random_batch(n=8, size=2)
    result = registry.evaluate(["epe_nas"], Probe(net, batch))["epe_nas"]
    assert math.isnan(result.value) and "constant" in result.error


# ---------------------------------------------------------------------- determinism, purity, hooks

NAMES = ["naswot", "linear_regions", "epe_nas"]


def test_specs_declare_direction_and_needs() -> None:
    specs = {name: registry.get(name) for name in NAMES}
    assert all(spec.higher_is_better and spec.version == 1 and spec.bn == "train" for spec in specs.values())
    assert [specs[name].needs for name in NAMES] == ["data", "data", "labels"]


def test_deterministic_across_runs_and_probes() -> None:
    net, batch = conv_net(seed=1), random_batch(n=12, size=4, seed=2)
    first = registry.evaluate(NAMES, Probe(net, batch, seed=7))
    second = registry.evaluate(NAMES, Probe(net, batch, seed=7))
    again = registry.evaluate(NAMES, Probe(net, batch, seed=7))
    for name in NAMES:
        assert first[name].error is None, first[name].error
        assert first[name].value == second[name].value == again[name].value


def test_caller_network_and_batch_untouched_and_hooks_removed() -> None:
    assert_metrics_leave_caller_untouched(conv_net(seed=1), random_batch(n=12, size=4, seed=2), NAMES)


class FailsAfterReLU(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 2, 1)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.relu(self.conv(x))
        raise RuntimeError("forward failed on purpose")


def test_hooks_removed_when_forward_raises() -> None:
    probe = RecordingProbe(FailsAfterReLU(), random_batch(n=4))
    results = registry.evaluate(NAMES, probe)
    assert all(math.isnan(r.value) and "on purpose" in r.error for r in results.values())
    assert len(probe.copies) == 1  # the probe's shared read-only network
    assert all(not m._forward_hooks for c in probe.copies for m in c.modules())
