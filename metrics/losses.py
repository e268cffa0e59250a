"""The losses a batch can ask the gradient metrics to differentiate (:attr:`metrics.batch.Batch.loss`).

Every gradient metric of the suite differentiates the loss of the task its network was built for. On the image
classification benchmarks that is the cross-entropy of class labels; TransNAS-Bench-101's Taskonomy tasks train
with other losses (``lib/losses/all.py`` and each task's ``configs/train_from_scratch/<task>/config.py`` in its
official code), and a batch of such a task names its loss here. Every loss is a batch mean, so that one sample,
a split or the whole batch are differentiated the same way.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

SOFT_CROSS_ENTROPY_EPS = 1e-5
"""TransNAS-Bench-101's ``SoftmaxCrossEntropyWithLogits`` adds this inside the log of the softmax."""


def soft_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over samples of −Σ_c p_c·log(softmax(logits)_c + 1e-5), ``target`` (N, C) class probabilities:
    TransNAS-Bench-101's loss for ``class_scene`` / ``class_object`` (TensorFlow's soft-target cross-entropy)."""
    return -(target * torch.log(F.softmax(logits, dim=-1) + SOFT_CROSS_ENTROPY_EPS)).sum(dim=-1).mean()


def _same_shape(name: str, output: torch.Tensor, target: torch.Tensor) -> None:
    if output.shape != target.shape:
        raise ValueError(
            f"{name} loss: output {tuple(output.shape)} and target {tuple(target.shape)} differ in shape"
        )


def l1(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute error over every entry (TransNAS-Bench-101's ``L1Loss`` for ``autoencoder`` and ``normal``)."""
    _same_shape("l1", output, target)
    return F.l1_loss(output, target)


def mse(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error over every entry (TransNAS-Bench-101's ``MSELoss`` for ``room_layout``)."""
    _same_shape("mse", output, target)
    return F.mse_loss(output, target)


LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "cross_entropy": F.cross_entropy,
    "soft_cross_entropy": soft_cross_entropy,
    "l1": l1,
    "mse": mse,
}
"""Loss name → f(network output, targets), a batch mean. ``cross_entropy``: int64 class indices, (N,) for
(N, C) logits or (N, H, W) for per-pixel (N, C, H, W) logits; ``soft_cross_entropy``: (N, C) probabilities;
``l1`` / ``mse``: targets of the output's shape."""


def loss_function(name: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The loss called ``name`` (:data:`LOSSES`); ``ValueError`` naming the valid ones otherwise."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; valid choices: {', '.join(LOSSES)}")
    return LOSSES[name]
