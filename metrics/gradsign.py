"""GradSign (Zhang & Jia, ICLR 2022): agreement of the signs of per-sample gradients.

For every Conv2d/Linear weight k and every sample i of the batch, g_ik = ∂ℓ(x_i, y_i)/∂w_k is the gradient of
that sample's own loss (cross-entropy on the classification benchmarks; the batch's, :mod:`metrics.losses`),
the network seeing the sample alone (BatchNorm in train mode normalises with the sample's own spatial
statistics, as the official per-sample loop does). The per-weight agreement is |Σ_i sign(g_ik)|; GradSign
reduces it over all weights k by a sum or a mean (:data:`REDUCERS`). Per-sample gradients come from
``torch.func`` (``vmap`` of ``grad`` of a ``functional_call``), a chunk of samples at a time.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.func import functional_call, grad, replace_all_batch_norm_modules_, vmap

from metrics.probe import Probe, logits, prunable_layers
from metrics.registry import metric

PAPER = (
    "Zhang & Jia, ICLR 2022, GradSign "
    "(cmu-catalyst/GradSign zero-cost-nas-code/foresight/pruners/measures/grad_conflict.py)"
)
REDUCERS = ("sum", "mean")
"""``sum``: Σ_k over weights (the official foresight measure, ``np.nansum``); ``mean``: the same divided by the
number of Conv2d/Linear weights (the official ``zero-cost-nas-code/gradsign.py``, ``np.nanmean``); both leave out a
weight whose agreement is NaN (:func:`reduce_agreement`)."""
CHUNK = 16  # samples per vmap call: bounds the per-sample gradient memory to CHUNK × #weights floats


def check_reducer(reducer: str) -> str:
    """``reducer`` if it is one of :data:`REDUCERS`; ``ValueError`` naming the valid choices otherwise."""
    if reducer not in REDUCERS:
        raise ValueError(f"unknown gradsign reducer {reducer!r}; valid choices: {', '.join(REDUCERS)}")
    return reducer


def plain_avg_pools(net: nn.Module) -> nn.Module:
    """Replace (in place) every subclass of ``nn.AvgPool2d`` by ``nn.AvgPool2d`` with the same settings.

    A subclass may run a custom ``autograd.Function`` that ``torch.func`` cannot transform (the project's NB201
    ``AvgPool3x3``, a CPU speed-up equal to ``nn.AvgPool2d`` bit for bit); returns ``net``.
    """
    for parent in list(net.modules()):
        for child_name, child in list(parent.named_children()):
            if isinstance(child, nn.AvgPool2d) and type(child) is not nn.AvgPool2d:
                plain = nn.AvgPool2d(
                    child.kernel_size,
                    child.stride,
                    child.padding,
                    child.ceil_mode,
                    child.count_include_pad,
                    child.divisor_override,
                )
                setattr(parent, child_name, plain)
    return net


def sign_agreement(probe: Probe) -> torch.Tensor:
    """|Σ_i sign(g_ik)| for every Conv2d/Linear weight k, flattened in ``prunable_layers`` order (float32).

    A weight whose layer gets no gradient has g_ik = 0 for every sample, hence agreement 0 (the official code
    fills such layers with zeros too). A weight with a NaN gradient for any sample has agreement NaN, as the
    official ``np.sign`` gives (the reducers then leave it out).
    """
    net = plain_avg_pools(probe.copy(bn=True))
    replace_all_batch_norm_modules_(net)  # no running statistics: train-mode BN uses batch statistics anyway
    params = {name: p.detach() for name, p in net.named_parameters()}
    buffers = {name: b.detach() for name, b in net.named_buffers()}
    weight_names = [f"{name}.weight" for name, _ in prunable_layers(net)]
    weights = {name: params[name] for name in weight_names}

    def sample_loss(
        chosen: dict[str, torch.Tensor], image: torch.Tensor, target: torch.Tensor
    ) -> torch.Tensor:
        out = functional_call(net, ({**params, **chosen}, buffers), (image.unsqueeze(0),))
        return probe.loss(logits(out), target.unsqueeze(0))

    per_sample: Callable[..., dict[str, torch.Tensor]] = vmap(grad(sample_loss), in_dims=(None, 0, 0))
    images, targets = probe.inputs(), probe.loss_targets()
    totals = {name: torch.zeros_like(w) for name, w in weights.items()}
    undefined = {name: torch.zeros_like(w, dtype=torch.bool) for name, w in weights.items()}
    for start in range(0, len(images), CHUNK):
        grads = per_sample(weights, images[start : start + CHUNK], targets[start : start + CHUNK])
        for name in weight_names:
            totals[name] += torch.sign(grads[name]).sum(dim=0)  # torch.sign(NaN) is 0: NaNs are marked apart
            undefined[name] |= torch.isnan(grads[name]).any(dim=0)
    agreement = torch.cat([totals[name].abs().reshape(-1) for name in weight_names])
    return agreement.masked_fill(torch.cat([undefined[name].reshape(-1) for name in weight_names]), torch.nan)


def reduce_agreement(agreement: torch.Tensor, reducer: str) -> float:
    """Sum or mean (``reducer``) of the weights' sign agreements in float64, NaN agreements left out as the official
    ``np.nansum`` / ``np.nanmean`` do; NaN when every agreement is NaN (the official sum would give 0)."""
    agreement = agreement.to(torch.float64)
    if bool(torch.isnan(agreement).all()):
        return float("nan")
    return float(agreement.nansum() if check_reducer(reducer) == "sum" else agreement.nanmean())


def gradsign_score(probe: Probe, reducer: str) -> float:
    """GradSign with ``reducer`` over the weights' sign agreements (:func:`sign_agreement`)."""
    return reduce_agreement(probe.shared("gradsign_agreement", lambda: sign_agreement(probe)), reducer)


GRADSIGN_REDUCER = check_reducer("sum")


@metric(
    "gradsign",
    class_invariant=True,
    higher_is_better=True,
    needs="labels",
    bn="train",
    paper=PAPER,
    units="Σ over Conv2d/Linear weights of |Σ over samples of sign(per-sample dL/dw)|",
    settings={
        "input": "the setup's labelled batch (project default 64 images; official NB201 driver 128)",
        "init": "the setup's (official: PyTorch default)",
        "per_sample": "each sample alone through the network, BatchNorm in train mode",
        "reducer": GRADSIGN_REDUCER,
    },
)
def gradsign(probe: Probe) -> float:
    """GradSign Σ_k |Σ_i sign(g_ik)| (reducer ``sum``, the official foresight measure); higher is better.

    Bounded by N × #weights; the sum grows with the number of weights (a size prior), the ``mean`` reducer
    (:func:`gradsign_score`) divides it out. Class-invariant: a weight off every input→output path, or fed only
    zeros, has a zero gradient for every sample and adds 0 (the mean's denominator still counts it).
    """
    return gradsign_score(probe, GRADSIGN_REDUCER)


@metric(
    "gradsign_mean",
    higher_is_better=True,
    needs="labels",
    bn="train",
    paper=PAPER + " (gradsign.py's np.nanmean reducer)",
    units="mean over Conv2d/Linear weights of |Σ over samples of sign(per-sample dL/dw)|",
    settings={
        "input": "the setup's labelled batch (project default 64 images; official NB201 driver 128)",
        "init": "the setup's (official: PyTorch default)",
        "per_sample": "each sample alone through the network, BatchNorm in train mode",
        "reducer": check_reducer("mean"),
    },
)
def gradsign_mean(probe: Probe) -> float:
    """GradSign with the ``mean`` reducer: mean_k |Σ_i sign(g_ik)|, in [0, N]; shares gradsign's pass."""
    return gradsign_score(probe, "mean")
