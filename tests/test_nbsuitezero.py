"""NB-Suite-Zero's score files: reading, target names, and their rows on the leaderboard (small fixtures)."""

from __future__ import annotations

import gzip
import json
import math
import sys
from pathlib import Path

import pandas as pd
import pytest

from bench.apps import nbsz_board
from bench.core import nbsuitezero
from bench.core.paths import DataFileError


def write_file(root: Path, benchmark: str, data: dict) -> None:
    path = root / nbsuitezero.FILES[benchmark]
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(data, handle)


def micro_records(count: int) -> dict:
    """``count`` TransNAS-style records: bare scores, epe_nas failed everywhere, snip tracking the truth."""
    return {
        f"(1, 0, 0, 2, 1, {i})": {
            "idx": str(i),
            "arch": f"(1, 0, 0, 2, 1, {i})",
            "val_accuracy": -1.0 + 0.1 * i,
            "snip": float(i),
            "nwot": float(-i),
            "epe_nas": -100000000.0,
        }
        for i in range(count)
    }


def test_table_maps_names_and_failures(tmp_path: Path) -> None:
    write_file(tmp_path, "tnb101_micro", {"room_layout": micro_records(6)})
    table = nbsuitezero.table(tmp_path, "tnb101_micro", "room_layout")
    assert list(table["key"])[:2] == ["(1, 0, 0, 2, 1, 0)", "(1, 0, 0, 2, 1, 1)"]
    assert nbsuitezero.proxy_names(table) == ["snip", "naswot", "epe_nas"]
    assert table["epe_nas"].isna().all() and table.at[3, "snip"] == 3.0
    assert math.isclose(table.at[5, "val_accuracy"], -0.5)


def test_nested_nb101_file_and_timed_scores(tmp_path: Path) -> None:
    record = {"val_accuracy": 90.0, "jacov": {"score": -32.1, "time": 0.5}}
    write_file(tmp_path, "nb101", {"nasbench101": {"cifar10": {"(0, 1)": record}}})
    table = nbsuitezero.table(tmp_path, "nb101", "cifar10")
    assert nbsuitezero.tasks(tmp_path, "nb101") == ("cifar10",)
    assert table.loc[0, ["jacob_cov", "jacob_cov_seconds"]].tolist() == [-32.1, 0.5]


def test_target_names_and_one_line_errors(tmp_path: Path) -> None:
    assert nbsuitezero.target_name("tnb101_macro", "room_layout") == "valid_neg_l2_loss"
    assert nbsuitezero.target_name("tnb101_micro", "segmentsemantic") == "valid_pixel_acc"
    assert nbsuitezero.target_name("nb301", "cifar10") == "valid_acc_100ep"
    with pytest.raises(ValueError, match="unknown TransNAS-Bench-101 task 'depth'"):
        nbsuitezero.target_name("tnb101_micro", "depth")
    with pytest.raises(ValueError, match="no file for 'nb999'"):
        nbsuitezero.file_path(tmp_path, "nb999")
    with pytest.raises(DataFileError, match="zc_transbench101_macro"):
        nbsuitezero.table(tmp_path, "tnb101_macro", "jigsaw")
    write_file(tmp_path, "tnb101_micro", {"jigsaw": micro_records(3)})
    with pytest.raises(ValueError, match="unknown task 'depth'"):
        nbsuitezero.table(tmp_path, "tnb101_micro", "depth")


def test_board_rows_sit_beside_ours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_file(tmp_path, "tnb101_micro", {"room_layout": micro_records(8), "jigsaw": micro_records(8)})
    board = tmp_path / "board" / "correlations.csv"
    ours = pd.DataFrame(
        {"space": ["nb201"], "dataset": ["cifar10"], "protocol": ["p"], "target": ["t"], "metric": ["snip"]}
    )
    board.parent.mkdir()
    ours.assign(
        n=10, spearman=0.5, top10_precision=0.0, nan_rate=0.0, sample="all", sample_seed=0, setup_id="s"
    ).to_csv(board, index=False)
    argv = [
        "bench nbsz-board",
        "--benchmarks",
        "tnb101_micro",
        "--bootstrap",
        "0",
        "--data-root",
        str(tmp_path),
    ]
    monkeypatch.setattr(sys, "argv", [*argv, "--leaderboard", str(board), "--out", str(tmp_path / "nbsz")])
    assert nbsz_board.main() == 0
    rows = pd.read_csv(board)
    theirs = rows[rows["source"] == "nb-suite-zero"].set_index(["dataset", "metric"])
    assert set(rows["source"]) == {"ours", "nb-suite-zero"} and len(theirs) == 6
    assert theirs.at[("room_layout", "snip"), "spearman"] == pytest.approx(1.0)
    assert theirs.at[("room_layout", "naswot"), "spearman"] == pytest.approx(-1.0)
    assert theirs.at[("jigsaw", "epe_nas"), "nan_rate"] == 1.0
    assert theirs.at[("room_layout", "snip"), "target"] == "valid_neg_l2_loss"
    assert (board.parent / "spearman_by_task.png").is_file()
    heat = pd.read_csv(board.parent / "spearman_by_task.csv", index_col=0)
    assert heat.at["micro/layout NBSZ", "snip"] == pytest.approx(1.0)
    assert heat.at["nb201/cifar10 ours", "snip"] == pytest.approx(0.5)


def test_unknown_benchmark_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        sys, "argv", ["bench nbsz-board", "--benchmarks", "nb999", "--data-root", str(tmp_path)]
    )
    assert nbsz_board.main() == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
