"""Zen-score (Lin et al., ICCV 2021): expressivity of the pre-pooling feature map under a small input perturbation."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from metrics.probe import Probe
from metrics.registry import metric

MIXUP_GAMMA = 1e-2  # official default ``--mixup_gamma``


def gaussian_init(net: nn.Module) -> nn.Module:
    """Zen-NAS re-initialisation, in ``net.modules()`` order: Conv2d/Linear weights ~ N(0, 1), biases 0,
    BatchNorm2d/GroupNorm affine weight 1 and bias 0; other modules untouched. Returns ``net``."""
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, nn.Conv2d | nn.Linear):
                nn.init.normal_(module.weight)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.BatchNorm2d | nn.GroupNorm) and module.weight is not None:
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
    return net


def reset_batchnorm_statistics(net: nn.Module) -> None:
    """Running mean 0, running variance 1, batch counter 0, as in a freshly built network."""
    for module in net.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and module.track_running_stats:
            module.reset_running_stats()


def pre_pooling_features(net: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """The feature map entering global pooling, read by forward hooks during ``net(inputs)``.

    Hooked: the input of every ``nn.AdaptiveAvgPool2d``; the last one called is the pre-GAP map
    (N, C, H, W). If no such module runs (pooling done functionally), the input of the last called
    ``nn.Linear`` is used instead: the pooled (N, C) feature, a documented approximation.
    """
    pooled: list[torch.Tensor] = []
    linear: list[torch.Tensor] = []

    def into(store: list[torch.Tensor]) -> Callable[[nn.Module, tuple[object, ...], object], None]:
        def hook(module: nn.Module, args: tuple[object, ...], output: object) -> None:
            store.append(args[0].detach().clone())

        return hook

    handles = [
        module.register_forward_hook(into(pooled if isinstance(module, nn.AdaptiveAvgPool2d) else linear))
        for module in net.modules()
        if isinstance(module, nn.AdaptiveAvgPool2d | nn.Linear)
    ]
    try:
        net(inputs)
    finally:
        for handle in handles:
            handle.remove()
    if pooled:
        return pooled[-1]
    if linear:
        return linear[-1]
    raise ValueError("zen: no nn.AdaptiveAvgPool2d or nn.Linear module ran; cannot locate pre-GAP features")


def batchnorm_log_scale(net: nn.Module) -> float:
    """Σ over ``nn.BatchNorm2d`` modules of ``log(sqrt(mean(running_var)))``."""
    total = 0.0
    for module in net.modules():
        if isinstance(module, nn.BatchNorm2d):
            if module.running_var is None:
                raise ValueError("zen: a BatchNorm2d has no running_var (track_running_stats=False)")
            total += 0.5 * math.log(float(module.running_var.double().mean()))
    return total


@metric(
    "zen",
    higher_is_better=True,
    needs="none",
    bn="train",
    dtype="float32",
    paper="Lin et al., ICCV 2021, Zen-NAS (idstcv/ZenNAS, ZeroShotProxy/compute_zen_score.py)",
    version=1,
    units="log of the mean L1 feature response to a 1e-2 input perturbation + Σ log BN scale (nats)",
)
def zen(probe: Probe) -> float:
    """Zen-score, the official ``compute_nas_score`` with ``repeat=1``; higher is better.

    On a private copy in train mode: weights re-drawn by :func:`gaussian_init`; x, ε ~ N(0, 1) of
    the batch's shape (the batch's images are not used, only its shape; the official drivers use
    random inputs too); f = pre-GAP feature map (:func:`pre_pooling_features`);
    Δ = mean_n Σ_{c,h,w} |f(x) − f(x + 0.01·ε)| (an L1 norm, as the code; the paper writes a
    Frobenius norm); score = log Δ + Σ_BN2d log sqrt(mean running_var). The running variances are
    those left by the two forward passes (momentum updates from 1, as in the official code on a
    freshly built model): BN statistics are reset first so the score does not depend on the caller's
    buffers. Random draws follow the official order (init, x, ε) under the probe's seed.

    Documented departures: the official model exposes ``forward_pre_GAP``; here the input of the
    last ``nn.AdaptiveAvgPool2d`` is hooked (NB201: the output of the final BN-ReLU, the same map).
    Networks without such a module fall back to the classifier input (already pooled). Zen-NAS
    targets plain CNNs; on residual/cell networks (NB201) the score is less meaningful (ZenNAS#15).
    A zero response (log 0) raises.
    """
    net = gaussian_init(probe.copy(bn=True, dtype=torch.float32))
    reset_batchnorm_statistics(net)
    shape = probe.batch.images.shape
    x = torch.randn(shape, device=probe.device)
    noise = torch.randn(shape, device=probe.device)
    with torch.no_grad():
        clean = pre_pooling_features(net, x)
        mixed = pre_pooling_features(net, x + MIXUP_GAMMA * noise)
    response = float((clean - mixed).abs().flatten(1).sum(dim=1).mean())
    if not response > 0.0:
        raise ValueError(f"zen: feature response to the input perturbation is {response} (log undefined)")
    return math.log(response) + batchnorm_log_scale(net)
