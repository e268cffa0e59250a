"""Structural baselines read off the network, no data: VKDNW's ℵ and GRAF's number of conv ops.

A proxy that cannot beat these counts adds little (Týbl & Neumann, CVPR 2025, Table 1: ℵ reaches
Spearman 0.767 / 0.787 / 0.764 on NB201); GRAF (Kadlecová et al., ICML 2024) shows that many proxies'
correlation collapses within a stratum of the conv-op count.
"""

from __future__ import annotations

from torch import nn

from metrics.probe import Probe
from metrics.registry import metric

VKDNW = (
    "Týbl & Neumann, CVPR 2025, VKDNW (ondratybl/VKDNW NB201/ZeroShotProxy/compute_vkdnw_score.py, vkdnw_dim)"
)
GRAF = "Kadlecová et al., ICML 2024, GRAF (gabikadlecova/zc_combine zc_combine/features/nasbench201.py, op counts)"


@metric(
    "n_layers",
    higher_is_better=True,
    needs="none",
    paper=VKDNW,
    units="parameter tensors of the network (ℵ, VKDNW's vkdnw_dim)",
    settings={"counts": "len(list(net.named_parameters()))", "data": "none"},
)
def n_layers(probe: Probe) -> float:
    """ℵ: the number of parameter tensors of the network, as VKDNW's ``vkdnw_dim`` counts them.

    Every weight and bias tensor counts once (Conv2d weight, BatchNorm weight and bias, Linear weight
    and bias), whether or not it reaches the output. On NB201 (each conv op is ReLU→Conv→BN, 3 tensors)
    it is 21 + 45 × (conv ops per cell): stem 3, two reduction blocks 7 each, head BatchNorm 2, classifier 2.
    """
    return float(sum(1 for _ in probe.network().named_parameters()))


@metric(
    "n_convs",
    higher_is_better=True,
    needs="none",
    paper=GRAF,
    units="Conv2d modules of the network",
    settings={"counts": "nn.Conv2d modules", "data": "none"},
)
def n_convs(probe: Probe) -> float:
    """The number of ``nn.Conv2d`` modules of the network, reachable from the input or not.

    GRAF counts conv ops (conv3x3 + conv1x1) per cell; on NB201 every cell is the same, so this network
    count is 7 + 15 × (GRAF's per-cell count) (stem 1, two reduction blocks 3 each), the same ranking.
    """
    return float(sum(1 for module in probe.network().modules() if isinstance(module, nn.Conv2d)))
