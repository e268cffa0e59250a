"""Every metric's Spearman ρ on every task of the correlation leaderboard, as one heat map.

One row per task and source: NB-Suite-Zero's proxies on each task of their files (``source=nb-suite-zero``)
and this project's metrics (``source=ours``) from, per task, the run that correlated the most architectures
(ties: the most metrics, then the protocol and target names in order); the runs shown are listed in the CSV
written beside the figure.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bench.apps import plots

TAGS = {"nb-suite-zero": "NBSZ", "ours": "ours"}
"""How each source is tagged in the row labels (NBSZ: NAS-Bench-Suite-Zero's published scores)."""
SHORT = {
    "tnb101_micro": "micro",
    "tnb101_macro": "macro",
    "ImageNet16-120": "IN16-120",
    "class_scene": "scene",
    "class_object": "object",
    "autoencoder": "autoenc",
    "room_layout": "layout",
    "segmentsemantic": "segment",
}
"""Row-label abbreviations (the figure's labels hold 24 characters); ``micro`` / ``macro``: TransNAS-Bench-101."""


def representative_runs(board: pd.DataFrame) -> pd.DataFrame:
    """The board rows of one run per (source, space, dataset), chosen as the module doc says."""
    runs = (
        board.groupby(["source", "space", "dataset", "protocol", "target"], as_index=False)
        .agg(n=("n", "max"), metrics=("metric", "nunique"))
        .sort_values(["n", "metrics", "protocol", "target"], ascending=[False, False, True, True])
        .drop_duplicates(["source", "space", "dataset"])
    )
    return board.merge(runs[["source", "space", "dataset", "protocol", "target"]])


def task_matrix(board: pd.DataFrame) -> pd.DataFrame:
    """Spearman ρ, rows ``<space>/<task> <source tag>`` (sorted; names shortened by :data:`SHORT`, tags from
    :data:`TAGS`), columns the metrics (sorted)."""
    rows = representative_runs(board)
    space, task = rows["space"].replace(SHORT), rows["dataset"].replace(SHORT)
    label = space + "/" + task + " " + rows["source"].map(TAGS).fillna(rows["source"])
    matrix = rows.assign(task=label).pivot_table(
        index="task", columns="metric", values="spearman", dropna=False
    )
    return matrix.sort_index().sort_index(axis=1)


def write(board_path: Path, out: Path) -> Path:
    """The heat map of the board at ``board_path`` as ``out`` (PNG) and its values beside it (CSV)."""
    board = pd.read_csv(board_path)
    matrix = task_matrix(board)
    runs = representative_runs(board)[["source", "space", "dataset", "protocol", "target"]].drop_duplicates()
    runs.to_csv(out.with_name(out.stem + "_runs.csv"), index=False)
    matrix.to_csv(out.with_suffix(".csv"))
    tasks = matrix.index.str.rsplit(" ", n=1).str[0].nunique()
    return plots.correlation_heatmap(
        matrix, out, f"Spearman ρ of every metric on {tasks} tasks (ours and NB-Suite-Zero's)"
    )
