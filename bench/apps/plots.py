"""Figures for metric-vs-accuracy studies and search results, written as PNG files.

Every function takes a destination path, writes one PNG there (creating parent folders), closes the
figure and returns the path. Matplotlib runs on the non-interactive Agg backend, so this works on
headless machines. Long metric or algorithm names are shortened with an ellipsis so labels never
collide; layouts use ``constrained_layout``.
"""

from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported: headless, file output only

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
from scipy import stats

MAX_LABEL_CHARS = 24
"""Longest metric/algorithm label drawn; longer ones end in an ellipsis."""

DPI = 130
"""Resolution of every PNG written here."""

PNG_METADATA = {"Software": None}
"""PNG text chunks: none (matplotlib would name its version), so an unchanged figure is an unchanged file."""

_LOG_SPAN_DECADES = 3.0
"""A score axis switches to log (or symlog) scale when its magnitudes span more decades than this."""


def short_label(label: object, max_chars: int = MAX_LABEL_CHARS) -> str:
    """``label`` as text, cut to ``max_chars`` characters with a trailing ellipsis if longer."""
    text = str(label)
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def _save(fig: plt.Figure, path: str | os.PathLike[str]) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=DPI, metadata=PNG_METADATA)
    plt.close(fig)
    return out


def _decades(low: float, high: float) -> float:
    return math.log10(high / low) if low > 0 and high > 0 else 0.0


def _set_score_scale(ax: Axes, values: np.ndarray) -> str:
    """Pick a readable x scale for finite ``values``; returns "linear", "log" or "symlog".

    All positive and spanning more than three decades -> log. Containing zero or negatives, with the
    non-zero magnitudes spanning more than three decades -> symlog, linear within +-linthresh, where
    linthresh is the 5th percentile of the non-zero magnitudes (so most points sit in the log part).
    """
    if values.size == 0:
        return "linear"
    if values.min() > 0:
        if _decades(values.min(), values.max()) > _LOG_SPAN_DECADES:
            ax.set_xscale("log")
            return "log"
        return "linear"
    magnitudes = np.abs(values[values != 0])
    if magnitudes.size and _decades(magnitudes.min(), magnitudes.max()) > _LOG_SPAN_DECADES:
        linthresh = float(np.percentile(magnitudes, 5))
        ax.set_xscale("symlog", linthresh=linthresh)
        ax.xaxis.set_major_locator(FixedLocator(_symlog_ticks(values, linthresh)))
        ax.xaxis.set_major_formatter(FuncFormatter(_power_of_ten_label))
        ax.xaxis.set_minor_locator(NullLocator())
        return "symlog"
    return "linear"


def _power_of_ten_label(value: float, _position: int) -> str:
    """Tick label for 0 or a signed power of ten: "0", "-1", "10", "$-10^{3}$"."""
    exponent = round(math.log10(abs(value))) if value else 0
    if value == 0 or exponent in (0, 1):
        return f"{value:g}".replace("-", "\N{MINUS SIGN}")
    sign = "-" if value < 0 else ""
    return f"${sign}10^{{{exponent}}}$"


def _symlog_ticks(values: np.ndarray, linthresh: float, max_ticks: int = 6) -> list[float]:
    """Sparse ticks for a symlog axis: 0 (if inside the data range) and powers of ten on each side.

    Powers of ten start at the first decade above ``linthresh`` (one decade further out when 0 is also
    labelled, so the labels do not crowd) and are thinned to every k-th decade, counted from the
    outermost, so at most ``max_ticks`` remain.
    """
    with_zero = bool(values.min() <= 0 <= values.max())
    first = math.floor(math.log10(linthresh)) + (2 if with_zero else 1)
    sides = []
    for sign, extreme in ((-1.0, -values.min()), (1.0, values.max())):
        last = math.floor(math.log10(extreme)) if extreme > 0 else first - 1
        sides.append((sign, list(range(last, first - 1, -1))))
    step = max(1, math.ceil(sum(len(exps) for _, exps in sides) / max(1, max_ticks - with_zero)))
    ticks = [sign * 10.0**e for sign, exps in sides for e in exps[::step]]
    if with_zero:
        ticks.append(0.0)
    return sorted(ticks)


def _grid_shape(count: int, max_cols: int = 4) -> tuple[int, int]:
    cols = min(max_cols, max(1, math.ceil(math.sqrt(count))))
    return math.ceil(count / cols), cols


def scatter_grid(
    scores: pd.DataFrame,
    truth: pd.Series,
    truth_label: str,
    directions: dict[str, bool],
    path: str | os.PathLike[str],
    units: dict[str, str] | None = None,
) -> Path:
    """One scatter plot per metric: metric score (x) against ground-truth accuracy in percent (y).

    Args:
        scores: one column per metric, rows = architectures, aligned with ``truth`` by index.
        truth: ground-truth accuracy (%) per architecture.
        truth_label: what the accuracy is, e.g. "CIFAR-10 test accuracy, 200 epochs"; "(%)" is added.
        directions: metric name -> True if higher scores should mean better architectures; used to
            sign the Spearman rho in each title (positive = ranks in the declared direction) and to
            mark the direction with an arrow. Metrics missing from it are taken as higher-is-better.
        path: destination PNG.
        units: metric name -> what its value measures (x-axis label); default "score (unitless)".

    NaN and infinite scores cannot be placed on an axis: they are left out and their count is noted in
    the panel. The x axis is log or symlog when the scores span more than three decades.
    """
    truth = truth.reindex(scores.index)
    names = list(scores.columns)
    rows, cols = _grid_shape(max(1, len(names)))
    fig, axes = plt.subplots(
        rows, cols, figsize=(3.6 * cols, 3.1 * rows), constrained_layout=True, squeeze=False, sharey=True
    )
    y_all = truth.to_numpy(dtype=float)
    for position, (ax, name) in enumerate(zip(axes.flat, names, strict=False)):
        x_all = scores[name].to_numpy(dtype=float)
        higher = directions.get(name, True)
        shown = np.isfinite(x_all) & np.isfinite(y_all)
        x, y = x_all[shown], y_all[shown]
        ax.scatter(x, y, s=5, alpha=0.35, linewidths=0, color="tab:blue", rasterized=True)
        scale = _set_score_scale(ax, x)
        rho = math.nan
        ranked = ~np.isnan(x_all) & np.isfinite(y_all)  # inf scores are ordered, so they count in rho
        if ranked.sum() >= 3 and np.ptp(x_all[ranked]) > 0 and np.ptp(y_all[ranked]) > 0:
            sign = 1.0 if higher else -1.0
            rho = float(stats.spearmanr(sign * x_all[ranked], y_all[ranked]).statistic)
        arrow = "↑" if higher else "↓"
        rho_text = "n/a" if math.isnan(rho) else f"{rho:+.2f}"
        ax.set_title(f"{short_label(name)} {arrow}   ρ = {rho_text}", fontsize=10)
        if x.size == 0:
            ax.text(0.5, 0.5, "no finite scores", transform=ax.transAxes, ha="center", va="center")
            ax.set_xticks([])
        notes = [] if scale == "linear" else [f"{scale} scale"]
        omitted = int((~shown).sum())
        if omitted:
            notes.append(f"{omitted} non-finite omitted")
        unit = textwrap.shorten((units or {}).get(name, "score (unitless)"), width=90, placeholder=" …")
        ax.set_xlabel(textwrap.fill("; ".join([unit, *notes]), width=48), fontsize=8)
        if position % cols == 0:  # the y axis is shared along each row
            ax.set_ylabel(f"{short_label(truth_label, 40)} (%)", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"Zero-cost metric scores vs {short_label(truth_label, 60)}\n"
        "ρ: Spearman rank correlation, signed so that positive = agrees with the declared direction (↑/↓)",
        fontsize=10,
    )
    return _save(fig, path)


def correlation_heatmap(matrix: pd.DataFrame, path: str | os.PathLike[str], title: str) -> Path:
    """Metric x metric rank-correlation heat map with every value written in its cell.

    ``matrix`` is square (e.g. from :func:`bench.core.stats.rank_correlation_matrix`); NaN cells are shown
    blank with "n/a". The colour scale is diverging and fixed to -1..1 so figures are comparable. The
    figure and the annotation font scale with the number of metrics (25 stays readable).
    """
    values = matrix.to_numpy(dtype=float)
    count = max(values.shape)
    side = max(4.5, 0.42 * count + 2.5)
    annot_size = float(np.clip(150.0 / max(count, 1), 6.5, 10.0))
    fig, ax = plt.subplots(figsize=(side + 1.0, side), constrained_layout=True)
    image = ax.imshow(np.ma.masked_invalid(values), cmap="RdBu_r", vmin=-1.0, vmax=1.0)
    ax.set_facecolor("0.9")
    ax.set_xticks(range(values.shape[1]), [short_label(c) for c in matrix.columns], fontsize=8)
    ax.set_yticks(range(values.shape[0]), [short_label(r) for r in matrix.index], fontsize=8)
    plt.setp(ax.get_xticklabels(), rotation=45, ha="right", rotation_mode="anchor")
    for (row, col), value in np.ndenumerate(values):
        if np.isnan(value):
            text, color = "n/a", "0.35"
        else:
            text, color = f"{value:.2f}", "white" if abs(value) > 0.6 else "black"
        ax.text(col, row, text, ha="center", va="center", fontsize=annot_size, color=color)
    colorbar = fig.colorbar(image, ax=ax, shrink=0.8)
    colorbar.set_label("Spearman rank correlation ρ (−1 … 1)")
    ax.set_title(short_label(title, 90), fontsize=11)
    return _save(fig, path)


def spearman_bars(correlations: pd.DataFrame, path: str | os.PathLike[str], title: str) -> Path:
    """Horizontal bars of each metric's Spearman rho with its 95% bootstrap CI as error bars.

    ``correlations`` has columns ``metric, spearman, spearman_ci_low, spearman_ci_high`` (one row per
    metric, e.g. rows of :func:`bench.core.stats.correlation_row`). Bars are sorted with the best metric at
    the top, coloured by sign, with a line at zero; metrics whose rho is NaN are listed last, marked
    "n/a", and rows without a finite interval get no error bar.
    """
    table = correlations.sort_values("spearman", ascending=True, na_position="first").reset_index(drop=True)
    rho = table["spearman"].to_numpy(dtype=float)
    low = table["spearman_ci_low"].to_numpy(dtype=float)
    high = table["spearman_ci_high"].to_numpy(dtype=float)
    positions = np.arange(len(table))
    fig, ax = plt.subplots(figsize=(7.5, max(2.5, 0.32 * len(table) + 1.4)), constrained_layout=True)
    colors = ["tab:blue" if r >= 0 else "tab:red" for r in np.nan_to_num(rho)]
    ax.barh(positions, np.nan_to_num(rho), color=colors, alpha=0.85, height=0.7)
    has_ci = np.isfinite(rho) & np.isfinite(low) & np.isfinite(high)
    errors = np.vstack([rho - low, high - rho])[:, has_ci].clip(min=0.0)
    ax.errorbar(rho[has_ci], positions[has_ci], xerr=errors, fmt="none", ecolor="black", capsize=3)
    for position in positions[np.isnan(rho)]:
        ax.text(0.02, position, "n/a", va="center", fontsize=8, color="0.35")
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_yticks(positions, [short_label(m) for m in table["metric"]], fontsize=9)
    ax.set_xlim(-1.0, 1.0)
    ax.set_xlabel("Spearman ρ with ground-truth accuracy (error bars: 95% bootstrap CI)")
    ax.set_ylabel("metric")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(short_label(title, 90), fontsize=11)
    return _save(fig, path)


def _time_grid(times: np.ndarray, points: int = 200) -> tuple[np.ndarray, bool]:
    """Common grid over ``times``: geometric if they are positive and span over two decades."""
    start, stop = float(times.min()), float(times.max())
    if start > 0 and _decades(start, stop) > 2:
        return np.geomspace(start, stop, points), True
    return np.linspace(start, stop, points), False


def _step_values(times: np.ndarray, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Value of the step function "latest ``values`` at or before t" on ``grid`` (NaN before the first)."""
    position = np.searchsorted(times, grid, side="right") - 1
    out = values[np.clip(position, 0, None)].astype(float)
    out[position < 0] = np.nan
    return out


BUDGET_LABELS = {
    "simulated_seconds": "simulated training time (s)",
    "n_scored": "architectures scored by training-free metrics",
    "query": "queries (architectures trained)",
}


def anytime_plot(
    trajectories: pd.DataFrame, path: str | os.PathLike[str], title: str, budget: str = "simulated_seconds"
) -> Path:
    """Mean incumbent test accuracy over a budget per algorithm, with a +-1 standard-error band.

    ``budget`` is the x axis (a key of ``BUDGET_LABELS``): ``simulated_seconds`` (charged training time) or
    ``n_scored`` (architectures scored by training-free metrics when the query was made); the frame holds
    that column instead of ``simulated_seconds`` where the text below says simulated time.

    ``trajectories`` has columns ``algo, seed, simulated_seconds, test_acc``: one row per query, giving
    the test accuracy (%) of the best-so-far incumbent after that query. Each seed is a step function
    of time (the last value carries on to the end of the plot); all seeds are evaluated on one common
    grid (log-spaced when times span over two decades, with a log axis). An algorithm's curve starts
    once every one of its seeds has an incumbent, so the mean is always over all seeds. The band is
    the standard error of the mean across seeds (omitted with a single seed).
    """
    frame = trajectories.dropna(subset=[budget, "test_acc"])
    if frame.empty:
        raise ValueError(f"trajectories has no rows with both {budget} and test_acc")
    grid, log_scale = _time_grid(frame[budget].to_numpy(dtype=float))
    fig, ax = plt.subplots(figsize=(7.5, 4.6), constrained_layout=True)
    for position, (algo, runs) in enumerate(frame.groupby("algo", sort=True)):
        curves = []
        for _, run in runs.groupby("seed", sort=True):
            ordered = run.sort_values(budget, kind="stable")
            curves.append(
                _step_values(
                    ordered[budget].to_numpy(dtype=float),
                    ordered["test_acc"].to_numpy(dtype=float),
                    grid,
                )
            )
        curves_arr = np.vstack(curves)  # NaN before a seed's first query, so columns not started are NaN
        mean = curves_arr.mean(axis=0)
        label = f"{short_label(algo)} ({len(curves)} seed{'s' if len(curves) != 1 else ''})"
        # the colour cycle has 10 colours: the 11th algorithm on gets another line style
        style = ("-", "--", ":")[min(position // 10, 2)]
        (line,) = ax.plot(grid, mean, label=label, linewidth=1.6, linestyle=style)
        if len(curves) > 1:
            sem = curves_arr.std(axis=0, ddof=1) / math.sqrt(len(curves))
            ax.fill_between(grid, mean - sem, mean + sem, color=line.get_color(), alpha=0.2, linewidth=0)
    if log_scale:
        ax.set_xscale("log")
    ax.set_xlabel(BUDGET_LABELS[budget])
    ax.set_ylabel("test accuracy of incumbent (%)")
    ax.set_title(short_label(title, 90), fontsize=11)
    ax.grid(alpha=0.3)
    n_algos = frame["algo"].nunique()
    if n_algos > 5:
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, title="mean ± 1 s.e.")
    else:
        ax.legend(loc="best", fontsize=8, title="mean ± 1 s.e.")
    return _save(fig, path)
