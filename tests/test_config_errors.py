"""Bad config values end in one clear error naming the valid choices (bench.apps.correlate and bench.apps.search)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from bench.apps import correlate, search_jobs
from bench.apps import search as search_run
from bench.apps.config import config_names
from bench.core.benchmarks import open_benchmark

CONF = str(Path(__file__).resolve().parent.parent / "conf")


def config(name: str, overrides: list[str]):
    with initialize_config_dir(config_dir=CONF, version_base="1.3"):
        return compose(config_name=name, overrides=overrides)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["metrics=[synflow,foo]"], "unknown metric 'foo'; valid choices: all, "),
        (
            ["dataset=imagenet"],
            "unknown dataset 'imagenet' for nb201; valid choices: cifar10, cifar100, ImageNet16-120",
        ),
        (["sample=20000"], "sample=20000 is outside 1..15625"),
        (["population=live"], "population must be one of all, no_dead_ops, one_per_class, got 'live'"),
        (["population=no_dead_ops", "sample=9446"], "sample=9446 is outside 1..9445, the size of population"),
        (
            ["space=nb999"],
            "unknown space 'nb999'; valid choices: nb101, nb201, nb301, nb301_hnas_darts, nb301_swap_darts, tnb101_micro, tnb101_macro",
        ),
        (["scoring.init=orthogonal", "sample=2"], "unknown scoring.init 'orthogonal'"),
        (["space=nb101", "dataset=cifar100"], "unknown dataset 'cifar100' for nb101; valid choices: cifar10"),
    ],
)
def test_correlate_bad_values(overrides: list[str], message: str, tmp_path: Path) -> None:
    cfg = config("correlate", [*overrides, f"out_dir={tmp_path}", f"cache_dir={tmp_path / 'cache'}"])
    with pytest.raises(ValueError) as info:
        correlate.run(cfg)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["algo=foo"], "unknown algo 'foo'; valid choices: all, random, rea"),
        (["protocol=bogus"], "unknown protocol 'bogus'; valid choices: transfer, per_dataset"),
        (["algo=rea", "+params.population=3"], "unknown parameter(s) ['population'] for algo 'rea'"),
        (["dataset=[cifar10,cifar100]"], "protocol=transfer searches on one dataset"),
        (["workers=0"], "workers=0: need at least 1 process"),
        (
            ["protocol=per_dataset", "dataset=[cifar100,imagenet]"],
            "unknown dataset 'imagenet' for nb201; valid choices: cifar10, cifar100, ImageNet16-120, all",
        ),
    ],
)
def test_search_bad_values(overrides: list[str], message: str, tmp_path: Path) -> None:
    cfg = config("search", [*overrides, f"out_dir={tmp_path}", "seeds=1", "budget.queries=3"])
    with pytest.raises(ValueError) as info:
        search_run.run(cfg)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["dataset=cifar100"], ["cifar100"]),
        (["protocol=per_dataset", "dataset=[ImageNet16-120,cifar100]"], ["ImageNet16-120", "cifar100"]),
        (["protocol=per_dataset", "dataset=all"], ["cifar10", "cifar100", "ImageNet16-120"]),
    ],
)
def test_search_datasets_follow_the_protocol(overrides: list[str], expected: list[str]) -> None:
    cfg = config("search", overrides)
    assert search_run.search_datasets(cfg, open_benchmark("nb201")) == expected


def test_config_names_reads_one_name_or_a_list() -> None:
    cfg = OmegaConf.create({"one": "all", "several": ["snip", "synflow"]})
    assert config_names(cfg.one) == ["all"]
    several = config_names(cfg.several)
    assert several == ["snip", "synflow"] and type(several) is list


@pytest.mark.parametrize(
    ("overrides", "single", "label"),
    [
        ([], True, "hnas"),
        (
            ["+params.distinct_classes=true", "+params.n_sample=500"],
            True,
            "hnas[distinct_classes=True,n_sample=500]",
        ),
        (["+params.distinct_classes=true"], False, "hnas"),  # params only apply to an algo that runs alone
    ],
)
def test_params_overrides_get_their_own_label(overrides: list[str], single: bool, label: str) -> None:
    assert search_jobs.algo_label(config("search", overrides), "hnas", single) == label
