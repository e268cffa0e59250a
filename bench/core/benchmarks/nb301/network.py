"""The DARTS network (Liu et al., ICLR 2019) for an NB301 genotype, written in this project.

Macro skeleton: 3×3 conv stem (``stem_multiplier × C`` channels) + BN; ``cells`` cells, the ones at
``cells // 3`` and ``2 * cells // 3`` being reduction cells (channels doubled, resolution halved); global
average pooling and a linear classifier over the last cell's 4·C channels. Each cell preprocesses its two
inputs (outputs of the cells two and one steps back) to C channels with ReLU-1×1 conv-BN, or with a
factorized reduction when the older input is still at the previous resolution; each intermediate node
sums its two edges; the cell output concatenates the 4 intermediate nodes.

Edge ops (stride 2 on the edges leaving a reduction cell's inputs): ``sep_conv_k`` (twice ReLU, depthwise
k×k, pointwise, BN), ``dil_conv_k`` (ReLU, depthwise k×k dilation 2, pointwise, BN), ``max_pool_3x3`` /
``avg_pool_3x3`` (padding 1; average excludes padding), ``skip_connect`` (identity, or a factorized
reduction at stride 2).

:class:`DartsConfig` collects what differs between the three configurations this project builds:

* :data:`NB_SUITE_ZERO`: NASLib's ``NasBench301SearchSpace`` as NAS-Bench-Suite-Zero scored it: C = 32,
  8 cells, cell ops with non-affine BN, a non-affine BN after each pooling op, no auxiliary head. Its
  parameter count equals the ``params`` of NB-Suite-Zero's file on all 725 architectures
  (``scripts/nb301_params_check.py``, ``results/crosscheck/nb301_params.csv``).
* :data:`NB301_TRAINING`: the network NAS-Bench-301 trained (DARTS's evaluation network with 32 initial
  channels and 8 cells): affine BN in the cell ops, no BN after pooling. The auxiliary head NB301 trained
  with is not built (it only adds a loss during training).
* :data:`HNAS_DARTS`: the network HNAS's DARTS-space search scores each genotype on (``shuyao95/HNAS``,
  ``darts_space/search.py``: ``NetworkCIFAR(init_channels=16, layers=5, auxiliary=False)``, drop-path 0):
  DARTS's evaluation network (affine BN in the cell ops, no BN after pooling) with C = 16 and 5 cells, the
  reduction cells at positions 1 and 3. Scored as the benchmark variant ``nb301_hnas_darts``.
* :data:`SWAP_DARTS`: the network SWAP's official DARTS-space script scores each genotype on (``pym1024/SWAP``,
  ``correlation.py``: ``Network(3, 10, 1, genotype)`` of ``src/search_space/networks.py``): no stem (both inputs of
  the cell are the image), C = 3 and one cell, which the rule above makes a reduction cell (6 channels), affine BN
  in the cell ops, no BN after pooling. Scored as the benchmark variant ``nb301_swap_darts``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from bench.core.benchmarks.nb301.genotype import OPS, Cell, Genotype, named_edges

IMAGE_CHANNELS = 3
"""Channels of the input images (CIFAR-10)."""


@dataclass(frozen=True)
class DartsConfig:
    """How a genotype becomes a network.

    Attributes:
        name: label for docs and score-cache folders.
        channels: C, the channels of each first-stage cell node (doubled at each reduction cell).
        cells: number of cells (two of them reduction cells).
        stem_multiplier: the stem outputs ``stem_multiplier × C`` channels.
        stem: whether there is a stem; without one, the first cell's two inputs are the 3-channel image itself.
        affine_cell_bn: whether the BN layers inside the cell ops have a learnable scale and shift.
        pool_bn: whether a (non-affine) BN follows each pooling op.
    """

    name: str
    channels: int = 32
    cells: int = 8
    stem_multiplier: int = 3
    stem: bool = True
    affine_cell_bn: bool = False
    pool_bn: bool = True

    def reduction_positions(self) -> tuple[int, int]:
        """Positions of the two reduction cells."""
        return self.cells // 3, 2 * self.cells // 3


NB_SUITE_ZERO = DartsConfig(name="nb-suite-zero", affine_cell_bn=False, pool_bn=True)
NB301_TRAINING = DartsConfig(name="nb301-training", affine_cell_bn=True, pool_bn=False)
HNAS_DARTS = DartsConfig(name="hnas-darts", channels=16, cells=5, affine_cell_bn=True, pool_bn=False)
SWAP_DARTS = DartsConfig(
    name="swap-darts", channels=3, cells=1, stem=False, affine_cell_bn=True, pool_bn=False
)
CONFIGS = {config.name: config for config in (NB_SUITE_ZERO, NB301_TRAINING, HNAS_DARTS, SWAP_DARTS)}


class ReLUConvBN(nn.Sequential):
    """ReLU → k×k conv (no bias) → BN."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1, affine: bool = True) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )


class FactorizedReduce(nn.Module):
    """Halves the resolution: ReLU, two stride-2 1×1 convs (the second on the input shifted by one pixel),
    concatenated to ``c_out`` channels, BN."""

    def __init__(self, c_in: int, c_out: int, affine: bool = True) -> None:
        super().__init__()
        if c_out % 2:
            raise ValueError(f"FactorizedReduce needs an even number of output channels, got {c_out}")
        self.relu = nn.ReLU(inplace=False)
        self.conv_a = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.conv_b = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(c_out, affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        return self.bn(torch.cat([self.conv_a(x), self.conv_b(x[:, :, 1:, 1:])], dim=1))


def separable(c: int, kernel: int, stride: int, dilation: int, affine: bool) -> list[nn.Module]:
    """ReLU → depthwise k×k conv → pointwise conv → BN (the half of ``sep_conv``, the whole of ``dil_conv``)."""
    padding = dilation * (kernel - 1) // 2
    return [
        nn.ReLU(inplace=False),
        nn.Conv2d(c, c, kernel, stride=stride, padding=padding, dilation=dilation, groups=c, bias=False),
        nn.Conv2d(c, c, 1, bias=False),
        nn.BatchNorm2d(c, affine=affine),
    ]


def make_op(op: str, c: int, stride: int, config: DartsConfig) -> nn.Module:
    """One edge op on ``c`` channels (``stride`` 1, or 2 on the edges leaving a reduction cell's inputs)."""
    affine = config.affine_cell_bn
    if op in ("max_pool_3x3", "avg_pool_3x3"):
        pool: nn.Module = (
            nn.MaxPool2d(3, stride=stride, padding=1)
            if op == "max_pool_3x3"
            else nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)
        )
        return nn.Sequential(pool, nn.BatchNorm2d(c, affine=False)) if config.pool_bn else pool
    if op == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(c, c, affine=affine)
    if op.startswith("sep_conv_"):
        kernel = int(op[-1])
        return nn.Sequential(*separable(c, kernel, stride, 1, affine), *separable(c, kernel, 1, 1, affine))
    if op.startswith("dil_conv_"):
        return nn.Sequential(*separable(c, int(op[-1]), stride, 2, affine))
    raise ValueError(f"unknown DARTS op {op!r}; valid ops: {', '.join(OPS)}")


class DartsCell(nn.Module):
    """One normal or reduction cell: preprocess both inputs to ``c`` channels, 4 nodes of 2 edges, concat."""

    def __init__(
        self,
        cell: Cell,
        c_prev_prev: int,
        c_prev: int,
        c: int,
        *,
        reduction: bool,
        reduction_prev: bool,
        config: DartsConfig,
    ) -> None:
        super().__init__()
        self.preprocess0 = (
            FactorizedReduce(c_prev_prev, c) if reduction_prev else ReLUConvBN(c_prev_prev, c, 1)
        )
        self.preprocess1 = ReLUConvBN(c_prev, c, 1)
        self.edges = [(node, source) for node, source, _ in named_edges(cell)]
        self.ops = nn.ModuleList(
            make_op(op, c, 2 if reduction and source < 2 else 1, config)
            for _, source, op in named_edges(cell)
        )

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for k in range(4):
            (_, a), (_, b) = self.edges[2 * k], self.edges[2 * k + 1]
            states.append(self.ops[2 * k](states[a]) + self.ops[2 * k + 1](states[b]))
        return torch.cat(states[2:], dim=1)


class DartsNetwork(nn.Module):
    """The DARTS network of one genotype; ``forward`` returns the logits (N, num_classes)."""

    def __init__(self, genotype: Genotype, num_classes: int, config: DartsConfig = NB_SUITE_ZERO) -> None:
        super().__init__()
        normal, reduce = genotype
        c = config.channels
        if config.stem:
            c_stem = config.stem_multiplier * c
            self.stem: nn.Module = nn.Sequential(
                nn.Conv2d(IMAGE_CHANNELS, c_stem, 3, padding=1, bias=False), nn.BatchNorm2d(c_stem)
            )
        else:
            c_stem, self.stem = IMAGE_CHANNELS, nn.Identity()
        c_prev_prev, c_prev, c_curr = c_stem, c_stem, c
        reductions = config.reduction_positions()
        cells: list[DartsCell] = []
        reduction_prev = False
        for position in range(config.cells):
            reduction = position in reductions
            if reduction:
                c_curr *= 2
            cells.append(
                DartsCell(
                    reduce if reduction else normal,
                    c_prev_prev,
                    c_prev,
                    c_curr,
                    reduction=reduction,
                    reduction_prev=reduction_prev,
                    config=config,
                )
            )
            reduction_prev = reduction
            c_prev_prev, c_prev = c_prev, 4 * c_curr
        self.cells = nn.ModuleList(cells)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The last cell's feature map (N, 4·C_last, H/2^r, W/2^r): C_last the last cell's C, r the number of
        reduction cells (4·C·4 channels at H/4 for the 8-cell configurations)."""
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return s1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.pool(self.features(x)).flatten(1))
