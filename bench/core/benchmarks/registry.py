"""The benchmark registry: one module per benchmark declares what it is and registers an opener.

A benchmark package (``bench/core/benchmarks/<name>/``, or a user's plug-in module) calls
:func:`register_benchmark` once with a :class:`BenchmarkSpec`: its name, the datasets or tasks it covers,
its ground-truth sources (the first is the default), the default correlation target, the image pool each
dataset's scoring batches come from, and an ``open`` function building the space (whose ``build`` is the
network builder) and the ground truth from a data root. :func:`bench.core.benchmarks.open_benchmark`
dispatches through this table; nothing else branches on a benchmark's name. A benchmark that searches run on
also declares, per dataset, its :class:`SearchColumns`: which ground-truth column a query returns, which one it
is charged, and which one is reported for the returned architecture.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench.core.groundtruth import GroundTruth
from bench.core.space import Space

Opener = Callable[[Path, str], tuple[Space, GroundTruth]]


@dataclass(frozen=True)
class SearchColumns:
    """The ground-truth columns a search on one dataset (task) reads.

    Attributes:
        signal: the column a query returns (the searcher's validation signal; higher is better).
        cost: the column charged per query (simulated training seconds), or ``None``: the benchmark has no
            training-time table, so a search is budgeted in queries only and its seconds are NaN.
        final: the column reported for the returned architecture (``test_acc_<dataset>`` of runs rows; the
            signal itself where the benchmark has no separate test value).
        pool: the space is a sample of a larger space (the architectures with ground truth): searches run on
            the dataset's covered architectures, and ``mutate`` / ``neighbours`` stay in that pool
            (``search.pool.PoolSpace``).
    """

    signal: str
    cost: str | None
    final: str
    pool: bool = False

    @property
    def queries_only(self) -> bool:
        """Whether searches on this dataset are budgeted in queries only (no training-time column)."""
        return self.cost is None


@dataclass(frozen=True)
class BenchmarkSpec:
    """What a benchmark is and how to open it.

    Attributes:
        name: registry name (the ``space=`` config value, score-cache folder, leaderboard ``space`` column).
        datasets: the datasets (or tasks) its ground truth covers, in display order.
        sources: ground-truth sources ``open`` accepts (the ``groundtruth=`` config value); the first is
            the default.
        default_target: the ground-truth column correlated against when none is given.
        targets: per-dataset exceptions to ``default_target`` (TransNAS: each task's own metric).
        images: for each dataset, the image pool of :mod:`bench.core.batches` its scoring batches are drawn
            from (``None``: no images available, only data-free metrics can be scored).
        open: ``open(data_root, source) -> (space, truth)``; raises ``DataFileError`` naming a missing file.
        description: one line for listings and docs.
        search: for each dataset, the :class:`SearchColumns` searches use (empty: searches cannot run on it).
        input_shapes: for each dataset without an image pool, the shape of one network input (channels,
            height, width; TransNAS jigsaw: tiles, channels, height, width) on which the data-free metrics
            (``needs="none"``: params, flops, synflow, ...) are scored; such a dataset scores nothing else.
        user_images: for each dataset without an image pool, the ``scoring.data`` source under which a user's
            own images of it are read, if any (TransNAS: ``taskonomy``, :mod:`bench.core.taskonomy`): with that
            source the metrics that need images but no labels (``needs="data"``) run too.
    """

    name: str
    datasets: tuple[str, ...]
    sources: tuple[str, ...]
    default_target: str
    open: Opener = field(repr=False)
    images: Mapping[str, str | None] = field(default_factory=dict)
    description: str = ""
    search: Mapping[str, SearchColumns] = field(default_factory=dict)
    input_shapes: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    user_images: Mapping[str, str] = field(default_factory=dict)
    targets: Mapping[str, str] = field(default_factory=dict)

    def check_dataset(self, dataset: str) -> str:
        """``dataset`` if this benchmark covers it, else a ``ValueError`` naming the valid choices."""
        if dataset not in self.datasets:
            raise ValueError(
                f"unknown dataset {dataset!r} for {self.name}; valid choices: {', '.join(self.datasets)}"
            )
        return dataset

    def check_source(self, source: str | None) -> str:
        """``source`` (``None``: the default) if declared, else a ``ValueError`` naming the valid choices."""
        chosen = source or self.sources[0]
        if chosen not in self.sources:
            raise ValueError(
                f"unknown groundtruth source {chosen!r} for {self.name}; valid: {', '.join(self.sources)}"
            )
        return chosen

    def target(self, dataset: str) -> str:
        """The ground-truth column ``dataset`` is correlated against when none is given."""
        return self.targets.get(self.check_dataset(dataset), self.default_target)

    def search_columns(self, dataset: str) -> SearchColumns:
        """The columns a search on ``dataset`` reads; ``ValueError`` if this benchmark declares none for it."""
        self.check_dataset(dataset)
        if dataset not in self.search:
            raise ValueError(
                f"benchmark {self.name!r} declares no search columns for dataset {dataset!r} "
                "(BenchmarkSpec.search): searches cannot run on it"
            )
        return self.search[dataset]


_REGISTRY: dict[str, BenchmarkSpec] = {}


def register_benchmark(spec: BenchmarkSpec) -> BenchmarkSpec:
    """Add ``spec`` to the registry; ``ValueError`` if its name is taken or it declares nothing to open."""
    if spec.name in _REGISTRY:
        raise ValueError(f"benchmark {spec.name!r} is registered twice")
    if not spec.datasets or not spec.sources:
        raise ValueError(f"benchmark {spec.name!r} declares no datasets or no ground-truth sources")
    declared = (*spec.images, *spec.input_shapes, *spec.user_images, *spec.targets)
    missing = [d for d in declared if d not in spec.datasets]
    if missing:
        raise ValueError(
            f"benchmark {spec.name!r}: image pools, input shapes, user images or targets given for undeclared "
            f"datasets {missing}"
        )
    missing = [d for d in spec.search if d not in spec.datasets]
    if missing:
        raise ValueError(f"benchmark {spec.name!r}: search columns given for undeclared datasets {missing}")
    _REGISTRY[spec.name] = spec
    return spec


def unregister_benchmark(name: str) -> None:
    """Remove the benchmark ``name`` from the registry (a plug-in's or a test's); ``ValueError`` if there is none."""
    if _REGISTRY.pop(name, None) is None:
        raise ValueError(f"benchmark {name!r} is not registered")


def benchmark_names() -> list[str]:
    """Every registered benchmark, in registration order."""
    return list(_REGISTRY)


def benchmark_spec(name: str) -> BenchmarkSpec:
    """The spec registered as ``name``; ``ValueError`` naming the valid choices if there is none."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown space {name!r}; valid choices: {', '.join(_REGISTRY)}")
    return _REGISTRY[name]
