"""TransNAS-Bench-101 networks, written in this project after the paper and its public model builder.

Encoder (the searched part): a stem (3×3 conv stride 2 to 32 channels + BN, then ReLU-3×3 conv stride 2-BN to
64), then one stage per macro code digit, each of two blocks (the first one changes channels / resolution as
the digit says). Micro networks use the macro code ``41414`` and blocks that are the searched cell; macro
networks use ResNet basic blocks (two ReLU-conv3×3-BN, 1×1 conv-BN shortcut when the shape changes). Conv
weights are Kaiming-normal (fan-out), BN scales 1 and shifts 0, as in the builder.

Task heads (the ``decoder``; sizes from the builder, which computes feature sizes for a 224-pixel input):
``class_scene`` / ``class_object`` / ``room_layout``: global pooling + linear to 63 / 100 / 9 outputs;
``jigsaw``: the encoder on each of 9 tiles, concatenated, pooled, linear to 1,000 permutations (input
``(N, 9, 3, H, W)``); ``segmentsemantic``: a conv / transposed-conv decoder to 17 classes; ``autoencoder``
/ ``normal``: a 14-layer generative decoder to 3 channels. The builder's GAN also holds a discriminator used
only in training; it is not built here, and NB-Suite-Zero's parameter counts leave it out too (with it, every
autoencoder / normal network would have 5,168,705 more parameters). With that, the parameter count equals
NB-Suite-Zero's ``params`` on every architecture and task of their files
(``scripts/tnb101_params_check.py``, ``results/crosscheck/tnb101_params.csv``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from bench.core.benchmarks.tnb101.encoding import BASE_CHANNELS, MICRO_SKELETON

TASKS = ("class_scene", "class_object", "autoencoder", "normal", "jigsaw", "room_layout", "segmentsemantic")
OUTPUTS = {"class_scene": 63, "class_object": 100, "room_layout": 9, "jigsaw": 1000}
BUILDER_INPUT = 224  # the builder sizes its decoders for features of a 224-pixel input
TARGET_SIZE = 256  # dense tasks predict 256×256 maps
SEGMENT_CLASSES = 17
JIGSAW_TILES = 9


def relu_conv_bn(c_in: int, c_out: int, kernel: int, stride: int) -> nn.Sequential:
    """ReLU → k×k conv (no bias, padding k//2) → BN."""
    return nn.Sequential(
        nn.ReLU(inplace=False),
        nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(c_out),
    )


class Zero(nn.Module):
    """The ``0`` op: zeros of the output shape (``c_out`` channels, resolution divided by ``stride``)."""

    def __init__(self, c_out: int, stride: int) -> None:
        super().__init__()
        self.c_out, self.stride = c_out, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        return x.new_zeros(
            n, self.c_out, (h + self.stride - 1) // self.stride, (w + self.stride - 1) // self.stride
        )


class FactorizedReduce(nn.Module):
    """The skip connection where the shape changes: ReLU, two 1×1 convs with ``stride`` (the second on the
    input shifted by one pixel, zero-padded at the far edge), concatenated, BN."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        self.conv_a = nn.Conv2d(c_in, c_out // 2, 1, stride=stride, bias=False)
        self.conv_b = nn.Conv2d(c_in, c_out - c_out // 2, 1, stride=stride, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        shifted = nn.functional.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
        return self.bn(torch.cat([self.conv_a(x), self.conv_b(shifted)], dim=1))


def micro_op(op: int, c_in: int, c_out: int, stride: int) -> nn.Module:
    """One micro-cell edge op (:data:`~bench.core.benchmarks.tnb101.encoding.MICRO_OPS`)."""
    if op == 0:
        return Zero(c_out, stride)
    if op == 1:
        return nn.Identity() if stride == 1 and c_in == c_out else FactorizedReduce(c_in, c_out, stride)
    if op in (2, 3):
        return relu_conv_bn(c_in, c_out, 1 if op == 2 else 3, stride)
    raise ValueError(f"unknown TransNAS micro op {op}; valid 0-3")


class MicroCell(nn.Module):
    """The searched cell: node i (1..3) sums op(node j) over j < i; edges leaving the input change the shape."""

    EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))

    def __init__(self, ops: Sequence[int], c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.edge_ops = nn.ModuleList(
            micro_op(op, c_in, c_out, stride) if src == 0 else micro_op(op, c_out, c_out, 1)
            for (_, src), op in zip(self.EDGES, ops, strict=True)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for dst in (1, 2, 3):
            nodes.append(
                sum(
                    op(nodes[src]) for (d, src), op in zip(self.EDGES, self.edge_ops, strict=True) if d == dst
                )
            )
        return nodes[3]


class BasicBlock(nn.Module):
    """ResNet basic block: two ReLU-conv3×3-BN, plus the input (1×1 conv-BN when the shape changes)."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv_a = relu_conv_bn(c_in, c_out, 3, stride)
        self.conv_b = relu_conv_bn(c_out, c_out, 3, 1)
        self.shortcut = (
            nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))
            if stride != 1 or c_in != c_out
            else nn.Identity()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


class Encoder(nn.Module):
    """The searched backbone. ``cell`` is the micro cell's 6 ops, or ``None`` for ResNet basic blocks.

    Attributes:
        channels: output channels.
        builder_size: output resolution for a :data:`BUILDER_INPUT`-pixel input (sizes the dense decoders).
    """

    def __init__(self, macro: Sequence[int], cell: Sequence[int] | None) -> None:
        super().__init__()
        c = BASE_CHANNELS
        self.stem = nn.Sequential(
            nn.Conv2d(3, c // 2, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(c // 2),
            relu_conv_bn(c // 2, c, 3, 2),
        )
        size = BUILDER_INPUT // 4
        blocks: list[nn.Module] = []
        for digit in macro:
            target = 2 * c if digit % 2 == 0 else c
            stride = 2 if digit > 2 else 1
            size //= stride
            for first in (True, False):
                c_in, s = (c, stride) if first else (target, 1)
                blocks.append(
                    BasicBlock(c_in, target, s) if cell is None else MicroCell(cell, c_in, target, s)
                )
            c = target
        self.stages = nn.Sequential(*blocks)
        self.channels, self.builder_size = c, size
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(self.stem(x))


def conv_layer(c_in: int, c_out: int, *, batch_norm: bool, act: nn.Module | None) -> nn.Sequential:
    """3×3 conv (with bias) → optional BN → optional activation."""
    layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, 3, padding=1)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(c_out))
    if act is not None:
        layers.append(act)
    return nn.Sequential(*layers)


def deconv_layer(c_in: int, c_out: int) -> nn.Sequential:
    """Transposed 3×3 conv doubling the resolution (with bias) → BN → LeakyReLU(0.2)."""
    return nn.Sequential(
        nn.ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1, output_padding=1),
        nn.BatchNorm2d(c_out),
        nn.LeakyReLU(0.2),
    )


def leaky_conv(c_in: int, c_out: int) -> nn.Sequential:
    """3×3 conv → BN → LeakyReLU(0.2), the decoders' resolution-keeping layer."""
    return conv_layer(c_in, c_out, batch_norm=True, act=nn.LeakyReLU(0.2))


def upsamplings(encoder: Encoder) -> int:
    """How many times a dense decoder doubles the resolution: log2(256 / builder feature size), floored."""
    count = int(math.log2(TARGET_SIZE / encoder.builder_size))
    if count not in range(2, 7):
        raise ValueError(f"encoder output {encoder.builder_size} px cannot be decoded to {TARGET_SIZE} px")
    return count


def segmentation_decoder(encoder: Encoder) -> nn.Sequential:
    """Conv to 1,024 channels, halving convs until the upsampling ones, transposed convs, 3×3 conv to 17."""
    ups = upsamplings(encoder)
    layers, c = [leaky_conv(encoder.channels, 1024)], 1024
    for _ in range(6 - ups):
        layers.append(leaky_conv(c, c // 2))
        c //= 2
    for _ in range(ups - 1):
        layers.append(deconv_layer(c, c // 2))
        c //= 2
    layers += [deconv_layer(c, c), conv_layer(c, SEGMENT_CLASSES, batch_norm=False, act=None)]
    return nn.Sequential(*layers)


def generative_decoder(encoder: Encoder) -> nn.Sequential:
    """The 14-layer image decoder: channels 1024 → 3, a transposed conv where an upsampling is due."""
    ups = upsamplings(encoder)
    plan = [  # (out channels, whether this layer upsamples)
        (1024, False),
        (1024, False),
        (512, ups == 6),
        (512, False),
        (256, ups >= 5),
        (128, False),
        (64, ups >= 4),
        (64, False),
        (32, ups >= 3),
        (32, False),
        (16, True),
        (32, False),
        (16, True),
    ]
    layers, c = [], encoder.channels
    for c_out, up in plan:
        layers.append(deconv_layer(c, c_out) if up else leaky_conv(c, c_out))
        c = c_out
    layers.append(conv_layer(c, 3, batch_norm=False, act=nn.Tanh()))
    return nn.Sequential(*layers)


class TransNASNetwork(nn.Module):
    """Encoder + the head of ``task``; ``forward`` returns the task's prediction (logits, a map or an image)."""

    def __init__(self, macro: Sequence[int], cell: Sequence[int] | None, task: str) -> None:
        super().__init__()
        if task not in TASKS:
            raise ValueError(f"unknown TransNAS-Bench-101 task {task!r}; valid: {', '.join(TASKS)}")
        self.task = task
        self.encoder = Encoder(macro, cell)
        c = self.encoder.channels
        if task in ("class_scene", "class_object", "room_layout"):
            self.decoder: nn.Module = nn.Sequential(
                nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, OUTPUTS[task])
            )
        elif task == "jigsaw":
            self.decoder = nn.Sequential(
                nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c * JIGSAW_TILES, OUTPUTS[task])
            )
        elif task == "segmentsemantic":
            self.decoder = segmentation_decoder(self.encoder)
        else:
            self.decoder = generative_decoder(self.encoder)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.task == "jigsaw":
            if x.dim() != 5 or x.shape[1] != JIGSAW_TILES:
                raise ValueError(f"jigsaw input must be (N, 9, 3, H, W) tiles, got {tuple(x.shape)}")
            return self.decoder(torch.cat([self.encoder(x[:, i]) for i in range(JIGSAW_TILES)], dim=1))
        return self.decoder(self.encoder(x))

    def feature_modules(self) -> list[nn.Module]:
        """The encoder's stem and each of its cells (micro) or basic blocks (macro), in order: the modules whose
        outputs are the feature maps that cell-level metrics read (AZ-NAS, :func:`metrics.az_nas.feature_modules`).
        Not defined on jigsaw (``ValueError``): its nine tiles pass the encoder one after another, so each
        module gives nine maps, not one."""
        if self.task == "jigsaw":
            raise ValueError(
                "jigsaw: the 9 tiles pass the encoder separately, so there is no one feature per cell"
            )
        return [self.encoder.stem, *self.encoder.stages.children()]


def build(arch_str: str, task: str) -> TransNASNetwork:
    """The network of an official micro or macro arch string for ``task``."""
    from bench.core.benchmarks.tnb101.encoding import parse_macro, parse_micro

    if arch_str.endswith("-basic"):
        return TransNASNetwork(parse_macro(arch_str), None, task)
    return TransNASNetwork(tuple(int(d) for d in MICRO_SKELETON), parse_micro(arch_str), task)
