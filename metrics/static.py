"""Data-free size baselines: parameter count and forward FLOPs, as NAS-Bench-Suite-Zero counts them.

NAS-Bench-Suite-Zero (NASLib ``zerocost`` branch, ``predictors/utils/pruners/predictive.py``) gets
``params`` and ``flops`` from ``tensorwatch.ModelStats`` on one input of the batch's image shape:
a forward pass in eval mode with hooks on every leaf module; a module's parameters and FLOPs count
only if it runs. FLOPs follow tensorwatch's torchstat rules (:func:`leaf_flops`), values in millions.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from metrics.probe import Probe
from metrics.registry import metric

PAPER = "Krishnakumar et al., NeurIPS 2022 D&B, NAS-Bench-Suite-Zero (tensorwatch ModelStats counts)"


def _pair(value: int | tuple[int, ...]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (value[0], value[1])


def _adaptive_pool_flops(inp: torch.Tensor, out: torch.Tensor) -> int:
    """tensorwatch's adaptive-pool count: Σ over output cells of (window height + 1)(window width + 1)."""
    in_h, in_w = inp.shape[2], inp.shape[3]
    out_h, out_w = out.shape[2], out.shape[3]
    total = 0
    for i in range(out_h):
        rows = math.ceil((i + 1) * in_h / out_h) - math.floor(i * in_h / out_h)
        for j in range(out_w):
            cols = math.ceil((j + 1) * in_w / out_w) - math.floor(j * in_w / out_w)
            total += (rows + 1) * (cols + 1)
    return inp.shape[0] * inp.shape[1] * total


def leaf_flops(module: nn.Module, inp: torch.Tensor, out: torch.Tensor) -> int:
    """FLOPs of one leaf-module call under tensorwatch's (torchstat) rules; 0 for other module types.

    Conv2d: k_h·k_w·C_in·(C_out/groups) per output position, + C_out per position with a bias.
    Linear: in·out per sample (bias not counted). BatchNorm2d: one per element, two if affine.
    ReLU/ReLU6/PReLU/ELU/LeakyReLU: one per input element. Avg/MaxPool2d: k_h·k_w per output element.
    Adaptive pools: see :func:`_adaptive_pool_flops`. Upsample: one per output element.
    """
    n = inp.shape[0]
    if isinstance(module, nn.Conv2d):
        k_h, k_w = module.kernel_size
        positions = n * out.shape[2] * out.shape[3]
        conv = k_h * k_w * inp.shape[1] * (out.shape[1] // module.groups) * positions
        return conv + (out.shape[1] * positions if module.bias is not None else 0)
    if isinstance(module, nn.Linear):
        return n * inp.shape[-1] * out.shape[-1]
    if isinstance(module, nn.BatchNorm2d):
        return inp.numel() * (2 if module.affine else 1)
    if isinstance(module, nn.ReLU | nn.ReLU6 | nn.PReLU | nn.ELU | nn.LeakyReLU):
        return inp.numel()
    if isinstance(module, nn.AvgPool2d | nn.MaxPool2d):
        k_h, k_w = _pair(module.kernel_size)
        return n * out.shape[1] * out.shape[2] * out.shape[3] * k_h * k_w
    if isinstance(module, nn.AdaptiveAvgPool2d | nn.AdaptiveMaxPool2d):
        return _adaptive_pool_flops(inp, out)
    if isinstance(module, nn.Upsample):
        return out.numel()
    return 0


def count_executed(probe: Probe) -> tuple[int, int]:
    """(trainable parameters of the modules that run, FLOPs of the leaf modules that run) for one image.

    A private copy in eval mode runs once on a zero image of the batch's shape, with forward hooks
    on every module (removed after use). Shared parameters count once; every call of a leaf module
    adds its FLOPs (tensorwatch keeps only the last call of a module called twice).
    """
    net = probe.copy(bn=True).eval()
    executed: dict[int, nn.Module] = {}
    flops = 0

    def hook(module: nn.Module, args: tuple[object, ...], output: object) -> None:
        nonlocal flops
        executed[id(module)] = module
        if next(module.children(), None) is None and isinstance(args[0], torch.Tensor):
            if isinstance(output, torch.Tensor):
                flops += leaf_flops(module, args[0], output)

    handles = [module.register_forward_hook(hook) for module in net.modules()]
    try:
        with torch.no_grad():
            net(torch.zeros((1, *probe.batch.images.shape[1:]), device=probe.device))
    finally:
        for handle in handles:
            handle.remove()
    params = {
        id(p): p.numel() for m in executed.values() for p in m.parameters(recurse=False) if p.requires_grad
    }
    return sum(params.values()), flops


def executed_counts(probe: Probe) -> tuple[int, int]:
    """:func:`count_executed`, computed once per probe (``params`` and ``flops`` share the pass)."""
    return probe.shared("executed_counts", lambda: count_executed(probe))


@metric(
    "params",
    higher_is_better=True,
    needs="none",
    paper=PAPER,
    units="trainable parameters of the modules that run, millions",
)
def params(probe: Probe) -> float:
    """Parameter count in millions (ops instantiated but never run, e.g. masked candidates, excluded)."""
    return executed_counts(probe)[0] / 1e6


@metric(
    "flops",
    higher_is_better=True,
    needs="none",
    paper=PAPER,
    units="forward FLOPs for one image (tensorwatch/torchstat rules), millions",
)
def flops(probe: Probe) -> float:
    """Forward FLOPs of one image in millions, counted as NAS-Bench-Suite-Zero (tensorwatch) counts them."""
    return executed_counts(probe)[1] / 1e6
