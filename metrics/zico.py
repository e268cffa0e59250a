"""ZiCo (Li et al., ICLR 2023): inverse coefficient of variation of weight gradients across mini-batches."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from metrics.probe import Probe, logits
from metrics.registry import metric

ZICO_SPLITS = 2  # the official search uses two mini-batches (``--maxbatch 2``)


def split_bounds(n: int, splits: int) -> list[tuple[int, int]]:
    """Contiguous ``[start, end)`` bounds of ``splits`` near-equal parts of ``n`` samples (foresight style)."""
    return [(part * n // splits, (part + 1) * n // splits) for part in range(splits)]


def split_gradients(
    net: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    splits: int = ZICO_SPLITS,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = F.cross_entropy,
) -> dict[str, list[torch.Tensor]]:
    """Per Conv2d/Linear layer, the flattened weight gradient (float64) of the mean ``loss_fn`` (cross-entropy of
    class labels by default; the batch's own loss, :mod:`metrics.losses`) of each split.

    Gradients are zeroed before every split, so each entry is that split's own gradient. Layers whose
    weight receives no gradient in some split are left with fewer entries.
    """
    if inputs.shape[0] < splits:
        raise ValueError(f"zico: needs at least {splits} samples to split the batch, got {inputs.shape[0]}")
    layers = [(name, m) for name, m in net.named_modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    if not layers:
        raise ValueError("zico: the network has no nn.Conv2d or nn.Linear layer")
    gradients: dict[str, list[torch.Tensor]] = {name: [] for name, _ in layers}
    for start, end in split_bounds(inputs.shape[0], splits):
        net.zero_grad(set_to_none=True)
        loss_fn(logits(net(inputs[start:end])), targets[start:end]).backward()
        for name, module in layers:
            if module.weight.grad is not None:
                gradients[name].append(module.weight.grad.detach().reshape(-1).to(torch.float64))
    net.zero_grad(set_to_none=True)
    return gradients


def zico_from_gradients(gradients: dict[str, list[torch.Tensor]], splits: int = ZICO_SPLITS) -> float:
    """Σ over layers of ``log Σ_θ mean|g_θ| / std(g_θ)`` (population std over splits, std = 0 excluded).

    A layer whose ratios sum to 0 (all-zero or all-constant gradients) is skipped, as in the official
    code; so is a layer missing a gradient in some split.
    """
    total = 0.0
    for samples in gradients.values():
        if len(samples) < splits:
            continue
        stacked = torch.stack(samples)
        std = stacked.std(dim=0, correction=0)
        mean_abs = stacked.abs().mean(dim=0)
        keep = std != 0
        ratio_sum = float((mean_abs[keep] / std[keep]).sum())
        if ratio_sum != 0.0:
            total += math.log(ratio_sum)
    return total


@metric(
    "zico",
    class_invariant=True,
    higher_is_better=True,
    needs="labels",
    bn="train",
    dtype="float32",
    paper="Li et al., ICLR 2023, ZiCo (SLDGroup/ZiCo, ZeroShotProxy/compute_zico.py)",
    version=1,
    units="Σ over Conv/Linear layers of log Σ mean|grad| / std(grad) (nats)",
)
def zico(probe: Probe) -> float:
    """ZiCo score: high, consistent gradients across mini-batches score high; higher is better.

    The batch is split into 2 contiguous halves (the official search uses 2 loader batches of
    ``batch_size`` each; MeCo's NB201 port splits one batch in 2 the same way). For each half, the
    cross-entropy gradient of every Conv2d/Linear *weight* (no biases, no BN) is taken with BN in
    train mode; per weight element, mean|g| and the population std (``np.std``) across the halves;
    per layer ``log Σ mean|g|/std`` over elements with std ≠ 0; summed over layers.

    Documented departure: gradients are zeroed before each half, so the two samples are the two
    halves' own gradients as the paper defines. The stored official ``getzico`` (and MeCo's port)
    never calls ``zero_grad`` inside the loop, so its second sample is g₁ + g₂ (accumulated);
    several third-party ports add the reset. Statistics in float64 (official: float32 NumPy).
    """
    net = probe.copy(bn=True, dtype=torch.float32)
    return zico_from_gradients(split_gradients(net, probe.inputs(), probe.loss_targets(), loss_fn=probe.loss))
