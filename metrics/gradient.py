"""Gradient-based pruning-at-initialisation scores turned into network scores (zero-cost-nas "foresight").

Every score except ``jacob_cov`` and ``l2_norm`` reads the shared mean loss pass (cross-entropy on the
classification benchmarks) of the probe (:meth:`metrics.probe.Probe.cross_entropy_pass`): one forward/backward on a private float32
copy with BatchNorm in train mode (batch statistics), as in Abdelfattah et al. (ICLR 2021) and the
official HNAS code. Per-weight saliencies are computed for the weights of every ``nn.Conv2d`` and
``nn.Linear`` layer (biases and BatchNorm parameters excluded) and summed to one number, as
foresight's ``find_measures`` does. A layer that gets no gradient contributes 0.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from metrics.probe import Probe, logits, prunable_layers
from metrics.registry import metric

FORESIGHT = "Abdelfattah et al., ICLR 2021, zero-cost-nas (foresight/pruners/measures/{}.py)"


@metric(
    "grad_norm",
    class_invariant=True,
    higher_is_better=True,
    needs="labels",
    paper=FORESIGHT.format("grad_norm") + "; HNAS GradNorm",
    units="sum over Conv2d/Linear layers of ||dL/dW||_F (L: mean CE, nats)",
)
def grad_norm(probe: Probe) -> float:
    """Σ_l ‖∂L/∂W_l‖_F over Conv2d/Linear weights: a sum of per-layer norms, not the global ℓ₂ norm."""
    return sum(
        float(layer.grad.norm()) for layer in probe.cross_entropy_pass().layers if layer.grad is not None
    )


@metric(
    "snip",
    class_invariant=True,
    higher_is_better=True,
    needs="labels",
    paper=FORESIGHT.format("snip") + "; HNAS SNIP",
    units="sum of |W ⊙ dL/dW| over Conv2d/Linear weights (nats)",
)
def snip(probe: Probe) -> float:
    """SNIP connection sensitivity Σ |W ⊙ ∂L/∂W| (foresight's |∂L/∂mask| at mask = 1); always ≥ 0."""
    return sum(
        float((layer.weight * layer.grad).abs().sum())
        for layer in probe.cross_entropy_pass().layers
        if layer.grad is not None
    )


@metric(
    "plain",
    class_invariant=True,
    higher_is_better=True,
    needs="labels",
    paper=FORESIGHT.format("plain"),
    units="sum of W ⊙ dL/dW over Conv2d/Linear weights (nats), signed",
)
def plain(probe: Probe) -> float:
    """Σ W ⊙ ∂L/∂W (signed), the first-order change of L when all weights are scaled by (1 + ε).

    Declared higher-is-better as foresight treats every saliency; NAS-Bench-Suite-Zero's NB201
    scores correlate *negatively* with accuracy (Spearman ≈ −0.37 on CIFAR-10).
    """
    return sum(
        float((layer.grad * layer.weight).sum())
        for layer in probe.cross_entropy_pass().layers
        if layer.grad is not None
    )


@metric(
    "fisher",
    class_invariant=True,
    higher_is_better=True,
    needs="labels",
    paper=FORESIGHT.format("fisher") + " (channel mode, broadcast per weight as find_measures sums it)",
    units="sum over layers of (weights per output channel) × Σ_k 0.5·mean_n(Σ_spatial act·grad)² (nats²)",
)
def fisher(probe: Probe) -> float:
    """Foresight's Fisher score, summed exactly as ``find_measures`` sums it.

    Per Conv2d/Linear call, with a = layer output and g = ∂L/∂a: s_nk = Σ_spatial a·g, per-channel
    saliency F_k = 0.5 · mean_n s_nk² (summed over calls). Foresight broadcasts F_k to every
    weight of output channel k before summing, so a layer contributes F_k · (numel(W) / C_out)
    per channel: Σ_l (numel(W_l) / C_out,l) · Σ_k |F_lk|.
    """
    total = 0.0
    for layer in probe.cross_entropy_pass().layers:
        if layer.output_modified_in_place:
            raise ValueError(
                f"fisher: the output of {layer.name} is modified in place later (in-place activation)"
            )
        if layer.channel_products:
            per_channel = sum(product.pow(2).mean(0).mul(0.5) for product in layer.channel_products)
            weights_per_channel = math.prod(layer.weight.shape[1:])
            total += float(per_channel.abs().sum()) * weights_per_channel
    return total


@metric(
    "nasi",
    higher_is_better=True,
    needs="labels",
    paper="Shu et al., ICLR 2022, NASI (mini-batch approximation of the NTK trace norm)",
    units="||dL/dθ||² over all parameters (L: mean CE; nats²)",
)
def nasi(probe: Probe) -> float:
    """NASI's trace-norm approximation ‖∇_θ L(θ₀)‖²₂: squared global norm of the mean-CE gradient.

    NASI bounds the NTK trace norm from below by the squared norm of the mini-batch-mean loss
    gradient (Lipschitz loss + Jensen) and uses that as its training-free score. θ is every
    parameter of the network (Conv2d/Linear weights and biases and BatchNorm affine parameters).
    """
    return sum(float(grad.pow(2).sum()) for grad in probe.cross_entropy_pass().parameter_grads)


@metric(
    "grasp",
    class_invariant=True,
    higher_is_better=True,
    needs="labels",
    second_order=True,
    paper=FORESIGHT.format("grasp") + "; HNAS GraSP",
    units="sum of -W ⊙ Hg over Conv2d/Linear weights (nats), signed",
)
def grasp(probe: Probe) -> float:
    """GraSP as foresight/HNAS compute it: Σ (−W ⊙ Hg), T = 1, one iteration; signed.

    g = ∂L/∂W from the shared cross-entropy pass. Foresight runs a second forward/backward with
    graph on the same network and batch, which gives the same g bit for bit; here the shared pass
    keeps its graph instead (``second_order``), z = Σ_W ⟨stop-grad(g), g⟩ is differentiated once
    more, so Hg is the Hessian (restricted to Conv2d/Linear weights) times g. Foresight flipped GraSP's original sign
    (its comment: accuracy is negatively correlated with +W⊙Hg), so with −W⊙Hg higher is better;
    NB-Suite-Zero's NB201 scores with this sign correlate positively (ρ ≈ +0.49).
    """
    gradients = probe.take_cross_entropy_graph()
    weights = [module.weight for _, module in prunable_layers(probe.network())]
    terms = [(grad.detach() * grad).sum() for grad in gradients if grad is not None]
    z = torch.stack(terms).sum() if terms else None
    if z is None or not z.requires_grad:
        raise ValueError("grasp: the loss gradient of the Conv2d/Linear weights does not depend on them")
    hessian_grad = torch.autograd.grad(z, weights, allow_unused=True)
    return sum(
        float((-weight.detach() * hg).sum())
        for weight, hg in zip(weights, hessian_grad, strict=True)
        if hg is not None
    )


@metric(
    "l2_norm",
    higher_is_better=True,
    needs="none",
    paper=FORESIGHT.format("l2_norm"),
    units="sum over Conv2d/Linear layers of ||W||_F",
)
def l2_norm(probe: Probe) -> float:
    """Σ_l ‖W_l‖_F over Conv2d/Linear weights at initialisation (data-free; biases excluded)."""
    with torch.no_grad():
        return sum(float(module.weight.norm()) for _, module in prunable_layers(probe.network()))


def jacob_cov_score(jacobian: np.ndarray) -> float:
    """−Σ_i [log(v_i + k) + 1/(v_i + k)], k = 1e-5, over the eigenvalues v of corrcoef(rows of ``jacobian``).

    Raises ``ValueError`` if a row is constant (the correlation is undefined; foresight gets NaN).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(jacobian)
    if not np.all(np.isfinite(corr)):
        raise ValueError("jacob_cov: an input Jacobian row is constant (e.g. zero), correlation undefined")
    eigenvalues = np.linalg.eigvalsh(corr)
    k = 1e-5
    return float(-np.sum(np.log(eigenvalues + k) + 1.0 / (eigenvalues + k)))


@metric(
    "jacob_cov",
    class_invariant=True,
    higher_is_better=True,
    needs="data",
    paper=FORESIGHT.format("jacob_cov") + " (after Mellor et al. 2020, v1 of NAS without training)",
    units="-Σ log(v+1e-5) + 1/(v+1e-5) over Jacobian-correlation eigenvalues",
)
def jacob_cov(probe: Probe) -> float:
    """Jacobian covariance score: higher (less correlated input Jacobians across samples) is better.

    Jacobian of the sum of each sample's logits with respect to its input (BN in train mode, so
    a sample's row also carries the cross-sample BN terms, as in foresight); rows flattened,
    NumPy ``corrcoef`` in float64, eigenvalues with ``eigvalsh`` (foresight: ``eig`` on the same
    symmetric matrix).
    """
    net = probe.network()
    x = probe.inputs().clone().requires_grad_(True)
    out = logits(net(x))
    (jacobian,) = torch.autograd.grad(out, x, grad_outputs=torch.ones_like(out))
    return jacob_cov_score(jacobian.reshape(jacobian.shape[0], -1).cpu().numpy())
