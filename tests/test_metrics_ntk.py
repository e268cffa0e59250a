"""NTK metrics: HNAS ntk_trace / ntk_condnum and TE-NAS te_nas_ntk.

BN-free networks: the hook-decomposition Gram equals the Gram of true per-example gradients,
computed here by an explicit loop of single-sample forward/backward passes. BN networks: the Gram
equals the definition of the hook decomposition, computed independently with per-sample copies of
every weight (grouped convolutions), so that each sample's gradient is B_i ⊗ A_i.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from metrics import registry
from metrics.batch import Batch
from metrics.ntk import hnas_ntk_gram, tenas_ntk_gram
from metrics.probe import Probe, prunable_layers

NTK_METRICS = ["ntk_trace", "ntk_condnum", "te_nas_ntk"]


def make_batch(images: torch.Tensor, num_classes: int, seed: int = 0) -> Batch:
    labels = torch.randint(0, num_classes, (images.shape[0],), generator=torch.Generator().manual_seed(seed))
    return Batch(images, labels, num_classes, "synthetic", "test batch")


def conv_net(seed: int = 0) -> nn.Module:
    """BN-free: stride, padding, dilation, groups and biases exercise the unfold path."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        nn.Tanh(),
        nn.Conv2d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2),
        nn.Tanh(),
        nn.Conv2d(6, 6, 1, bias=False),
        nn.Flatten(),
        nn.Linear(6 * 9, 5),
    )


def per_example_gram(net: nn.Module, batch: Batch) -> torch.Tensor:
    """Gram of ∂f_{y_i}(x_i)/∂θ (Conv2d/Linear weights and biases), one single-sample pass per i."""
    params = [p for _, m in prunable_layers(net) for p in m.parameters(recurse=False)]
    rows = []
    for i in range(len(batch)):
        out = net(batch.images[i : i + 1])
        grads = torch.autograd.grad(out[0, batch.labels[i]], params, allow_unused=True)
        rows.append(torch.cat([g.reshape(-1) for g in grads if g is not None]))
    g = torch.stack(rows).double()
    return g @ g.T


def test_hnas_gram_equals_per_example_gram_without_bn() -> None:
    net = conv_net()
    batch = make_batch(torch.randn(7, 3, 6, 6, generator=torch.Generator().manual_seed(1)), 5)
    expected = per_example_gram(net, batch)
    gram = hnas_ntk_gram(Probe(net, batch))
    torch.testing.assert_close(gram, expected, rtol=1e-5, atol=1e-9)
    eig = np.linalg.eigvalsh(expected.numpy())
    results = registry.evaluate(["ntk_trace", "ntk_condnum"], Probe(net, batch))
    assert results["ntk_trace"].value == pytest.approx(math.sqrt(eig.sum() / len(batch)), rel=1e-6)
    assert results["ntk_condnum"].value == pytest.approx(eig[-1] / eig[0], rel=1e-4)


def test_layer_called_twice_sums_its_calls() -> None:
    class Twice(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.shared = nn.Linear(4, 4)
            self.head = nn.Linear(4, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(torch.tanh(self.shared(torch.tanh(self.shared(x)))))

    torch.manual_seed(2)
    net = Twice()
    batch = make_batch(torch.randn(6, 4), 3)
    torch.testing.assert_close(
        hnas_ntk_gram(Probe(net, batch)), per_example_gram(net, batch), rtol=1e-5, atol=1e-9
    )


class BNNet(nn.Module):
    """Conv(bias) → BN → ReLU → grouped strided Conv → BN → ReLU → global pool → Linear."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2, bias=False)
        self.bn2 = nn.BatchNorm2d(6)
        self.fc = nn.Linear(6, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.relu(self.bn2(self.conv2(h)))
        return self.fc(h.mean(dim=(2, 3)))


def hook_decomposition_gram(net: BNNet, batch: Batch) -> torch.Tensor:
    """Per-sample weight copies: ∂s/∂θ_i with s = Σ_j f_{y_j}(x_j) and θ_i used by sample i only.

    That derivative is exactly B_i ⊗ A_i (B_i = ∂s/∂(sample i's layer output)), BN statistics
    still computed over the whole batch.
    """
    x, n = batch.images, len(batch)

    def copies(t: torch.Tensor) -> torch.Tensor:
        return t.detach().expand(n, *t.shape).clone().requires_grad_(True)

    w1, b1, w2 = copies(net.conv1.weight), copies(net.conv1.bias), copies(net.conv2.weight)
    w3, b3 = copies(net.fc.weight), copies(net.fc.bias)

    def per_sample_conv(h: torch.Tensor, w: torch.Tensor, conv: nn.Conv2d) -> torch.Tensor:
        out = F.conv2d(
            h.reshape(1, -1, *h.shape[2:]),
            w.reshape(-1, *w.shape[2:]),
            stride=conv.stride,
            padding=conv.padding,
            groups=n * conv.groups,
        )
        return out.reshape(n, conv.out_channels, *out.shape[2:])

    def bn(h: torch.Tensor, layer: nn.BatchNorm2d) -> torch.Tensor:
        return F.batch_norm(h, None, None, layer.weight, layer.bias, training=True, eps=layer.eps)

    h = F.relu(bn(per_sample_conv(x, w1, net.conv1) + b1[:, :, None, None], net.bn1))
    h = F.relu(bn(per_sample_conv(h, w2, net.conv2), net.bn2))
    out = torch.einsum("noi,ni->no", w3, h.mean(dim=(2, 3))) + b3
    params = [w1, b1, w2, w3, b3]
    grads = torch.autograd.grad(out.gather(1, batch.labels[:, None]).sum(), params)
    g = torch.cat([grad.reshape(n, -1) for grad in grads], dim=1).double()
    return g @ g.T


def test_hnas_gram_with_bn_is_the_hook_decomposition() -> None:
    torch.manual_seed(3)
    net = BNNet()
    batch = make_batch(torch.randn(6, 3, 6, 6, generator=torch.Generator().manual_seed(4)), 5)
    expected = hook_decomposition_gram(net, batch)
    torch.testing.assert_close(hnas_ntk_gram(Probe(net, batch)), expected, rtol=1e-5, atol=1e-9)
    # The cross-sample BN terms matter: true per-example gradients through the batch differ.
    work = copy.deepcopy(net)
    out = work(batch.images)
    params = [p for _, m in prunable_layers(work) for p in m.parameters(recurse=False)]
    rows = [
        torch.cat(
            [g.reshape(-1) for g in torch.autograd.grad(out[i, batch.labels[i]], params, retain_graph=True)]
        )
        for i in range(len(batch))
    ]
    true = torch.stack(rows).double()
    assert not torch.allclose(true @ true.T, expected, rtol=1e-3)


def test_condnum_nan_on_duplicate_inputs() -> None:
    net = conv_net(5)
    images = torch.randn(6, 3, 6, 6)
    images[1] = images[0]
    batch = make_batch(images, 5)
    labels = batch.labels.clone()
    labels[1] = labels[0]
    batch = Batch(images, labels, 5, "synthetic", "duplicates")
    results = registry.evaluate(["ntk_trace", "ntk_condnum", "te_nas_ntk"], Probe(net, batch))
    assert results["ntk_trace"].error is None
    for name in ("ntk_condnum", "te_nas_ntk"):
        assert math.isnan(results[name].value)
        assert "singular" in results[name].error


# --------------------------------------------------------------------------------------------------
# TE-NAS
# --------------------------------------------------------------------------------------------------


def test_tenas_gram_without_bn_is_per_example() -> None:
    """BN-free: row i is ∂Σ_c f_c(x_i)/∂θ over parameters named *weight* (biases excluded)."""
    net = conv_net(6)
    batch = make_batch(torch.randn(5, 3, 6, 6), 5)
    weights = [p for name, p in net.named_parameters() if "weight" in name]
    rows = []
    for i in range(len(batch)):
        grads = torch.autograd.grad(net(batch.images[i : i + 1]).sum(), weights)
        rows.append(torch.cat([g.reshape(-1) for g in grads]))
    g = torch.stack(rows).double()
    torch.testing.assert_close(tenas_ntk_gram(Probe(net, batch)), g @ g.T, rtol=1e-5, atol=1e-9)


def test_tenas_condnum_matches_tenas_procedure_with_bn() -> None:
    """TE-NAS's loop: backward of each sample's logit sum through the batch graph, ``.grad`` of *weight* params."""
    torch.manual_seed(7)
    net = BNNet()
    batch = make_batch(torch.randn(6, 3, 6, 6), 5)
    work = copy.deepcopy(net).train()
    out = work(batch.images)
    rows = []
    for i in range(len(batch)):
        work.zero_grad()
        out[i : i + 1].backward(torch.ones_like(out[i : i + 1]), retain_graph=True)
        rows.append(
            torch.cat([p.grad.reshape(-1) for name, p in work.named_parameters() if "weight" in name])
        )
    g = torch.stack(rows).double()
    eig = np.linalg.eigvalsh((g @ g.T).numpy())
    result = registry.evaluate(["te_nas_ntk"], Probe(net, batch))["te_nas_ntk"]
    assert result.value == pytest.approx(eig[-1] / eig[0], rel=1e-4)


def test_tenas_uses_its_ntk_batch_of_16() -> None:
    """A 20-image probe batch gives the value of its first 16 images (TE-NAS's --batch_size 16)."""
    torch.manual_seed(9)
    net = BNNet()
    images = torch.randn(20, 3, 6, 6)
    full = registry.evaluate(["te_nas_ntk"], Probe(net, make_batch(images, 5)))["te_nas_ntk"]
    first = registry.evaluate(["te_nas_ntk"], Probe(net, make_batch(images[:16], 5)))["te_nas_ntk"]
    assert full.error is None and full.value == first.value


# --------------------------------------------------------------------------------------------------
# Determinism and non-mutation
# --------------------------------------------------------------------------------------------------


def test_deterministic_and_caller_untouched() -> None:
    torch.manual_seed(8)
    net = BNNet().eval()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    batch = make_batch(torch.randn(6, 3, 6, 6), 5)
    first = registry.evaluate(NTK_METRICS, Probe(net, batch, seed=3))
    second = registry.evaluate(NTK_METRICS, Probe(net, batch, seed=3))
    for name in NTK_METRICS:
        assert first[name].error is None, (name, first[name].error)
        assert first[name].value == second[name].value, name
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert all(p.grad is None for p in net.parameters())
    assert not net.training
    assert all(not m._forward_hooks for m in net.modules())


def test_inplace_modified_layer_output_is_rejected() -> None:
    torch.manual_seed(9)
    net = nn.Sequential(nn.Linear(4, 4), nn.ReLU(inplace=True), nn.Linear(4, 3))
    batch = make_batch(torch.randn(5, 4), 3)
    result = registry.evaluate(["ntk_trace"], Probe(net, batch))["ntk_trace"]
    assert math.isnan(result.value)
    assert "in place" in result.error
