"""Spearman within conv-count strata (bench.core.strata) and its report section, on a hand-made population."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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
    table = spearman_within_strata(scores, truth, ["params", "synflow"], strata).set_index(
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
    spearman_within_strata(scores, truth, ["params", "synflow"], strata).to_csv(
        run / "conv_strata.csv", index=False
    )
    text = "\n".join(strata_section(tmp_path))
    assert "### nb201_cifar10_x" in text
    assert "| metric | all (n = 24) | 22 (n = 12) | 37 (n = 12) |" in text
    assert "| params | " in text and "| -1.000 |" in text and "| – |" in text
