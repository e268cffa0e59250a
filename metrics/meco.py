"""MeCo (Jiang et al., NeurIPS 2023): minimum eigenvalue of the channel correlation of feature maps."""

from __future__ import annotations

import torch
from torch import nn

from metrics.probe import Probe
from metrics.registry import metric


def min_correlation_eigenvalue(feature: torch.Tensor) -> float:
    """λ_min of the Pearson correlation matrix between the channels of one sample's feature (C, ...).

    Computed in float64 with ``eigvalsh``. As the official code, NaN/inf entries (constant channels)
    are set to 0. With fewer than 2 values per channel the matrix is all NaN, hence 0, and so is
    λ_min; a single non-constant channel has correlation [[1]], λ_min = 1.
    """
    rows = feature.detach().reshape(feature.shape[0], -1).to(torch.float64)
    if rows.shape[1] < 2:
        return 0.0
    if rows.shape[0] == 1:
        return 1.0 if bool((rows != rows[:, :1]).any()) else 0.0
    corr = torch.nan_to_num(torch.corrcoef(rows), nan=0.0, posinf=0.0, neginf=0.0)
    return float(torch.linalg.eigvalsh(corr)[0])


def module_output_eigenvalues(net: nn.Module, inputs: torch.Tensor) -> list[float]:
    """λ_min of the first sample's output of every module call (root and containers included).

    Outputs that are not tensors, or have no per-sample channel axis (N,), contribute nothing.
    """
    values: list[float] = []

    def record(module: nn.Module, args: tuple[object, ...], output: object) -> None:
        if isinstance(output, torch.Tensor) and output.dim() >= 2:
            values.append(min_correlation_eigenvalue(output[0]))

    handles = [module.register_forward_hook(record) for module in net.modules()]
    try:
        with torch.no_grad():
            net(inputs)
    finally:
        for handle in handles:
            handle.remove()
    return values


@metric(
    "meco",
    higher_is_better=True,
    needs="data",
    bn="train",
    dtype="float32",
    paper="Jiang et al., NeurIPS 2023, MeCo (HamsterMimi/MeCo, correlation/NAS_Bench_201.py)",
    version=1,
    units="Σ over module outputs of λ_min of the channel correlation matrix (dimensionless)",
)
def meco(probe: Probe) -> float:
    """MeCo score: Σ λ_min(channel correlation) over all module outputs; higher is better.

    As the official NB201 script (``--measure meco``, default ``--batch_size 1``): one image (the
    batch's first) goes through the network in train mode; a forward hook on *every* module
    (``net.named_modules()``: the root and containers such as ``nn.Sequential`` too) takes the
    first sample of the output, reshapes it to (C, H·W), forms ``corrcoef`` across channels, zeroes
    NaN/inf, and keeps λ_min; the score is the sum over calls, non-finite values dropped. Pooled
    and logit outputs have one value per channel, so they contribute 0.

    Documented departures: eigenvalues via ``eigvalsh`` in float64 (official: general ``eig`` in
    float32, real part); tuple outputs are skipped (official: first tuple element). Caveat kept
    from the official code: a feature map is counted once per module that returns it, so the value
    depends on module nesting (our NB201 ``ReLUConvBN`` is one ``nn.Sequential``, so its output is
    counted twice; foresight's NB201 wraps a ``Sequential`` in a module, thrice).
    """
    net = probe.network()
    values = torch.tensor(module_output_eigenvalues(net, probe.inputs()[:1]), dtype=torch.float64)
    return float(values[torch.isfinite(values)].sum())
