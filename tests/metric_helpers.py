"""Helpers shared by the metric tests: synthetic batches, a probe that records its copies, and the
check that evaluating metrics leaves the caller's network and batch untouched."""

from __future__ import annotations

import torch
from torch import nn

from metrics import registry
from metrics.batch import Batch
from metrics.probe import Probe


def make_batch(images: torch.Tensor, labels: torch.Tensor | None = None, num_classes: int = 3) -> Batch:
    if labels is None:
        labels = torch.zeros(images.shape[0], dtype=torch.int64)
    return Batch(images.float(), labels, num_classes, "synthetic", "test")


def random_batch(n: int = 16, size: int = 4, classes: int = 3, seed: int = 0) -> Batch:
    g = torch.Generator().manual_seed(seed)
    images = torch.randn(n, 3, size, size, generator=g)
    return make_batch(images, torch.randint(0, classes, (n,), generator=g), classes)


class RecordingProbe(Probe):
    """A probe that remembers the private copies it hands out, to inspect their hooks afterwards."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.copies: list[nn.Module] = []

    def copy(self, bn: bool = True, dtype: torch.dtype = torch.float32) -> nn.Module:
        net = super().copy(bn=bn, dtype=dtype)
        self.copies.append(net)
        return net


def conv_net(seed: int = 0, classes: int = 3) -> nn.Sequential:
    """Two conv-BN-ReLU layers (4 channels), global pooling and a linear head; initialised from ``seed``."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Conv2d(4, 4, 3, padding=1, bias=False),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(4, classes),
    )


def assert_metrics_leave_caller_untouched(net: nn.Module, batch: Batch, names: list[str]) -> None:
    """Evaluate ``names`` and check: no failure, the network's mode, state, grads unchanged, the batch
    not marked for grad, and no forward hook left on the network or on any private copy."""
    net.eval()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    probe = RecordingProbe(net, batch)
    results = registry.evaluate(names, probe)
    assert all(r.error is None for r in results.values())
    assert not net.training
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert all(p.grad is None for p in net.parameters())
    assert not batch.images.requires_grad
    for module in [*net.modules(), *(m for c in probe.copies for m in c.modules())]:
        assert not module._forward_hooks
