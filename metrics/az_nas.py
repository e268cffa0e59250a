"""AZ-NAS's four per-architecture components (Lee & Ham, CVPR 2024): expressivity, progressivity, trainability
and complexity.

AZ-NAS itself is not a per-architecture score: it sums log(rank / N) of the four components over the population
of N architectures being ranked. That step is :mod:`bench.core.aggregate` (the named aggregate ``az_nas``); the
score cache keeps the components registered here.

Definitions follow the official ``compute_nas_score`` (cvlab-yonsei/AZ-NAS,
``NB201/ZeroShotProxy/compute_az_nas_score.py``) and its feature extractor (``NB201/custom/tss_model.py``,
``TinyNetwork.extract_cell_features``): a private copy is re-initialised Kaiming-normal (fan-in, ReLU gain),
biases 0, BatchNorm/GroupNorm affine 1 / 0, in train mode (batch statistics), and sees Gaussian noise
``randn(64, 3, H, W)`` (the batch's resolution; its images are not used). The features f_0..f_L are the stem
output and the output of every cell (NB201: 1 + 17, the two residual reduction blocks included).

Which modules give the features is the network's to say (:func:`feature_modules`): a network with a
``feature_modules()`` method returns them in order; otherwise the NB201 layout is read, ``net.stem`` and the
children of ``net.cells`` (the NB201 and DARTS networks). The NB101 network declares its stem and its nine
cells, so a max-pool between stacks belongs to the block of the cell after it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from metrics.probe import Probe
from metrics.registry import metric
from metrics.static import executed_counts

PAPER = (
    "Lee & Ham, CVPR 2024, AZ-NAS (cvlab-yonsei/AZ-NAS NB201/ZeroShotProxy/compute_az_nas_score.py, "
    "NB201/custom/tss_model.py)"
)
NOISE_BATCH = 64
"""Images of Gaussian noise per architecture (the official NB201 driver's ``batch_size``)."""
EPS_LOG = 1e-8
"""Added inside the log of the eigenvalue entropy, as the official code does."""
EPS_SIGMA = 1e-6
"""Added to the largest singular value before taking 1/σ, as the official code does."""
SETTINGS = {
    "input": f"Gaussian noise randn({NOISE_BATCH}, 3, H, W) at the batch's resolution; no labels",
    "batch": NOISE_BATCH,
    "init": "Kaiming-normal fan_in (ReLU gain) for Conv2d/Linear, biases 0, BatchNorm/GroupNorm affine 1 / 0",
    "bn": "train (batch statistics)",
    "features": "stem output and every cell output (net.feature_modules(), else net.stem and net.cells' children)",
    "repeats": 1,
}


@dataclass(frozen=True)
class Components:
    """The three AZ-NAS components one forward pass and its backward probes give (complexity is a FLOP count).

    Attributes:
        expressivity: Σ_l entropy of the normalised eigenvalues of feature l's channel covariance (nats).
        progressivity: min_l (entropy_l − entropy_{l−1}) (nats).
        trainability: mean over consecutive feature pairs of −σ − 1/σ + 2, σ the largest singular value of the
            channel-by-channel block Jacobian probe; −inf when one block is an exact identity.
    """

    expressivity: float
    progressivity: float
    trainability: float


def kaiming_fan_in_init(net: nn.Module) -> nn.Module:
    """AZ-NAS's default ``kaiming_norm_fanin`` initialisation of ``net`` in place; returns ``net``."""
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, nn.Conv2d | nn.Linear):
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.BatchNorm2d | nn.GroupNorm) and module.affine:
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
    return net


def feature_modules(net: nn.Module) -> list[nn.Module]:
    """The modules whose outputs are AZ-NAS's features f_0..f_L, in order: ``net.feature_modules()`` where the
    network defines it, else ``net.stem`` and each child of ``net.cells`` (the NB201 layout, the official code's
    ``extract_cell_features``); ``ValueError`` naming the network's class when it has neither."""
    declared = getattr(net, "feature_modules", None)
    if callable(declared):
        return list(declared())
    stem, cells = getattr(net, "stem", None), getattr(net, "cells", None)
    if not isinstance(stem, nn.Module) or not isinstance(cells, nn.Module):
        raise ValueError(
            f"az_nas: {type(net).__name__} has neither a feature_modules() method nor `stem` and `cells` "
            "modules to read cell features from"
        )
    return [stem, *cells.children()]


def cell_features(net: nn.Module, inputs: torch.Tensor) -> list[torch.Tensor]:
    """The stem output and every cell output of ``net(inputs)``, on the autograd graph, in order.

    Read by forward hooks (removed after use) on the modules :func:`feature_modules` names.
    """
    modules = feature_modules(net)
    features: list[torch.Tensor] = []

    def hook(module: nn.Module, args: tuple[object, ...], output: object) -> None:
        if not isinstance(output, torch.Tensor) or output.dim() != 4:
            raise ValueError(f"az_nas: {type(module).__name__} output is not a 4-D feature map")
        features.append(output)

    handles = [module.register_forward_hook(hook) for module in modules]
    try:
        net(inputs)
    finally:
        for handle in handles:
            handle.remove()
    return features


def eigen_entropy(feature: torch.Tensor) -> float:
    """Entropy of the normalised eigenvalues of the channel covariance of a (B, C, H, W) map (nats).

    Pixels of every image are the samples: (B·H·W × C), columns centred, Σ = FᵀF / (B·H·W).
    """
    b, c, h, w = feature.shape
    flat = feature.detach().permute(0, 2, 3, 1).reshape(b * h * w, c)
    flat = flat - flat.mean(dim=0, keepdim=True)
    eigenvalues = torch.linalg.eigvalsh(flat.T @ flat / flat.shape[0])
    p = eigenvalues / eigenvalues.sum()
    return float((-p * torch.log(p + EPS_LOG)).sum())


def block_trainability(f_in: torch.Tensor, f_out: torch.Tensor) -> float:
    """−σ − 1/σ + 2 for the block f_in → f_out (0 at σ = 1, lower otherwise); −inf for an exact identity.

    One Rademacher probe g_out shaped like f_out is pulled back, g_in = (∂f_out/∂f_in)ᵀ g_out; a halved
    resolution is undone by pixel-unshuffling g_in by the stride; σ is the largest singular value of
    g_inᵀ g_out / (B·H·W), both reshaped to (B·H·W × channels).
    """
    g_out = (torch.bernoulli(torch.full_like(f_out, 0.5)) - 0.5) * 2
    (g_in,) = torch.autograd.grad(f_out, f_in, grad_outputs=g_out, retain_graph=True)
    if g_in.shape == g_out.shape and bool(torch.equal(g_in, g_out)):
        return -math.inf
    if g_in.shape[2:] != g_out.shape[2:]:
        g_in = F.pixel_unshuffle(g_in, g_in.shape[2] // g_out.shape[2])
    b, c_out, h, w = g_out.shape
    rows_in = g_in.permute(0, 2, 3, 1).reshape(b * h * w, g_in.shape[1])
    rows_out = g_out.permute(0, 2, 3, 1).reshape(b * h * w, c_out)
    sigma = float(torch.linalg.svdvals(rows_in.T @ rows_out / (b * h * w)).max())
    return -sigma - 1.0 / (sigma + EPS_SIGMA) + 2.0


def nan_to_minus_inf(value: float) -> float:
    """The official code stores a NaN component as −inf (the last rank); the registry then records NaN."""
    return -math.inf if math.isnan(value) else value


def components(probe: Probe) -> Components:
    """Expressivity, progressivity and trainability of the probe's network, computed once per probe.

    Random draws under the shared seed, in the official order: initialisation, noise, then one Rademacher
    probe per block from the last block backwards.
    """

    def compute() -> Components:
        net = kaiming_fan_in_init(probe.copy(bn=True, dtype=torch.float32))
        height, width = probe.batch.images.shape[2:]
        noise = torch.randn((NOISE_BATCH, 3, height, width), device=probe.device)
        features = cell_features(net, noise)
        entropies = [eigen_entropy(feature) for feature in features]
        gains = [later - earlier for earlier, later in itertools.pairwise(entropies)]
        blocks = [block_trainability(features[i - 1], features[i]) for i in reversed(range(1, len(features)))]
        return Components(
            expressivity=nan_to_minus_inf(sum(entropies)),
            progressivity=nan_to_minus_inf(math.nan if any(map(math.isnan, gains)) else min(gains)),
            trainability=nan_to_minus_inf(sum(blocks) / len(blocks)),
        )

    return probe.shared("az_nas_components", compute)


def component_metric(name: str, read: Callable[[Components], float], units: str) -> None:
    """Register ``name`` as the component ``read`` of :func:`components`."""

    def score(probe: Probe) -> float:
        return read(components(probe))

    score.__doc__ = f"AZ-NAS {name.removeprefix('az_')}: {units}."
    metric(name, higher_is_better=True, needs="none", paper=PAPER, units=units, settings=SETTINGS)(score)


component_metric(
    "az_expressivity",
    lambda c: c.expressivity,
    "Σ over the stem and cell outputs of the entropy of the normalised channel-covariance eigenvalues (nats)",
)
component_metric(
    "az_progressivity",
    lambda c: c.progressivity,
    "smallest increase of that entropy from one feature map to the next (nats)",
)
component_metric(
    "az_trainability",
    lambda c: c.trainability,
    "mean over blocks of −σ − 1/σ + 2, σ the largest singular value of a Rademacher block-Jacobian probe",
)


@metric(
    "az_complexity",
    higher_is_better=True,
    needs="none",
    paper=PAPER,
    units="forward FLOPs for one image (tensorwatch/torchstat rules), millions",
    settings={"counts": "the `flops` metric's count (the official code reads FLOPs from the benchmark API)"},
)
def az_complexity(probe: Probe) -> float:
    """AZ-NAS complexity: the FLOPs of one forward pass in millions, higher ranks better.

    The official code reads the NB201 API's FLOPs; here they are counted as the ``flops`` metric counts them
    (tensorwatch rules, :func:`metrics.static.count_executed`), shared with it.
    """
    return executed_counts(probe)[1] / 1e6
