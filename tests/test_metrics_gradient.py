"""Gradient metrics (grad_norm, snip, plain, fisher, nasi, grasp, l2_norm, jacob_cov).

Checked against closed forms on a two-layer linear network, against independent foresight-style
reference computations (``.backward()``, SNIP masks, backward hooks, two-pass GraSP) on a small
BN conv net, and for determinism and non-mutation of the caller's network.
"""

from __future__ import annotations

import copy
import gc
import math
import weakref

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from metrics import registry
from metrics.batch import Batch
from metrics.gradient import jacob_cov_score
from metrics.probe import Probe, prunable_layers

GRADIENT_METRICS = ["grad_norm", "snip", "plain", "fisher", "nasi", "grasp", "l2_norm", "jacob_cov"]


def make_batch(images: torch.Tensor, num_classes: int, seed: int = 0) -> Batch:
    labels = torch.randint(0, num_classes, (images.shape[0],), generator=torch.Generator().manual_seed(seed))
    return Batch(images, labels, num_classes, "synthetic", "test batch")


def linear_net(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 5, bias=False), nn.Linear(5, 3, bias=False))


def conv_bn_net(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1),
        nn.BatchNorm2d(6),
        nn.ReLU(),
        nn.Conv2d(6, 8, 3, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 5),
    )


@pytest.fixture(scope="module")
def linear_case() -> tuple[nn.Module, Batch, dict[str, float]]:
    """The linear net, its batch and every metric worked out in float64 NumPy."""
    net = linear_net()
    batch = make_batch(torch.randn(6, 4, generator=torch.Generator().manual_seed(1)), 3)
    w1 = net[0].weight.detach().double().numpy()
    w2 = net[1].weight.detach().double().numpy()
    x = batch.images.double().numpy()
    y = np.eye(3)[batch.labels.numpy()]
    n = x.shape[0]
    h = x @ w1.T
    z = h @ w2.T
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    delta = (p - y) / n  # dL/dz
    dh = delta @ w2
    dw2, dw1 = delta.T @ h, dh.T @ x
    fisher1 = 0.5 * np.mean((h * dh) ** 2, axis=0).sum() * 4
    fisher2 = 0.5 * np.mean((z * delta) ** 2, axis=0).sum() * 5
    expected = {
        "grad_norm": np.linalg.norm(dw1) + np.linalg.norm(dw2),
        "snip": np.abs(w1 * dw1).sum() + np.abs(w2 * dw2).sum(),
        "plain": (w1 * dw1).sum() + (w2 * dw2).sum(),
        "nasi": (dw1**2).sum() + (dw2**2).sum(),
        "fisher": fisher1 + fisher2,
        "l2_norm": np.linalg.norm(w1) + np.linalg.norm(w2),
    }
    return net, batch, expected


@pytest.mark.parametrize("name", ["grad_norm", "snip", "plain", "nasi", "fisher", "l2_norm"])
def test_closed_forms_on_linear_net(
    linear_case: tuple[nn.Module, Batch, dict[str, float]], name: str
) -> None:
    net, batch, expected = linear_case
    result = registry.evaluate([name], Probe(net, batch))[name]
    assert result.error is None
    assert result.value == pytest.approx(expected[name], rel=1e-5, abs=1e-9)


def test_grasp_matches_full_hessian(linear_case: tuple[nn.Module, Batch, dict[str, float]]) -> None:
    """Σ −θ ⊙ (H g) with H, g from ``torch.autograd.functional`` in float64 on the flat weights."""
    net, batch, _ = linear_case
    shapes = [(5, 4), (3, 5)]
    theta = torch.cat([net[0].weight.detach().reshape(-1), net[1].weight.detach().reshape(-1)]).double()
    x, y = batch.images.double(), batch.labels

    def loss(flat: torch.Tensor) -> torch.Tensor:
        w1 = flat[:20].reshape(shapes[0])
        w2 = flat[20:].reshape(shapes[1])
        return F.cross_entropy(x @ w1.T @ w2.T, y)

    g = torch.autograd.functional.jacobian(loss, theta)
    hessian = torch.autograd.functional.hessian(loss, theta)
    expected = float(-(theta * (hessian @ g)).sum())
    result = registry.evaluate(["grasp"], Probe(net, batch))["grasp"]
    assert result.value == pytest.approx(expected, rel=1e-4, abs=1e-8)


# --------------------------------------------------------------------------------------------------
# Shared cross-entropy pass vs. straightforward foresight-style computations
# --------------------------------------------------------------------------------------------------


def reference_scores(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """grad_norm, snip, plain, fisher and grasp computed separately, as foresight does."""
    scores: dict[str, float] = {}

    work = copy.deepcopy(net).train()
    F.cross_entropy(work(x), y).backward()
    layers = [m for _, m in prunable_layers(work)]
    scores["grad_norm"] = sum(float(m.weight.grad.norm()) for m in layers)
    scores["plain"] = sum(float((m.weight.grad * m.weight.detach()).sum()) for m in layers)

    # SNIP: gradient with respect to a ones-mask multiplying each weight.
    work = copy.deepcopy(net).train()
    names = [name for name, _ in prunable_layers(work)]
    masks = {name: torch.ones_like(work.get_submodule(name).weight, requires_grad=True) for name in names}
    params = {f"{name}.weight": work.get_submodule(name).weight.detach() * masks[name] for name in names}
    out = torch.func.functional_call(work, params, (x,), strict=False)
    F.cross_entropy(out, y).backward()
    scores["snip"] = sum(float(masks[name].grad.abs().sum()) for name in names)

    # Fisher: activations from forward hooks, their gradients from full backward hooks.
    work = copy.deepcopy(net).train()
    acts: dict[nn.Module, torch.Tensor] = {}
    fisher: dict[nn.Module, torch.Tensor] = {}

    def keep(module: nn.Module, args: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        acts[module] = output.detach()

    def accumulate(
        module: nn.Module, grad_in: tuple[torch.Tensor, ...], grad_out: tuple[torch.Tensor, ...]
    ) -> None:
        product = acts[module] * grad_out[0]
        if product.dim() > 2:
            product = product.sum(dim=tuple(range(2, product.dim())))
        fisher[module] = product.pow(2).mean(0).mul(0.5)

    layers = [m for _, m in prunable_layers(work)]
    handles = [m.register_forward_hook(keep) for m in layers] + [
        m.register_full_backward_hook(accumulate) for m in layers
    ]
    F.cross_entropy(work(x), y).backward()
    for handle in handles:
        handle.remove()
    scores["fisher"] = sum(float(fisher[m].abs().sum()) * math.prod(m.weight.shape[1:]) for m in layers)

    # GraSP: foresight's two passes on one copy, z.backward() fills weight.grad with Hg.
    work = copy.deepcopy(net).train()
    weights = [m.weight for _, m in prunable_layers(work)]
    first = torch.autograd.grad(F.cross_entropy(work(x), y), weights)
    second = torch.autograd.grad(F.cross_entropy(work(x), y), weights, create_graph=True)
    z = sum((g1 * g2).sum() for g1, g2 in zip(first, second, strict=True))
    z.backward()
    scores["grasp"] = sum(float((-w.detach() * w.grad).sum()) for w in weights)
    return scores


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_shared_pass_equals_straightforward() -> None:
    net = conv_bn_net()
    batch = make_batch(torch.randn(8, 3, 8, 8, generator=torch.Generator().manual_seed(2)), 5)
    expected = reference_scores(net, batch.images, batch.labels)
    results = registry.evaluate(list(expected), Probe(net, batch))
    for name, value in expected.items():
        assert results[name].error is None, name
        assert results[name].value == pytest.approx(value, rel=1e-6, abs=1e-12), name
    for name in ("grad_norm", "snip", "plain"):
        assert results[name].value == expected[name], f"{name} should be bit-identical"


def test_grasp_same_value_from_the_shared_graph_or_a_fresh_pass() -> None:
    """GraSP on the shared pass's graph (kept because GraSP is selected), alone, and again on the same
    probe after the graph was taken (a fresh pass): bit-identical values."""
    net = conv_bn_net(3)
    batch = make_batch(torch.randn(8, 3, 8, 8, generator=torch.Generator().manual_seed(4)), 5)
    probe = Probe(net, batch)
    together = registry.evaluate(["grad_norm", "grasp", "snip"], probe)
    assert probe.keep_cross_entropy_graph
    again = registry.get("grasp").fn(probe)
    alone = registry.evaluate(["grasp"], Probe(net, batch))["grasp"].value
    without_graph = Probe(net, batch)
    registry.evaluate(["grad_norm"], without_graph)
    assert not without_graph.keep_cross_entropy_graph
    late = registry.get("grasp").fn(without_graph)
    assert together["grasp"].value == again == alone == late


def test_the_probe_lets_go_of_the_graph_it_hands_over() -> None:
    """After GraSP takes the kept graph, the probe holds no reference to it, so it is freed after use."""
    batch = make_batch(torch.randn(8, 3, 8, 8, generator=torch.Generator().manual_seed(5)), 5)
    probe = Probe(conv_bn_net(4), batch)
    probe.keep_cross_entropy_graph = True
    gradients = probe.take_cross_entropy_graph()
    assert all(grad is None or grad.requires_grad for grad in gradients)
    alive = weakref.ref(next(grad for grad in gradients if grad is not None))
    del gradients
    gc.collect()
    assert alive() is None
    assert probe.cross_entropy_pass().layers  # the detached pass stays cached for the first-order metrics


# --------------------------------------------------------------------------------------------------
# jacob_cov
# --------------------------------------------------------------------------------------------------


def test_jacob_cov_matches_per_sample_jacobians() -> None:
    """BN-free net: the batched input Jacobian equals per-sample Jacobians of the summed logits."""
    torch.manual_seed(3)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Tanh(), nn.Flatten(), nn.Linear(4 * 25, 6))
    batch = make_batch(torch.randn(7, 3, 5, 5, generator=torch.Generator().manual_seed(4)), 6)
    rows = []
    for i in range(len(batch)):
        xi = batch.images[i : i + 1].clone().requires_grad_(True)
        net(xi).sum().backward()
        rows.append(xi.grad.reshape(-1).numpy())
    corr = np.corrcoef(np.stack(rows))
    v = np.linalg.eigvalsh(corr)
    expected = -np.sum(np.log(v + 1e-5) + 1.0 / (v + 1e-5))
    result = registry.evaluate(["jacob_cov"], Probe(net, batch))["jacob_cov"]
    assert result.value == pytest.approx(expected, rel=1e-6)


def test_jacob_cov_identical_rows_closed_form() -> None:
    """Identical Jacobian rows: the correlation matrix is all ones, eigenvalues (N, 0, …, 0)."""
    n, k = 5, 1e-5
    expected = -((math.log(n + k) + 1 / (n + k)) + (n - 1) * (math.log(k) + 1 / k))
    rows = np.tile(np.array([[0.3, -1.2, 2.0, 0.7]]), (n, 1))
    assert jacob_cov_score(rows) == pytest.approx(expected, rel=1e-6)


def test_jacob_cov_constant_row_is_nan_with_reason() -> None:
    """A network whose output ignores the input has zero Jacobian rows: NaN with a reason."""

    class Ignore(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(x * 0.0)

    batch = make_batch(torch.randn(6, 4), 3)
    result = registry.evaluate(["jacob_cov"], Probe(Ignore(), batch))["jacob_cov"]
    assert math.isnan(result.value)
    assert "constant" in result.error


# --------------------------------------------------------------------------------------------------
# Determinism, non-mutation, degenerate cases
# --------------------------------------------------------------------------------------------------


def test_deterministic_bit_identical() -> None:
    net = conv_bn_net(5)
    batch = make_batch(torch.randn(8, 3, 8, 8, generator=torch.Generator().manual_seed(6)), 5)
    first = registry.evaluate(GRADIENT_METRICS, Probe(net, batch, seed=1))
    second = registry.evaluate(GRADIENT_METRICS, Probe(copy.deepcopy(net), batch, seed=1))
    for name in GRADIENT_METRICS:
        assert first[name].error is None, (name, first[name].error)
        assert first[name].value == second[name].value, name


def test_caller_network_not_mutated() -> None:
    net = conv_bn_net(7).eval()
    net[0].weight.requires_grad_(False)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    flags = [p.requires_grad for p in net.parameters()]
    batch = make_batch(torch.randn(8, 3, 8, 8), 5)
    registry.evaluate(GRADIENT_METRICS, Probe(net, batch))
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert [p.requires_grad for p in net.parameters()] == flags
    assert all(p.grad is None for p in net.parameters())
    assert not net.training
    assert all(not m._forward_hooks and not m._backward_hooks for m in net.modules())


def test_unused_layer_contributes_nothing() -> None:
    """A Conv2d/Linear layer that never runs gets no gradient and adds 0 to every score."""

    class WithSpare(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = linear_net()
            self.spare = nn.Linear(4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.body(x)

    batch = make_batch(torch.randn(6, 4, generator=torch.Generator().manual_seed(1)), 3)
    names = ["grad_norm", "snip", "plain", "fisher", "nasi", "grasp"]
    with_spare = registry.evaluate(names, Probe(WithSpare(), batch))
    plain_net = registry.evaluate(names, Probe(linear_net(), batch))
    for name in names:
        assert with_spare[name].value == pytest.approx(plain_net[name].value, rel=1e-6), name


def test_inplace_activation_only_blocks_fisher() -> None:
    """An output overwritten in place keeps the weight-gradient scores; fisher becomes NaN with a reason."""
    torch.manual_seed(8)
    net = nn.Sequential(nn.Linear(4, 5), nn.ReLU(inplace=True), nn.Linear(5, 3))
    reference = nn.Sequential(net[0], nn.ReLU(), net[2])
    batch = make_batch(torch.randn(6, 4), 3)
    names = ["grad_norm", "snip", "fisher"]
    results = registry.evaluate(names, Probe(net, batch))
    expected = registry.evaluate(names, Probe(reference, batch))
    assert results["grad_norm"].value == expected["grad_norm"].value
    assert results["snip"].value == expected["snip"].value
    assert math.isnan(results["fisher"].value)
    assert "in place" in results["fisher"].error
    assert expected["fisher"].error is None
