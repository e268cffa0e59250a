"""The analyses behind scripts/compare_searches.py, compare_setups.py, cell_subsets.py and target_sensitivity.py,
on small fake inputs (and NAS-Bench-Suite-Zero's NB201 target read from the shared table, where it is)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bench.apps.analyses import Comparison, Side, compare_protocols, read_run_scores, target_sensitivity_rows
from bench.apps.report import target_section
from bench.core.cell_subsets import SIZE_LIMITS, cell_subsets, subset_rows
from bench.core.nbsuitezero import nb201_accuracy
from bench.core.paths import DataFileError, data_root
from bench.core.seed_differences import mean_difference, mean_difference_ci
from bench.core.setup_differences import setup_differences


def test_paired_interval_of_a_constant_shift_is_that_shift() -> None:
    a = np.array([91.0, 92.5, 93.0, 90.0])
    assert mean_difference_ci(a, a - 0.75, paired=True, n_boot=200) == pytest.approx((0.75, 0.75))


def test_unpaired_interval_resamples_each_side() -> None:
    a, b = np.array([1.0, 2.0, 3.0]), np.array([5.0, 5.0])
    low, high = mean_difference_ci(a, b, paired=False, n_boot=2000)
    # b is constant, so the interval is that of mean(a) (values in [1, 3]) shifted by −5
    assert -4.0 <= low < -3.0 < high <= -2.0
    assert mean_difference_ci(a, b, paired=False, n_boot=2000) == (low, high)  # seeded
    with pytest.raises(ValueError, match="one value per seed"):
        mean_difference_ci(a, b, paired=True)


def test_mean_difference_on_hand_values() -> None:
    row = mean_difference(np.array([1.0, 2.0, 3.0]), np.zeros(3), paired=True, n_boot=100)
    assert (row["n_a"], row["n_b"], row["mean_a"], row["std_a"], row["mean_b"]) == (3, 3, 2.0, 1.0, 0.0)
    assert row["difference"] == 2.0 and row["ci_low"] >= 1.0 and row["ci_high"] <= 3.0
    # paired differences 1, 2, 3: t = 2 / (1 / √3) = √12 with 2 degrees of freedom, p = 1 − t / √(t² + 2)
    assert row["p_value"] == pytest.approx(1 - math.sqrt(12) / math.sqrt(14))
    # Welch on the same values: b has no variance, so t and its degrees of freedom are a's alone
    assert mean_difference(np.array([1.0, 2.0, 3.0]), np.zeros(3), paired=False)["p_value"] == pytest.approx(
        row["p_value"]
    )


def _write_runs(folder: Path, rows: list[tuple[str, int, str, float, float]]) -> None:
    folder.mkdir(parents=True)
    frame = pd.DataFrame(rows, columns=["algo", "seed", "dataset", "valid_acc", "test_acc_cifar100"])
    frame.to_csv(folder / "runs.csv", index=False)


def test_protocol_comparison_reads_both_folders(tmp_path: Path) -> None:
    _write_runs(
        tmp_path / "a",
        [
            ("hnas[distinct_classes=True]", 0, "cifar100", 40.0, 70.0),
            ("hnas[distinct_classes=True]", 1, "cifar100", 41.0, 72.0),
            ("hnas[distinct_classes=True]", 2, "cifar100", 42.0, 71.0),
            ("rea", 0, "cifar10", 80.0, 60.0),  # another search signal: not this side
            ("only_a", 0, "cifar100", 1.0, 1.0),
        ],
    )
    _write_runs(
        tmp_path / "b",
        [
            ("hnas", 0, "cifar100", 39.0, 69.0),
            ("hnas", 1, "cifar100", 40.0, 70.0),
            ("rea", 0, "cifar100", 1, 1),
        ],
    )
    unpaired = Comparison("a_vs_b", Side("a", "cifar100"), Side("b", "cifar100"), "cifar100")
    table = compare_protocols(tmp_path, unpaired)
    assert table["algo"].tolist() == [
        "hnas"
    ]  # the option label is dropped; rea and only_a are on one side only
    row = table.iloc[0]
    assert (row["n_a"], row["n_b"], row["mean_a"], row["mean_b"]) == (3, 2, 71.0, 69.5)
    assert row["difference"] == 1.5 and (row["valid_acc_a"], row["valid_acc_b"]) == (41.0, 39.5)
    assert (row["a"], row["b"], bool(row["paired"])) == ("a:cifar100", "b:cifar100", False)
    paired = compare_protocols(
        tmp_path, Comparison("a_vs_b", unpaired.a, unpaired.b, "cifar100", paired=True)
    )
    assert paired.iloc[0][["n_a", "n_b", "mean_a", "difference"]].tolist() == [
        2,
        2,
        71.0,
        1.5,
    ]  # seeds 0 and 1
    with pytest.raises(FileNotFoundError, match=r"runs\.csv"):
        compare_protocols(tmp_path, Comparison("x", Side("missing", "cifar100"), unpaired.b, "cifar100"))


def test_setup_differences_on_the_shared_architectures() -> None:
    truth = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], index=range(10, 16))
    first = pd.DataFrame(
        {"params": [1.0, 2.0, 3.0, 4.0, 5.0], "synflow": [5.0, 4.0, 3.0, 2.0, 1.0]}, index=range(10, 15)
    )
    second = pd.DataFrame(
        {"params": [2.0, 3.0, 4.0, 5.0, 6.0], "synflow": [1.0, 2.0, 3.0, 4.0, 5.0], "other": 0.0},
        index=range(11, 16),
    )
    table = setup_differences(first, second, truth, n_boot=50).set_index("metric")
    assert list(table.index) == [
        "synflow",
        "params",
    ]  # sorted by difference, largest first; unknown columns ignored
    assert table.loc["params", ["n", "spearman_first", "spearman_second", "difference"]].tolist() == [
        4,
        1.0,
        1.0,
        0.0,
    ]
    # on arch 11..14 first's synflow falls with accuracy (ρ = −1), second's rises (ρ = +1); they anti-correlate
    assert table.loc[
        "synflow", ["spearman_first", "spearman_second", "difference", "scores_spearman"]
    ].tolist() == [
        pytest.approx(-1.0),
        pytest.approx(1.0),
        pytest.approx(2.0),
        pytest.approx(-1.0),
    ]
    with pytest.raises(ValueError, match="no architecture in common"):
        setup_differences(first, second.set_index(second.index + 100), truth, n_boot=0)


def test_cell_subsets_by_class_size_and_scored_cells() -> None:
    # classes: 0 → cells 0..3 (4 cells), 4 → cells 4, 5 (2 cells), 6 → cell 6 alone
    scores = pd.DataFrame(
        {
            "canonical_index": [0, 0, 0, 0, 4, 4, 6],
            "params": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            "synflow": [np.nan, 2.0, 1.0, 4.0, 3.0, 6.0, 5.0],
        },
        index=pd.RangeIndex(7, name="arch_index"),
    )
    subsets = cell_subsets(scores, ["params", "synflow"])
    assert list(subsets) == ["all", "all_scored", *(f"class_size<={k}" for k in SIZE_LIMITS)]
    assert subsets["all_scored"].tolist() == [1, 2, 3, 4, 5, 6]
    assert subsets["class_size<=1"].tolist() == [6]
    assert subsets["class_size<=2"].tolist() == [4, 5, 6]
    assert subsets["class_size<=4"].tolist() == list(range(7))
    truth = pd.Series(np.arange(7, dtype=float) * 10, index=scores.index)
    rows = subset_rows(scores, truth, ["params", "synflow"]).set_index(["cells", "metric"])
    assert rows.loc[
        ("all", "params"), ["n_cells", "n_classes", "mean_accuracy", "n", "spearman"]
    ].tolist() == [
        7,
        3,
        30.0,
        7,
        1.0,
    ]
    assert rows.loc[("all", "synflow"), "n"] == 6  # its NaN is left out
    assert rows.loc[("class_size<=2", "params"), ["n_cells", "n_classes", "mean_accuracy"]].tolist() == [
        3,
        2,
        50.0,
    ]
    assert rows.loc[("class_size<=2", "synflow"), "spearman"] == pytest.approx(0.5)  # 3, 6, 5 vs 40, 50, 60


def test_run_scores_are_read_by_architecture(tmp_path: Path) -> None:
    pd.DataFrame({"arch_index": [3, 1], "params": [0.5, 0.25]}).to_parquet(tmp_path / "scores.parquet")
    assert read_run_scores(tmp_path)["params"].to_dict() == {3: 0.5, 1: 0.25}
    with pytest.raises(FileNotFoundError, match=r"scores\.parquet"):
        read_run_scores(tmp_path / "absent")


def sensitivity_rows() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """target_sensitivity_rows on six architectures (index out of order, one NaN score), with both targets."""
    index = pd.Index([7, 3, 9, 1, 4, 8], name="arch_index")
    truth = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], index=index, name="test_acc_200ep")
    # the other target swaps the two best architectures; given in another order, aligned by index
    nbsz = pd.Series([1.0, 2.0, 3.0, 4.0, 6.0, 5.0], index=index, name="nbsz_val_accuracy")[::-1]
    scores = pd.DataFrame({"params": truth.to_numpy(), "error": -truth.to_numpy()}, index=index)
    scores.loc[9, "params"] = math.nan  # left out of both correlations
    rows = target_sensitivity_rows(scores, {"params": True, "error": False}, truth, nbsz, n_boot=200)
    return rows, truth, nbsz


def test_target_sensitivity_moves_each_metric_by_the_change_of_target() -> None:
    rows, truth, nbsz = sensitivity_rows()
    index = truth.index
    rows = rows.set_index("metric")
    expected_nbsz = stats.spearmanr([1, 2, 4, 5, 6], [1, 2, 4, 6, 5]).statistic  # 0.9
    assert rows.loc["params", "n"] == 5 and rows.loc["error", "n"] == 6
    assert rows.loc["params", "spearman_target"] == pytest.approx(1.0)
    assert rows.loc["params", "spearman_nbsz"] == pytest.approx(expected_nbsz)
    assert rows.loc["params", "difference"] == pytest.approx(expected_nbsz - 1.0)
    # lower-is-better: negated before ranking, so a perfect reverse ranker scores +1 against the target
    assert rows.loc["error", "spearman_target"] == pytest.approx(1.0)
    assert rows.loc["error", "spearman_nbsz"] == pytest.approx(
        stats.spearmanr(truth, nbsz.reindex(index)).statistic
    )
    for name in ("params", "error"):
        row = rows.loc[name]
        assert row["difference_ci_low"] <= row["difference"] <= row["difference_ci_high"] <= 0.0
        assert row["spearman_nbsz_ci_low"] <= row["spearman_nbsz"] <= row["spearman_nbsz_ci_high"]
    assert set(rows["target"]) == {"test_acc_200ep"} and set(rows["nbsz_target"]) == {"nbsz_val_accuracy"}


def test_report_section_renders_each_target_table(tmp_path: Path) -> None:
    run = tmp_path / "correlate" / "nb201_cifar10_x"
    run.mkdir(parents=True)
    sensitivity_rows()[0].to_csv(run / "target_sensitivity.csv", index=False)
    text = "\n".join(target_section(tmp_path))
    assert "### nb201_cifar10_x" in text
    assert "| metric | n | ρ `test_acc_200ep` | ρ `nbsz_val_accuracy` | Δ |" in text
    assert "| params | 5 | 1.000 | 0.900 [" in text and "| error | 6 | 1.000 | 0.943 [" in text
    assert "not yet computed" in "\n".join(target_section(tmp_path / "empty"))


def test_suite_zero_target_is_read_from_the_shared_table() -> None:
    try:
        root = data_root()
        accuracy = nb201_accuracy(root, "cifar10")
    except DataFileError:
        pytest.skip("shared NB201 table not available")
    assert len(accuracy) == 15625 and list(accuracy.index[:2]) == [0, 1] and accuracy.notna().all()
    # PROVENANCE.md: one seed of cifar10-valid, best 91.57 at arch 1459 (the published seed mean: 91.61 at 6111)
    assert accuracy.max() == pytest.approx(91.57) and accuracy.idxmax() == 1459
    assert accuracy.name == "nbsz_val_accuracy"
    with pytest.raises(ValueError, match="cifar1000"):
        nb201_accuracy(root, "cifar1000")
