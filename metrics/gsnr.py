"""ξ-GSNR (Sun et al., ICCV 2023): the gradient signal-to-noise ratio of the Conv2d/Linear weights.

The batch is cut into ``groups`` contiguous groups of equal size; g_jk = ∂L_j/∂w_k is the gradient of group j's mean
loss (cross-entropy on the classification benchmarks; the batch's, :mod:`metrics.losses`), each group through the
network alone (BatchNorm in train mode normalises with the group's own statistics, as a loader batch of that
size would). The group gradients come from ``torch.func`` (``vmap`` over the groups of ``grad`` of a
``functional_call``) in one pass. Per weight k, with mean and population variance over j,
ξ-GSNR = Σ_k mean_j(g_jk)² / (Var_j(g_jk) + ξ); a layer whose every weight has zero variance adds 0, as in the
official code. Higher is better.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch.func import functional_call, grad, replace_all_batch_norm_modules_, vmap

from metrics.gradsign import plain_avg_pools
from metrics.probe import Probe, logits, prunable_layers
from metrics.registry import metric

PAPER = "Sun et al., ICCV 2023, ξ-GSNR (Sunzh1996/Xi-GSNR Xi_GSNR_Consistency/run_gsnr.py)"
GRADIENTS = ("independent", "cumulative")
"""``independent``: g_j is group j's own gradient (the paper's definition); ``cumulative``: g_j = Σ_{i≤j} of the
groups' gradients, what the official NB201 loop records, since it never calls ``zero_grad`` between its batches."""


@dataclass(frozen=True)
class GsnrSettings:
    """ξ-GSNR's protocol: ``groups`` gradient samples (official NB201: 8 loader batches of 64), the constant ``xi``
    (official ``--random_xi 1e-08``) and how the samples are formed (:data:`GRADIENTS`).

    ``ValueError`` (one line, naming the value) for fewer than 2 groups, a ξ that is not a finite positive number
    or an unknown ``gradients`` choice.
    """

    groups: int = 8
    xi: float = 1e-8
    gradients: str = "independent"

    def __post_init__(self) -> None:
        if isinstance(self.groups, bool) or not isinstance(self.groups, int) or self.groups < 2:
            raise ValueError(f"xi_gsnr setting groups must be a whole number ≥ 2, got {self.groups!r}")
        if not isinstance(self.xi, int | float) or not math.isfinite(self.xi) or self.xi <= 0:
            raise ValueError(f"xi_gsnr setting xi must be a finite number > 0, got {self.xi!r}")
        if self.gradients not in GRADIENTS:
            raise ValueError(
                f"unknown xi_gsnr gradients {self.gradients!r}; valid choices: {', '.join(GRADIENTS)}"
            )

    def as_dict(self) -> dict[str, object]:
        """The settings as recorded in the metric spec, with the fixed protocol choices."""
        return {
            "input": f"the setup's labelled batch cut into {self.groups} contiguous equal groups "
            "(official NB201: 8 random loader batches of 64)",
            "init": "the setup's (official: the benchmark network's default)",
            "bn": "train (each group's own statistics)",
            "groups": self.groups,
            "xi": self.xi,
            "gradients": self.gradients,
            "statistics": "float64 mean and population variance over groups (official: float32 NumPy np.var)",
        }


def group_gradients(probe: Probe, groups: int) -> dict[str, torch.Tensor]:
    """Conv2d/Linear weight name → (groups, *weight shape) gradients of each group's mean loss (the batch's:
    cross-entropy on the classification benchmarks).

    Groups are the first ``groups × (N // groups)`` samples cut in order; ``ValueError`` if N < ``groups``. Shared
    per probe and ``groups`` (ξ-GSNR's variants and L-SWAG's Λ read the same pass). A weight that gets no
    gradient has zeros.
    """

    def compute() -> dict[str, torch.Tensor]:
        images, targets = probe.inputs(), probe.loss_targets()
        size = len(images) // groups
        if size < 1:
            raise ValueError(
                f"{groups} gradient groups need at least {groups} samples, the batch has {len(images)}"
            )
        net = plain_avg_pools(probe.copy(bn=True))
        replace_all_batch_norm_modules_(
            net
        )  # no running statistics: train-mode BN uses group statistics anyway
        params = {name: p.detach() for name, p in net.named_parameters()}
        buffers = {name: b.detach() for name, b in net.named_buffers()}
        weights = {f"{name}.weight": params[f"{name}.weight"] for name, _ in prunable_layers(net)}

        def group_loss(chosen: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            out = functional_call(net, ({**params, **chosen}, buffers), (x,))
            return probe.loss(logits(out), y)

        shape = (groups, size)
        x = images[: groups * size].reshape(*shape, *images.shape[1:])
        y = targets[: groups * size].reshape(*shape, *targets.shape[1:])
        return vmap(grad(group_loss), in_dims=(None, 0, 0))(weights, x, y)

    return probe.shared(f"group_gradients {groups}", compute)


def signal_to_noise(gradients: dict[str, torch.Tensor], xi: float) -> float:
    """Σ over layers and weights of mean_j(g)² / (Var_j(g) + ξ), a layer whose variances are all 0 skipped."""
    total = 0.0
    for samples in gradients.values():
        flat = samples.reshape(len(samples), -1).to(torch.float64)
        variance = flat.var(dim=0, correction=0)
        if bool(variance.any()):
            total += float((flat.mean(dim=0) ** 2 / (variance + xi)).sum())
    return total


def gsnr_score(probe: Probe, settings: GsnrSettings) -> float:
    """ξ-GSNR with ``settings`` (:func:`group_gradients`, then :func:`signal_to_noise`)."""
    gradients = group_gradients(probe, settings.groups)
    if settings.gradients == "cumulative":
        gradients = {name: g.cumsum(dim=0) for name, g in gradients.items()}
    return signal_to_noise(gradients, settings.xi)


def register_gsnr(name: str, settings: GsnrSettings) -> None:
    """Register ξ-GSNR with ``settings`` under ``name``."""

    @metric(
        name,
        class_invariant=True,
        higher_is_better=True,
        needs="labels",
        bn="train",
        paper=PAPER,
        units="Σ over Conv2d/Linear weights of mean(g)² / (Var(g) + ξ) over group gradients",
        settings=settings.as_dict(),
    )
    def xi_gsnr(probe: Probe) -> float:
        return gsnr_score(probe, settings)

    xi_gsnr.__doc__ = f"ξ-GSNR with {settings}; higher is better."


register_gsnr("xi_gsnr", GsnrSettings())
register_gsnr("xi_gsnr_cumulative", GsnrSettings(gradients="cumulative"))
