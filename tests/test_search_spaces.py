"""Searches on any benchmark: declared search columns, queries-only budgets, pools, the NB201 query cost, and
NAS-Bench-Suite-Zero's scores as a score source."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fake_benchmark import FAKE_SPEC, FakeSpace, FakeTruth, fake_scores, fake_valid

import search
from bench.core.benchmarks import SearchColumns, benchmark_spec, open_benchmark
from bench.core.benchmarks.nb201.table import NB201TableGroundTruth
from bench.core.nbsuitezero import table as nbsz_table
from search.external_scores import nb_suite_zero_scores
from search.oracle import Budget, Oracle
from search.pool import MIN_NEIGHBOURS, PoolSpace
from search.registry import SEARCHERS
from search.results import QUERIES_ONLY, run_search

PARAMS = {
    "zc_only": {"metric": "good"},
    "zc_warmup_rea": {"metric": "good", "n_samples": 10, "population_size": 3},
    "prior_gp": {"metrics": ["good", "ntk_condnum"], "n_start": 5, "max_scored": 15},
    "full_space_ensemble": {"metrics": ["good", "ntk_condnum"]},
    "bo": {"n_init": 3, "n_candidates": 20},
}


class PartialTruth(FakeTruth):
    """The fake ground truth covering only the archs whose index is not a multiple of 3 (18 of 27), as a
    TransNAS macro task covers 662 of the 725 networks."""

    def frame(self, dataset: str) -> pd.DataFrame:
        frame = super().frame(dataset)
        return frame[frame.index % 3 != 0]


QUERIES_ONLY_POOL = SearchColumns(signal="valid_acc_12ep", cost=None, final="test_acc_200ep", pool=True)


def test_oracle_reads_the_declared_columns() -> None:
    space = FakeSpace()
    truth = FakeTruth(space)
    swapped = SearchColumns(signal="test_acc_200ep", cost="train_seconds_12ep", final="valid_acc_12ep")
    oracle = Oracle.from_truth(truth, "fake10", Budget(max_queries=3), swapped)
    assert oracle.query(4) == pytest.approx(fake_valid(space)[4] + 10.0)  # FakeTruth: test = valid + 10
    row, trajectory = run_search(
        "random",
        space,
        truth,
        dataset="fake10",
        scores=fake_scores(space),
        seed=0,
        budget=Budget(5, None),
        params={},
        columns={"fake10": swapped},
    )
    best = row["arch_index"]
    assert row["valid_acc"] == pytest.approx(fake_valid(space)[best] + 10.0)  # the signal: test_acc_200ep
    assert row["test_acc_fake10"] == pytest.approx(fake_valid(space)[best])  # the final: valid_acc_12ep
    assert (row["signal"], row["reported"], row["charged"]) == (
        "test_acc_200ep",
        "valid_acc_12ep",
        "train_seconds_12ep",
    )
    assert "test_acc_fake100" not in row  # fake100 declares no search columns here
    assert trajectory[-1]["incumbent_test_acc"] == pytest.approx(row["test_acc_fake10"])


def test_registry_declares_search_columns_or_refuses() -> None:
    nb201 = benchmark_spec("nb201").search_columns("cifar10")
    assert (nb201.signal, nb201.cost, nb201.final, nb201.pool) == (
        "valid_acc_12ep",
        "train_seconds_12ep",
        "test_acc_200ep",
        False,
    )
    assert benchmark_spec("nb301").search_columns("cifar10").queries_only
    assert benchmark_spec("tnb101_macro").search_columns("room_layout").signal == "valid_neg_l2_loss"
    with pytest.raises(ValueError, match="declares no search columns for dataset 'fake10'"):
        dataclasses.replace(FAKE_SPEC, search={}).search_columns("fake10")


def test_benchmark_without_cost_column_runs_queries_only() -> None:
    space = FakeSpace()
    truth = FakeTruth(space)
    columns = {"fake10": SearchColumns("valid_acc_12ep", None, "test_acc_200ep")}
    row, trajectory = run_search(
        "rea",
        space,
        truth,
        dataset="fake10",
        scores=None,
        seed=0,
        budget=Budget(8, None),
        params={},
        columns=columns,
    )
    assert row["queries"] == 8 and row["charged"] == QUERIES_ONLY
    assert math.isnan(row["simulated_seconds"]) and all(
        math.isnan(t["simulated_seconds"]) for t in trajectory
    )
    with pytest.raises(ValueError, match="budget in queries only"):
        run_search(
            "rea",
            space,
            truth,
            dataset="fake10",
            scores=None,
            seed=0,
            budget=Budget(8, 500.0),
            params={},
            columns=columns,
        )


@pytest.mark.parametrize("algo", list(SEARCHERS))
def test_every_searcher_runs_on_a_partial_pool(algo: str) -> None:
    space = FakeSpace()
    truth = PartialTruth(space)
    covered = set(truth.frame("fake10").index)
    row, trajectory = run_search(
        algo,
        space,
        truth,
        dataset="fake10",
        scores=fake_scores(space),
        seed=1,
        budget=Budget(6, None),
        params=PARAMS.get(algo, {}),
        columns={"fake10": QUERIES_ONLY_POOL, "fake100": QUERIES_ONLY_POOL},
    )
    queried = [t["arch_index"] for t in trajectory]
    assert set(queried) <= covered and len(set(queried)) == len(queried) == row["queries"] <= 6
    assert row["arch_index"] == max(
        queried, key=lambda i: fake_valid(space)[i]
    )  # benchmark indices, not pool's
    assert row["test_acc_fake10"] == pytest.approx(fake_valid(space)[row["arch_index"]] + 10.0)


def test_pool_neighbours_are_the_nearest_members() -> None:
    space = FakeSpace()  # all 27 tuples of 3 ops in {a, b, c}: 6 one-change neighbours each
    members = [i for i in range(len(space)) if i % 3 != 0]
    pool = PoolSpace(space, members)
    for position in range(len(pool)):
        arch = pool.arch(position)
        distance = {
            n: sum(x != y for x, y in zip(arch, pool.arch(n), strict=True)) for n in pool.neighbours(position)
        }
        one_change = [
            n for n in range(len(pool)) if sum(x != y for x, y in zip(arch, pool.arch(n), strict=True)) == 1
        ]
        assert len(distance) >= MIN_NEIGHBOURS and position not in distance
        assert set(one_change) <= set(distance)  # every in-pool one-change neighbour is a neighbour
        if len(one_change) >= MIN_NEIGHBOURS:
            assert set(distance) == set(one_change)
    assert pool.index(space.arch(members[4])) == 4
    with pytest.raises(KeyError):
        pool.index(space.arch(0))  # index 0 is not in the pool


def test_nb201_cifar10_query_cost_is_cifar10_valid_12_epochs(
    nb201_truth: NB201TableGroundTruth, root: Path
) -> None:
    table = pd.read_csv(
        root / "nb201" / "nb201_merged.csv.gz",
        usecols=["cifar10_train_time_per_epoch_s_200ep", "cifar100_train_time_per_epoch_s_200ep"],
    )
    per_epoch = table.loc[0, "cifar10_train_time_per_epoch_s_200ep"]
    assert per_epoch == pytest.approx(14.442186)
    assert nb201_truth.frame("cifar10").loc[0, "train_seconds_12ep"] == pytest.approx(per_epoch * 12 * 0.5)
    assert nb201_truth.frame("cifar100").loc[0, "train_seconds_12ep"] == pytest.approx(
        12 * table.loc[0, "cifar100_train_time_per_epoch_s_200ep"]
    )


def test_nb_suite_zero_scores_serve_their_file(root: Path) -> None:
    nb301 = open_benchmark("nb301", root)
    scores = nb_suite_zero_scores(nb301.truth, "cifar10", ["synflow", "jacob_cov"])
    theirs = nbsz_table(root, "nb301", "cifar10")
    values, seconds = scores.get("jacob_cov", [0, 7])
    assert values.tolist() == theirs.loc[[0, 7], "jacob_cov"].tolist()
    assert seconds.tolist() == theirs.loc[[0, 7], "jacob_cov_seconds"].tolist()
    with pytest.raises(ValueError, match="NB-Suite-Zero has no ntk_trace on nb301/cifar10"):
        nb_suite_zero_scores(nb301.truth, "cifar10", ["ntk_trace"])
    with pytest.raises(ValueError, match="offers no NB-Suite-Zero proxy scores"):
        nb_suite_zero_scores(FakeTruth(FakeSpace()), "fake10", ["good"])


def test_search_on_nb301_and_a_transnas_task(root: Path) -> None:
    nb301 = open_benchmark("nb301", root)
    valid = nb301.truth.frame("cifar10")["valid_acc_100ep"]
    result = search.run(
        nb301,
        "prior_gp",
        seed=0,
        queries=5,
        params={"metrics": ["synflow", "naswot"]},
        scores_source="nb-suite-zero",
    )
    row = result.row
    assert row["queries"] == 5 and row["scores_source"] == "nb-suite-zero" and row["charged"] == QUERIES_ONLY
    assert row["valid_acc"] == row["test_acc_cifar10"] == pytest.approx(valid.loc[row["arch_index"]])
    assert row["n_scored"] == len(valid)  # n_start 1,000 > the pool of 725: PriorGP scores all of it
    macro = open_benchmark("tnb101_macro", root)
    scene = macro.truth.frame("class_scene")["valid_top1_acc"]
    row = search.run(macro, "rea", seed=0, dataset="class_scene", queries=12).row
    assert row["arch_index"] in scene.index and row["valid_acc"] == pytest.approx(
        scene.loc[row["arch_index"]]
    )
    assert row["signal"] == row["reported"] == "valid_top1_acc" and row["scores_source"] == "none"
    assert np.isnan(row["simulated_seconds"])
