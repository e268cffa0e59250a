"""Hydra app: score architectures with training-free metrics and rank-correlate them with ground truth.

``python -m bench correlate space=nb201 dataset=cifar10 sample=200 seed=0 metrics=[synflow,naswot,params]``

Pipeline: config → benchmark (space + ground truth) + image batch → scores (cached, resumable,
sharded) → ``scores.parquet``, ``correlations.csv``, ``metric_differences.csv``, plots → leaderboard rows.
"""

from __future__ import annotations

import logging
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
import torch
from omegaconf import DictConfig

from bench.apps import leaderboard, plots
from bench.apps.config import CONF_DIR, config_names, load_config_plugins, run_or_exit, scoring_options
from bench.core import stats
from bench.core.benchmarks import open_benchmark
from bench.core.correlation import correlation_table, difference_table, select_architectures, vote_table
from bench.core.groundtruth import column
from bench.core.paths import data_root
from metrics import registry

log = logging.getLogger("bench.apps.correlate")


def population_labels(protocol: str, out_dir: str, population: str) -> tuple[str, Path]:
    """The leaderboard protocol and output folder of a run on ``population``: unchanged for ``all``, else
    ``<protocol>[population=<name>]`` and ``<out_dir>_<name>`` (a run on part of the space never replaces
    the rows or outputs of the same protocol on all of it)."""
    if population == "all":
        return protocol, Path(out_dir)
    return f"{protocol}[population={population}]", Path(f"{out_dir}_{population}")


def run(cfg: DictConfig) -> Path | None:
    """Execute one correlation run; returns the output folder (None for a shard-only run)."""
    load_config_plugins(cfg)
    options = scoring_options(cfg.scoring)
    benchmark = open_benchmark(cfg.space, cfg.data_root, cfg.groundtruth)
    dataset = benchmark.spec.check_dataset(cfg.dataset)
    metric_names = registry.resolve(config_names(cfg.metrics))
    target = cfg.target or benchmark.default_target
    truth = column(benchmark.truth, dataset, target)
    indices = select_architectures(benchmark, cfg.sample, cfg.seed, cfg.population)
    protocol, out = population_labels(cfg.protocol, cfg.out_dir, cfg.population)
    if options.threads:
        torch.set_num_threads(options.threads)
    engine = options.engine(
        benchmark.space, dataset, Path(cfg.cache_dir), data_root(cfg.data_root), progress=bool(cfg.progress)
    )
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
    correlations = correlation_table(
        scores,
        truth.loc[indices],
        metric_names,
        bootstrap=int(cfg.stats.bootstrap),
        top_fraction=float(cfg.stats.top_fraction),
    )
    correlations.to_csv(out / "correlations.csv", index=False)
    differences = difference_table(
        scores, truth.loc[indices], metric_names, bootstrap=int(cfg.stats.bootstrap)
    )
    differences.to_csv(out / "metric_differences.csv", index=False)
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
        vote.to_csv(out / "vote.csv", index=False)
        leaderboard.update_votes(leaderboard.votes_path(Path(cfg.leaderboard)), vote.assign(**labels))
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


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="correlate")
def main(cfg: DictConfig) -> None:
    """Entry point; bad config values end in a one-line error."""
    run_or_exit(run, cfg, log)
