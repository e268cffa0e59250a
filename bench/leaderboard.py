"""The correlation leaderboard: one row per space × dataset × metric × protocol (× target), gathered from runs."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from bench.stats import CORRELATION_KEYS

KEY = ["space", "dataset", "protocol", "target", "metric"]
COLUMNS = [*KEY, *CORRELATION_KEYS, "direction", "sample", "sample_seed", "setup_id"]


def update_correlations(path: Path, rows: pd.DataFrame) -> pd.DataFrame:
    """Replace the rows with the same key in the correlation leaderboard at ``path``; write it and its markdown."""
    board = merge_rows(path, rows[COLUMNS], KEY)
    board = board.sort_values([*KEY[:4], "spearman"], ascending=[True, True, True, True, False])
    atomic_csv(board, path)
    path.with_suffix(".md").write_text(to_markdown(board), encoding="utf-8")
    return board


def merge_rows(path: Path, rows: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """The CSV at ``path`` (if any) with its rows sharing a ``key`` with ``rows`` replaced by ``rows``."""
    if not path.exists():
        return rows.reset_index(drop=True)
    board = pd.read_csv(path)
    new_keys = set(map(tuple, rows[key].astype(str).to_numpy()))
    keep = [tuple(k) not in new_keys for k in board[key].astype(str).to_numpy()]
    return pd.concat([board[keep], rows], ignore_index=True)


def to_markdown(board: pd.DataFrame) -> str:
    """A markdown table: Spearman and Kendall with their 95% CIs per metric, grouped by setting."""
    lines = []
    for (space, dataset, protocol, target), group in board.groupby(KEY[:4], sort=True):
        lines += [
            f"### {space} · {dataset} · {protocol} · target `{target}` (n = {int(group['n'].max())})",
            "",
            "| metric | Spearman ρ [95% CI] | Kendall τ [95% CI] | top-10% precision | NaN rate |",
            "|---|---|---|---|---|",
        ]
        for row in group.itertuples():
            lines.append(
                f"| {row.metric} | {row.spearman:.3f} [{row.spearman_ci_low:.3f}, {row.spearman_ci_high:.3f}] "
                f"| {row.kendall:.3f} [{row.kendall_ci_low:.3f}, {row.kendall_ci_high:.3f}] "
                f"| {row.top10_precision:.3f} | {row.nan_rate:.3f} |"
            )
        lines.append("")
    return "\n".join(lines)


def atomic_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    frame.to_csv(tmp, index=False)
    os.replace(tmp, path)
