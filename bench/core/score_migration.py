"""Renaming a metric in existing score caches, so that scores cached under an old name keep serving.

``python -m bench rename-metric CACHE_DIR OLD NEW`` rewrites, in every cache folder under ``CACHE_DIR``, the
compacted ``scores.parquet`` rows of metric ``OLD`` as ``NEW`` (values, seconds and versions unchanged; an
error text starting ``OLD:`` gets the new name too), and writes a fresh ``scores.checksums.json`` for it.
A folder is refused, with a one-line reason and before anything is written, if its table fails its checksums,
already holds ``NEW``, or has uncompacted journals (run the scorer once more to fold them in).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd

from bench.core.score_checksums import write_checksums
from bench.core.scoring import CHECKSUM_FILE, read_table

TABLE_FILE = "scores.parquet"


def checked_rows(folder: Path, old: str, new: str) -> pd.DataFrame:
    """The trusted rows of ``folder``'s table; ``ValueError`` naming the folder if renaming ``old`` to ``new``
    there is unsafe (uncompacted journals, rows failing their checksums, ``new`` already present)."""
    journals = sorted(p.name for p in folder.glob("journal-*.jsonl"))
    if journals:
        raise ValueError(
            f"{folder} has uncompacted journals ({', '.join(journals)}); rerun the scorer to fold them in"
        )
    rows, problems = read_table(folder / TABLE_FILE, folder / CHECKSUM_FILE)
    if problems:
        raise ValueError(f"{folder}: {problems[0]}")
    if (rows["metric"] == old).any() and (rows["metric"] == new).any():
        raise ValueError(f"{folder} already holds metric {new!r}; refusing to merge {old!r} into it")
    return rows


def rename_in_folder(folder: Path, old: str, new: str) -> int:
    """Rename metric ``old`` to ``new`` in ``folder``'s table and reseal it; returns the rows renamed (0: none,
    nothing written). ``ValueError`` from :func:`checked_rows`."""
    rows = checked_rows(folder, old, new)
    hit = rows["metric"] == old
    if not hit.any():
        return 0
    rows.loc[hit, "metric"] = new
    rows.loc[hit, "error"] = rows.loc[hit, "error"].str.replace(f"{old}:", f"{new}:", n=1, regex=False)
    rows = rows.sort_values(["metric", "arch_index"]).reset_index(drop=True)
    table_path = folder / TABLE_FILE
    tmp = table_path.with_suffix(f".tmp{os.getpid()}")
    rows.to_parquet(tmp, index=False)
    write_checksums(folder / CHECKSUM_FILE, rows, tmp)
    os.replace(tmp, table_path)
    return int(hit.sum())


def rename_metric(root: Path, old: str, new: str) -> dict[Path, int]:
    """:func:`rename_in_folder` on every folder under ``root`` holding a table; folder → rows renamed.

    Every folder is checked before any is written, so a refusal leaves the whole cache as it was."""
    folders = sorted(p.parent for p in Path(root).rglob(TABLE_FILE))
    for folder in folders:
        checked_rows(folder, old, new)
    return {folder: rename_in_folder(folder, old, new) for folder in folders}


def main(argv: list[str] | None = None) -> int:
    """Rename a metric in a score cache; exit status 1 with a one-line error if a folder is refused."""
    parser = argparse.ArgumentParser(
        prog="python -m bench rename-metric", description=__doc__.splitlines()[0]
    )
    parser.add_argument("root", type=Path, help="score cache folder, e.g. results/scores")
    parser.add_argument("old", help="the metric's old name, e.g. synflow_log")
    parser.add_argument("new", help="its new name, e.g. synflow_log10")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not args.root.is_dir():
        print(f"rename-metric: {args.root} is not a folder", file=sys.stderr)
        return 2
    try:
        renamed = rename_metric(args.root, args.old, args.new)
    except ValueError as err:
        print(f"rename-metric: {err}", file=sys.stderr)
        return 1
    for folder, count in renamed.items():
        print(
            f"{folder}: {count:,} rows renamed {args.old} -> {args.new}"
            if count
            else f"{folder}: no {args.old} rows"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
