"""NAS-Bench-201 (Dong & Yang, ICLR 2020): the cell space, its network and its ground-truth sources.

Registers ``nb201``: 15,625 cells, ground truth from the compact table in the data root (``table``, the
default) or the official NATS-Bench topology files (``nats``), scored on each dataset's own images.
"""

from __future__ import annotations

from pathlib import Path

from bench.core.benchmarks.registry import BenchmarkSpec, SearchColumns, register_benchmark
from bench.core.groundtruth import GroundTruth
from bench.core.paths import REPO_ROOT
from bench.core.space import Space

DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
NATS_CACHE = REPO_ROOT / ".cache" / "nats"  # frames extracted from the official files (parquet)
SEARCH = SearchColumns(signal="valid_acc_12ep", cost="train_seconds_12ep", final="test_acc_200ep")
"""Searches: a query returns the 12-epoch validation accuracy (CIFAR-10: ``cifar10-valid``), is charged that
12-epoch schedule's simulated training time, and the returned architecture's 200-epoch test accuracy is reported."""


def open_nb201(root: Path, source: str) -> tuple[Space, GroundTruth]:
    """The NB201 space and its ground truth from ``source`` (``table`` or ``nats``) under ``root``."""
    from bench.core.benchmarks.nb201.space import NB201Space

    if source == "nats":
        from bench.core.benchmarks.nb201.nats import NATSGroundTruth

        truth: GroundTruth = NATSGroundTruth(root, cache_dir=NATS_CACHE)
    else:
        from bench.core.benchmarks.nb201.table import NB201TableGroundTruth

        truth = NB201TableGroundTruth(root)
    return NB201Space(truth.arch_strs()), truth  # type: ignore[attr-defined]


register_benchmark(
    BenchmarkSpec(
        name="nb201",
        datasets=DATASETS,
        sources=("table", "nats"),
        default_target="test_acc_200ep",
        open=open_nb201,
        images={dataset: dataset for dataset in DATASETS},
        description="NAS-Bench-201: 15,625 cells of 6 edges x 5 ops; CIFAR-10, CIFAR-100, ImageNet16-120",
        search={dataset: SEARCH for dataset in DATASETS},
    )
)
