"""The task losses a batch can name (``metrics.losses``) and how the probe hands them to the gradient metrics."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from metrics.batch import Batch
from metrics.losses import loss_function, soft_cross_entropy
from metrics.probe import Probe


def test_soft_cross_entropy_is_transnas_softmax_cross_entropy() -> None:
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 0.5]])
    target = torch.tensor([[0.7, 0.2, 0.1], [0.0, 0.0, 1.0]])
    by_hand = 0.0
    for row, probs in zip(logits.tolist(), target.tolist(), strict=True):
        total = sum(math.exp(v) for v in row)
        by_hand -= sum(p * math.log(math.exp(v) / total + 1e-5) for v, p in zip(row, probs, strict=True))
    assert math.isclose(float(soft_cross_entropy(logits, target)), by_hand / 2, rel_tol=1e-6)
    hard = torch.tensor([[0.0, 1.0, 0.0]])
    assert math.isclose(
        float(soft_cross_entropy(logits[:1], hard)),
        -math.log(math.exp(0.0) / sum(math.exp(v) for v in (2.0, 0.0, -1.0)) + 1e-5),
        rel_tol=1e-6,
    )


def test_losses_refuse_bad_names_and_shapes() -> None:
    with pytest.raises(
        ValueError, match=r"^unknown loss 'huber'; valid choices: cross_entropy, soft_cross_entropy"
    ):
        loss_function("huber")
    with pytest.raises(ValueError, match=r"^l1 loss: output \(2, 3\) and target \(2, 1\) differ in shape$"):
        loss_function("l1")(torch.zeros(2, 3), torch.zeros(2, 1))
    assert float(loss_function("mse")(torch.ones(2, 3), torch.zeros(2, 3))) == 1.0


def test_the_probe_differentiates_the_batch_loss_and_guards_class_labels() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(12, 3))
    images, targets = torch.randn(4, 3, 2, 2), torch.randn(4, 3)
    batch = Batch(images, torch.zeros(4, dtype=torch.int64), 0, "regression", "test", "mse", targets)
    probe = Probe(net, batch)
    passed = probe.cross_entropy_pass()
    reference = nn.functional.mse_loss(net(images), targets)
    assert math.isclose(passed.loss, float(reference.detach()), rel_tol=1e-6)
    (weight_grad, _) = torch.autograd.grad(reference, [net[1].weight, net[1].bias])
    assert torch.allclose(passed.layers[0].grad, weight_grad)
    with pytest.raises(ValueError, match=r"^the batch has no class labels \(test\)$"):
        probe.labels()
