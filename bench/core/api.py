"""The Python API of the benchmark core: score architectures and correlate the scores with ground truth.

>>> import bench
>>> benchmark = bench.open_benchmark("nb201")
>>> scores = bench.score(benchmark, ["synflow", "naswot"], range(100), dataset="cifar10")
>>> bench.correlate(scores, benchmark, dataset="cifar10")[["metric", "spearman", "kendall"]]
>>> bench.aggregate(scores, "synflow+naswot")  # log-rank sum ranked within these 100 architectures

Scores are served from and written to the same cache as ``python -m bench correlate`` (``cache_dir``,
keyed by the scoring setup), so the API and the CLI compute each score once between them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from bench.core import aggregate as aggregators
from bench.core.benchmarks import Benchmark
from bench.core.correlation import POPULATIONS, correlation_table, population_indices
from bench.core.groundtruth import column
from bench.core.paths import REPO_ROOT, data_root
from bench.core.scoring import ScoringOptions
from metrics import registry

DEFAULT_CACHE = REPO_ROOT / "results" / "scores"


def score(
    benchmark: Benchmark,
    metrics: str | Iterable[str],
    archs: Iterable[int],
    *,
    dataset: str,
    scoring: ScoringOptions | None = None,
    cache_dir: str | Path = DEFAULT_CACHE,
    root: str | Path | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Scores of ``metrics`` (names, or ``"all"``) on the architectures ``archs`` (benchmark indices).

    Returns a frame indexed by ``arch_index`` (in the order given) with, per metric, the value (``NaN`` where
    the metric failed), ``<metric>_seconds`` (compute time, s) and ``<metric>_error`` (why it is NaN).
    Missing scores are computed with ``scoring`` (default :class:`ScoringOptions`) and cached.
    """
    names = registry.resolve(metrics)
    indices = [int(i) for i in archs]
    if not indices:
        raise ValueError("archs is empty: give at least one architecture index")
    out_of_range = [i for i in indices if not 0 <= i < len(benchmark.space)]
    if out_of_range:
        raise ValueError(f"arch index {out_of_range[0]} is outside 0..{len(benchmark.space) - 1}")
    options = scoring or ScoringOptions()
    engine = options.engine(
        benchmark.space, benchmark.spec.check_dataset(dataset), Path(cache_dir), data_root(root), progress
    )
    engine.ensure(indices, names)
    return engine.table(indices, names)


def correlate(
    scores: pd.DataFrame,
    benchmark: Benchmark,
    *,
    dataset: str,
    target: str | None = None,
    bootstrap: int = 1000,
    top_fraction: float = 0.1,
    ensembles: Iterable[str] = (),
) -> pd.DataFrame:
    """Rank correlation of every registered metric column of ``scores`` (from :func:`score`) with ground truth.

    One row per metric: ``n``, ``spearman`` and ``kendall`` with 95% bootstrap CIs (``bootstrap`` resamples;
    0 for none), ``top10_precision`` (precision at the top ``top_fraction``), NaN rate, declared direction, and
    ``spearman_common`` on the architectures every metric scored. ``target``: a ground-truth column
    (default: the benchmark's default target). ``ensembles``: rank aggregates (:func:`aggregate` syntax) ranked
    within the rows of ``scores``, one more row each, with ``ranked_within`` saying so.
    """
    names = [c for c in scores.columns if c in set(registry.names())]
    if not names:
        raise ValueError("scores has no metric column; pass the frame bench.score returns")
    chosen = aggregators.resolve(ensembles)
    unscored = [m for a in chosen for m in a.metrics() if m not in scores]
    if unscored:
        raise ValueError(
            f"ensemble component {unscored[0]!r} is not a column of scores; score it with bench.score"
        )
    truth = column(
        benchmark.truth, benchmark.spec.check_dataset(dataset), target or benchmark.target(dataset)
    )
    table = correlation_table(
        scores, truth.loc[scores.index], names, bootstrap=bootstrap, top_fraction=top_fraction
    )
    if not chosen:
        return table
    _, rows = aggregators.correlation_rows(
        scores,
        truth.loc[scores.index],
        chosen,
        f"the {len(scores)} architectures of the scores given",
        bootstrap=bootstrap,
        top_fraction=top_fraction,
    )
    return pd.concat([table, rows], ignore_index=True)


def aggregate(
    scores: pd.DataFrame,
    ensemble: str,
    *,
    benchmark: Benchmark | None = None,
    population: str = "all",
) -> pd.Series:
    """A population rank aggregate of cached scores (:mod:`bench.core.aggregate`), higher is better.

    ``ensemble``: a named aggregate (``az_nas``, ``vkdnw_agg``, ``vkdnw_comb``) or ``[RULE:]A+B+...`` with RULE ``log_rank_sum``
    (default, AZ-NAS) or ``rank_sum`` (TE-NAS), e.g. ``"meco+naswot+synflow"``. The ranks are taken within the rows
    of ``scores`` (from :func:`score`, one per architecture), or, with ``benchmark`` and a ``population`` other
    than ``all`` (``no_dead_ops``, ``one_per_class``), within those of its rows in that population. Every
    setting is checked (``ValueError``) before any work.
    """
    chosen = aggregators.check(aggregators.parse(ensemble))
    if population not in POPULATIONS:
        raise ValueError(f"population must be one of {', '.join(POPULATIONS)}, got {population!r}")
    if population != "all":
        if benchmark is None:
            raise ValueError(f"population={population!r} needs the benchmark the scores come from")
        scores = scores.loc[scores.index.isin(population_indices(benchmark.space, population))]
    return aggregators.combine(scores, chosen)
