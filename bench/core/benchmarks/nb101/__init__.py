"""NAS-Bench-101 (Ying et al., ICML 2019) without TensorFlow: cell specs, the network, ground truth, tfrecord reader.

Registers ``nb101``: ground truth from NASLib's 500-row subset in the data root (``subset``, the default)
or a parquet converted from the official tfrecord (``tfrecord``), scored on CIFAR-10 images.
"""

from __future__ import annotations

from pathlib import Path

from bench.core.benchmarks.registry import BenchmarkSpec, SearchColumns, register_benchmark
from bench.core.groundtruth import GroundTruth
from bench.core.space import Space

DATASETS = ("cifar10",)


def open_nb101(root: Path, source: str) -> tuple[Space, GroundTruth]:
    """The NB101 space and its ground truth from ``source`` (``subset`` or ``tfrecord``) under ``root``."""
    from bench.core.benchmarks.nb101.groundtruth import load_nb101

    return load_nb101(root, source)  # type: ignore[arg-type]


register_benchmark(
    BenchmarkSpec(
        name="nb101",
        datasets=DATASETS,
        sources=("subset", "tfrecord"),
        default_target="valid_acc_108ep",
        open=open_nb101,
        images={"cifar10": "cifar10"},
        description="NAS-Bench-101: cells of <= 7 vertices and 9 edges; CIFAR-10",
        # the 12-epoch signal and its cost, as on NB201; NB101's final test accuracy is the 108-epoch one. Only
        # the ``tfrecord`` source holds the 12-epoch columns (the ``subset`` source has 108 epochs only).
        search={"cifar10": SearchColumns("valid_acc_12ep", "train_seconds_12ep", "test_acc_108ep")},
    )
)
