"""The search oracle, budgets, score sources, registry and result tables (fake benchmark)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from fake_benchmark import FAKE_SPEC, FakeSpace, FakeTruth, fake_scores, fake_valid

from search import registry
from search.oracle import Budget, BudgetExhausted, Oracle
from search.results import incumbents, report, run_search, summarize
from search.scores import TableScores, TrackedScores

VALID = np.array([70.0, 80.0, 75.0, 90.0])
COST = np.array([100.0, 50.0, 200.0, 10.0])


def test_repeat_query_is_free_and_cached() -> None:
    oracle = Oracle(VALID, COST, Budget(max_queries=2))
    assert oracle.query(1) == 80.0
    assert oracle.query(1) == 80.0
    assert (oracle.num_queries, oracle.seconds) == (1, 50.0)
    assert oracle.is_queried(1) and not oracle.is_queried(0)


def test_query_budget_refuses_then_stays_closed() -> None:
    oracle = Oracle(VALID, COST, Budget(max_queries=2))
    oracle.query(0)
    oracle.query(1)
    with pytest.raises(BudgetExhausted, match="query budget of 2"):
        oracle.query(2)
    assert oracle.query(0) == 70.0  # repeats stay free
    assert oracle.num_queries == 2


def test_seconds_budget_refuses_the_crossing_query_and_closes() -> None:
    oracle = Oracle(VALID, COST, Budget(max_seconds=300.0))
    oracle.query(0)
    oracle.query(1)  # 150 s used
    with pytest.raises(BudgetExhausted, match="exceed the time budget"):
        oracle.query(2)  # 350 s > 300 s: refused, not charged
    with pytest.raises(BudgetExhausted):
        oracle.query(3)  # would fit (160 s) but the search has stopped
    assert oracle.seconds == 150.0
    assert [q.index for q in oracle.history] == [0, 1]


def test_query_that_exactly_fills_the_budget_is_allowed() -> None:
    oracle = Oracle(VALID, COST, Budget(max_seconds=150.0))
    oracle.query(0)
    oracle.query(1)
    assert oracle.seconds == 150.0


def test_history_keeps_cumulative_seconds_and_notes() -> None:
    oracle = Oracle(VALID, COST, Budget())
    oracle.query(3, note={"t": 0.5})
    oracle.query(0)
    assert [(q.index, q.valid_acc, q.seconds, q.cumulative_seconds) for q in oracle.history] == [
        (3, 90.0, 10.0, 10.0),
        (0, 70.0, 100.0, 110.0),
    ]
    assert oracle.history[0].note == {"t": 0.5} and oracle.history[1].note == {}


def test_guards_against_endless_free_repeats() -> None:
    oracle = Oracle(VALID, COST, Budget(), max_repeats=3)
    oracle.query(0)
    for _ in range(3):
        oracle.query(0)
    with pytest.raises(BudgetExhausted, match="stalled"):
        oracle.query(0)
    full = Oracle(VALID, COST, Budget())
    for i in range(4):
        full.query(i)
    with pytest.raises(BudgetExhausted, match="every one of the 4"):
        full.query(0)


def test_bad_index_and_budget_values() -> None:
    with pytest.raises(IndexError, match=r"outside 0\.\.3"):
        Oracle(VALID, COST, Budget()).query(4)
    with pytest.raises(ValueError, match="max_queries"):
        Budget(max_queries=0)
    with pytest.raises(ValueError, match="max_seconds"):
        Budget(max_seconds=0.0)


def _reachable(root: object) -> Iterator[object]:
    """Every object reachable from ``root`` through attributes and container items."""
    stack, seen = [root], set()
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        yield obj
        if isinstance(obj, (str, bytes, int, float, np.ndarray, np.generic, pd.DataFrame, pd.Series)):
            continue
        if isinstance(obj, dict):
            stack.extend([*obj.keys(), *obj.values()])
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        else:
            stack.extend(
                getattr(obj, name) for name in getattr(type(obj), "__slots__", ()) if hasattr(obj, name)
            )
            stack.extend(getattr(obj, "__dict__", {}).values())


def _assert_no_test_accuracy(root: object, truth: FakeTruth) -> None:
    tests = np.concatenate([truth.frame(d)["test_acc_200ep"].to_numpy() for d in truth.datasets()])
    for obj in _reachable(root):
        assert not isinstance(obj, (FakeTruth, pd.Series)), f"searcher can reach {type(obj).__name__}"
        if isinstance(obj, pd.DataFrame):
            assert "test_acc_200ep" not in obj.columns
            obj = obj.select_dtypes("number").to_numpy()
        if isinstance(obj, (float, np.ndarray, np.generic)):
            assert not np.isin(np.asarray(obj, dtype=float), tests).any(), "a test accuracy is reachable"


def test_oracle_exposes_no_test_accuracy() -> None:
    space = FakeSpace()
    truth = FakeTruth(space, test_offset=1000.0)  # test accuracies no other column can equal
    oracle = Oracle.from_truth(truth, "fake10", Budget(max_queries=5), FAKE_SPEC.search["fake10"])
    for i in range(5):
        oracle.query(i)
    _assert_no_test_accuracy(oracle, truth)
    assert not any(isinstance(o, pd.DataFrame) for o in _reachable(oracle))


def test_searcher_receives_nothing_leading_to_test_accuracy(monkeypatch: pytest.MonkeyPatch) -> None:
    space = FakeSpace()
    truth = FakeTruth(space, test_offset=1000.0)
    seen: list[tuple] = []

    def spy(space, oracle, scores, rng) -> None:
        seen.append((space, oracle, scores, rng))
        scores.get("good", [0, 1])
        oracle.query(0)

    monkeypatch.setitem(registry.SEARCHERS, "spy", spy)
    row, _ = run_search(
        "spy",
        space,
        truth,
        dataset="fake10",
        scores=fake_scores(space),
        seed=0,
        budget=Budget(3, None),
        params={},
        columns=FAKE_SPEC.search,
    )
    _assert_no_test_accuracy(seen[0], truth)
    assert row["test_acc_fake10"] == pytest.approx(fake_valid(space)[0] + 1000.0)


def test_table_scores_lookup_and_errors() -> None:
    space = FakeSpace()
    scores = fake_scores(space)
    values, seconds = scores.get("ntk_trace", [3, 1])
    assert values == pytest.approx(10.0 * fake_valid(space)[[3, 1]])
    assert seconds.tolist() == [0.5, 0.5]
    assert scores.higher_is_better("good") and not scores.higher_is_better("bad_low")
    with pytest.raises(KeyError, match=r"no row for 1 requested architecture.*\[99\]"):
        scores.get("good", [0, 99])
    with pytest.raises(KeyError, match="unknown metric 'nope'; available: bad_low, good"):
        scores.get("nope", [0])
    with pytest.raises(ValueError, match="lacks column"):
        TableScores(pd.DataFrame({"m": [1.0]}), {"m": True})


def test_tracked_scores_charge_each_pair_once() -> None:
    tracked = TrackedScores(fake_scores(FakeSpace()))
    tracked.get("good", [0, 1, 2])
    tracked.get("good", [2, 3])
    tracked.get("bad_low", [0])
    assert tracked.zc_seconds == pytest.approx(4 * 1.0 + 2.0)
    assert tracked.n_scored == 4  # archs 0..3 (arch 0 on two metrics counts once)


def test_registry_names_and_errors() -> None:
    assert list(registry.SEARCHERS) == [
        "random", "rea", "reinforce", "bo", "local", "zc_only", "zc_warmup_rea",
        "hnas", "hnas_grad_norm", "hnas_snip", "hnas_grasp", "prior_gp", "full_space_ensemble",
    ]  # fmt: skip
    with pytest.raises(ValueError, match=r"unknown algo 'darts'; valid choices: random, rea, .*hnas"):
        registry.get_searcher("darts")
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['pop'\] for algo 'rea'"):
        registry.check_params("rea", {"pop": 3})
    with pytest.raises(ValueError, match=r"'zc_only' needs parameter\(s\): metric"):
        registry.check_params("zc_only", {})


def test_runs_row_and_trajectory() -> None:
    space = FakeSpace()
    truth = FakeTruth(space)
    row, trajectory = run_search(
        "random",
        space,
        truth,
        dataset="fake100",
        scores=fake_scores(space),
        seed=1,
        budget=Budget(6, None),
        params={},
        columns=FAKE_SPEC.search,
    )
    valid = truth.frame("fake100")["valid_acc_12ep"]
    queried = [t["arch_index"] for t in trajectory]
    best = max(queried, key=lambda i: valid[i])
    assert row["arch_index"] == best and row["arch_str"] == space.key(space.arch(best))
    assert row["valid_acc"] == valid[best] and row["queries"] == 6 == len(set(queried))
    assert (
        row["test_acc_fake10"]
        == report(truth, best, FAKE_SPEC.search)["fake10"]
        == truth.frame("fake10")["test_acc_200ep"][best]
    )
    assert row["simulated_seconds"] == trajectory[-1]["simulated_seconds"]
    assert row["zc_seconds"] == 0.0  # random search requests no scores
    assert trajectory[-1]["incumbent_index"] == best
    assert [t["query"] for t in trajectory] == list(range(1, 7))
    assert all(
        a["incumbent_valid_acc"] <= b["incumbent_valid_acc"] for a, b in itertools.pairwise(trajectory)
    )
    assert trajectory[-1]["incumbent_test_acc"] == truth.frame("fake100")["test_acc_200ep"][best]


def test_incumbents_keep_the_earliest_on_ties() -> None:
    oracle = Oracle(np.array([70.0, 80.0, 80.0]), np.ones(3), Budget())
    for i in range(3):
        oracle.query(i)
    assert [q.index for q in incumbents(oracle.history)] == [0, 1, 1]


def test_summarize_mean_and_std() -> None:
    runs = pd.DataFrame(
        {
            "algo": ["a", "a", "b"],
            "queries": [10, 20, 5],
            "simulated_seconds": [1.0, 3.0, 2.0],
            "zc_seconds": [0.0, 0.0, 1.0],
            "n_scored": [0, 0, 4],
            "valid_acc": [80.0, 90.0, 70.0],
            "test_acc_x": [91.0, 93.0, 90.0],
        }
    )
    summary = summarize(runs).set_index("algo")
    assert summary.loc["a", "n_runs"] == 2
    assert summary.loc["b", "n_scored_mean"] == 4
    assert summary.loc["a", "test_acc_x_mean"] == 92.0
    assert summary.loc["a", "test_acc_x_std"] == pytest.approx(np.sqrt(2.0))
    assert np.isnan(summary.loc["b", "valid_acc_std"])
