"""Hydra app: run searchers on a benchmark under one budget over many seeds.

``python -m search.run algo=hnas space=nb201 dataset=cifar10 seeds=10 budget.queries=20 out_dir=DIR``

Writes ``DIR/runs.csv`` (one row per algo × seed × search dataset), ``DIR/trajectory.csv`` (the
incumbent after every query), ``DIR/summary.csv`` (mean ± std per algo), ``DIR/anytime.png`` and
``DIR/provenance.json`` (:mod:`bench.provenance`), and updates the search leaderboard.
"""

from __future__ import annotations

import logging
from pathlib import Path

import hydra
import pandas as pd
import torch
from joblib import Parallel, delayed
from omegaconf import DictConfig
from tqdm import tqdm

from bench import leaderboard, plots, tables
from bench.app import config_names, run_or_exit, write_provenance
from bench.benchmarks import Benchmark
from search.jobs import run_job, shared_benchmark
from search.registry import SEARCHERS
from search.results import summarize

log = logging.getLogger("search.run")
PROTOCOLS = ("transfer", "per_dataset")
CODE_PATHS = (
    "search",
    "bench/benchmarks.py",
    "bench/spaces",
    "bench/groundtruth",
    "bench/scoring.py",
    "metrics/registry.py",
    "bench/tables.py",
    "bench/plots.py",
)
"""The code a search folder's numbers and files come from (its provenance records their hash)."""
RUN_KEY = ["dataset", "algo", "seed"]
"""The key that orders runs.csv (and, with ``query``, trajectory.csv)."""
BOARD_KEY = ["space", "protocol", "dataset", "algo", "max_queries", "max_seconds"]


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
    benchmark = shared_benchmark(cfg.space, cfg.data_root, cfg.groundtruth)
    algos = resolve_algos(config_names(cfg.algo))
    datasets = search_datasets(cfg, benchmark)
    if cfg.scoring.threads:
        torch.set_num_threads(int(cfg.scoring.threads))
    workers = int(cfg.workers)
    if workers < 1:
        raise ValueError(f"workers={workers}: need at least 1 process")
    seeds = range(int(cfg.seed_offset), int(cfg.seed_offset) + int(cfg.seeds))
    jobs = [(d, a, s) for d in datasets for a in algos for s in seeds]
    single = len(algos) == 1
    if workers == 1:
        results = (run_job(cfg, job, single) for job in jobs)
    else:
        results = Parallel(n_jobs=workers, return_as="generator")(
            delayed(run_job)(cfg, job, single) for job in jobs
        )
    runs, trajectories = [], []
    for row, trajectory in tqdm(
        results, total=len(jobs), desc="searches", unit="run", disable=not cfg.progress
    ):
        runs.append(row)
        trajectories.extend(trajectory)
    out = write_outputs(cfg, pd.DataFrame(runs), pd.DataFrame(trajectories))
    write_provenance("search.run", cfg, out, CODE_PATHS)
    return out


def write_outputs(cfg: DictConfig, runs: pd.DataFrame, trajectory: pd.DataFrame) -> Path:
    """runs.csv, trajectory.csv, summary.csv, anytime.png and the leaderboard rows."""
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables.write_csv(runs, out / "runs.csv", key=RUN_KEY)
    tables.write_csv(trajectory, out / "trajectory.csv", key=[*RUN_KEY, "query"])
    summary = summarize(runs, by=("dataset", "algo"))
    tables.write_csv(summary, out / "summary.csv", key=["dataset", "algo"])
    for dataset, part in trajectory.groupby("dataset"):
        curve = part.rename(columns={"incumbent_test_acc": "test_acc"})
        name = "anytime.png" if trajectory["dataset"].nunique() == 1 else f"anytime_{dataset}.png"
        plots.anytime_plot(
            curve[["algo", "seed", "simulated_seconds", "test_acc"]],
            out / name,
            f"{cfg.space} {dataset}: incumbent test accuracy vs. simulated training time",
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
            "%s on %s: test %.2f ± %.2f %% over %d seeds, %.0f simulated s",
            item["algo"],
            dataset,
            item[f"test_acc_{dataset}_mean"],
            item[f"test_acc_{dataset}_std"],
            item["n_runs"],
            item["simulated_seconds_mean"],
        )
    return out


@hydra.main(version_base="1.3", config_path="../conf", config_name="search")
def main(cfg: DictConfig) -> None:
    """Entry point; bad config values end in a one-line error."""
    run_or_exit(run, cfg, log)


if __name__ == "__main__":
    main()
