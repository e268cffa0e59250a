"""Write ``results/REPORT.md`` from the leaderboards and result folders, next to the published values.

``python -m bench report [--results results] [--out results/REPORT.md]``

The report is generated, never edited by hand. It reads, under the results folder:
``leaderboard/correlations.csv`` (bench.apps.correlate), ``leaderboard/search.csv`` (bench.apps.search),
``scores/**/setup.json`` (the scoring setups of the score cache), ``correlate/*/spearman.png`` and
``search/*/anytime*.png``; and compares with :mod:`bench.apps.published`. Anything missing is reported
as "not yet computed".
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
from collections.abc import Callable, Iterable, Sequence
from importlib import metadata
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from bench.apps import headline
from bench.apps.leaderboard import KEY as CORRELATION_KEY
from bench.apps.leaderboard import common_cell, ours_rows, three_decimals, votes_path, with_ci
from bench.apps.published import (
    CORRELATION_STATISTICS,
    SEARCH_STATISTICS,
    PublishedValue,
    references,
    search_setting,
)
from bench.core.benchmarks import benchmark_names, benchmark_spec
from bench.core.machine import cpu_description
from bench.core.paths import REPO_ROOT
from bench.core.stats import NDCG_K
from bench.core.strata import MIN_STRATUM
from metrics import registry

MISSING = "not yet computed"
COMMON_HEADER = "ours ρ, cells all metrics scored"
NDCG_HEADER = f"ours nDCG@{NDCG_K:,}"
PACKAGES = ("torch", "numpy", "scipy", "pandas", "hydra-core", "bayesian-optimization")
SEARCH_GROUP = ["space", "protocol", "max_queries", "max_seconds"]
STATISTIC_SYMBOLS = {"spearman": "ρ", "kendall": "τ", "pairwise_accuracy": "pairwise acc."}
COMMANDS = (
    "make reproduce          # every correlation and search below, the leaderboards, plots and this report",
    "make reproduce FAST=1   # a small smoke version written to results/fast/ (< 5 min on 2 cores)",
    "python -m bench report --results results --out results/REPORT.md   # this report only",
)


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A markdown table; ``|`` inside a cell is escaped."""

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return [line(header), "|" + "---|" * len(header), *map(line, rows), ""]


def read_board(path: Path) -> pd.DataFrame | None:
    """The leaderboard CSV at ``path``, or None if there is none (or it has no rows)."""
    if not path.is_file():
        return None
    board = pd.read_csv(path)
    return board if len(board) else None


def distinct(values: pd.Series, code: bool = False) -> str:
    """The distinct values, sorted and comma-separated (as inline code if ``code``)."""
    return ", ".join(f"`{v}`" if code else v for v in sorted(set(values.astype(str))))


def number(value: float | None) -> float | None:
    """``value`` with NaN (a CSV's empty cell) as None."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def mean_std(mean: float | None, std: float | None) -> str:
    """``94.04 ± 0.21`` (the ± part left out when there is no std)."""
    if mean is None or math.isnan(mean):
        return "–"
    return f"{mean:.2f}" if std is None or math.isnan(std) else f"{mean:.2f} ± {std:.2f}"


# ---------------------------------------------------------------- settings, software, machine


def settings_section(
    results: Path, correlations: pd.DataFrame | None, search: pd.DataFrame | None
) -> list[str]:
    """The settings of every run, from the leaderboard rows and the score cache's ``setup.json`` files."""
    lines = ["## Settings", "", "### Correlation runs (from the correlation leaderboard)", ""]
    if correlations is None:
        lines += [f"Correlation runs: {MISSING}.", ""]
    else:
        rows = []
        for key, group in correlations.groupby(CORRELATION_KEY[:4], sort=True):
            rows.append(
                [
                    *map(str, key),
                    f"{int(group['n'].max()):,}",
                    distinct(group["sample"]),
                    distinct(group["sample_seed"]),
                    distinct(group["setup_id"], code=True),
                    str(len(group)),
                ]
            )
        header = [
            "space",
            "dataset",
            "protocol",
            "target",
            "n (max)",
            "sample",
            "sample seed",
            "setup",
            "metrics",
        ]
        lines += table(header, rows)
    lines += ["### Search runs (from the search leaderboard)", ""]
    if search is None:
        lines += [f"Search runs: {MISSING}.", ""]
    else:
        rows = []
        for key, group in search.groupby([*SEARCH_GROUP, "dataset"], sort=True, dropna=False):
            space, protocol, queries, seconds, dataset = key
            rows.append(
                [
                    space,
                    search_setting(protocol, number(queries), number(seconds)),
                    dataset,
                    ", ".join(group["algo"]),
                    distinct(group["n_runs"].astype(int)),
                ]
            )
        lines += table(["space", "protocol, budget", "searched on", "algos", "seeds per algo"], rows)
    lines += ["### Scoring setups (`setup.json` in the score cache)", ""]
    setups = scoring_setups(results / "scores")
    if not setups:
        lines += [f"Scoring setups: {MISSING}.", ""]
    else:
        fields = sorted({k for setup in setups for k in setup} - {"setup_id", "cached rows"})
        header = ["setup", *fields, "cached rows (arch × metric)"]
        rows = [
            [f"`{s['setup_id']}`", *(str(s.get(f, "–")) for f in fields), f"{s['cached rows']:,}"]
            for s in setups
        ]
        lines += table(header, rows)
    return lines


def scoring_setups(cache_root: Path) -> list[dict]:
    """Each ``setup.json`` under ``cache_root`` with its folder name and the score rows of its ``scores.parquet``
    (not the journals of running or stopped jobs: they are not committed, so counting them would make the
    report depend on the machine that wrote it)."""
    setups = []
    for path in sorted(cache_root.glob("**/setup.json")):
        folder = path.parent
        compacted = folder / "scores.parquet"
        rows = pq.ParquetFile(compacted).metadata.num_rows if compacted.is_file() else 0
        setups.append(
            {"setup_id": folder.name, **json.loads(path.read_text(encoding="utf-8")), "cached rows": rows}
        )
    return setups


def software_section() -> list[str]:
    """Python (major.minor) and package versions: pinned, so the same on every installation."""
    versions = [["python", ".".join(platform.python_version_tuple()[:2])]]
    for name in PACKAGES:
        try:
            versions.append([name, metadata.version(name)])
        except metadata.PackageNotFoundError:
            versions.append([name, "not installed"])
    return [
        "## Software",
        "",
        "The machine that generated this report is described in the git-ignored `REPORT.machine.md` beside it "
        "(machine facts stay out of compared files); scoring speeds measured where the scores were computed are "
        "in `results/bench/scoring.csv`.",
        "",
        *table(["package", "version"], versions),
    ]


def machine_report() -> str:
    """The machine this report was generated on (platform, CPU, threads, GPU), as markdown."""
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    machine = [
        ["python", platform.python_version()],
        ["platform", platform.platform()],
        ["CPU", cpu_description()],
        ["torch threads", str(torch.get_num_threads())],
        ["GPU", gpu],
    ]
    return "\n".join(["# Machine that generated the report", "", *table(["machine", ""], machine)])


# ---------------------------------------------------------------- correlations


def reference_column(ref: PublishedValue) -> str:
    """The column a published correlation goes in: its source and statistic, e.g. ``Abdelfattah+21 |ρ|``."""
    return f"{ref.source.label} {'|ρ|' if ref.absolute else STATISTIC_SYMBOLS[ref.statistic]}"


def published_cell(ref: PublishedValue, ours: pd.Series | None) -> str:
    """The published value (with its range; † if it has a note) and Δ = ours − published.

    Δ uses |ours| for an absolute published value; a published pairwise accuracy gets a Δ only against our
    pairwise accuracy (a majority-vote row), never against a rank correlation.
    """
    cell = f"{ref.value:.3f}"
    if ref.interval:
        cell += f" [{ref.interval[0]:.2f}, {ref.interval[1]:.2f}]"
    if ref.note:
        cell += " †"
    value = math.nan if ours is None else float(ours.get(ref.statistic, math.nan))
    if math.isnan(value):
        return cell
    return f"{cell} (Δ {(abs(value) if ref.absolute else value) - ref.value:+.3f})"


def correlation_markdown(ours: pd.DataFrame | None, refs: list[PublishedValue]) -> list[str]:
    """One row per metric (ours in leaderboard order, then published-only ones); a column per published source."""
    ours_by_metric = {} if ours is None else {row.metric: row for _, row in ours.iterrows()}
    metrics = list(ours_by_metric) + sorted({r.name for r in refs} - set(ours_by_metric))
    columns = list(dict.fromkeys(reference_column(r) for r in refs))
    rows = []
    for metric in metrics:
        row = ours_by_metric.get(metric)
        published = {reference_column(r): published_cell(r, row) for r in refs if r.name == metric}
        if row is None:
            ours_cells = ["–", MISSING, MISSING, MISSING, MISSING]
        elif "pairwise_accuracy" in row and not math.isnan(row["pairwise_accuracy"]):
            ours_cells = [
                f"{int(row['n']):,}",
                f"pairwise accuracy {row['pairwise_accuracy']:.3f}",
                f"τ-equivalent {row['kendall_equivalent']:.3f}",
                "–",
                "–",
            ]
        else:
            ours_cells = [
                f"{int(row['n']):,}",
                with_ci(*row[["spearman", "spearman_ci_low", "spearman_ci_high", "n"]]),
                with_ci(*row[["kendall", "kendall_ci_low", "kendall_ci_high", "n"]]),
                common_cell(row.get("spearman_common", math.nan), row.get("n_common", math.nan)),
                three_decimals(row.get("ndcg", math.nan)),
            ]
        rows.append([metric, *ours_cells, *(published.get(c, "–") for c in columns)])
    headers = ["metric", "n", "ours ρ [95% CI]", "ours τ [95% CI]", COMMON_HEADER, NDCG_HEADER, *columns]
    return table(headers, rows) + notes(refs)


def notes(refs: list[PublishedValue]) -> list[str]:
    """The notes of published values (marked †), one line per name and note, with the datasets concerned."""
    found: dict[tuple[str, str], list[str]] = {}
    for ref in refs:
        if ref.note and ref.statistic != "test_acc_std":
            found.setdefault((ref.name, ref.note), []).append(ref.dataset)
    lines = [f"- † {name} ({', '.join(datasets)}): {note}." for (name, note), datasets in found.items()]
    return [*lines, ""] if lines else []


def vote_rows(votes: pd.DataFrame | None, labels: dict[str, str]) -> pd.DataFrame:
    """The majority-vote board's rows for one space × dataset × protocol × target, named ``vote(<ensemble>)``."""
    if votes is None:
        return pd.DataFrame()
    match = (votes[list(labels)].astype(str) == pd.Series(labels)).all(axis=1)
    part = votes[match]
    return part.assign(metric=[f"vote({e})" for e in part["ensemble"]])[
        ["metric", "n", "pairwise_accuracy", "kendall_equivalent"]
    ]


def correlation_section(correlations: pd.DataFrame | None, votes: pd.DataFrame | None) -> list[str]:
    """Per space × dataset × protocol: our Spearman/Kendall with CIs next to the published values, and
    our majority-vote pairwise accuracy (from ``votes.csv``) next to the published one."""
    refs = references(CORRELATION_STATISTICS)
    lines = [
        "## Correlations",
        "",
        "Ours: signed in each metric's declared direction, 95% bootstrap CIs. One column per published source "
        "and statistic, with Δ = ours − published; in |ρ| columns the authors dropped the sign, so Δ = |ours| − "
        "published. Published values come from their own protocols (listed below), which differ from ours in "
        "architectures, target and batch; pairwise accuracy is not a rank correlation and gets no Δ. "
        f"'{COMMON_HEADER}': our ρ on the architectures every metric of the run scored, so metrics whose NaN "
        "policies leave out different cells (NB201's disconnected cells) compare on the same ones; – where "
        "the run predates that column. "
        f"'{NDCG_HEADER}': VKDNW's (Týbl & Neumann, CVPR 2025) ranking measure, normalised DCG of the metric's "
        f"top {NDCG_K:,} with gains 2^accuracy − 1 (accuracy in percent, so the very best architectures dominate), ties sharing "
        "their mean gain; the whole ranking where fewer architectures were scored.",
        "",
    ]
    if correlations is None:
        lines += [f"Our correlations: {MISSING}.", ""]
    ours_keys = (
        set() if correlations is None else set(map(tuple, correlations[["space", "dataset"]].to_numpy()))
    )
    for space, dataset in sorted(ours_keys | {(r.space, r.dataset) for r in refs}):
        here = [r for r in refs if r.space == space and r.dataset == dataset]
        lines += [f"### {space} · {dataset}", ""]
        if (space, dataset) not in ours_keys:
            lines += [f"Ours: {MISSING}.", "", *correlation_markdown(None, here)]
            continue
        part = correlations[(correlations["space"] == space) & (correlations["dataset"] == dataset)]
        for (protocol, target), group in part.groupby(["protocol", "target"], sort=True):
            labels = {"space": space, "dataset": dataset, "protocol": protocol, "target": target}
            lines += [
                f"#### protocol `{protocol}` · target `{target}` · sample {distinct(group['sample'])} · "
                f"setup {distinct(group['setup_id'], code=True)}",
                "",
                *correlation_markdown(pd.concat([group, vote_rows(votes, labels)], ignore_index=True), here),
            ]
    lines += sources_list(refs)
    return lines


COVERED_SAMPLES = ("all", "1000")
"""The samples the coverage table counts: a benchmark's whole pool and the 1,000-architecture NB201 sample."""


def coverage_section(correlations: pd.DataFrame | None) -> list[str]:
    """A metric × (space, task, sample) table of the architectures (``n``) behind our rows on the correlation board:
    where each metric (and aggregate) has been measured, whole pools and the 1,000-sample, the largest ``n`` over
    the protocols that share a column; – where it has no row. Metrics in registry order, then the aggregates."""
    lines = [
        "## Coverage",
        "",
        "Where each metric has our rows on the correlation board: architectures with a valid score (`n`), on each "
        "benchmark's whole pool (`all`; NB101: the 500 rows of NASLib's subset in the shared data) and on the "
        "1,000-architecture NB201 sample (seed 0); – where it has none (not scored there yet, or not defined without "
        "images). Populations and smaller samples (batch and seed comparisons) are left out here; the sections below "
        "have them.",
        "",
    ]
    if correlations is None:
        return [*lines, f"Coverage: {MISSING}.", ""]
    ours = ours_rows(correlations)
    ours = ours[ours["sample"].astype(str).isin(COVERED_SAMPLES)]
    if ours.empty:
        return [*lines, f"Coverage: {MISSING}.", ""]
    sizes = ours.groupby(["metric", "space", "dataset", "sample"])["n"].max()
    columns = sorted({key[1:] for key in sizes.index})
    order = {name: i for i, name in enumerate(registry.names())}
    metrics = sorted(set(ours["metric"]), key=lambda name: (order.get(name, len(order)), name))
    cells = [
        [
            f"`{name}`",
            *(
                f"{int(sizes[(name, *column)]):,}" if (name, *column) in sizes.index else "–"
                for column in columns
            ),
        ]
        for name in metrics
    ]
    return [
        *lines,
        *table(["metric", *(f"{space} {dataset} {sample}" for space, dataset, sample in columns)], cells),
    ]


def sources_list(refs: list[PublishedValue]) -> list[str]:
    """The distinct sources of ``refs`` with their protocols."""
    seen: dict[tuple[str, str], str] = {}
    for ref in refs:
        seen.setdefault((ref.source.label, ref.protocol), ref.source.citation)
    lines = ["Published values:", ""]
    lines += [
        f"- **{label}**: {citation}. Protocol: {protocol}." for (label, protocol), citation in seen.items()
    ]
    return [*lines, ""]


# ---------------------------------------------------------------- searches


def search_rows(
    ours: pd.DataFrame | None, refs: list[PublishedValue], datasets: Sequence[str]
) -> list[list[str]]:
    """Ours per algo, each followed by its published row and the difference; the optimum last."""
    board = pd.DataFrame(columns=["algo"]) if ours is None else ours
    algos = list(board["algo"].unique())
    algos += sorted({r.name for r in refs if r.name != "optimum"} - set(algos))
    rows = []
    for algo in algos:
        mine = board[board["algo"] == algo]
        rows += [ours_search_row(row, datasets) for _, row in mine.iterrows()]
        if mine.empty:
            rows.append([algo, "–", "–", *([MISSING] * len(datasets)), "–", "–", "–"])
        rows += published_search_rows(algo, refs, datasets, mine)
    optimum = {r.dataset: r for r in refs if r.name == "optimum"}
    if optimum:
        label = next(iter(optimum.values())).source.label
        cells = [mean_std(optimum[d].value, None) if d in optimum else "–" for d in datasets]
        rows.append([f"optimum ({label})", "", "", *cells, "", "", ""])
    return rows


def reported_label(space: str, dataset: str) -> str:
    """The value search rows report on ``dataset`` of ``space``: ``test %`` (NB201's 200-epoch test accuracy),
    else the ground-truth column the benchmark declares as its final search column (NB301, TransNAS)."""
    spec = benchmark_spec(space) if space in benchmark_names() else None
    if spec is None or dataset not in spec.search or spec.search[dataset].final == "test_acc_200ep":
        return "test %"
    return spec.search[dataset].final


def ours_search_row(row: pd.Series, datasets: Sequence[str]) -> list[str]:
    """One search leaderboard row: algo, search dataset, seeds, test accuracies, seconds, queries, archs scored
    (– for rows written before ``n_scored`` was recorded)."""
    scored = row.get("n_scored_mean")
    return [
        row["algo"],
        row["dataset"],
        str(int(row["n_runs"])),
        *(mean_std(row.get(f"test_acc_{d}_mean"), row.get(f"test_acc_{d}_std")) for d in datasets),
        "queries only" if pd.isna(row["simulated_seconds_mean"]) else f"{row['simulated_seconds_mean']:,.0f}",
        f"{row['queries_mean']:.1f}",
        "–" if scored is None or pd.isna(scored) else f"{scored:,.0f}",
    ]


def published_search_rows(
    algo: str, refs: list[PublishedValue], datasets: Sequence[str], mine: pd.DataFrame
) -> list[list[str]]:
    """The published row of ``algo`` (none if unpublished) and, when ours has one row for it, ours − published.

    A published value with a note is marked †; :func:`notes` lists the notes.
    """
    means = {r.dataset: r for r in refs if r.name == algo and r.statistic == "test_acc_mean"}
    if not means:
        return []
    stds = {r.dataset: r.value for r in refs if r.name == algo and r.statistic == "test_acc_std"}
    first = next(iter(means.values()))
    cost = first.cost_seconds
    cells = [
        mean_std(means[d].value, stds.get(d)) + (" †" if means[d].note else "") if d in means else "–"
        for d in datasets
    ]
    rows = [[f"↳ published ({first.source.label})", "", "", *cells, f"{cost:,.0f}" if cost else "–", "", ""]]
    if len(mine) == 1:
        row = mine.iloc[0]
        differences = [
            f"{row[f'test_acc_{d}_mean'] - means[d].value:+.2f}"
            if d in means and f"test_acc_{d}_mean" in row
            else "–"
            for d in datasets
        ]
        seconds = f"{row['simulated_seconds_mean'] - cost:+,.0f}" if cost else "–"
        rows.append(["↳ ours − published", "", "", *differences, seconds, "", ""])
    return rows


def search_section(search: pd.DataFrame | None) -> list[str]:
    """Per space × protocol × budget: mean ± std test accuracy per algo next to the published rows."""
    refs = references(SEARCH_STATISTICS)
    lines = [
        "## Searches",
        "",
        "Test accuracy (%, 200 epochs) of the architecture each search returns, mean ± std over seeds, on every "
        "dataset; simulated seconds = charged training time (zero-cost scoring is not charged); archs scored = "
        "architectures whose training-free scores the search requested (mean; the second budget). 'ours − "
        "published' compares means. full_space_ensemble is a reference regime (scores all 15,625 archs "
        "first), not a budget-respecting searcher. Where a space's rows report another ground-truth column "
        "(NB301, TransNAS-Bench-101: the validation value; the search board's `reported` column), the header "
        "names it; where a space has no training-time table the searches are budgeted in queries only "
        "(simulated s: 'queries only').",
        "",
    ]
    if search is None:
        lines += [f"Our searches: {MISSING}.", ""]
    groups: dict[tuple[str, str], pd.DataFrame | None] = {}
    if search is not None:
        for (space, protocol, queries, seconds), group in search.groupby(
            SEARCH_GROUP, sort=True, dropna=False
        ):
            groups[(space, search_setting(protocol, number(queries), number(seconds)))] = group
    for ref in refs:
        if ref.setting is not None:
            groups.setdefault((ref.space, ref.setting), None)
    for (space, setting), ours in sorted(groups.items()):
        here = [r for r in refs if r.space == space and r.setting in (setting, None)]
        datasets = list(dict.fromkeys(r.dataset for r in here)) if ours is None else dataset_columns(ours)
        lines += [f"### {space} · {setting}", ""]
        if ours is None:
            lines += [f"Ours: {MISSING}.", ""]
        header = [
            "algo",
            "searched on",
            "seeds",
            *(f"{d} {reported_label(space, d)}" for d in datasets),
            "simulated s",
            "queries",
            "archs scored",
        ]
        lines += table(header, search_rows(ours, here, datasets))
        lines += notes([r for r in here if r.dataset in datasets])
    lines += sources_list(refs)
    return lines


def dataset_columns(board: pd.DataFrame) -> list[str]:
    """The datasets with ``test_acc_<dataset>_mean`` columns that hold a value in ``board``."""
    prefix, suffix = "test_acc_", "_mean"
    return [
        c[len(prefix) : -len(suffix)]
        for c in board.columns
        if c.startswith(prefix) and c.endswith(suffix) and board[c].notna().any()
    ]


# ---------------------------------------------------------------- plots and provenance


def run_tables_section(
    results: Path, file_name: str, intro: list[str], what: str, render: Callable[[Path], list[str]]
) -> list[str]:
    """``intro``, then a ``### <folder>`` heading and ``render(path)``'s table lines for every correlate folder under
    ``results`` that holds ``file_name``, or one line saying that ``what`` is not yet computed."""
    tables = sorted(results.glob(f"correlate/*/{file_name}"))
    if not tables:
        return [*intro, f"{what}: {MISSING}.", ""]
    lines = list(intro)
    for path in tables:
        lines += [f"### {path.parent.name}", "", *render(path)]
    return lines


def strata_table(path: Path) -> list[str]:
    """A ``conv_strata.csv`` (``scripts/conv_strata.py``) as a metric × stratum table of ρ, best overall first."""
    rows = pd.read_csv(path, dtype={"stratum": str})
    strata = list(dict.fromkeys(rows["stratum"]))
    sizes = rows.groupby("stratum")["n"].max()
    grid = rows.pivot(index="metric", columns="stratum", values="spearman")[strata]
    grid = grid.sort_values(strata[0], ascending=False)
    cells = [[name, *("–" if pd.isna(v) else f"{v:.3f}" for v in values)] for name, values in grid.iterrows()]
    return table(["metric", *(f"{s} (n = {int(sizes[s]):,})" for s in strata)], cells)


def strata_section(results: Path) -> list[str]:
    """Each correlate folder's ``conv_strata.csv`` as a metric × stratum table of ρ (:func:`strata_table`)."""
    intro = [
        "## Spearman within conv-count strata",
        "",
        "GRAF (Kadlecová et al., ICML 2024) finds that many proxies' correlation collapses or flips inside a stratum "
        "of architectures with the same number of conv ops. Columns: `n_convs` (Conv2d modules of the network; "
        "NB201: 7 + 15 c for c conv ops per cell) with the stratum size; ρ in the metric's declared direction, "
        f"– for strata under {MIN_STRATUM} architectures or constant scores (e.g. a count that is fixed by the "
        "stratum).",
        "",
    ]
    return run_tables_section(results, "conv_strata.csv", intro, "Strata tables", strata_table)


def target_table(path: Path) -> list[str]:
    """A ``target_sensitivity.csv`` (``scripts/target_sensitivity.py``): per metric, ρ against the run's target,
    against NAS-Bench-Suite-Zero's validation accuracy, and the paired difference, best against the run's target first."""
    rows = pd.read_csv(path).sort_values("spearman_target", ascending=False)
    cells = [
        [
            r.metric,
            f"{int(r.n):,}",
            three_decimals(r.spearman_target),
            with_ci(r.spearman_nbsz, r.spearman_nbsz_ci_low, r.spearman_nbsz_ci_high, int(r.n)),
            with_ci(r.difference, r.difference_ci_low, r.difference_ci_high, int(r.n)),
        ]
        for r in rows.itertuples()
    ]
    target, theirs = rows["target"].iloc[0], rows["nbsz_target"].iloc[0]
    return table(["metric", "n", f"ρ `{target}`", f"ρ `{theirs}`", "Δ"], cells)


def target_section(results: Path) -> list[str]:
    """Each correlate folder's ``target_sensitivity.csv`` (:func:`target_table`)."""
    intro = [
        "## CIFAR-10: our target against NAS-Bench-Suite-Zero's",
        "",
        "Published CIFAR-10 correlations on NB201 (Abdelfattah et al., GradSign, NAS-Bench-Suite-Zero) use the "
        "`cifar10-valid` training run (25,000 training images); ours use the `cifar10` run's test accuracy (all "
        "50,000, mean over seeds). Here every metric is also correlated with the `cifar10-valid` validation accuracy "
        "NAS-Bench-Suite-Zero ships (one seed), on the same architectures; Δ = ρ(theirs) − ρ(ours) with its 95% "
        "paired-bootstrap interval.",
        "",
    ]
    return run_tables_section(results, "target_sensitivity.csv", intro, "Target comparison", target_table)


def plots_section(results: Path, out: Path) -> list[str]:
    """Relative image links to the Spearman bars and anytime plots under ``results``."""
    pngs = sorted(results.glob("leaderboard/*.png")) + sorted(results.glob("correlate/*/spearman.png"))
    pngs += sorted(results.glob("search/*/anytime*.png"))
    lines = ["## Plots", ""]
    if not pngs:
        return [*lines, f"Plots: {MISSING}.", ""]
    for png in pngs:
        name = f"{png.parent.parent.name}/{png.parent.name}/{png.name}"
        link = Path(os.path.relpath(png, out.parent)).as_posix()
        lines += [f"### {name}", "", f"![{name}]({link})", ""]
    return lines


def benchmarks_section() -> list[str]:
    """One line per registered benchmark: its name, description and tasks (``docs/benchmarks.md`` has more)."""
    lines = ["## Benchmarks", ""]
    for name in benchmark_names():
        spec = benchmark_spec(name)
        lines.append(f"- `{name}`: {spec.description}; tasks: {', '.join(spec.datasets)}.")
    return [
        *lines,
        "",
        "Rows with source `nb-suite-zero` correlate NAS-Bench-Suite-Zero's published scores.",
        "",
    ]


def how_section() -> list[str]:
    """The commands that produce the results, and the experiment presets with their documented sources."""
    lines = [
        "## How this was produced",
        "",
        "```",
        *COMMANDS,
        "```",
        "",
        "Experiment presets (`conf/experiment/`):",
        "",
    ]
    for path in sorted((REPO_ROOT / "conf" / "experiment").glob("*.yaml")):
        header = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                break
            if not line.startswith("# @package"):
                header.append(line.lstrip("# ").strip())
        lines.append(f"- `experiment={path.stem}`: {' '.join(header)}")
    return [*lines, ""]


def build(results: Path, out: Path) -> str:
    """The whole report as markdown."""
    correlations = read_board(results / "leaderboard" / "correlations.csv")
    search = read_board(results / "leaderboard" / "search.csv")
    votes = read_board(votes_path(results / "leaderboard" / "correlations.csv"))
    return "\n".join(
        [
            "# Results report",
            "",
            f"Generated by `python -m bench report --results {results.as_posix()}` from the leaderboards and "
            "result folders: **do not edit by hand**; rerun `make reproduce` (or the command above) instead.",
            "",
            *benchmarks_section(),
            *settings_section(results, correlations, search),
            *software_section(),
            *coverage_section(correlations),
            *correlation_section(correlations, votes),
            *strata_section(results),
            *target_section(results),
            *search_section(search),
            *plots_section(results, out),
            *how_section(),
        ]
    )


def main(argv: Sequence[str] | None = None) -> Path:
    """Command line: write the report and return its path."""
    parser = argparse.ArgumentParser(prog="python -m bench report", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--results", type=Path, default=Path("results"), help="results folder (default: results)"
    )
    parser.add_argument("--out", type=Path, default=None, help="report file (default: <results>/REPORT.md)")
    parser.add_argument("--readme", type=Path, default=None, help="also rewrite this README's headline table")
    args = parser.parse_args(argv)
    out = args.out or args.results / "REPORT.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build(args.results, out), encoding="utf-8")
    out.with_suffix(".machine.md").write_text(machine_report(), encoding="utf-8")
    print(f"report written to {out}", file=sys.stderr)
    if args.readme is not None:
        board = pd.read_csv(args.results / "leaderboard" / "correlations.csv")
        changed = headline.rewrite_readme(args.readme, board)
        print(f"{args.readme}: headline {'rewritten' if changed else 'unchanged'}", file=sys.stderr)
    return out
