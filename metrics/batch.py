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
        images: float tensor (N, 3, H, W), normalised per channel.
        labels: int64 tensor (N,), class indices in ``0..num_classes-1``.
        num_classes: number of classes of the dataset (10, 100 or 120).
        dataset: dataset name.
        description: where the batch came from (source, file, seed, sampling, indices hash).
    """

    images: torch.Tensor
    labels: torch.Tensor
    num_classes: int
    dataset: str
    description: str

    def __len__(self) -> int:
        return int(self.labels.shape[0])
