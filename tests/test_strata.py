"""Spearman within conv-count strata (bench.core.strata) and its report section, on a hand-made population."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.apps.analyses import conv_strata_table
from bench.apps.report import strata_section
from bench.core.strata import MIN_STRATUM, spearman_within_strata, wide


def population() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Two strata of 12: accuracy 0..11 in stratum 22 and 12..23 in stratum 37; params follows accuracy in
    stratum 22 and reverses it in stratum 37, where every network is larger (params + 100), so the
    whole-population ρ is positive."""
    accuracy = np.arange(24.0)
    strata = pd.Series([22] * 12 + [37] * 12)
    params = np.concatenate([np.arange(12.0), 100.0 + np.arange(12.0)[::-1]])
    synflow = np.concatenate(
        [np.arange(12.0), [math.nan] * (12 - MIN_STRATUM + 1) + list(range(MIN_STRATUM - 1))]
    )
    return pd.DataFrame({"params": params, "synflow": synflow}), pd.Series(accuracy), strata


def test_a_correlation_can_flip_inside_a_stratum() -> None:
    scores, truth, strata = population()
    table = spearman_within_strata(scores, truth, {"params": True, "synflow": True}, strata).set_index(
        ["metric", "stratum"]
    )
    assert table.loc[("params", 22), "spearman"] == pytest.approx(1.0)
    assert table.loc[("params", 37), "spearman"] == pytest.approx(-1.0)
    overall = pd.Series(scores["params"]).rank().corr(truth.rank())
    assert table.loc[("params", "all"), "spearman"] == pytest.approx(overall) and overall > 0
    # synflow has MIN_STRATUM - 1 finite scores in stratum 37: too few for a correlation
    assert table.loc[("synflow", 37), "n"] == MIN_STRATUM - 1 and math.isnan(
        table.loc[("synflow", 37), "spearman"]
    )
    assert list(wide(table.reset_index()).columns) == ["all", 22, 37]


def test_report_section_renders_each_strata_table(tmp_path: Path) -> None:
    scores, truth, strata = population()
    run = tmp_path / "correlate" / "nb201_cifar10_x"
    run.mkdir(parents=True)
    spearman_within_strata(scores, truth, {"params": True, "synflow": True}, strata).to_csv(
        run / "conv_strata.csv", index=False
    )
    text = "\n".join(strata_section(tmp_path))
    assert "### nb201_cifar10_x" in text
    assert "| metric | all (n = 24) | 22 (n = 12) | 37 (n = 12) |" in text
    assert "| params | " in text and "| -1.000 |" in text and "| – |" in text


def correlate_folder(folder: Path, scores: pd.DataFrame, directions: dict[str, str]) -> Path:
    """A minimal ``bench correlate`` output folder: ``scores.parquet`` and the metric rows of ``correlations.csv``."""
    folder.mkdir(parents=True)
    scores.rename_axis("arch_index").reset_index().to_parquet(folder / "scores.parquet", index=False)
    rows = pd.DataFrame({"metric": list(directions), "direction": list(directions.values())})
    rows.to_csv(folder / "correlations.csv", index=False)
    return folder


def test_joined_folders_share_one_table_with_their_aggregates(tmp_path: Path, fake_benchmark: object) -> None:
    truth = fake_benchmark.truth.frame("fake10")["test_acc_200ep"]  # type: ignore[attr-defined]
    index = truth.index
    counts = pd.Series(np.where(np.arange(len(index)) % 2 == 0, 22, 37), index=index)
    accuracy = truth.to_numpy()
    run = correlate_folder(
        tmp_path / "run",
        pd.DataFrame({"n_convs": counts, "params": accuracy}, index=index),
        {"n_convs": "higher", "params": "higher"},
    )
    # an aggregate (no registry entry) in the declared direction, and a lower-is-better metric
    other = correlate_folder(
        tmp_path / "other",
        pd.DataFrame({"my_ensemble": -accuracy, "ntk_condnum": -accuracy, "params": accuracy}, index=index),
        {"my_ensemble": "lower", "ntk_condnum": "lower", "params": "higher"},
    )
    table = conv_strata_table(run, "fake", "fake10", "test_acc_200ep", joined=(other,))
    grid = wide(table)
    assert list(grid.index.sort_values()) == ["my_ensemble", "ntk_condnum", "params"]
    assert np.allclose(
        grid.to_numpy(dtype=float), 1.0
    )  # each follows accuracy in its declared direction, in every stratum
    assert (run / "conv_strata.csv").is_file()
    elsewhere = correlate_folder(
        tmp_path / "elsewhere",
        pd.DataFrame({"params": accuracy[:-1]}, index=index[:-1]),
        {"params": "higher"},
    )
    with pytest.raises(ValueError, match="elsewhere scored other architectures"):
        conv_strata_table(run, "fake", "fake10", "test_acc_200ep", joined=(elsewhere,))
