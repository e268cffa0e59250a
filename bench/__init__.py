"""zcbench: training-free NAS benchmarks. Layers: :mod:`metrics` ← :mod:`bench.core` ← :mod:`search` ←
:mod:`bench.apps` (the command line: ``python -m bench <app>``).

Python API: :func:`open_benchmark` → :func:`score` → :func:`correlate` (and :func:`aggregate`, rank ensembles ranked within a population); :func:`load_plugins` for your own
metrics and benchmarks; :class:`ScoringOptions` for how scores are computed. Searches: :func:`search.run`.
"""

from bench.core.api import aggregate, correlate, score
from bench.core.benchmarks import Benchmark, benchmark_names, open_benchmark
from bench.core.plugins import load_plugins
from bench.core.scoring import ScoringOptions

__all__ = [
    "Benchmark",
    "ScoringOptions",
    "aggregate",
    "benchmark_names",
    "correlate",
    "load_plugins",
    "open_benchmark",
    "score",
]
