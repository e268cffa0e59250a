"""Hydra app: run searchers on a benchmark under one budget over many seeds.

``python -m bench search algo=hnas space=nb201 dataset=cifar10 seeds=10 budget.queries=20 out_dir=DIR``

Writes ``DIR/runs.csv`` (one row per algo × seed × search dataset), ``DIR/trajectory.csv`` (the
incumbent after every query), ``DIR/summary.csv`` (mean ± std per algo), ``DIR/anytime.png`` (against simulated training time) and
``DIR/anytime_scored.png`` (against architectures scored, when a searcher scored any), ``DIR/provenance.json`` (:mod:`bench.apps.provenance`), and updates the search leaderboard.
"""

from __future__ import annotations

import logging
from pathlib import Path

import hydra
import pandas as pd
import torch
from hydra.core.hydra_config import HydraConfig
from joblib import Parallel, delayed
from omegaconf import DictConfig
from tqdm import tqdm

from bench.apps import leaderboard, plots, tables
from bench.apps.config import (
    CONF_DIR,
    SCORE_KEYS,
    check_publish,
    check_writable,
    config_names,
    load_config_plugins,
    run_or_exit,
    write_provenance,
)
from bench.apps.search_jobs import SearchSettings, run_job, shared_benchmark
from bench.core.benchmarks import Benchmark
from bench.core.scoring import whole_number
from search.registry import SEARCHERS
from search.results import summarize

log = logging.getLogger("bench.apps.search")
PROTOCOLS = ("transfer", "per_dataset")
CODE_PATHS = (
    "search",
    "bench/core/benchmarks",
    "bench/core/space.py",
    "bench/core/groundtruth.py",
    "bench/core/scoring.py",
    "metrics/registry.py",
    "bench/apps/search.py",
    "bench/apps/search_jobs.py",
    "bench/apps/tables.py",
    "bench/apps/plots.py",
)
"""The code a search folder's numbers and files come from (its provenance records their hash)."""
RUN_KEY = ["dataset", "algo", "seed"]
"""The key that orders runs.csv (and, with ``query``, trajectory.csv)."""
BOARD_KEY = ["space", "protocol", "dataset", "algo", "max_queries", "max_seconds", "n_runs"]
"""A search board row's key: a run of another number of seeds never replaces a row."""
LABEL_COLUMNS = ["signal", "reported", "charged", "scores_source"]
"""Per (dataset, algo), what the numbers are: signal and reported ground-truth columns, the charged cost
column (``queries only`` where the benchmark has no training time), the training-free score source."""
NUMBER_KEYS = (
    "seeds",
    "seed_offset",
    "budget.",
    "groundtruth",
    "protocol",
    "params.",
    "algo_params.",
    "scores_source",
    *SCORE_KEYS,
)
"""Keys whose override makes a preset's run a different one (see :func:`bench.apps.config.check_publish`)."""


def resolve_algos(chosen: list[str]) -> list[str]:
    """``["all"]`` → every searcher; otherwise the names, checked."""
    if chosen == ["all"]:
        return list(SEARCHERS)
    unknown = [a for a in chosen if a not in SEARCHERS]
    if unknown:
        raise ValueError(f"unknown algo {unknown[0]!r}; valid choices: all, {', '.join(SEARCHERS)}")
    return chosen


def search_datasets(cfg: DictConfig, benchmark: Benchmark) -> list[str]:
    """The datasets whose validation signal drives a search under ``cfg.protocol``.

    ``transfer``: the one ``dataset``. ``per_dataset``: ``dataset`` may also be a list of datasets or
    ``all`` (every dataset of the space); each gets its own search.
    """
    if cfg.protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {cfg.protocol!r}; valid choices: {', '.join(PROTOCOLS)}")
    available = list(benchmark.truth.datasets())
    chosen = config_names(cfg.dataset)
    if cfg.protocol == "per_dataset" and chosen == ["all"]:
        return available
    if cfg.protocol == "transfer" and len(chosen) != 1:
        raise ValueError(f"protocol=transfer searches on one dataset, got dataset={chosen}")
    for dataset in chosen:
        if dataset not in available:
            raise ValueError(
                f"unknown dataset {dataset!r} for {cfg.space}; valid choices: {', '.join(available)}"
                + (", all" if cfg.protocol == "per_dataset" else "")
            )
    return chosen


def run(cfg: DictConfig) -> Path:
    """Run every (dataset, algo, seed) search of ``cfg`` and write the outputs; returns the output folder."""
    load_config_plugins(cfg)
    benchmark = shared_benchmark(cfg.space, cfg.data_root, cfg.groundtruth)
    algos = resolve_algos(config_names(cfg.algo))
    datasets = search_datasets(cfg, benchmark)
    settings = SearchSettings.from_config(cfg, algos)
    if settings.scoring.threads:
        torch.set_num_threads(settings.scoring.threads)
    workers = int(cfg.workers)
    if workers < 1:
        raise ValueError(f"workers={workers}: need at least 1 process")
    offset = whole_number("seed_offset", cfg.seed_offset, low=0)
    seeds = range(offset, offset + whole_number("seeds", cfg.seeds, low=1))
    check_writable("cache_dir", cfg.cache_dir, folder=True)
    check_writable("out_dir", cfg.out_dir, folder=True)
    check_writable("leaderboard", cfg.leaderboard, folder=False)
    jobs = [(d, a, s) for d in datasets for a in algos for s in seeds]
    if workers == 1:
        results = (run_job(settings, job) for job in jobs)
    else:
        results = Parallel(n_jobs=workers, return_as="generator")(
            delayed(run_job)(settings, job) for job in jobs
        )
    runs, trajectories = [], []
    for row, trajectory in tqdm(
        results, total=len(jobs), desc="searches", unit="run", disable=not cfg.progress
    ):
        runs.append(row)
        trajectories.extend(trajectory)
    out = write_outputs(cfg, pd.DataFrame(runs), pd.DataFrame(trajectories))
    write_provenance("bench search", cfg, out, CODE_PATHS)
    return out


def write_outputs(cfg: DictConfig, runs: pd.DataFrame, trajectory: pd.DataFrame) -> Path:
    """runs.csv, trajectory.csv, summary.csv, anytime.png and the leaderboard rows."""
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables.write_csv(runs, out / "runs.csv", key=RUN_KEY)
    tables.write_csv(trajectory, out / "trajectory.csv", key=[*RUN_KEY, "query"])
    present = [c for c in LABEL_COLUMNS if c in runs.columns]  # runs written by other tools may lack them
    labels = runs.groupby(["dataset", "algo"], sort=True)[present].first().reset_index()
    summary = summarize(runs, by=("dataset", "algo")).merge(labels, on=["dataset", "algo"])
    tables.write_csv(summary, out / "summary.csv", key=["dataset", "algo"])
    for dataset, part in trajectory.groupby("dataset"):
        curve = part.rename(columns={"incumbent_test_acc": "test_acc"})
        suffix = "" if trajectory["dataset"].nunique() == 1 else f"_{dataset}"
        timed = (
            curve["simulated_seconds"].notna().any()
        )  # else budgeted in queries only: drawn against queries
        budget = "simulated_seconds" if timed else "query"
        plots.anytime_plot(
            curve[["algo", "seed", budget, "test_acc"]],
            out / f"anytime{suffix}.png",
            f"{cfg.space} {dataset}: incumbent {'test accuracy' if timed else 'final value'} vs. "
            + ("simulated training time" if timed else "queries (no training-time table)"),
            budget=budget,
        )
        if (
            "n_scored" in curve and curve["n_scored"].gt(0).any()
        ):  # the other budget, when any searcher scored
            plots.anytime_plot(
                curve[["algo", "seed", "n_scored", "test_acc"]],
                out / f"anytime_scored{suffix}.png",
                f"{cfg.space} {dataset}: incumbent test accuracy vs. architectures scored",
                budget="n_scored",
            )
    board = summary.assign(
        space=cfg.space, protocol=cfg.protocol, max_queries=cfg.budget.queries, max_seconds=cfg.budget.seconds
    )
    leaderboard.replace_rows(
        Path(cfg.leaderboard), board[BOARD_KEY + [c for c in board if c not in BOARD_KEY]], BOARD_KEY
    )
    for item in summary.to_dict("records"):
        dataset = item["dataset"]
        log.info(
            "%s on %s: %s %.2f ± %.2f over %d seeds, %.0f simulated s (charged: %s)",
            item["algo"],
            dataset,
            item.get("reported", "test_acc (column not recorded)"),
            item[f"test_acc_{dataset}_mean"],
            item[f"test_acc_{dataset}_std"],
            item["n_runs"],
            item["simulated_seconds_mean"],
            item.get("charged", "not recorded"),
        )
    return out


def checked_run(cfg: DictConfig) -> Path:
    """:func:`run` after :func:`bench.apps.config.check_publish` on the command line Hydra parsed."""
    hydra_cfg = HydraConfig.get()
    check_publish(cfg, hydra_cfg.overrides.task, hydra_cfg.runtime.choices.get("experiment"), NUMBER_KEYS)
    return run(cfg)


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="search")
def main(cfg: DictConfig) -> None:
    """Entry point; bad config values end in a one-line error, Ctrl-C in one line saying what was kept."""
    saved = (
        f"no search outputs were written; the scores computed so far are saved in {cfg.cache_dir}; "
        "run the same command again to resume"
    )
    run_or_exit(checked_run, cfg, log, on_interrupt=saved)
