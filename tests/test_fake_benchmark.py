"""The tiny fake benchmark of ``tests/fake_benchmark.py`` is consistent, and the Python APIs (``bench.score``,
``bench.correlate``, ``search.run``) work on it through the benchmark registry, without a data root."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fake_benchmark import FakeSpace, FakeTruth, fake_valid, fill_score_cache

import bench
import search
from bench.core.benchmarks import Benchmark, benchmark_names
from bench.core.groundtruth import column
from bench.core.scoring import ScoringOptions
from bench.core.space import Space
from metrics import registry


def test_fake_space_follows_the_protocol() -> None:
    space = FakeSpace()
    assert isinstance(space, Space)
    assert len(space) == 27 and len(set(map(space.arch, range(27)))) == 27
    assert all(len(space.neighbours(i)) == 6 for i in range(27))
    assert space.arch(int(np.argmax(fake_valid(space)))) == ("c", "c", "c")


def test_fake_truth_columns() -> None:
    space = FakeSpace()
    frame = FakeTruth(space).frame("fake10")
    assert np.allclose(frame["test_acc_200ep"] - frame["valid_acc_12ep"], 10.0)
    assert (frame["train_seconds_12ep"] > 0).all()


def test_the_fake_benchmark_opens_through_the_registry(fake_benchmark: Benchmark) -> None:
    assert "fake" in benchmark_names() and fake_benchmark.spec.datasets == ("fake10", "fake100")
    assert len(fake_benchmark.space) == 27 and fake_benchmark.default_target == "test_acc_200ep"
    with pytest.raises(ValueError, match="valid choices: fake10, fake100"):
        fake_benchmark.spec.check_dataset("cifar10")


def _cached_scores(benchmark: Benchmark, cache: Path) -> pd.DataFrame:
    """params = the 200-epoch test accuracy (ρ = 1), synflow = its negative (ρ = −1), in the fake10 cache of
    the default scoring options."""
    truth = column(benchmark.truth, "fake10", "test_acc_200ep")
    values = pd.DataFrame({"params": truth, "synflow": -truth})
    versions = {name: registry.get(name).version for name in values.columns}
    fill_score_cache(cache, ScoringOptions().setup("fake", "fake10"), values, versions)
    return values


def test_score_and_correlate_on_cached_scores(fake_benchmark: Benchmark, tmp_path: Path) -> None:
    values = _cached_scores(fake_benchmark, tmp_path / "cache")
    archs = [26, 3, 0]
    scores = bench.score(
        fake_benchmark,
        ["params", "synflow"],
        archs,
        dataset="fake10",
        cache_dir=tmp_path / "cache",
        root=tmp_path,
    )
    assert (
        scores.index.tolist() == archs and scores["params"].tolist() == values.loc[archs, "params"].tolist()
    )
    everything = bench.score(
        fake_benchmark,
        ["params", "synflow"],
        range(27),
        dataset="fake10",
        cache_dir=tmp_path / "cache",
        root=tmp_path,
    )
    table = bench.correlate(everything, fake_benchmark, dataset="fake10", bootstrap=0).set_index("metric")
    assert table.loc["params", ["n", "spearman", "kendall"]].tolist() == [
        27,
        pytest.approx(1.0),
        pytest.approx(1.0),
    ]
    expected_synflow = -1.0 if registry.get("synflow").higher_is_better else 1.0  # in the declared direction
    assert table.loc["synflow", "spearman"] == pytest.approx(expected_synflow)
    assert table.loc["params", "top10_precision"] == 1.0
    with pytest.raises(ValueError, match=r"outside 0\.\.26"):
        bench.score(
            fake_benchmark, ["params"], [27], dataset="fake10", cache_dir=tmp_path / "cache", root=tmp_path
        )


def test_search_run_on_the_fake_benchmark(fake_benchmark: Benchmark, tmp_path: Path) -> None:
    _cached_scores(fake_benchmark, tmp_path / "cache")
    best = search.run(
        fake_benchmark,
        "zc_only",
        dataset="fake10",
        queries=1,
        params={"metric": "params", "n_samples": 27},
        cache_dir=tmp_path / "cache",
        root=tmp_path,
    )
    # every architecture scored, the best by params (= test accuracy) queried: the optimum of the landscape
    assert fake_benchmark.space.arch(best.row["arch_index"]) == ("c", "c", "c")
    assert best.row["queries"] == 1 and best.row["test_acc_fake10"] == best.row["valid_acc"] + 10.0
    first = search.run(
        fake_benchmark, "rea", seed=3, dataset="fake100", queries=8, params={"population_size": 4}
    )
    again = search.run(
        fake_benchmark, "rea", seed=3, dataset="fake100", queries=8, params={"population_size": 4}
    )
    assert first.row == again.row and len(first.trajectory) == first.row["queries"] == 8
