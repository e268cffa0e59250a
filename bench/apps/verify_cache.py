"""``python -m bench verify-cache [CACHE_DIR ...] [--seal] [--compact]``: check every folder of a score cache.

For each ``<space>/<dataset>/<setup_id>/`` folder: its ``setup.json`` describes the setup its name hashes;
``scores.parquet`` is readable, has the schema and matches ``scores.checksums.json`` block by block; every
journal line is complete. Prints one line per folder and exits 1 if any folder has a problem (0 otherwise).
Nothing is changed, except with ``--seal``: a readable table without a checksum file gets one (its rows are
trusted as they are; this is how the committed tables under ``results/scores`` got theirs), and with
``--compact``: the journals that no running job holds are folded into the table first, the way to commit a
stopped background run's progress (journals are not committed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.core.scoring import (
    SETUP_FILE,
    ScoreStore,
    ScoringSetup,
    read_journal,
    read_table,
    seal_table,
    setup_problem,
)


def cache_folders(root: Path) -> list[Path]:
    """The score-cache folders under ``root`` (those holding a ``setup.json``, a table or a journal)."""
    found = {
        p.parent for pattern in (SETUP_FILE, "scores.parquet", "journal-*.jsonl") for p in root.rglob(pattern)
    }
    return sorted(found)


def compact_folder(folder: Path) -> int:
    """Fold the journals of ``folder`` (a ``<space>/<dataset>/<setup_id>`` folder whose ``setup.json`` describes
    it) that no running job holds into its table; how many were folded. ``ValueError`` if the folder is not
    where its setup puts it (a moved folder: compacting it would write elsewhere)."""
    setup, root = ScoringSetup.read(folder), folder.parents[2]
    if (root / setup.space / setup.dataset / setup.setup_id()).resolve() != folder.resolve():
        raise ValueError(f"its setup.json is for {setup.space}/{setup.dataset}, not the folder's place")
    before = set(folder.glob("journal-*.jsonl"))
    ScoreStore(root, setup).compact()
    return len(before - set(folder.glob("journal-*.jsonl")))


def folder_report(folder: Path, seal: bool, compact: bool = False) -> tuple[bool, str]:
    """Whether ``folder`` is sound, and one line saying what was found (its problems joined by ``; ``).
    ``compact``: first fold its idle journals into the table, if its ``setup.json`` describes it."""
    problems = [problem] if (problem := setup_problem(folder)) else []
    table, checksums = folder / "scores.parquet", folder / "scores.checksums.json"
    folded = 0
    if compact and not problems:
        try:
            folded = compact_folder(folder)
        except ValueError as err:
            problems.append(f"not compacted: {err}")
    sealed = seal and seal_table(folder)
    rows, table_problems = read_table(table, checksums)
    problems += table_problems
    for journal in sorted(folder.glob("journal-*.jsonl")):
        problems += read_journal(journal)[1]
    notes = []
    if table.exists() and not checksums.exists():
        notes.append("no checksum file (add one with --seal)")
    if folded:
        notes.append(f"{folded} journal{'s' if folded > 1 else ''} folded into the table")
    if sealed:
        notes.append("checksum file written")
    leftovers = sorted(p.name for p in folder.glob("*.tmp*"))
    if leftovers:
        notes.append(f"leftover temp files {', '.join(leftovers)} (an interrupted write; safe to delete)")
    summary = f"{len(rows):,} table rows" + "".join(f"; {note}" for note in notes)
    if problems:
        return False, f"PROBLEM {folder}: {'; '.join(problems)}"
    return True, f"ok {folder}: {summary}"


def main(argv: list[str] | None = None) -> int:
    """Check the caches named on the command line; exit status 1 if any folder has a problem."""
    parser = argparse.ArgumentParser(prog="python -m bench verify-cache", description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="*", type=Path, default=[Path("results/scores")], help="cache folders")
    parser.add_argument("--seal", action="store_true", help="add a checksum file to tables that have none")
    parser.add_argument(
        "--compact", action="store_true", help="first fold the journals no running job holds into the table"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    sound = True
    for root in args.roots:
        if not root.is_dir():
            print(f"verify-cache: {root} is not a folder", file=sys.stderr)
            return 2
        folders = cache_folders(root)
        if not folders:
            print(f"verify-cache: no score-cache folders under {root}", file=sys.stderr)
            return 2
        for folder in folders:
            ok, line = folder_report(folder, args.seal, args.compact)
            sound &= ok
            print(line)
    return 0 if sound else 1
