"""Leaderboard CSVs gathered from runs: the correlation board (one row per space × dataset × protocol ×
target × metric × sample × sample seed × scoring setup; a population other than ``all`` is part of the protocol
and of the sample label) and, through :func:`replace_rows`, the search board. A run replaces only the rows of the
same key: never those of another sample, seed or setup.

Runs of a Hydra multirun may finish together: every read–merge–write holds an exclusive ``flock`` on
``<board>.lock``, so no run's rows are lost, and the CSV is replaced atomically (temp file + rename).
"""

from __future__ import annotations

import contextlib
import fcntl
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from bench.apps.tables import sorted_rows, write_csv
from bench.core.stats import CORRELATION_KEYS

RUN_KEY = ["sample", "sample_seed", "setup_id"]
"""Which architectures (sample label with its population, seed) and which scores (setup) a row comes from."""
KEY = ["space", "dataset", "protocol", "target", "metric", *RUN_KEY]
COLUMNS = [
    *KEY[:5],
    *CORRELATION_KEYS,
    "ndcg",
    "ndcg_k",
    "n_common",
    "spearman_common",
    "direction",
    *RUN_KEY,
    "source",
    "ranked_within",
]
"""``ndcg`` / ``ndcg_k``: nDCG at cut-off ``ndcg_k`` (:func:`bench.core.stats.ndcg_at_k`, VKDNW's evaluation:
gains 2^accuracy − 1); ``n_common`` / ``spearman_common``: Spearman on the architectures every metric of the run scored
(:func:`bench.core.correlation.correlation_table`); empty in rows written before the board had them.
``source``: whose scores a row correlates: ``ours`` (this project's metrics) or ``nb-suite-zero``
(NAS-Bench-Suite-Zero's published proxy scores, ``python -m bench nbsz-board``).
``ranked_within``: empty for a per-architecture metric; for a population aggregate (``bench.core.aggregate``:
AZ-NAS, a user's rank ensemble) the population its ranks were taken in (:func:`bench.core.aggregate.population_label`)."""
SOURCE_OURS = "ours"


VOTE_KEY = ["space", "dataset", "protocol", "target", "ensemble", *RUN_KEY]


def votes_path(correlations_path: Path) -> Path:
    """The majority-vote board beside a correlation board: ``votes.csv`` (pairwise accuracies)."""
    return correlations_path.with_name("votes.csv")


def update_votes(path: Path, rows: pd.DataFrame) -> pd.DataFrame:
    """Replace the rows with the same key in the majority-vote board at ``path`` (see :func:`votes_path`)."""
    return replace_rows(path, rows[[*VOTE_KEY[:5], *(c for c in rows if c not in VOTE_KEY[:5])]], VOTE_KEY)


def with_ci(value: float, low: float, high: float, n: int) -> str:
    """A correlation as ``0.737 [0.700, 0.760]`` (the CI left out when the run had none), or why it is undefined:
    :func:`bench.core.stats.correlation_row` gives NaN when fewer than 3 architectures have a valid score (``n``)
    or when the scores or the truth are constant (e.g. a metric that saturates at the batch size)."""
    if math.isnan(value):
        return "undefined: < 3 valid scores" if n < 3 else "undefined: constant scores or truth"
    return f"{value:.3f}" if math.isnan(low) else f"{value:.3f} [{low:.3f}, {high:.3f}]"


def ours_rows(board: pd.DataFrame) -> pd.DataFrame:
    """The rows of a correlation board that this harness computed (``source`` ours or empty; every row of a board
    that predates the column)."""
    return board[board["source"].fillna(SOURCE_OURS) == SOURCE_OURS] if "source" in board else board


def update_correlations(path: Path, rows: pd.DataFrame) -> pd.DataFrame:
    """Replace the rows with the same key in the correlation leaderboard at ``path``; write it and its markdown."""

    def finish(board: pd.DataFrame) -> pd.DataFrame:
        board = board.assign(source=board["source"].fillna(SOURCE_OURS))
        board = board.sort_values(
            [*KEY[:4], "spearman", "metric"],
            ascending=[True] * 4 + [False, True],
            kind="stable",
            na_position="last",
        ).reset_index(drop=True)
        path.with_suffix(".md").write_text(to_markdown(board), encoding="utf-8")
        return board

    if "source" not in rows:
        rows = rows.assign(source=SOURCE_OURS)
    if "ranked_within" not in rows:
        rows = rows.assign(ranked_within="")
    return replace_rows(path, rows[COLUMNS], KEY, finish)


def replace_rows(
    path: Path,
    rows: pd.DataFrame,
    key: list[str],
    finish: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Under the board's lock: the CSV at ``path`` (if any) with its rows sharing a ``key`` with ``rows``
    replaced by ``rows``, passed through ``finish`` (sorting, side outputs; default: sorted by ``key``),
    written back (:func:`bench.tables.write_csv`) and returned."""
    with _locked(path):
        board = rows.reset_index(drop=True)
        if path.exists():
            old = pd.read_csv(path)
            new_keys = set(_key_tuples(rows, key))
            keep = [k not in new_keys for k in _key_tuples(old, key)]
            board = pd.concat([old[keep], rows], ignore_index=True)
        board = sorted_rows(board, key) if finish is None else finish(board)
        write_csv(board, path)
    return board


def _key_tuples(frame: pd.DataFrame, key: list[str]) -> list[tuple[str, ...]]:
    """Each row's ``key`` values as comparable strings: numbers by value (a budget of 20 written by a run
    and 20.0 read back from the CSV are one key), missing values (None, NaN) as ""."""

    def canonical(value: object) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return repr(float(value))
        if isinstance(value, str) and value.isdigit():  # a sample of 5 written as "5", read back as 5
            return repr(float(value))
        return str(value)

    return [tuple(canonical(v) for v in row) for row in frame[key].itertuples(index=False, name=None)]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``<path>.lock`` (created if needed) for the duration."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(path.suffix + ".lock"), "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def three_decimals(value: float) -> str:
    """A statistic with three decimals, ``–`` where it is undefined (NaN) or the row predates its column."""
    return "–" if math.isnan(value) else f"{value:.3f}"


def common_cell(spearman: float, n_common: float) -> str:
    """Spearman on the architectures every metric of the run scored, as ``0.616 (n = 15,284)``; ``–`` when
    the row predates the column (NaN count), undefined as in :func:`with_ci`."""
    if math.isnan(n_common):
        return "–"
    return f"{with_ci(spearman, math.nan, math.nan, int(n_common))} (n = {int(n_common):,})"


def to_markdown(board: pd.DataFrame) -> str:
    """A markdown table: Spearman and Kendall with their 95% CIs per metric, grouped by setting, top-10%
    precision, nDCG@k, and Spearman on the architectures all metrics of the run scored (:func:`common_cell`)."""
    lines = []
    variants = board.groupby(KEY[:4])[RUN_KEY].apply(lambda rows: len(rows.drop_duplicates()))
    for (space, dataset, protocol, target, *run), group in board.groupby([*KEY[:4], *RUN_KEY], sort=True):
        # a setting run with several samples, seeds or setups names each; a single run keeps the short heading
        which = (
            ""
            if variants[(space, dataset, protocol, target)] == 1
            else " · sample {}, seed {}, setup {}".format(*run)
        )
        lines += [
            f"### {space} · {dataset} · {protocol} · target `{target}`{which} (n = {int(group['n'].max())})",
            "",
            "| metric | Spearman ρ [95% CI] | Kendall τ [95% CI] | top-10% precision | nDCG@k | NaN rate "
            "| ρ on the cells all metrics scored |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in group.itertuples():
            within = getattr(row, "ranked_within", "")  # absent from boards written before the column
            within = within if isinstance(within, str) else ""
            label = f"{row.metric} (ranks within {within})" if within else row.metric
            ndcg = three_decimals(row.ndcg) + ("" if math.isnan(row.ndcg) else f" (k = {int(row.ndcg_k):,})")
            lines.append(
                f"| {label} | {with_ci(row.spearman, row.spearman_ci_low, row.spearman_ci_high, row.n)} "
                f"| {with_ci(row.kendall, row.kendall_ci_low, row.kendall_ci_high, row.n)} "
                f"| {three_decimals(row.top10_precision)} | {ndcg} | {row.nan_rate:.3f} | {common_cell(row.spearman_common, row.n_common)} |"
            )
        lines.append("")
    return "\n".join(lines)
