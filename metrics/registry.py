"""The metric registry: a decorator records each metric's function and its declared properties.

A metric is a function ``fn(probe: Probe) -> float``. It reads the mini-batch and networks from
the :class:`~metrics.probe.Probe`, which hands out private copies (BN bypassed, float64, ...) so the
caller's network is never mutated, and caches passes that several metrics share.

:func:`evaluate` runs a list of metrics on one network and batch. A metric that raises a numerical
error or returns NaN/inf yields ``MetricResult(value=nan, error=<reason>)`` and the others go on.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

import torch

if TYPE_CHECKING:
    from metrics.probe import Probe

Needs = Literal["labels", "data", "none"]
BNMode = Literal["train", "bypass"]
DType = Literal["float32", "float64"]

NAN_POLICY = (
    "a failure or a NaN/inf value is stored as NaN with a reason; NaNs are excluded from correlations"
)


@dataclass(frozen=True)
class MetricSpec:
    """What a metric is and how it must be run.

    Attributes:
        name: registry name, used in configs and output columns.
        fn: the function computing the score from a probe.
        higher_is_better: the declared direction; correlations are reported in this direction.
        needs: ``labels`` (images and labels), ``data`` (images only) or ``none`` (no data).
        bn: ``train`` (BatchNorm with batch statistics) or ``bypass`` (BatchNorm replaced by identity).
        dtype: floating type of the computation.
        paper: short citation of the reference implementation whose semantics it follows.
        version: bumped whenever a change alters the values; part of the score-cache key.
        units: what the value measures, for docs and plot labels.
        second_order: differentiates the shared loss pass's gradients once more (GraSP);
            when one is selected, :func:`evaluate` has the probe keep that pass's graph for it.
        class_invariant: the value depends only on the operations on input→output paths, so
            functionally identical cells (one class of ``Space.canonical``) may share one score.
            False for a metric that also reads operations off every such path (parameter or FLOP
            counts, weight norms, hooks on every ReLU, BatchNorm or module, gradients of a BatchNorm
            shift fed by an all-zero node): it is scored on every architecture itself.
        class_labels: reads the batch's class indices themselves (the true class's logit, per-class groups),
            not only its loss: runs only on batches with class labels (``needs="labels"`` metrics without it
            differentiate whatever loss the batch names, :attr:`metrics.batch.Batch.loss`).
        settings: the protocol choices the metric fixes (input kind, initialisation, batch, repeats,
            reducer, per-space constants), name → value, with the paper's defaults; read-only. A
            variant with other settings is registered under another name, so caches never mix them.
    """

    name: str
    fn: Callable[[Probe], float]
    higher_is_better: bool
    needs: Needs
    bn: BNMode
    dtype: DType
    paper: str
    version: int
    units: str
    second_order: bool = False
    class_invariant: bool = False
    settings: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    class_labels: bool = False


@dataclass(frozen=True)
class MetricResult:
    """One metric's outcome on one network: ``value`` (NaN on failure), wall ``seconds``, ``error``."""

    value: float
    seconds: float
    error: str | None = None


_REGISTRY: dict[str, MetricSpec] = {}

RENAMED = {"synflow_log": "synflow_log10"}
"""Old metric name → its new name. Score caches written under an old name are migrated by
``python -m bench rename-metric CACHE_DIR OLD NEW`` (:mod:`bench.core.score_migration`)."""


def metric(
    name: str,
    *,
    higher_is_better: bool,
    needs: Needs,
    paper: str,
    bn: BNMode = "train",
    dtype: DType = "float32",
    version: int = 1,
    units: str = "score",
    second_order: bool = False,
    class_invariant: bool = False,
    settings: Mapping[str, object] | None = None,
    class_labels: bool = False,
) -> Callable[[Callable[[Probe], float]], Callable[[Probe], float]]:
    """Register ``fn`` under ``name`` with its declared properties; returns ``fn`` unchanged."""

    def register(fn: Callable[[Probe], float]) -> Callable[[Probe], float]:
        if name in _REGISTRY:
            raise ValueError(f"metric {name!r} is registered twice")
        if name in RENAMED:
            raise ValueError(f"metric name {name!r} was retired (renamed to {RENAMED[name]!r}); pick another")
        frozen = MappingProxyType(dict(settings or {}))
        _REGISTRY[name] = MetricSpec(
            name,
            fn,
            higher_is_better,
            needs,
            bn,
            dtype,
            paper,
            version,
            units,
            second_order,
            class_invariant,
            frozen,
            class_labels,
        )
        return fn

    return register


def names() -> list[str]:
    """Every registered metric name, sorted."""
    _load_all()
    return sorted(_REGISTRY)


def get(name: str) -> MetricSpec:
    """The spec of ``name``; ``ValueError`` naming the valid choices if unknown."""
    _load_all()
    if name in RENAMED:
        raise ValueError(
            f"metric {name!r} was renamed to {RENAMED[name]!r}; use the new name, and migrate old score caches "
            f"with: python -m bench rename-metric CACHE_DIR {name} {RENAMED[name]}"
        )
    if name not in _REGISTRY:
        raise ValueError(f"unknown metric {name!r}; valid choices: all, {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


CLASSIC = (
    "epe_nas",
    "fisher",
    "flops",
    "grad_norm",
    "grasp",
    "jacob_cov",
    "l2_norm",
    "linear_regions",
    "meco",
    "nasi",
    "naswot",
    "ntk_condnum",
    "ntk_trace",
    "params",
    "plain",
    "snip",
    "synflow",
    "synflow_log10",
    "te_nas_ntk",
    "zen",
    "zico",
)
"""The 21 metrics of the committed full-space NB201 tables and the NB101 subset table: every metric registered
before the 2022–2025 frontier metrics of issue #34 (whose full-space scoring needs a GPU or days of CPU)."""
SETS = {"classic": CLASSIC}
"""Named selections that ``resolve`` expands (``metrics=classic``), besides ``all``."""


def resolve(selection: str | Iterable[str]) -> list[str]:
    """The metrics ``selection`` names, in order, each once: ``"all"`` is every metric, a name of :data:`SETS`
    its members (``[classic, n_layers]``), any other entry must be a registered metric (else ``ValueError``)."""
    chosen = [selection] if isinstance(selection, str) else list(selection)
    expanded: list[str] = []
    for entry in chosen:
        members = names() if entry == "all" else SETS.get(entry, (entry,))
        expanded += [get(name).name for name in members]
    return list(dict.fromkeys(expanded))


NUMERIC_ERRORS = (RuntimeError, ValueError, ArithmeticError, torch.linalg.LinAlgError)


def evaluate(selection: Iterable[str], probe: Probe) -> dict[str, MetricResult]:
    """Run each metric in ``selection`` on ``probe``; failures become NaN with a reason."""
    specs = [get(name) for name in selection]
    probe.keep_cross_entropy_graph = any(spec.second_order for spec in specs)
    results: dict[str, MetricResult] = {}
    for spec in specs:
        name = spec.name
        start = time.perf_counter()
        error: str | None = None
        try:
            with probe.seeded(name):
                value = float(spec.fn(probe))
        except NUMERIC_ERRORS as exc:
            value, error = math.nan, f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - start
        if error is None and not math.isfinite(value):
            value, error = math.nan, f"non-finite value {value}"
        results[name] = MetricResult(value, seconds, error)
    return results


def _load_all() -> None:
    """Import every metric module so their decorators run (idempotent)."""
    import metrics.catalog  # noqa: F401
