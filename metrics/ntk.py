"""Neural-tangent-kernel scores: HNAS's trace norm and condition number, TE-NAS's condition number.

HNAS (Shu et al., NeurIPS 2022, official code ``foresight/pruners/measures/{ntk_trace,condnum}.py``
with ``tools/autograd_hacks.py``) builds an N×N empirical NTK from per-sample gradients of the
true-label logit f_{y_i}(x_i) over every Conv2d/Linear weight and bias. The per-sample gradient is
the "hook decomposition" B_i ⊗ A_i, with A_i the layer input of sample i and B_i the gradient of
the *whole-batch* sum s = Σ_j f_{y_j}(x_j) with respect to sample i's layer output. With BatchNorm
in train mode (batch statistics) B_i carries cross-sample terms through the BN statistics, so it
is not the true per-example gradient ∂f_{y_i}(x_i)/∂θ; without cross-sample layers both agree.
Here A_i is read by a forward hook and B_i by ``torch.autograd.grad`` with respect to the recorded
layer outputs (no backward hooks); per-sample weight gradients come from ``unfold`` (convolutions)
or an outer product (linear layers), and only their N×N Gram is kept, one layer at a time.

TE-NAS (Chen et al., ICLR 2021, ``lib/procedures/ntk.py``) instead backpropagates, for every
sample i, the sum of all of its logits Σ_c f_c(x_i) (BN in train mode, so through the BN
statistics), and takes the gradient with respect to every parameter whose name contains
``weight`` (Conv2d, Linear and affine-BatchNorm weights; no biases).

Both Gram matrices are accumulated in float64 from float32 gradients; eigenvalues come from
``torch.linalg.eigvalsh`` in float64 (the official codes use float32 ``torch.symeig``).
"""

from __future__ import annotations

import math
from collections import defaultdict

import torch
import torch.nn.functional as F
from torch import nn

from metrics.probe import LayerCall, Probe, logits, prunable_layers, record_calls
from metrics.registry import metric

HNAS = (
    "Shu et al., NeurIPS 2022, HNAS (shuyao95/HNAS foresight/pruners/measures/{}.py, tools/autograd_hacks.py)"
)
TENAS = "Chen et al., ICLR 2021, TE-NAS (VITA-Group/TENAS lib/procedures/ntk.py, get_ntk_n)"
TENAS_BATCH = 16  # prune_tenas.py: --batch_size default 16, "batch size for ntk"


def per_sample_gradients(
    module: nn.Module, inputs: torch.Tensor, backprop: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Per-sample weight and bias gradients B_i ⊗ A_i of one Conv2d/Linear call, shapes (N, ·).

    ``inputs`` is the layer input A, ``backprop`` the gradient B of the backpropagated scalar with
    respect to the layer output. Convolutions use ``unfold`` (zero padding, any stride, dilation
    and groups); a Linear layer sums over any leading positions between batch and features.
    """
    n = inputs.shape[0]
    if isinstance(module, nn.Linear):
        a = inputs.reshape(n, -1, module.in_features)
        b = backprop.reshape(n, -1, module.out_features)
        weight = torch.einsum("npo,npi->noi", b, a).reshape(n, -1)
        bias = b.sum(dim=1) if module.bias is not None else None
        return weight, bias
    if not isinstance(module, nn.Conv2d):
        raise TypeError(f"per-sample gradients need Conv2d or Linear, got {type(module).__name__}")
    if isinstance(module.padding, str) or module.padding_mode != "zeros":
        raise ValueError(
            f"per-sample gradients need integer zero padding, got {module.padding!r}/{module.padding_mode}"
        )
    a = F.unfold(
        inputs, module.kernel_size, dilation=module.dilation, padding=module.padding, stride=module.stride
    )
    groups = module.groups
    a = a.reshape(n, groups, a.shape[1] // groups, a.shape[2])
    b = backprop.reshape(n, groups, module.out_channels // groups, a.shape[3])
    weight = torch.einsum("ngol,ngil->ngoi", b, a).reshape(n, -1)
    bias = b.sum(dim=3).reshape(n, -1) if module.bias is not None else None
    return weight, bias


def hnas_ntk_gram(probe: Probe) -> torch.Tensor:
    """HNAS's N×N NTK (float64) of the true-label logits, from the hook decomposition.

    K_ij = Σ over Conv2d/Linear weights and biases of ⟨g_i, g_j⟩, g_i = B_i ⊗ A_i (see module
    docstring). A layer called several times contributes the sum of its calls' per-sample
    gradients; a layer whose output does not reach the logits contributes nothing. BN in train mode.
    """
    net = probe.network()
    modules = [module for _, module in prunable_layers(net)]
    labels = probe.labels()
    with record_calls(modules) as calls:
        out = logits(net(probe.inputs()))
    modified = [call for call in calls if call.modified_in_place]
    if modified:
        raise ValueError(
            f"ntk: the output of layer #{modified[0].index} ({type(modules[modified[0].index]).__name__}) is "
            "modified in place later (in-place activation); per-sample gradients are unavailable"
        )
    target = out.gather(1, labels[:, None]).sum()
    backprops = torch.autograd.grad(target, [call.output for call in calls], allow_unused=True)
    calls_of: dict[int, list[tuple[LayerCall, torch.Tensor]]] = defaultdict(list)
    for call, backprop in zip(calls, backprops, strict=True):
        if backprop is not None:
            calls_of[call.index].append((call, backprop))
    n = out.shape[0]
    gram = torch.zeros(n, n, dtype=torch.float64, device=out.device)
    for index, layer_calls in calls_of.items():
        per_call = [per_sample_gradients(modules[index], call.inputs.detach(), b) for call, b in layer_calls]
        for grads in zip(*per_call, strict=True):  # weight, then bias
            if grads[0] is not None:
                g64 = torch.stack(grads).sum(dim=0).to(torch.float64)
                gram.addmm_(g64, g64.T)
    return gram


def condition_number(gram: torch.Tensor, name: str) -> float:
    """λ_max / λ_min of a Gram matrix (``eigvalsh``, float64); ``ValueError`` if it is numerically singular.

    Singular means λ_min ≤ N · ε_float64 · λ_max (duplicate or dead samples, rank-deficient
    gradients). The official codes return such cases as a huge, infinite or even negative number
    (``nan_to_num`` then maps NaN to 1e5); here they become NaN with this reason.
    """
    eigenvalues = torch.linalg.eigvalsh(gram.to(torch.float64))
    lam_min, lam_max = float(eigenvalues[0]), float(eigenvalues[-1])
    if lam_max <= 0.0:
        raise ValueError(f"{name}: the NTK is zero (no gradient reaches the parameters)")
    if lam_min <= gram.shape[0] * torch.finfo(torch.float64).eps * lam_max:
        raise ValueError(
            f"{name}: the NTK is numerically singular (λmin={lam_min:.3e}, λmax={lam_max:.3e}); "
            "duplicate inputs or rank-deficient per-sample gradients"
        )
    return lam_max / lam_min


@metric(
    "ntk_trace",
    class_labels=True,
    class_invariant=True,
    higher_is_better=True,
    needs="labels",
    paper=HNAS.format("ntk_trace"),
    units="sqrt(trace(K)/N): RMS over samples of ||d f_y(x)/dθ||₂ (logit units per parameter unit)",
)
def ntk_trace(probe: Probe) -> float:
    """HNAS's M_Trace = √(trace(K)/N) of the true-label NTK (official: √(Σ eigenvalues / N))."""
    gram = probe.shared("hnas_ntk_gram", lambda: hnas_ntk_gram(probe))
    return math.sqrt(float(torch.trace(gram)) / gram.shape[0])


@metric(
    "ntk_condnum",
    class_labels=True,
    class_invariant=True,
    higher_is_better=False,
    needs="labels",
    paper=HNAS.format("condnum"),
    units="λmax/λmin of the true-label NTK (dimensionless)",
)
def ntk_condnum(probe: Probe) -> float:
    """HNAS's κ = λ_max/λ_min of the same K as ``ntk_trace``; lower is better; NaN if K is singular."""
    return condition_number(probe.shared("hnas_ntk_gram", lambda: hnas_ntk_gram(probe)), "ntk_condnum")


def tenas_ntk_gram(probe: Probe) -> torch.Tensor:
    """TE-NAS's n×n NTK (float64): rows are ∂(Σ_c f_c(x_i))/∂θ over parameters named ``*weight*``.

    Like TE-NAS, on a batch of ``TENAS_BATCH`` = 16 images (the first 16 of the probe's batch; all of
    them if it is smaller), with one backward per sample through the whole-batch graph (BN in train mode).
    """
    net = probe.network()
    params = [param.requires_grad_(True) for name, param in net.named_parameters() if "weight" in name]
    out = logits(net(probe.inputs()[:TENAS_BATCH]))
    rows = []
    for i in range(out.shape[0]):
        grads = torch.autograd.grad(out[i].sum(), params, retain_graph=True, allow_unused=True)
        rows.append(torch.cat([grad.reshape(-1) for grad in grads if grad is not None]))
    jacobian = torch.stack(rows).to(torch.float64)
    return jacobian @ jacobian.T


@metric(
    "te_nas_ntk",
    class_invariant=True,
    higher_is_better=False,
    needs="data",
    paper=TENAS,
    version=2,  # v2: the first 16 images of the batch, TE-NAS's NTK batch size (v1 used the whole batch)
    units="λmax/λmin of the all-logit-sum NTK (dimensionless)",
)
def te_nas_ntk(probe: Probe) -> float:
    """TE-NAS's NTK condition number κ = λ_max/λ_min; lower is better; NaN if K is singular."""
    return condition_number(tenas_ntk_gram(probe), "te_nas_ntk")
