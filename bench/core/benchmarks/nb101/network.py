"""The NAS-Bench-101 network, written in this project after the official TensorFlow model builder.

Skeleton: 3×3 conv stem (128 channels) + BN + ReLU; three stacks of three cells; before the second
and third stack a 2×2 max-pool (stride 2) halves the resolution and the cells double their output
channels (128 → 256 → 512); global average pooling; a linear classifier (with bias).

Inside a cell, vertex channels follow the official ``compute_vertex_channels``: the cell's output
channels are split evenly over the vertices feeding the output (the first ``remainder`` of them get
one extra channel), and every other interior vertex takes the largest channel count among its
successors. A vertex sums its inputs: tensors of earlier vertices (sliced to its channel count when
one channel larger) and, if the input vertex feeds it, a 1×1 conv-BN-ReLU projection of the cell
input. The output vertex concatenates its interior predecessors and adds a projection of the cell
input when input and output are connected.

Every convolution has no bias and is followed by BatchNorm with a learned scale and shift, as in
the official ``base_ops.conv_bn_relu`` (``tf.layers.batch_normalization`` defaults). The trainable
parameter count therefore equals the benchmark's ``trainable_parameters`` (the colab's Inception-like
cell: 2,694,282). The ``nasbench_pytorch`` port reports 36 more for that cell because it registers a
scalar ``Placeholder`` parameter in every unused op/projection slot (4 per cell, 9 cells). Weights
use PyTorch's default initialisation.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from bench.core.benchmarks.nb101.spec import ModelSpec

STEM_CHANNELS = 128
NUM_STACKS = 3
CELLS_PER_STACK = 3


class ConvBNReLU(nn.Sequential):
    """Conv2d (no bias, 'same' padding, stride 1) → BatchNorm2d (affine) → ReLU."""

    def __init__(self, c_in: int, c_out: int, kernel: int) -> None:
        super().__init__(
            nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=False),
        )


def vertex_channels(in_channels: int, out_channels: int, matrix: np.ndarray) -> list[int]:
    """Output channels of every vertex of a pruned cell (index 0: the cell input, -1: the cell output)."""
    size = matrix.shape[0]
    channels = [0] * size
    channels[0] = in_channels
    channels[-1] = out_channels
    if size == 2:
        return channels
    feeders = [v for v in range(1, size - 1) if matrix[v, -1]]
    share, remainder = divmod(out_channels, len(feeders))
    for rank, vertex in enumerate(feeders):
        channels[vertex] = share + (1 if rank < remainder else 0)
    for vertex in range(size - 3, 0, -1):
        if not matrix[vertex, -1]:
            successors = [channels[dst] for dst in range(vertex + 1, size - 1) if matrix[vertex, dst]]
            channels[vertex] = max(successors)
    return channels


def make_op(op: str, channels: int) -> nn.Module:
    """The op of an interior vertex, ``channels`` in and out."""
    if op == "conv3x3-bn-relu":
        return ConvBNReLU(channels, channels, 3)
    if op == "conv1x1-bn-relu":
        return ConvBNReLU(channels, channels, 1)
    if op == "maxpool3x3":
        return nn.MaxPool2d(3, stride=1, padding=1)
    raise ValueError(f"unknown NB101 op {op!r}")


class Cell(nn.Module):
    """One NAS-Bench-101 module mapping ``in_channels`` to ``out_channels`` at constant resolution."""

    def __init__(self, spec: ModelSpec, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.matrix = spec.array()
        size = spec.num_vertices
        self.channels = vertex_channels(in_channels, out_channels, self.matrix)
        self.ops = nn.ModuleDict({str(v): make_op(spec.ops[v], self.channels[v]) for v in range(1, size - 1)})
        self.projections = nn.ModuleDict(
            {
                str(v): ConvBNReLU(in_channels, self.channels[v], 1)
                for v in range(1, size)
                if self.matrix[0, v]
            }
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = self.matrix.shape[0]
        values: list[torch.Tensor] = [x]
        for vertex in range(1, size - 1):
            width = self.channels[vertex]
            terms = [values[src][:, :width] for src in range(1, vertex) if self.matrix[src, vertex]]
            if self.matrix[0, vertex]:
                terms.append(self.projections[str(vertex)](x))
            total = terms[0] if len(terms) == 1 else torch.stack(terms).sum(dim=0)
            values.append(self.ops[str(vertex)](total))
        feeders = [values[v] for v in range(1, size - 1) if self.matrix[v, -1]]
        if not feeders:
            return self.projections[str(size - 1)](x)
        out = feeders[0] if len(feeders) == 1 else torch.cat(feeders, dim=1)
        if self.matrix[0, -1]:
            out = out + self.projections[str(size - 1)](x)
        return out


class NB101Network(nn.Module):
    """The NAS-Bench-101 CIFAR network of one cell spec; input ``(N, 3, H, W)``, output logits ``(N, num_classes)``."""

    def __init__(self, spec: ModelSpec, num_classes: int, stem_channels: int = STEM_CHANNELS) -> None:
        super().__init__()
        layers: list[nn.Module] = [ConvBNReLU(3, stem_channels, 3)]
        in_channels = channels = stem_channels
        for stack in range(NUM_STACKS):
            if stack > 0:
                layers.append(nn.MaxPool2d(2, stride=2))
                channels *= 2
            for _ in range(CELLS_PER_STACK):
                layers.append(Cell(spec, in_channels, channels))
                in_channels = channels
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).mean(dim=(2, 3)))

    def feature_modules(self) -> list[nn.Module]:
        """The stem and the nine cells, in order: the modules whose outputs are the feature maps that
        cell-level metrics read (AZ-NAS, :func:`metrics.az_nas.feature_modules`); a max-pool between stacks
        belongs to the block of the cell after it."""
        return [self.features[0], *(module for module in self.features if isinstance(module, Cell))]


def count_parameters(spec: ModelSpec, num_classes: int = 10, stem_channels: int = STEM_CHANNELS) -> int:
    """Trainable parameters of :class:`NB101Network` computed without building it.

    A k×k conv from ``a`` to ``b`` channels has ``k*k*a*b`` weights and its BatchNorm ``2*b``
    (scale and shift); the classifier has ``channels*num_classes + num_classes``.
    """
    matrix = spec.array()
    kernels = {"conv3x3-bn-relu": 3, "conv1x1-bn-relu": 1, "maxpool3x3": 0}
    total = 9 * 3 * stem_channels + 2 * stem_channels
    in_channels = channels = stem_channels
    for stack in range(NUM_STACKS):
        channels *= 2 if stack > 0 else 1
        for _ in range(CELLS_PER_STACK):
            widths = vertex_channels(in_channels, channels, matrix)
            for vertex in range(1, spec.num_vertices):
                if matrix[0, vertex]:
                    total += in_channels * widths[vertex] + 2 * widths[vertex]
                if vertex < spec.num_vertices - 1 and kernels[spec.ops[vertex]]:
                    total += kernels[spec.ops[vertex]] ** 2 * widths[vertex] ** 2 + 2 * widths[vertex]
            in_channels = channels
    return total + channels * num_classes + num_classes
