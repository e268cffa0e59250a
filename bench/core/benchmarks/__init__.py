"""Open a benchmark by name: its space, its ground truth and its default correlation target.

Every sub-package here is one benchmark that registers itself with :mod:`bench.core.benchmarks.registry`
when imported; this module imports them all, so :func:`open_benchmark` knows every built-in benchmark.
A plug-in benchmark registers the same way from its own module (see ``docs/extending.md``).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path

from bench.core.benchmarks.registry import BenchmarkSpec, SearchColumns, benchmark_names, benchmark_spec
from bench.core.groundtruth import GroundTruth
from bench.core.paths import data_root
from bench.core.space import Space

for _package in pkgutil.iter_modules(__path__):
    if _package.ispkg:
        importlib.import_module(f"{__name__}.{_package.name}")


@dataclass(frozen=True)
class Benchmark:
    """A space with its ground truth.

    Attributes:
        space: the architectures (benchmark index order) and their networks.
        truth: per-dataset ground-truth frames.
        default_target: ground-truth column correlated against by default (:meth:`target`: per dataset).
    """

    space: Space
    truth: GroundTruth
    default_target: str

    @property
    def spec(self) -> BenchmarkSpec:
        """The registry entry of this benchmark's space."""
        return benchmark_spec(self.space.name)

    def target(self, dataset: str) -> str:
        """The ground-truth column ``dataset`` is correlated against by default (:meth:`BenchmarkSpec.target`)."""
        return self.spec.target(dataset)


def open_benchmark(name: str, root: str | Path | None = None, source: str | None = None) -> Benchmark:
    """Open the registered benchmark ``name`` from the data root, reading ground truth from ``source``
    (``None``: the benchmark's default source).

    Raises:
        ValueError: unknown benchmark or source (the message names the valid choices).
        DataFileError: a file the benchmark needs is missing (the message names it).
    """
    spec = benchmark_spec(name)
    space, truth = spec.open(data_root(root), spec.check_source(source))
    return Benchmark(space, truth, spec.default_target)


__all__ = [
    "Benchmark",
    "BenchmarkSpec",
    "SearchColumns",
    "benchmark_names",
    "benchmark_spec",
    "open_benchmark",
]
