"""Does ``make reproduce`` rewrite the committed results unchanged? Run it in a temporary copy and list the differences.

Copies the tracked files of this checkout (as they are in the working tree, modification times kept) into a
temporary folder, commits them there in a throw-away git repository, runs ``make <target>`` in it with this
checkout's Python (its packages come from the copy: ``PYTHONPATH``), and prints ``git status --porcelain
results/ README.md`` of the copy (the data root stays this checkout's): the result files, and README's generated
headline table, that the reproduction changed (`` M``), added (``??``) or removed (`` D``).
Exit status 1 if there is any, 0 if none. The copy is deleted unless ``--keep``.

Usage: ``.venv/bin/python scripts/check_reproduce.py [--target reproduce] [--python .venv/bin/python] [--keep]``
(``make check-reproduce``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(
    0, str(REPO_ROOT)
)  # this checkout's bench package, whatever the venv's editable install names

from bench.core.paths import ENV_VAR, data_root  # noqa: E402


def tracked_files(repo: Path) -> list[str]:
    """Repository-relative paths of the tracked files that exist in the working tree."""
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=repo, check=True, capture_output=True, text=True)
    return [p for p in listing.stdout.split("\0") if p and (repo / p).is_file()]


def copy_checkout(repo: Path, dest: Path) -> None:
    """The tracked files of ``repo`` into ``dest``, committed in a fresh git repository there."""
    for rel in tracked_files(repo):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / rel, target)
    git = [
        "git",
        "-c",
        "user.name=check-reproduce",
        "-c",
        "user.email=check@localhost",
        "-c",
        "commit.gpgsign=false",
    ]
    subprocess.run([*git, "init", "-q"], cwd=dest, check=True)
    subprocess.run([*git, "add", "-A"], cwd=dest, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "committed results"], cwd=dest, check=True)


REPRODUCED_PATHS = ("results/", "README.md")
"""What ``make reproduce`` writes: the results, and README's headline table (``bench report --readme``)."""


def changed_results(copy: Path) -> list[str]:
    """``git status --porcelain`` lines of the copy for :data:`REPRODUCED_PATHS`."""
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", *REPRODUCED_PATHS],
        cwd=copy,
        check=True,
        capture_output=True,
        text=True,
    )
    return [line for line in status.stdout.splitlines() if line.strip()]


def reproduce(copy: Path, target: str, python: Path, extra: list[str]) -> None:
    """``make <target>`` in ``copy`` with ``python``'s environment (no install step)."""
    # absolute(), not resolve(): a venv's python is a symlink to the base interpreter
    venv = python.absolute().parent.parent
    env = {**os.environ, "PYTHONPATH": str(copy), ENV_VAR: str(data_root())}  # the copy has no ../shared/data
    command = ["make", "--no-print-directory", f"VENV={venv}", "-o", f"{venv}/bin/.installed", target, *extra]
    subprocess.run(command, cwd=copy, env=env, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/check_reproduce.py", description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="reproduce", help="make target to run in the copy")
    parser.add_argument("--python", type=Path, default=Path(sys.executable), help="the venv's python")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy and print its path")
    parser.add_argument("make_args", nargs="*", help="extra make arguments, e.g. SEARCH_WORKERS=1")
    args = parser.parse_args(argv)
    copy = Path(tempfile.mkdtemp(prefix="check-reproduce-"))
    try:
        copy_checkout(REPO_ROOT, copy)
        reproduce(copy, args.target, args.python, args.make_args)
        changes = changed_results(copy)
    finally:
        if args.keep:
            print(f"copy kept in {copy}", file=sys.stderr)
        else:
            shutil.rmtree(copy, ignore_errors=True)
    for line in changes:
        print(line)
    print(
        f"{len(changes)} result file(s) differ from the committed ones"
        if changes
        else "results reproduced exactly",
        file=sys.stderr,
    )
    return 1 if changes else 0


if __name__ == "__main__":
    sys.exit(main())
