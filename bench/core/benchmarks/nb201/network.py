"""The NAS-Bench-201 network (the benchmark's ``infer.tiny`` model, C=16, N=5), written in this project.

Macro skeleton: 3×3 conv stem (16 channels) + BN; three stages of 5 cells with 16/32/64 channels,
separated by residual reduction blocks (two ReLU-Conv-BN 3×3 convs, the first with stride 2, and an
avg-pool + 1×1 conv shortcut); final BN-ReLU, global average pooling and a linear classifier.

Cell ops: ``none`` (zero), ``skip_connect`` (identity), ``nor_conv_1x1`` / ``nor_conv_3x3``
(ReLU → Conv (no bias) → BN), ``avg_pool_3x3`` (stride 1, padding 1, padding not counted).
Only the ops of the architecture are instantiated, so the parameter count is the benchmark's.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn

STEM_CHANNELS = 16
CELLS_PER_STAGE = 5


class ReLUConvBN(nn.Sequential):
    """ReLU → Conv2d (no bias) → BatchNorm2d (affine, running statistics tracked)."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out),
        )


class _ChannelsLastAvgPool3x3(torch.autograd.Function):
    """The ``avg_pool_3x3`` op on an NCHW CPU tensor, computed by PyTorch's channels-last kernels.

    Forward and backward convert to channels-last, pool (or un-pool the gradient) and convert
    back, so the network keeps its NCHW layout. The channels-last kernels add the same numbers in
    the same order as the NCHW ones, so values and gradients (first and second order) are equal
    bit for bit; they are 2–5× faster on CPU even with the two conversions.
    """

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor) -> torch.Tensor:
        x_cl = x.contiguous(memory_format=torch.channels_last)
        ctx.save_for_backward(x_cl)
        return torch.nn.functional.avg_pool2d(
            x_cl, 3, stride=1, padding=1, count_include_pad=False
        ).contiguous()

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor) -> torch.Tensor:
        (x_cl,) = ctx.saved_tensors
        grad_cl = grad.contiguous(memory_format=torch.channels_last)
        # (grad, input, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
        unpooled = torch.ops.aten.avg_pool2d_backward(
            grad_cl, x_cl, [3, 3], [1, 1], [1, 1], False, False, None
        )
        return unpooled.contiguous()


class AvgPool3x3(nn.AvgPool2d):
    """The ``avg_pool_3x3`` op: 3×3 average, stride 1, padding 1, padding not counted.

    On CPU it runs :class:`_ChannelsLastAvgPool3x3`: the values of ``nn.AvgPool2d`` bit for bit
    (tests/test_nb201_network.py) at a fraction of the cost of PyTorch's NCHW CPU kernels, which made
    this parameter-free op the most expensive one of NB201 networks (≈30 ms forward and as much
    backward per call on a 64×16×32×32 batch, one thread). Elsewhere it is ``nn.AvgPool2d`` as is.
    """

    def __init__(self) -> None:
        super().__init__(3, stride=1, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type == "cpu" and x.dim() == 4 and x.is_contiguous():
            return _ChannelsLastAvgPool3x3.apply(x)
        return super().forward(x)


def torch_avg_pool_3x3() -> nn.AvgPool2d:
    """PyTorch's own module for ``avg_pool_3x3``: the reference :class:`AvgPool3x3` must equal."""
    return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)


def with_torch_pools(net: nn.Module) -> nn.Module:
    """A copy of ``net`` (same weights) whose :class:`AvgPool3x3` modules are :func:`torch_avg_pool_3x3`."""
    net = copy.deepcopy(net)
    for module in net.modules():
        for name, child in module.named_children():
            if isinstance(child, AvgPool3x3):
                setattr(module, name, torch_avg_pool_3x3())
    return net


class Zero(nn.Module):
    """The ``none`` op: an all-zero tensor of the input's shape."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


def make_op(op: str, channels: int) -> nn.Module:
    """One cell-edge op with ``channels`` inputs and outputs, stride 1."""
    if op == "none":
        return Zero()
    if op == "skip_connect":
        return nn.Identity()
    if op == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1, 1)
    if op == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3, 1)
    if op == "avg_pool_3x3":
        return AvgPool3x3()
    raise ValueError(f"unknown NB201 op {op!r}")


class Cell(nn.Module):
    """A NAS-Bench-201 cell: node i = sum over j < i of op_{i←j}(node j); returns node 3."""

    EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))

    def __init__(self, ops: Sequence[str], channels: int) -> None:
        super().__init__()
        self.edge_ops = nn.ModuleList(make_op(op, channels) for op in ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for dst in (1, 2, 3):
            terms = [
                op(nodes[src]) for (d, src), op in zip(self.EDGES, self.edge_ops, strict=True) if d == dst
            ]
            nodes.append(torch.stack(terms).sum(dim=0) if len(terms) > 1 else terms[0])
        return nodes[3]


class ReductionBlock(nn.Module):
    """Residual block halving resolution and doubling channels: conv path + avg-pool/1×1-conv shortcut."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1)
        self.shortcut = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
            nn.Conv2d(c_in, c_out, kernel_size=1, stride=1, padding=0, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


class NB201Network(nn.Module):
    """The benchmark network for one cell; ``forward`` returns the logits (N, num_classes)."""

    def __init__(self, ops: Sequence[str], num_classes: int, channels: int = STEM_CHANNELS) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, channels, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(channels)
        )
        blocks: list[nn.Module] = []
        c = channels
        for stage in range(3):
            if stage > 0:
                blocks.append(ReductionBlock(c, 2 * c))
                c *= 2
            blocks.extend(Cell(ops, c) for _ in range(CELLS_PER_STAGE))
        self.cells = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=False))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The final feature map before global pooling (N, 64, H/4, W/4)."""
        return self.head(self.cells(self.stem(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.pool(self.features(x)).flatten(1))
