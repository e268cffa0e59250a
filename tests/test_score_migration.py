"""``python -m bench rename-metric``: a metric renamed in a sealed score cache keeps its values and checksums."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bench.core.score_checksums import write_checksums
from bench.core.score_migration import main, rename_metric
from bench.core.scoring import CHECKSUM_FILE, SCHEMA, read_table


def sealed_folder(root: Path, name: str, metrics: list[str]) -> Path:
    folder = root / "nb201" / "cifar10" / name
    folder.mkdir(parents=True)
    rows = pd.DataFrame(
        {
            "arch_index": [i for _ in metrics for i in (0, 1, 1500)],
            "metric": [m for m in metrics for _ in range(3)],
            "version": 1,
            "value": [float(i) for i in range(3 * len(metrics))],
            "seconds": 0.5,
            "error": [f"{m}: undefined" if i == 2 else "" for m in metrics for i in range(3)],
            "device": "cpu",
        }
    ).astype({c: t for c, t in SCHEMA.items() if t != "str"})
    rows.to_parquet(folder / "scores.parquet", index=False)
    write_checksums(folder / CHECKSUM_FILE, rows, folder / "scores.parquet")
    return folder


def test_rename_keeps_values_and_reseals(tmp_path: Path) -> None:
    folder = sealed_folder(tmp_path, "a", ["synflow", "synflow_log"])
    untouched = sealed_folder(tmp_path, "b", ["params"])
    assert rename_metric(tmp_path, "synflow_log", "synflow_log10") == {folder: 3, untouched: 0}
    rows, problems = read_table(folder / "scores.parquet", folder / CHECKSUM_FILE)
    assert problems == []
    renamed = rows[rows["metric"] == "synflow_log10"].set_index("arch_index")
    assert renamed["value"].tolist() == [3.0, 4.0, 5.0]
    assert renamed.loc[1500, "error"] == "synflow_log10: undefined"
    assert not (rows["metric"] == "synflow_log").any()
    assert (rows[rows["metric"] == "synflow"]["value"] == [0.0, 1.0, 2.0]).all()


def test_rename_refuses_to_merge_into_an_existing_metric(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    folder = sealed_folder(tmp_path, "a", ["synflow", "synflow_log"])
    before = (folder / "scores.parquet").read_bytes()
    assert main([str(tmp_path), "synflow_log", "synflow"]) == 1
    assert "already holds metric 'synflow'" in capsys.readouterr().err
    assert (folder / "scores.parquet").read_bytes() == before
