"""L-SWAG (Casarin, Escalera & Lanz, CVPR 2025): layer-wise gradient statistics × layer-wise activation patterns.

Implemented from the paper (arXiv 2505.07300, Eq. 1, 7, 8, Sec. 3.1); no official code is published. L-SWAG = Λ × Ψ:

* Λ = Σ_{l in the layer interval} log Σ_{w ∈ θ_l} 1 / √Var_i(|∂L_i/∂w|): ZiCo with the gradient mean replaced by 1,
  over the Conv2d/Linear weights of each layer l; i runs over ``splits`` contiguous mini-batches of the setup's
  batch (ZiCo's protocol: 2), each through the network alone (:func:`metrics.gsnr.group_gradients`); weights with
  zero variance are left out and a layer whose sum is 0 adds nothing, as ZiCo does.
* Ψ = the number of distinct sample-wise ReLU activation patterns (SWAP, :func:`metrics.swap.activation_patterns`)
  over the ReLUs up to the interval's end, on the batch's first ``samples`` images, one forward.

The layer interval [l̂, L̂] is a per-benchmark calibration (the paper reads it off the depth profile of gradient
statistics of 1,000 random networks); here it is the ``interval`` setting, as fractions of depth: layer l of L
(``prunable_layers`` order, ReLUs in module order) is in it when its centre (l + ½)/L lies in [start, end].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from metrics.gsnr import group_gradients
from metrics.probe import Probe
from metrics.registry import metric
from metrics.swap import activation_patterns

PAPER = "Casarin, Escalera & Lanz, CVPR 2025, L-SWAG (arXiv 2505.07300 Eq. 1, 7, 8; no official code)"


@dataclass(frozen=True)
class LswagSettings:
    """L-SWAG's protocol: ``splits`` mini-batches for Λ's variance, ``samples`` images for Ψ's patterns and the
    depth ``interval`` (start, end) in [0, 1].

    Defaults: 2 splits (ZiCo's), 16 samples (SWAP's), the whole depth (0, 1): the paper's NB201 interval was not
    read (it is per benchmark), so no layer is left out. ``ValueError`` (one line, naming the value) otherwise.
    """

    splits: int = 2
    samples: int = 16
    interval: tuple[float, float] = (0.0, 1.0)

    def __post_init__(self) -> None:
        if isinstance(self.splits, bool) or not isinstance(self.splits, int) or self.splits < 2:
            raise ValueError(f"l_swag setting splits must be a whole number ≥ 2, got {self.splits!r}")
        if isinstance(self.samples, bool) or not isinstance(self.samples, int) or self.samples < 1:
            raise ValueError(f"l_swag setting samples must be a positive whole number, got {self.samples!r}")
        start, end = self.interval
        if not 0.0 <= start < end <= 1.0:
            raise ValueError(
                f"l_swag setting interval must satisfy 0 ≤ start < end ≤ 1, got {self.interval!r}"
            )

    def as_dict(self) -> dict[str, object]:
        """The settings as recorded in the metric spec, with the fixed protocol choices."""
        return {
            "input": "the setup's labelled batch (paper: batch 64)",
            "init": "the setup's",
            "bn": "train",
            "splits": self.splits,
            "samples": self.samples,
            "interval": list(self.interval),
            "variance": "population variance over splits of |gradient|, zero variances left out",
        }


def in_interval(count: int, interval: tuple[float, float]) -> list[bool]:
    """Whether each of ``count`` layers, in depth order, has its centre (l + ½)/count inside ``interval``."""
    start, end = interval
    return [start <= (layer + 0.5) / count <= end for layer in range(count)]


def layer_variances(probe: Probe, splits: int) -> list[torch.Tensor]:
    """Per Conv2d/Linear layer in depth order, the float64 population variance over ``splits`` mini-batches of each
    weight's |gradient| (one value per weight, flattened; squared units of the loss gradient)."""
    return [
        samples.reshape(len(samples), -1).abs().to(torch.float64).var(dim=0, correction=0)
        for samples in group_gradients(probe, splits).values()
    ]


def gradient_term(probe: Probe, settings: LswagSettings) -> float:
    """Λ: Σ over the interval's Conv2d/Linear layers of log Σ_w 1/√Var_i(|g_iw|) (see the module docstring)."""
    variances = layer_variances(probe, settings.splits)
    total = 0.0
    for chosen, variance in zip(in_interval(len(variances), settings.interval), variances, strict=True):
        if not chosen:
            continue
        inverse_std = variance[variance > 0].rsqrt().sum()
        if inverse_std > 0:
            total += math.log(float(inverse_std))
    return total


def pattern_term(probe: Probe, settings: LswagSettings) -> float:
    """Ψ: distinct activation patterns of the first ``settings.samples`` images over the ReLUs up to the
    interval's end; ``ValueError`` if the batch is smaller than that."""
    images = probe.inputs()
    if len(images) < settings.samples:
        raise ValueError(f"l_swag needs {settings.samples} images, the batch has {len(images)}")
    net = probe.network()
    relus = [module for module in net.modules() if isinstance(module, nn.ReLU)]
    reach = in_interval(len(relus), (0.0, settings.interval[1]))
    chosen = [relu for relu, keep in zip(relus, reach, strict=True) if keep]
    return float(activation_patterns(net, images[: settings.samples], chosen))


L_SWAG_SETTINGS = LswagSettings()
COMMON = {
    "higher_is_better": True,
    "needs": "labels",
    "bn": "train",
    "paper": PAPER,
    "settings": L_SWAG_SETTINGS.as_dict(),
}


@metric("l_swag", units="Λ × Ψ (nats × number of patterns)", **COMMON)  # type: ignore[arg-type]
def l_swag(probe: Probe) -> float:
    """L-SWAG = Λ × Ψ (:func:`gradient_term` × :func:`pattern_term`); higher is better. Λ can be negative (a sum
    of logarithms), which then flips Ψ's order: the paper's product, kept as written."""
    return gradient_term(probe, L_SWAG_SETTINGS) * pattern_term(probe, L_SWAG_SETTINGS)


@metric(
    "l_swag_lambda",
    units="Σ over layers of log Σ 1/std(|gradient|) (nats)",
    class_invariant=L_SWAG_SETTINGS.interval == (0.0, 1.0),
    **COMMON,  # type: ignore[arg-type]
)
def l_swag_lambda(probe: Probe) -> float:
    """L-SWAG's gradient term Λ alone; higher is better. Over the whole depth it is class-invariant: a weight off
    every path, or fed only zeros, has zero gradient in every split and is left out, and so is its layer; a
    narrower interval counts layer positions, dead layers included, and is not."""
    return gradient_term(probe, L_SWAG_SETTINGS)


@metric("l_swag_psi", units="distinct sample-wise ReLU activation patterns", **COMMON)  # type: ignore[arg-type]
def l_swag_psi(probe: Probe) -> float:
    """L-SWAG's activation-pattern term Ψ alone (one forward of the setup's network); higher is better."""
    return pattern_term(probe, L_SWAG_SETTINGS)
