"""SWAP (Peng et al., ICLR 2024): the number of distinct sample-wise activation patterns, forward only.

A batch of S images goes through the network (train mode, no gradient); forward hooks on every ``nn.ReLU``
called on a 4-D input keep its output. The outputs, flattened per sample and concatenated over calls, form an
S × V matrix; its signs (ReLU outputs ≥ 0, so 0 or 1) give each of the V units a pattern over the S samples, and
SWAP is the number of distinct patterns (at most min(V, 2^S)). The authors re-initialise the network
(Zen-NAS's N(0, 1) draw, :func:`metrics.zen.gaussian_init`) and recount ``repeats`` times, and report the mean. Regularised SWAP multiplies by a
parameter-count prior exp(−(Θ − μ)² / σ), Θ in thousands of parameters, μ and σ chosen per search space.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from metrics.probe import Probe, record_calls
from metrics.registry import metric
from metrics.zen import gaussian_init

PAPER = (
    "Peng et al., ICLR 2024, SWAP (pym1024/SWAP src/metrics/swap.py, correlation.py, src/utils/utilities.py)"
)


@dataclass(frozen=True)
class SwapSettings:
    """SWAP's protocol: ``samples`` images (the batch's first), ``repeats`` re-initialisations averaged.

    Defaults are the authors' script's (``--input_samples 16``, ``--repeats 32``). ``ValueError`` naming the
    value at fault for a non-positive count.
    """

    samples: int = 16
    repeats: int = 32

    def __post_init__(self) -> None:
        for key in ("samples", "repeats"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"swap setting {key} must be a positive whole number, got {value!r}")

    def as_dict(self) -> dict[str, object]:
        """The settings as recorded in the metric spec, with the fixed protocol choices."""
        return {
            "input": f"the first {self.samples} images of the setup's batch (real images; no labels)",
            "init": "Conv2d/Linear weights N(0, 1), biases 0, BatchNorm weight 1 / bias 0, per repeat",
            "bn": "train (batch statistics)",
            "samples": self.samples,
            "repeats": self.repeats,
            "reducer": "mean over repeats",
        }


EXACT_BITS = {torch.float32: 24, torch.float64: 53}
"""Integers up to 2^bits are exact in these types: packed codes of patterns over at most that many samples."""
TABLE_BITS = 20  # up to 2^20 possible patterns, distinct codes are counted in a boolean table (1 MiB)


def pattern_codes(active: torch.Tensor) -> torch.Tensor:
    """One number per column of a 0/1 matrix (S, V) that identifies the column: Σ_s active[s] · 2^s, computed
    as one matrix-vector product in the narrowest float type where it is exact. ``ValueError`` if S > 53."""
    for dtype, bits in EXACT_BITS.items():
        if active.shape[0] <= bits:
            powers = torch.pow(2.0, torch.arange(active.shape[0], dtype=dtype, device=active.device))
            return powers @ active.to(dtype)
    raise ValueError(f"cannot pack patterns over {active.shape[0]} samples (at most 53)")


def distinct_columns(active: torch.Tensor) -> int:
    """The number of distinct columns of a 0/1 matrix (S, V): distinct :func:`pattern_codes` when S ≤ 53, which
    counts the same as ``torch.unique(active.T, dim=0)`` many times faster; larger S falls back to that."""
    if active.shape[0] <= EXACT_BITS[torch.float64]:
        return int(torch.unique(pattern_codes(active)).numel())
    return int(torch.unique(active.T, dim=0).shape[0])


def activation_patterns(
    net: nn.Module, images: torch.Tensor, relus: Sequence[nn.Module] | None = None
) -> int:
    """The number of distinct per-unit sign patterns of the ReLU outputs on ``images`` (one forward, no grad).

    ``relus``: the ReLU modules whose outputs count (default: every ``nn.ReLU`` of ``net``).
    Only ReLU calls on 4-D inputs (convolutional feature maps) count, as in the official hook; 0 if none ran.
    Each call's outputs are packed into codes separately (the S × V matrix is never formed).
    ``ValueError`` if an output is NaN (the pattern is undefined).
    """
    if relus is None:
        relus = [module for module in net.modules() if isinstance(module, nn.ReLU)]
    with torch.no_grad(), record_calls(relus) as calls:
        net(images)
    outputs = [call.output.reshape(len(images), -1) for call in calls if call.inputs.dim() == 4]
    if not outputs:
        return 0
    # torch.sign(NaN) is 0 here, so a NaN is looked for in the outputs themselves (a sum is NaN iff one is)
    if any(bool(torch.isnan(output.sum())) for output in outputs):
        raise ValueError("activation patterns: a ReLU output is NaN, so its pattern is undefined")
    active = [output > 0 for output in outputs]
    if len(images) > EXACT_BITS[torch.float64]:
        return distinct_columns(torch.cat(active, dim=1))
    codes = torch.cat([pattern_codes(a) for a in active])
    if len(images) <= TABLE_BITS:  # mark the codes seen in a table of all 2^S patterns: no sort
        seen = torch.zeros(2 ** len(images), dtype=torch.bool, device=codes.device)
        seen[codes.long()] = True
        return int(seen.sum())
    return int(torch.unique(codes).numel())


def swap_score(probe: Probe, settings: SwapSettings) -> float:
    """Mean over ``settings.repeats`` Gaussian re-initialisations of :func:`activation_patterns` on the first
    ``settings.samples`` images; ``ValueError`` if the batch is smaller than that."""
    images = probe.inputs()
    if len(images) < settings.samples:
        raise ValueError(f"swap needs {settings.samples} images, the batch has {len(images)}")

    def compute() -> float:
        net = probe.copy(bn=True)
        batch = images[: settings.samples]
        counts = [activation_patterns(gaussian_init(net), batch) for _ in range(settings.repeats)]
        return sum(counts) / len(counts)

    return probe.shared(f"swap {settings}", compute)


def parameter_prior(probe: Probe, mu: float, sigma: float) -> float:
    """reg-SWAP's factor exp(−(Θ − μ)² / σ), Θ = the network's parameters in thousands (all of them, as the
    official ``count_parameters``)."""
    thousands = sum(p.numel() for p in probe.network().parameters()) / 1e3
    return math.exp(-((thousands - mu) ** 2) / sigma)


def register_swap(name: str, settings: SwapSettings = SwapSettings()) -> Callable[[Probe], float]:
    """Register SWAP with ``settings`` under ``name``; returns the metric function."""

    @metric(
        name,
        higher_is_better=True,
        needs="data",
        bn="train",
        paper=PAPER,
        units="distinct sample-wise ReLU activation patterns, mean over re-initialisations",
        settings=settings.as_dict(),
    )
    def swap(probe: Probe) -> float:
        return swap_score(probe, settings)

    swap.__doc__ = f"SWAP with {settings}; higher is better."
    return swap


def register_reg_swap(
    name: str, mu: float, sigma: float, settings: SwapSettings = SwapSettings()
) -> Callable[[Probe], float]:
    """Register regularised SWAP, SWAP × exp(−(Θ − μ)² / σ) with Θ, μ in thousands of parameters and σ in
    thousands squared, under ``name``. ``ValueError`` before registering if σ ≤ 0 or μ, σ are not finite."""
    if not (math.isfinite(mu) and math.isfinite(sigma)) or sigma <= 0:
        raise ValueError(f"reg_swap needs a finite mu and a finite sigma > 0, got mu={mu!r}, sigma={sigma!r}")

    @metric(
        name,
        higher_is_better=True,
        needs="data",
        bn="train",
        paper=PAPER + " (regularised)",
        units="SWAP × exp(-(thousand parameters - mu)^2 / sigma)",
        settings={**settings.as_dict(), "mu": mu, "sigma": sigma},
    )
    def reg_swap(probe: Probe) -> float:
        return swap_score(probe, settings) * parameter_prior(probe, mu, sigma)

    reg_swap.__doc__ = f"Regularised SWAP (mu={mu}, sigma={sigma}, {settings}); higher is better."
    return reg_swap


swap = register_swap("swap")
