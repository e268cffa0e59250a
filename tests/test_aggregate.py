"""Population aggregators (bench.core.aggregate): rules, ties, NaN policy, directions, declarations, the Python
API and the correlate CLI, on hand-made frames and the 27-architecture fake benchmark."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fake_benchmark import fill_score_cache
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from omegaconf import open_dict
from scipy import stats

import bench
from bench.apps import correlate
from bench.apps.config import scoring_options
from bench.core import aggregate
from bench.core.benchmarks import Benchmark
from bench.core.groundtruth import column
from metrics import registry

CONF = str(Path(__file__).resolve().parent.parent / "conf")
LOWER = "ntk_condnum"  # a lower-is-better metric


def test_declared_directions_of_the_metrics_used_here() -> None:
    assert registry.get("params").higher_is_better and registry.get("synflow").higher_is_better
    assert not registry.get(LOWER).higher_is_better


def test_log_rank_sum_by_hand_with_ties_nan_and_a_lower_is_better_metric() -> None:
    scores = pd.DataFrame(
        {"params": [3.0, 1.0, 2.0, 2.0], LOWER: [10.0, math.nan, 30.0, 20.0]}, index=[7, 8, 9, 10]
    )
    # params ascending, ties averaged: 4, 1, 2.5, 2.5; ntk_condnum negated, NaN worst: 4, 1, 2, 3
    expected = np.log(np.array([4, 1, 2.5, 2.5]) / 4) + np.log(np.array([4, 1, 2, 3]) / 4)
    result = aggregate.combine(scores, aggregate.parse(f"params+{LOWER}"))
    assert result.name == f"log_rank_sum:params+{LOWER}" and result.index.tolist() == [7, 8, 9, 10]
    assert np.allclose(result.to_numpy(), expected)
    ranks = aggregate.combine(scores, aggregate.parse(f"rank_sum:params+{LOWER}"))
    assert ranks.tolist() == [8.0, 2.0, 4.5, 5.5]


def test_a_score_depends_on_the_population_it_is_ranked_in() -> None:
    scores = pd.DataFrame({"params": [1.0, 2.0, 3.0], "synflow": [3.0, 1.0, 2.0]})
    whole = aggregate.combine(scores, aggregate.parse("params+synflow"))
    part = aggregate.combine(scores.iloc[:2], aggregate.parse("params+synflow"))
    assert whole.iloc[0] == pytest.approx(math.log(1 / 3) + math.log(3 / 3))
    assert part.iloc[0] == pytest.approx(math.log(1 / 2) + math.log(2 / 2))


def test_lexicographic_component_uses_dense_ranks() -> None:
    scores = pd.DataFrame({"n_layers": [2.0, 1.0, 2.0, 2.0], "params": [5.0, 9.0, 5.0, 7.0]})
    ranks = aggregate.component_ranks(scores, "n_layers|params")
    assert ranks.tolist() == [2.0, 1.0, 2.0, 3.0]


def test_named_aggregates_are_data_only_declarations() -> None:
    az = aggregate.check(aggregate.parse("az_nas"))
    assert az.rule == "log_rank_sum" and az.metrics() == [
        "az_expressivity",
        "az_progressivity",
        "az_trainability",
        "az_complexity",
    ]
    vkdnw = aggregate.parse("vkdnw_agg")
    assert vkdnw.metrics() == ["n_layers", "vkdnw", "az_expressivity", "az_trainability", "az_complexity"]
    comb = aggregate.check(aggregate.parse("vkdnw_comb"))
    assert comb.rule == "log_rank_sum"
    assert comb.metrics() == ["flops", "az_expressivity", "az_trainability", "jacob_cov", "vkdnw_single"]
    assert az.describe()["ties"] == "average" and az.describe()["nan_policy"] == "worst"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("meco+foo", "ensemble 'log_rank_sum:meco+foo': unknown metric 'foo'"),
        ("median:meco+naswot", "unknown rule 'median'; valid rules: log_rank_sum, rank_sum"),
        ("meco", "expected a named aggregate (az_nas, vkdnw_agg, vkdnw_comb) or RULE:A+B+..."),
        ("meco++naswot", "at least two metrics"),
    ],
)
def test_bad_ensembles_are_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        aggregate.resolve([text])
    assert message in str(info.value) and "\n" not in str(info.value)


def test_the_same_ensemble_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        aggregate.resolve(["params+synflow", "log_rank_sum:params+synflow"])


def _cache(benchmark: Benchmark, cache: Path, setup) -> pd.DataFrame:
    """params = test accuracy (ρ = 1), synflow = accuracy with the best and worst swapped, in ``cache``."""
    truth = column(benchmark.truth, "fake10", "test_acc_200ep")
    noisy = truth.copy()
    best, worst = truth.idxmax(), truth.idxmin()
    noisy[best], noisy[worst] = truth[worst], truth[best]
    values = pd.DataFrame({"params": truth, "synflow": noisy})
    fill_score_cache(cache, setup, values, {m: registry.get(m).version for m in values})
    return values


def test_python_api_aggregates_over_a_population(fake_benchmark: Benchmark, tmp_path: Path) -> None:
    values = _cache(fake_benchmark, tmp_path / "cache", bench.ScoringOptions().setup("fake", "fake10"))
    scores = bench.score(
        fake_benchmark, ["params", "synflow"], range(27), dataset="fake10", cache_dir=tmp_path / "cache"
    )
    result = bench.aggregate(scores, "params+synflow")
    expected = aggregate.combine(values, aggregate.parse("params+synflow"))
    assert np.allclose(result.to_numpy(), expected.loc[scores.index].to_numpy())
    same = bench.aggregate(scores, "params+synflow", benchmark=fake_benchmark, population="no_dead_ops")
    assert np.allclose(same.to_numpy(), result.to_numpy())  # the fake space has no dead ops
    with pytest.raises(ValueError, match="population must be one of all, no_dead_ops, one_per_class"):
        bench.aggregate(scores, "params+synflow", benchmark=fake_benchmark, population="pool")
    table = bench.correlate(
        scores, fake_benchmark, dataset="fake10", bootstrap=0, ensembles=["rank_sum:params+synflow"]
    ).set_index("metric")
    with pytest.raises(ValueError, match="ensemble component 'meco' is not a column of scores"):
        bench.correlate(scores, fake_benchmark, dataset="fake10", ensembles=["meco+params"])
    row = table.loc["rank_sum:params+synflow"]
    assert row["ranked_within"] == "the 27 architectures of the scores given" and row["n"] == 27
    by_hand = stats.rankdata(values["params"]) + stats.rankdata(values["synflow"])
    truth = column(fake_benchmark.truth, "fake10", "test_acc_200ep")
    assert row["spearman"] == pytest.approx(stats.spearmanr(by_hand, truth.loc[values.index]).statistic)
    assert row["spearman"] < table.loc["params", "spearman"] == pytest.approx(1.0)


def _cli(tmp_path: Path, overrides: list[str]):
    """The correlate config on the fake benchmark, with Hydra's own config set as a command-line run sets it."""
    with initialize_config_dir(config_dir=CONF, version_base="1.3"):
        cfg = compose(
            config_name="correlate",
            return_hydra_config=True,
            overrides=[
                "space=fake",
                "dataset=fake10",
                "sample=20",
                "seed=1",
                "metrics=[params]",
                "stats.bootstrap=40",
                "progress=false",
                f"out_dir={tmp_path / 'out'}",
                f"cache_dir={tmp_path / 'cache'}",
                f"leaderboard={tmp_path / 'board' / 'correlations.csv'}",
                *overrides,
            ],
        )
    HydraConfig.instance().set_config(cfg)
    job = copy.deepcopy(cfg)
    with open_dict(job):
        del job["hydra"]
    return job


def test_cli_ensembles_go_on_the_leaderboard(fake_benchmark: Benchmark, tmp_path: Path) -> None:
    cfg = _cli(tmp_path, ["ensembles=[params+synflow,rank_sum:params+synflow]"])
    values = _cache(fake_benchmark, tmp_path / "cache", scoring_options(cfg.scoring).setup("fake", "fake10"))
    out = correlate.run(cfg)
    assert out is not None
    table = pd.read_csv(out / "correlations.csv").set_index("metric")
    assert {"params", "synflow", "log_rank_sum:params+synflow", "rank_sum:params+synflow"} <= set(table.index)
    drawn = pd.read_parquet(out / "scores.parquet").set_index("arch_index")
    expected = aggregate.combine(values.loc[drawn.index], aggregate.parse("params+synflow"))
    assert np.allclose(drawn["log_rank_sum:params+synflow"], expected)
    assert table.loc["log_rank_sum:params+synflow", "ranked_within"] == "all, sample 20 (seed 1), n = 20"
    board = pd.read_csv(tmp_path / "board" / "correlations.csv").set_index("metric")
    assert board.loc["rank_sum:params+synflow", "ranked_within"] == "all, sample 20 (seed 1), n = 20"
    assert pd.isna(board.loc["params", "ranked_within"])
    markdown = (tmp_path / "board" / "correlations.md").read_text()
    assert "| rank_sum:params+synflow (ranks within all, sample 20 (seed 1), n = 20) |" in markdown
    # each ensemble against the other and against both metrics (not metric against metric), same ρ as above
    pairs = pd.read_csv(out / "ensemble_differences.csv")
    ensembles = {"log_rank_sum:params+synflow", "rank_sum:params+synflow"}
    assert len(pairs) == 5 and all(ensembles & {row.metric_a, row.metric_b} for row in pairs.itertuples())
    for row in pairs.itertuples():
        assert row.spearman_a == pytest.approx(table.loc[row.metric_a, "spearman"], abs=1e-9)
        assert row.spearman_b == pytest.approx(table.loc[row.metric_b, "spearman"], abs=1e-9)
    assert not ensembles & set(pd.read_csv(out / "metric_differences.csv")[["metric_a", "metric_b"]].stack())


@pytest.mark.parametrize(
    ("ensembles", "message"),
    [
        ("[params+nope]", "unknown metric 'nope'"),
        ("[mean:params+synflow]", "unknown rule 'mean'"),
    ],
)
def test_cli_bad_ensembles_fail_before_any_work(
    fake_benchmark: Benchmark, tmp_path: Path, ensembles: str, message: str
) -> None:
    cfg = _cli(tmp_path, [f"ensembles={ensembles}"])
    with pytest.raises(ValueError) as info:
        correlate.check_settings(cfg)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "cache").exists() and not (tmp_path / "out").exists()
