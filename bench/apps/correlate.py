"""Hydra app: score architectures with training-free metrics and rank-correlate them with ground truth.

``python -m bench correlate space=nb201 dataset=cifar10 sample=200 seed=0 metrics=[synflow,naswot,params]``

Pipeline: config → benchmark (space + ground truth) + image batch → scores (cached, resumable,
sharded) → ``scores.parquet``, ``correlations.csv``, ``metric_differences.csv`` (and, with ensembles,
``ensemble_differences.csv``), plots → leaderboard rows.
"""

from __future__ import annotations

import logging
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
import torch
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from bench.apps import leaderboard, plots, tables
from bench.apps.config import (
    CONF_DIR,
    SCORE_KEYS,
    check_publish,
    check_writable,
    config_names,
    fraction,
    load_config_plugins,
    run_or_exit,
    sample_size,
    scoring_options,
    write_provenance,
)
from bench.core import aggregate, stats
from bench.core.benchmarks import open_benchmark
from bench.core.correlation import correlation_table, difference_table, select_architectures, vote_table
from bench.core.groundtruth import column
from bench.core.paths import data_root
from bench.core.scoring import whole_number
from metrics import registry

log = logging.getLogger("bench.apps.correlate")
CODE_PATHS = (
    "bench/apps/correlate.py",
    "bench/core/correlation.py",
    "bench/core/stats.py",
    "bench/core/benchmarks",
    "bench/core/space.py",
    "bench/core/groundtruth.py",
    "bench/core/scoring.py",
    "bench/core/aggregate.py",
    "metrics/registry.py",
    "bench/apps/tables.py",
    "bench/apps/plots.py",
)
"""The code a correlation folder's numbers and files come from, given the committed score caches (its
provenance records their hash; the scores themselves are keyed by the cache's scoring setup)."""
NUMBER_KEYS = ("sample", "seed", "target", "groundtruth", "protocol", "stats.", *SCORE_KEYS)
"""Keys whose override makes a preset's run a different one (its numbers or row labels change). Not among them:
``population`` relabels the protocol (:func:`population_labels`), so its rows never replace the preset's; ``metrics``
changes no metric's own row (the Makefile names ``metrics=all``, the default, explicitly)."""


def population_labels(protocol: str, out_dir: str, population: str) -> tuple[str, Path]:
    """The leaderboard protocol and output folder of a run on ``population``: unchanged for ``all``, else
    ``<protocol>[population=<name>]`` and ``<out_dir>_<name>`` (a run on part of the space never replaces
    the rows or outputs of the same protocol on all of it)."""
    if population == "all":
        return protocol, Path(out_dir)
    return f"{protocol}[population={population}]", Path(f"{out_dir}_{population}")


def check_settings(cfg: DictConfig) -> None:
    """Every number and output path of ``cfg`` before any work: ``ValueError`` naming the first bad one."""
    sample_size(cfg.sample)
    whole_number("seed", cfg.seed, low=0)
    whole_number("stats.bootstrap", cfg.stats.bootstrap, low=40)  # >= 1 resample in each 2.5% tail of a CI
    fraction("stats.top_fraction", cfg.stats.top_fraction)
    count = whole_number("shard.count", cfg.shard.count, low=1)
    whole_number("shard.index", cfg.shard.index, low=0, high=count - 1)
    if not config_names(cfg.metrics):
        raise ValueError("metrics=[] names no metric; list at least one, or metrics=all")
    aggregate.resolve(config_names(cfg.ensembles))
    check_writable("cache_dir", cfg.cache_dir, folder=True)
    if cfg.shard.count == 1:
        check_writable(
            "out_dir", population_labels(cfg.protocol, cfg.out_dir, cfg.population)[1], folder=True
        )
        check_writable("leaderboard", cfg.leaderboard, folder=False)
        check_writable("leaderboard", leaderboard.votes_path(Path(cfg.leaderboard)), folder=False)


def run(cfg: DictConfig) -> Path | None:
    """Execute one correlation run; returns the output folder (None for a shard-only run)."""
    load_config_plugins(cfg)
    options = scoring_options(cfg.scoring)
    check_settings(cfg)
    benchmark = open_benchmark(cfg.space, cfg.data_root, cfg.groundtruth)
    dataset = benchmark.spec.check_dataset(cfg.dataset)
    ensembles = aggregate.resolve(config_names(cfg.ensembles))
    # an ensemble's components are scored with the run's metrics and get their own rows too
    metric_names = registry.resolve(
        [*config_names(cfg.metrics), *(m for e in ensembles for m in e.metrics())]
    )
    target = cfg.target or benchmark.target(dataset)
    truth = column(benchmark.truth, dataset, target)
    sample = sample_size(cfg.sample)
    indices = select_architectures(benchmark, sample, cfg.seed, cfg.population)
    # a task's ground truth may cover part of the pool (TransNAS macro classification: 662 of 725)
    indices = [i for i in indices if i in truth.index]
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
    correlations = correlation_table(
        scores,
        truth.loc[indices],
        metric_names,
        bootstrap=int(cfg.stats.bootstrap),
        top_fraction=float(cfg.stats.top_fraction),
    )
    if ensembles:
        within = aggregate.population_label(cfg.population, sample, cfg.seed, len(indices))
        combined, ensemble_rows = aggregate.correlation_rows(
            scores,
            truth.loc[indices],
            ensembles,
            within,
            bootstrap=int(cfg.stats.bootstrap),
            top_fraction=float(cfg.stats.top_fraction),
        )
        scores = scores.join(combined)
        correlations = pd.concat([correlations, ensemble_rows], ignore_index=True)
    out.mkdir(parents=True, exist_ok=True)
    scores.reset_index().to_parquet(out / "scores.parquet", index=False)
    tables.write_csv(correlations, out / "correlations.csv", key=["metric"])
    differences = difference_table(
        scores, truth.loc[indices], metric_names, bootstrap=int(cfg.stats.bootstrap)
    )
    tables.write_csv(differences, out / "metric_differences.csv", key=["metric_a", "metric_b"])
    if ensembles:
        # does an ensemble beat its components and the run's other metrics? its own Holm family of pairs
        names = [a.name for a in ensembles]
        ensemble_differences = difference_table(
            scores,
            truth.loc[indices],
            [*names, *metric_names],
            bootstrap=int(cfg.stats.bootstrap),
            directions=dict.fromkeys(names, True),
            pairs_with=names,
        )
        tables.write_csv(ensemble_differences, out / "ensemble_differences.csv", key=["metric_a", "metric_b"])
    make_plots(scores, truth.loc[indices], target, correlations, metric_names, out, f"{cfg.space} {dataset}")
    labels = {
        "space": cfg.space,
        "dataset": dataset,
        "protocol": protocol,
        "target": target,
        "setup_id": setup.setup_id(),
        "sample": str(sample) if cfg.population == "all" else f"{sample} of {cfg.population}",
        "sample_seed": cfg.seed,
    }
    leaderboard.update_correlations(Path(cfg.leaderboard), correlations.assign(**labels))
    vote = vote_table(scores, truth.loc[indices], metric_names)
    if vote is not None:
        tables.write_csv(vote, out / "vote.csv", key=["ensemble"])
        leaderboard.update_votes(leaderboard.votes_path(Path(cfg.leaderboard)), vote.assign(**labels))
    write_provenance("bench correlate", cfg, out, CODE_PATHS)
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


def checked_run(cfg: DictConfig) -> Path | None:
    """:func:`run` after :func:`bench.apps.config.check_publish` on the command line Hydra parsed (a shard-only
    run writes no leaderboard)."""
    hydra_cfg = HydraConfig.get()
    if cfg.shard.count == 1:
        check_publish(cfg, hydra_cfg.overrides.task, hydra_cfg.runtime.choices.get("experiment"), NUMBER_KEYS)
    return run(cfg)


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="correlate")
def main(cfg: DictConfig) -> None:
    """Entry point; bad config values end in a one-line error, Ctrl-C in one line saying what was kept."""
    saved = f"the scores finished so far are saved in {cfg.cache_dir}; run the same command again to resume"
    run_or_exit(checked_run, cfg, log, on_interrupt=saved)
