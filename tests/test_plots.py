"""Tests for bench.apps.plots: every figure renders to a non-empty PNG, including awkward inputs."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from bench.apps import plots

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _assert_png(path: Path, expected: Path) -> None:
    assert path == expected
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 5_000


def test_backend_is_agg() -> None:
    assert matplotlib.get_backend().lower() == "agg"


def test_scatter_grid_handles_scales_nan_and_inf(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 300
    truth = pd.Series(rng.uniform(10, 94, size=n), index=pd.RangeIndex(100, 100 + n))
    scores = pd.DataFrame(
        {
            "linear_metric": truth + rng.normal(0, 5, size=n),
            "wide_positive": 10.0 ** rng.uniform(-4, 3, size=n),
            "signed_wide": rng.choice([-1.0, 1.0], size=n) * 10.0 ** rng.uniform(-2, 5, size=n),
            "lower_is_better_metric_with_a_very_long_name": -truth,
            "all_nan": np.nan,
        },
        index=truth.index,
    )
    scores.iloc[:5, 0] = np.nan
    scores.iloc[5:8, 0] = -np.inf
    directions = {"lower_is_better_metric_with_a_very_long_name": False}
    out = tmp_path / "nested" / "scatter.png"
    _assert_png(plots.scatter_grid(scores, truth, "CIFAR-10 test accuracy", directions, out), out)


def test_correlation_heatmap_25_metrics(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    names = [f"zero_cost_metric_number_{i:02d}_long" for i in range(25)]
    values = np.corrcoef(rng.normal(size=(25, 40)))
    values[0, 1] = values[1, 0] = np.nan
    matrix = pd.DataFrame(values, index=names, columns=names)
    out = tmp_path / "heat25.png"
    _assert_png(plots.correlation_heatmap(matrix, out, "25 metrics"), out)


def test_spearman_bars_with_missing_interval(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {
            "metric": ["synflow", "jacov", "plain", "broken"],
            "spearman": [0.74, 0.77, -0.26, np.nan],
            "spearman_ci_low": [0.70, 0.73, -0.32, np.nan],
            "spearman_ci_high": [0.77, 0.80, -0.19, np.nan],
        }
    )
    out = tmp_path / "bars.png"
    _assert_png(plots.spearman_bars(table, out, "Spearman ρ on NB201 CIFAR-10"), out)


def test_anytime_plot_seeds_and_algorithms(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    rows = []
    for algo, n_seeds in (("random_search", 3), ("regularized_evolution", 3), ("single_seed_algo", 1)):
        for seed in range(n_seeds):
            times = np.cumsum(rng.uniform(100, 3000, size=40))
            accuracy = np.maximum.accumulate(rng.normal(90, 2, size=40))
            rows += [(algo, seed, t, a) for t, a in zip(times, accuracy, strict=True)]
    trajectories = pd.DataFrame(rows, columns=["algo", "seed", "simulated_seconds", "test_acc"])
    out = tmp_path / "anytime.png"
    _assert_png(plots.anytime_plot(trajectories, out, "NB201 search"), out)


def test_anytime_plot_rejects_empty(tmp_path: Path) -> None:
    empty = pd.DataFrame(columns=["algo", "seed", "simulated_seconds", "test_acc"])
    with pytest.raises(ValueError, match="no rows"):
        plots.anytime_plot(empty, tmp_path / "x.png", "empty")


def test_step_values_carry_forward_and_start_nan() -> None:
    grid = np.array([0.5, 1.0, 1.5, 2.0, 9.0])
    values = plots._step_values(np.array([1.0, 2.0]), np.array([80.0, 85.0]), grid)
    np.testing.assert_array_equal(values, [np.nan, 80.0, 80.0, 85.0, 85.0])


def test_symlog_ticks_are_sparse_and_sorted() -> None:
    values = np.array([-15578.0, -0.5, 0.0, 0.08, 3.0, 26298.0])
    ticks = plots._symlog_ticks(values, linthresh=0.078)
    assert ticks == sorted(ticks)
    assert 0.0 in ticks
    assert len(ticks) <= 7
    assert min(abs(t) for t in ticks if t != 0) >= 1.0  # nothing crowding the label at 0


def test_short_label() -> None:
    assert plots.short_label("synflow") == "synflow"
    cut = plots.short_label("x" * 40)
    assert len(cut) == plots.MAX_LABEL_CHARS
    assert cut.endswith("…")
