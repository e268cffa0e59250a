"""Open a benchmark by name: its space, its ground truth and its default correlation target."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.core.groundtruth import GroundTruth
from bench.core.paths import REPO_ROOT, data_root
from bench.core.space import Space

SPACES = ("nb201", "nb101")
NATS_CACHE = REPO_ROOT / ".cache" / "nats"  # frames extracted from the official files (parquet)
GROUNDTRUTH_SOURCES = {"nb201": ("table", "nats"), "nb101": ("subset", "tfrecord")}  # first = default


@dataclass(frozen=True)
class Benchmark:
    """A space with its ground truth.

    Attributes:
        space: the architectures (benchmark index order) and their networks.
        truth: per-dataset ground-truth frames.
        default_target: ground-truth column correlated against by default.
    """

    space: Space
    truth: GroundTruth
    default_target: str


def open_benchmark(name: str, root: str | Path | None = None, source: str | None = None) -> Benchmark:
    """Open benchmark ``name`` (``nb201`` / ``nb101``) from the data root, reading ground truth from ``source``
    (``None``: the space's default source, the first in :data:`GROUNDTRUTH_SOURCES`)."""
    if name not in SPACES:
        raise ValueError(f"unknown space {name!r}; valid choices: {', '.join(SPACES)}")
    source = source or GROUNDTRUTH_SOURCES[name][0]
    if source not in GROUNDTRUTH_SOURCES[name]:
        raise ValueError(
            f"unknown groundtruth source {source!r} for {name}; valid: {', '.join(GROUNDTRUTH_SOURCES[name])}"
        )
    folder = data_root(root)
    if name == "nb201":
        from bench.core.benchmarks.nb201.space import NB201Space

        if source == "nats":
            from bench.core.benchmarks.nb201.nats import NATSGroundTruth

            truth = NATSGroundTruth(folder, cache_dir=NATS_CACHE)
        else:
            from bench.core.benchmarks.nb201.table import NB201TableGroundTruth

            truth = NB201TableGroundTruth(folder)
        return Benchmark(NB201Space(truth.arch_strs()), truth, "test_acc_200ep")
    from bench.core.benchmarks.nb101.groundtruth import load_nb101

    space, truth = load_nb101(folder, source)  # type: ignore[arg-type]
    return Benchmark(space, truth, "valid_acc_108ep")
