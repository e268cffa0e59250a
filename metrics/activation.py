"""Activation- and input-Jacobian-based metrics: NASWOT, TE-NAS linear regions and EPE-NAS.

All three look at a network at initialisation on one mini-batch, with BatchNorm in train mode
(batch statistics), on a private copy of the caller's network. Forward hooks are registered on
that copy only and are always removed (``try``/``finally``), even when the forward pass fails.
NASWOT and linear regions read the same binary ReLU codes, from one shared forward pass.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import nn

from metrics.probe import Probe, logits
from metrics.registry import metric

Hook = Callable[[nn.Module, tuple[object, ...], object], None]

EPE_EPSILON = 1e-5  # the ``k`` added to |correlation| before the log in EPE-NAS
EPE_MANY_CLASSES = 100  # above this many logits EPE-NAS switches to its pairwise-difference form


@contextlib.contextmanager
def forward_hooks(
    net: nn.Module, kind: type[nn.Module] | tuple[type[nn.Module], ...], hook: Hook
) -> Iterator[int]:
    """Register ``hook`` on every module of ``net`` that is a ``kind``; yields how many were hooked.

    The hooks are removed when the block exits, whatever happens inside it.
    """
    handles = [module.register_forward_hook(hook) for module in net.modules() if isinstance(module, kind)]
    try:
        yield len(handles)
    finally:
        for handle in handles:
            handle.remove()


# --------------------------------------------------------------------------------------------------
# NASWOT
# --------------------------------------------------------------------------------------------------


def agreement_counts(codes: torch.Tensor) -> torch.Tensor:
    """``c·cᵀ + (1−c)·(1−c)ᵀ`` (float64) for boolean codes (N × D): units on which two samples agree.

    Computed as ``2·c·cᵀ + D − s_i − s_j`` (s = ones per row) with one matmul, in float32 while its
    integer entries are exact there (D < 2²⁴), else in float64.
    """
    units = codes.shape[1]
    exact = torch.float32 if units < 2**24 else torch.float64
    c = codes.to(exact)
    ones = c.sum(dim=1, dtype=torch.float64)
    return 2.0 * (c @ c.T).to(torch.float64) + units - ones[:, None] - ones[None, :]


@dataclass(frozen=True)
class ReluCodes:
    """The binary codes of one forward pass: per call of an ``nn.ReLU`` module, in call order, the
    boolean matrix (N × units) ``input > 0`` (equal to ``output > 0``) and whether that input was 4-D."""

    codes: list[torch.Tensor]
    four_d: list[bool]


def relu_codes(net: nn.Module, inputs: torch.Tensor) -> ReluCodes:
    """Run ``net(inputs)`` once (no grad) and read :class:`ReluCodes` with forward hooks on every ``nn.ReLU``."""
    n = inputs.shape[0]
    found = ReluCodes([], [])

    def record(module: nn.Module, args: tuple[object, ...], output: object) -> None:
        found.codes.append(args[0].detach().reshape(n, -1) > 0)
        found.four_d.append(args[0].dim() == 4)

    with forward_hooks(net, nn.ReLU, record), torch.no_grad():
        net(inputs)
    return found


def shared_relu_codes(probe: Probe) -> ReluCodes:
    """:func:`relu_codes` of the probe's shared network and batch, computed once per probe."""
    return probe.shared("relu_codes", lambda: relu_codes(probe.network(), probe.inputs()))


def activation_kernel(codes: ReluCodes) -> torch.Tensor:
    """NASWOT's kernel K (N×N, float64) of binary ReLU codes.

    For every ReLU call, with c_i the code of sample i, K gains ``c·cᵀ + (1−c)·(1−c)ᵀ``: K_ij counts the
    units on which samples i and j agree.
    """
    if not codes.codes:
        raise ValueError("naswot: no nn.ReLU module ran; no binary codes to read")
    kernel = agreement_counts(codes.codes[0])
    for code in codes.codes[1:]:
        kernel.add_(agreement_counts(code))
    return kernel


def kernel_logdet(kernel: torch.Tensor) -> float:
    """``log det K`` of the (positive semi-definite) NASWOT kernel; raises if K is not positive definite."""
    sign, logabsdet = torch.linalg.slogdet(kernel)
    if float(sign) <= 0.0:
        raise ValueError(
            f"naswot: activation kernel has determinant sign {float(sign):+.0f} (singular: at least two "
            "inputs share one binary code pattern, or rounding); log-determinant undefined"
        )
    return float(logabsdet)


@metric(
    "naswot",
    higher_is_better=True,
    needs="data",
    bn="train",
    dtype="float32",
    paper="Mellor et al., ICML 2021, NAS without training (BayesWatch/nas-without-training, score_networks.py)",
    version=1,
    units="log-determinant of the binary ReLU-code kernel (nats)",
)
def naswot(probe: Probe) -> float:
    """NASWOT score: ``log det K`` of the Hamming-agreement kernel of ReLU codes; higher is better.

    Follows the official NB201 scoring: a forward hook on every ``nn.ReLU`` module reads the ReLU's
    *input* and codes ``input > 0``; codes of all ReLU calls are summed into one N×N kernel (N =
    batch size); the score is ``slogdet(K)``'s log-|det|. BatchNorm in train mode.

    Departures (documented): the official driver runs a forward+backward pass first and counts
    only the second forward; in train mode both forwards give the same ReLU inputs, so one forward
    is used here. K is accumulated in float64 (official: float32 then NumPy double). Modules are
    selected with ``isinstance(m, nn.ReLU)`` (official: ``'ReLU' in str(type(m))``, which also
    matches ReLU6/LeakyReLU). A determinant sign ≤ 0 (singular K, e.g. duplicated inputs) raises
    instead of returning the official ``-inf``/rounding value, so the score becomes NaN with a reason.
    """
    return kernel_logdet(activation_kernel(shared_relu_codes(probe)))


# --------------------------------------------------------------------------------------------------
# TE-NAS linear regions
# --------------------------------------------------------------------------------------------------


def activation_patterns(codes: ReluCodes) -> torch.Tensor:
    """Boolean activation patterns (N × units) of every ``nn.ReLU`` call whose input is 4-D.

    As TE-NAS's ``Linear_Region_Collector``: the code is ``sign(ReLU output) > 0`` (the same bit as
    ``input > 0``); ReLUs applied to 2-D (fully connected) tensors are ignored; codes of all calls are
    concatenated.
    """
    patterns = [code for code, four_d in zip(codes.codes, codes.four_d, strict=True) if four_d]
    if not patterns:
        raise ValueError("linear_regions: no nn.ReLU applied to a 4-D feature map (TE-NAS counts only those)")
    return torch.cat(patterns, dim=1)


def count_distinct_rows(patterns: torch.Tensor) -> int:
    """Number of distinct rows of a boolean matrix (= TE-NAS's Σ_i 1 / #{j : pattern_j = pattern_i})."""
    return int(torch.unique(patterns, dim=0).shape[0])


@metric(
    "linear_regions",
    higher_is_better=True,
    needs="data",
    bn="train",
    dtype="float32",
    paper="Chen et al., ICLR 2021, TE-NAS (VITA-Group/TENAS, lib/procedures/linear_region_counter.py)",
    version=1,
    units="distinct ReLU activation patterns in the batch (count, at most the batch size)",
)
def linear_regions(probe: Probe) -> float:
    """Number of distinct ReLU activation patterns over the batch (linear regions hit); higher is better.

    Counting rule as TE-NAS: forward hooks on ``nn.ReLU`` modules whose input is 4-D, pattern bit =
    ``sign(ReLU output)``, all such units concatenated, and the count is Σ_i 1/#{j: same pattern as
    i}, i.e. the number of distinct patterns (computed exactly here with ``torch.unique``; TE-NAS
    uses a half-precision Hamming-distance matrix, which gives the same count). BN in train mode.

    Departure (documented): TE-NAS applies this counter to a *thin* proxy network (1 channel per
    cell, no stem, one cell per stage, kaiming-normal fan-in init) on 3×1000 random 1-channel 3×3
    crops, and uses the count only as a relative change when pruning a supernet. The harness has
    no thin-network builder, so the count is taken on the caller's network and the probe's batch.
    It is therefore bounded by the batch size N and saturates at N for wide networks: on full-size
    NB201 networks with N = 64 nearly every architecture scores 64 (weakly informative).
    """
    return float(count_distinct_rows(activation_patterns(shared_relu_codes(probe))))


# --------------------------------------------------------------------------------------------------
# EPE-NAS
# --------------------------------------------------------------------------------------------------


def input_jacobians(net: nn.Module, inputs: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Per-sample gradient of the summed logits w.r.t. the input, flattened (N × D, float64), and #logits."""
    x = inputs.detach().clone().requires_grad_(True)
    out = logits(net(x))
    (grad,) = torch.autograd.grad(out, x, grad_outputs=torch.ones_like(out))
    return grad.reshape(x.shape[0], -1).to(torch.float64), int(out.shape[-1])


def class_correlation_scores(jacobians: torch.Tensor, labels: torch.Tensor, num_logits: int) -> list[float]:
    """EPE-NAS's per-class value Σ_ij log(|corr_ij| + 1e-5) of the Jacobian correlation matrix.

    With more than 100 logits the value is divided by the class's sample count, and classes with a
    single sample are skipped (NASLib's ``len()`` of a scalar correlation raises there); with at most
    100 logits a single-sample class contributes ``log(1 + 1e-5)`` (its correlation "matrix" is 1).
    """
    many = num_logits > EPE_MANY_CLASSES
    scores: list[float] = []
    for label in torch.unique(labels).tolist():
        rows = jacobians[labels == label]
        if rows.shape[0] == 1:
            if not many:
                scores.append(math.log(1.0 + EPE_EPSILON))
            continue
        value = float(torch.log(torch.corrcoef(rows).abs() + EPE_EPSILON).sum())
        if not math.isfinite(value):
            raise ValueError(
                f"epe_nas: class {label} has a constant input-Jacobian row (correlation undefined)"
            )
        scores.append(value / rows.shape[0] if many else value)
    return scores


def epe_score(class_scores: list[float], num_logits: int) -> float:
    """Combine per-class values as NASLib: Σ|s_c| (≤ 100 logits) or Σ_c Σ_c' |s_c − s_c'| / #classes."""
    if num_logits <= EPE_MANY_CLASSES:
        return float(sum(abs(s) for s in class_scores))
    if not class_scores:
        return 0.0
    return float(sum(abs(a - b) for a in class_scores for b in class_scores) / len(class_scores))


@metric(
    "epe_nas",
    class_labels=True,
    class_invariant=True,
    higher_is_better=True,
    needs="labels",
    bn="train",
    dtype="float32",
    paper="Lopes et al., ICANN 2021, EPE-NAS (automl/NASLib zerocost: predictors/utils/pruners/measures/epe_nas.py)",
    version=1,
    units="Σ_c |s_c| (≤ 100 classes) or mean pairwise |s_c − s_c'|, s_c = Σ log(|Jacobian corr| + 1e-5)",
)
def epe_nas(probe: Probe) -> float:
    """EPE-NAS score from within-class correlations of input Jacobians; higher is better.

    As NASLib: J_i = ∂(Σ_k logit_k)/∂x_i for every sample (one backward of ``ones``), samples grouped
    by label, per class s_c = Σ log(|corrcoef(J_c)| + 1e-5); score = Σ_c |s_c| with ≤ 100 logits,
    else Σ_c Σ_c' |s_c − s_c'| / #classes with s_c divided by the class size. Less correlated
    Jacobians within a class give a larger score. BN in train mode; correlations in float64 (as
    NumPy's ``corrcoef``). A constant Jacobian row (NaN correlation; NASLib returns NaN) raises.
    """
    net = probe.network()
    jacobians, num_logits = input_jacobians(net, probe.inputs())
    labels = probe.labels().to(jacobians.device)
    return epe_score(class_correlation_scores(jacobians, labels, num_logits), num_logits)
