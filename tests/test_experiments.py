"""Experiment presets compose with their app's config and resolve (no scoring); a small Hydra multirun sweep."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, OmegaConf

from bench.apps import search as search_run
from bench.apps import search_jobs
from bench.apps.config import config_names, scoring_options
from bench.core.benchmarks import open_benchmark
from bench.core.correlation import select_architectures
from bench.core.groundtruth import column
from metrics import registry
from search.registry import SEARCHERS, check_params

REPO = Path(__file__).resolve().parent.parent
CONF = REPO / "conf"
PRESETS = sorted((CONF / "experiment").glob("*.yaml"))


def check_correlate(cfg: DictConfig) -> None:
    """Everything bench.apps.correlate resolves before scoring, for the preset's dataset or every dataset."""
    benchmark = open_benchmark(cfg.space, cfg.data_root, cfg.groundtruth)
    metrics = OmegaConf.to_object(cfg.metrics) if OmegaConf.is_list(cfg.metrics) else cfg.metrics
    assert registry.resolve(metrics)
    assert select_architectures(benchmark, cfg.sample, cfg.seed)
    for dataset in benchmark.truth.datasets():
        assert benchmark.spec.check_dataset(dataset) == dataset
        assert len(column(benchmark.truth, dataset, cfg.target or benchmark.target(dataset)))
        scoring_options(cfg.scoring).setup(cfg.space, dataset)
    assert cfg.dataset in benchmark.truth.datasets()


def check_search(cfg: DictConfig) -> None:
    """Everything bench.apps.search resolves before searching, for the preset's algos and for ``algo=all``."""
    benchmark = open_benchmark(cfg.space, cfg.data_root, cfg.groundtruth)
    algos = search_run.resolve_algos(config_names(cfg.algo))
    for algo in algos:
        check_params(algo, search_jobs.algo_params(cfg, algo, single=len(algos) == 1))
    for algo in SEARCHERS:  # `make reproduce` runs every preset with algo=all
        check_params(algo, search_jobs.algo_params(cfg, algo, single=False))
    for dataset in search_run.search_datasets(cfg, benchmark):
        scoring_options(cfg.scoring).setup(cfg.space, dataset)
    assert cfg.budget.queries is not None or cfg.budget.seconds is not None


APPS: dict[str, Callable[[DictConfig], None]] = {"correlate": check_correlate, "search": check_search}


def preset_values(preset: Path) -> DictConfig:
    """The values a preset sets itself: its file without the ``defaults`` list (the presets it extends)."""
    values = OmegaConf.load(preset)
    values.pop("defaults", None)
    return values


def apps_for(preset: Path) -> list[str]:
    """The apps whose config has every top-level key the preset sets."""
    keys = set(preset_values(preset))
    return [app for app in APPS if keys <= set(OmegaConf.load(CONF / f"{app}.yaml"))]


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.stem)
def test_preset_composes_and_resolves(preset: Path) -> None:
    apps = apps_for(preset)
    assert apps, f"{preset.name} sets a key that neither conf/correlate.yaml nor conf/search.yaml has"
    values = preset_values(preset)
    for app in apps:
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            cfg = compose(config_name=app, overrides=[f"experiment={preset.stem}"])
        resolved = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
        assert "${" not in str(resolved)
        assert OmegaConf.merge(cfg, values) == cfg, "the preset's values were not all applied"
        APPS[app](cfg)


def test_every_preset_documents_its_source() -> None:
    for preset in PRESETS:
        header = [line for line in preset.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
        assert any("source" in line.lower() for line in header), preset.name


def test_joblib_multirun_sweep(tmp_path: Path) -> None:
    datasets = ("cifar10", "cifar100")
    command = [
        sys.executable,
        "-m",
        "bench",
        "correlate",
        "-m",
        "hydra/launcher=joblib_local",
        "space=nb201",
        "sample=5",
        "metrics=[params,synflow]",
        f"dataset={','.join(datasets)}",
        f"out_dir={tmp_path}/${{dataset}}",
        f"leaderboard={tmp_path}/${{dataset}}/board.csv",  # one per job: the board is not safe for parallel writers
        f"cache_dir={tmp_path / 'cache'}",
        "scoring.threads=1",
        "stats.bootstrap=50",
        "progress=false",
        f"hydra.sweep.dir={tmp_path / 'multirun'}",
    ]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    for dataset in datasets:
        for name in (
            "scores.parquet",
            "correlations.csv",
            "metric_differences.csv",
            "spearman.png",
            "board.csv",
        ):
            assert (tmp_path / dataset / name).is_file(), f"{dataset}/{name} missing"
