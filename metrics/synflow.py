"""SynFlow (Tanaka et al., NeurIPS 2020) and FreeREA's LogSynflow, with foresight's settings.

On a private float64 copy with BatchNorm bypassed (replaced by identity), every floating-point
parameter and buffer is replaced by its absolute value; the input is one all-ones image of the
batch's shape (batch of 1, as foresight uses ``inputs[0]``'s shape); R = Σ outputs. SynFlow is
Σ |W ⊙ ∂R/∂W| over Conv2d/Linear weights; LogSynflow (Cavagnero et al., WACV 2023) is
Σ |W ⊙ log(1 + ∂R/∂W)| on the same pass. Data-free: only the image shape is read.
"""

from __future__ import annotations

import math

import torch

from metrics.probe import Probe, logits, prunable_layers
from metrics.registry import metric

PAPER = "Tanaka et al., NeurIPS 2020; zero-cost-nas foresight/pruners/measures/synflow.py (bn=False)"


LOGSYNFLOW_PAPER = (
    "Cavagnero et al., WACV 2023, FreeREA (NiccoloCavagnero/FreeREA metrics/synflow.py, remap='log')"
)


def synflow_gradients(probe: Probe) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Per Conv2d/Linear layer, (|W|, ∂R/∂|W|) in float64 of the synflow pass; layers without gradient skipped.

    Raises ``ValueError`` if the float64 forward or backward overflows.
    """
    net = probe.copy(bn=False, dtype=torch.float64)
    with torch.no_grad():
        for tensor in net.state_dict().values():
            if tensor.is_floating_point():
                tensor.abs_()
    weights = [module.weight.requires_grad_(True) for _, module in prunable_layers(net)]
    ones = torch.ones((1, *probe.batch.images.shape[1:]), dtype=torch.float64, device=probe.device)
    total = logits(net(ones)).sum()
    if not torch.isfinite(total):
        raise ValueError("synflow: the float64 forward pass overflowed")
    grads = torch.autograd.grad(total, weights, allow_unused=True)
    pairs = [(weight.detach(), grad) for weight, grad in zip(weights, grads, strict=True) if grad is not None]
    if not all(bool(torch.isfinite(grad).all()) for _, grad in pairs):
        raise ValueError("synflow: the float64 backward pass overflowed")
    return pairs


def shared_synflow_gradients(probe: Probe) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """:func:`synflow_gradients`, computed once per probe (synflow, synflow_log10 and logsynflow share it)."""
    return probe.shared("synflow_gradients", lambda: synflow_gradients(probe))


def synflow_saliencies(probe: Probe) -> list[torch.Tensor]:
    """Per Conv2d/Linear layer, |W| ⊙ ∂R/∂|W| (float64) of the synflow pass; layers without gradient skipped.

    Raises ``ValueError`` if a product overflows.
    """
    saliencies = [(weight * grad).abs() for weight, grad in shared_synflow_gradients(probe)]
    if not all(bool(torch.isfinite(s).all()) for s in saliencies):
        raise ValueError("synflow: the float64 backward pass overflowed")
    return saliencies


@metric(
    "synflow",
    class_invariant=True,
    higher_is_better=True,
    needs="none",
    bn="bypass",
    dtype="float64",
    paper=PAPER,
    units="sum of |W ⊙ dR/dW| over Conv2d/Linear weights, R = sum of outputs on an all-ones input",
)
def synflow(probe: Probe) -> float:
    """SynFlow Σ |W ⊙ ∂R/∂W| (|W| network, all-ones input, BN bypassed, float64); ≥ 0, higher is better."""
    return sum(float(s.sum()) for s in probe.shared("synflow_saliencies", lambda: synflow_saliencies(probe)))


@metric(
    "synflow_log10",
    class_invariant=True,
    higher_is_better=True,
    needs="none",
    bn="bypass",
    dtype="float64",
    paper=PAPER + " (log10 of the score)",
    units="log10 of synflow",
)
def synflow_log10(probe: Probe) -> float:
    """log10(synflow) (a monotone transform of synflow; not FreeREA's LogSynflow), accumulated in the log domain (logsumexp of log|W| + log|∂R/∂W|).

    The sum itself never overflows; the forward/backward pass relies on the float64 range
    (≈1e308, far above the ≈1e60 that NB201/NB101 networks reach) and raises if it is exceeded.
    ``ValueError`` if synflow is exactly 0 (no path from input to output), whose log is undefined.
    """
    saliencies = probe.shared("synflow_saliencies", lambda: synflow_saliencies(probe))
    log_terms = [torch.logsumexp(s.log().reshape(-1), dim=0) for s in saliencies]
    log_total = float(torch.logsumexp(torch.stack(log_terms), dim=0)) if log_terms else -math.inf
    if log_total == -math.inf:
        raise ValueError("synflow_log10: synflow is exactly 0 (no input-output path), log undefined")
    return log_total / math.log(10.0)


@metric(
    "logsynflow",
    class_invariant=True,
    higher_is_better=True,
    needs="none",
    bn="bypass",
    dtype="float64",
    paper=LOGSYNFLOW_PAPER,
    units="sum of |W ⊙ log(1 + dR/dW)| over Conv2d/Linear weights (synflow's |W| network and all-ones input)",
    settings={
        "input": "one all-ones image",
        "init": "the setup's, then |θ|",
        "bn": "bypass",
        "dtype": "float64",
    },
)
def logsynflow(probe: Probe) -> float:
    """FreeREA's LogSynflow Σ |W ⊙ log(1 + ∂R/∂W)| on synflow's pass; ≥ 0, higher is better.

    The gradients of the |W| network on an all-ones input are ≥ 0, so log1p is defined; it damps the
    huge gradients of deep paths that make synflow a size proxy.
    """
    return sum(
        float((weight * torch.log1p(grad)).abs().sum()) for weight, grad in shared_synflow_gradients(probe)
    )
