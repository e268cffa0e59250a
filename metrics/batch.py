"""The mini-batch a training-free metric looks at: images, labels and where they came from.

Defined here, in the metrics layer, so that metrics need nothing from the benchmark harness; the harness
(:mod:`bench.core.batches`) builds batches from real images.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Batch:
    """One mini-batch of normalised images and labels.

    Attributes:
        images: float tensor (N, 3, H, W), normalised per channel (TransNAS jigsaw: (N, 9, 3, 64, 64) tiles).
        labels: int64 tensor (N,), class indices in ``0..num_classes-1`` (zeros where ``num_classes`` is 0).
        num_classes: number of classes of the dataset (10, 100 or 120); 0 if the batch has no class labels.
        dataset: dataset name.
        description: where the batch came from (source, file, seed, sampling, indices hash).
        loss: the loss the gradient metrics differentiate, a name in :data:`metrics.losses.LOSSES`:
            ``cross_entropy`` of ``labels`` unless the task trains with another (TransNAS-Bench-101).
        targets: that loss's targets where they are not ``labels`` (first dimension N), else ``None``.
    """

    images: torch.Tensor
    labels: torch.Tensor
    num_classes: int
    dataset: str
    description: str
    loss: str = "cross_entropy"
    targets: torch.Tensor | None = None

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def loss_targets(self) -> torch.Tensor:
        """What :attr:`loss` compares the network output with: :attr:`targets`, or :attr:`labels`."""
        return self.labels if self.targets is None else self.targets
