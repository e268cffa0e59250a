"""``make check-reproduce`` in small: two seeds of the committed 20-query transfer searches, rerun, must give the
committed rows of ``results/search/nb201_transfer_q20`` byte for byte (runs.csv and trajectory.csv lines).

The GP searchers (``bo``, ``hnas``) are the ones whose decisions once depended on the BLAS kernel; ``random``
needs no GP. Each run is independent of the others, so the rows of seeds 0 and 1 of a two-seed rerun are the
committed run's rows of those seeds. The rerun uses one BLAS thread and a different kernel where the CPU offers
one, as a machine other than the committing one would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "results" / "search" / "nb201_transfer_q20"
ALGOS = ("bo", "hnas", "random")
SEEDS = 2


def rows_of(path: Path, algos: tuple[str, ...], seeds: int) -> list[str]:
    """The header and the lines of ``path`` whose algo is in ``algos`` and seed below ``seeds`` (columns by name)."""
    header, *lines = path.read_text(encoding="utf-8").splitlines()
    names = header.split(",")
    algo_at, seed_at = names.index("algo"), names.index("seed")
    keep = [
        line for line in lines if (cells := line.split(","))[algo_at] in algos and int(cells[seed_at]) < seeds
    ]
    return [header, *keep]


def other_kernel() -> dict[str, str]:
    """``OPENBLAS_CORETYPE=Haswell`` (AVX2 kernels) on an x86 CPU with AVX-512, where OpenBLAS would pick SkylakeX."""
    cpuinfo = Path("/proc/cpuinfo")
    flags = cpuinfo.read_text(encoding="utf-8", errors="replace") if cpuinfo.exists() else ""
    return {"OPENBLAS_CORETYPE": "Haswell"} if " avx512f" in flags and " avx2" in flags else {}


@pytest.mark.slow
def test_small_transfer_search_reproduces_the_committed_rows(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "bench",
        "search",
        "experiment=hnas2022_nb201_transfer",
        f"algo=[{','.join(ALGOS)}]",
        f"seeds={SEEDS}",
        "progress=false",
        f"out_dir={tmp_path / 'out'}",
        f"leaderboard={tmp_path / 'board.csv'}",
    ]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", **other_kernel()}
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for name in ("runs.csv", "trajectory.csv"):
        ours = rows_of(tmp_path / "out" / name, ALGOS, SEEDS)
        committed = rows_of(COMMITTED / name, ALGOS, SEEDS)
        assert len(committed) == 1 + len(ALGOS) * (SEEDS if name == "runs.csv" else SEEDS * 20)
        differing = [(a, b) for a, b in zip(committed, ours, strict=False) if a != b]
        assert ours == committed, f"{name}: {len(differing)} line(s) differ, first: {differing[:1]}"
