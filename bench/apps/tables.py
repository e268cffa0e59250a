"""Result tables written so that an unchanged result gives an unchanged file.

Rows are sorted by a declared key (stable, missing values last) and floats are written with
:data:`FLOAT_FORMAT` (12 significant digits: far below any reported precision, and free of the last-bit noise
that a different summation order leaves in a mean), with ``\\n`` line ends. Machine facts never go into these
tables (see :mod:`bench.provenance`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

FLOAT_FORMAT = "%.12g"
"""printf format of every float written to a result CSV."""


def sorted_rows(frame: pd.DataFrame, key: Sequence[str]) -> pd.DataFrame:
    """``frame`` sorted by the ``key`` columns (stable; missing values last), with a fresh 0..n−1 index."""
    return frame.sort_values(list(key), kind="stable", na_position="last").reset_index(drop=True)


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str], key: Sequence[str] | None = None) -> Path:
    """Write ``frame`` (sorted by ``key`` when given) to ``path`` atomically, floats as :data:`FLOAT_FORMAT`."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if key is not None:
        frame = sorted_rows(frame, key)
    tmp = out.with_name(f".{out.name}.tmp{os.getpid()}")
    frame.to_csv(tmp, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    os.replace(tmp, out)
    return out
