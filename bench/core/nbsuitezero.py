"""NAS-Bench-Suite-Zero's score files (Krishnakumar et al., NeurIPS 2022 D&B; NASLib ``naslib/data/zc_*.json``).

Each file maps a task (dataset) to architectures keyed by NASLib's encoding, each with ``val_accuracy`` (the
benchmark's validation metric as NASLib queried it) and the suite's proxies, either ``{"score", "time"}``
(NB101/NB201/NB301 files) or a bare score (TransNAS-Bench-101 files). They are read from
``raw/NASLib/`` under the data root, gzipped and unchanged (``PROVENANCE.md`` section E).

:data:`PROXY_NAMES` maps their proxy names to this project's metric names where both compute the same
quantity (``nwot`` is our ``naswot``, ``jacov`` our ``jacob_cov``); every other name is kept.
"""

from __future__ import annotations

import gzip
import json
import math
from functools import cache
from pathlib import Path

import pandas as pd

from bench.core.paths import DataFileError, require_file

FILES = {
    "nb101": "raw/NASLib/zc_nasbench101_at_9052f540.json.gz",
    "nb201": "raw/NASLib/zc_nasbench201_at_1bdbd960.json.gz",
    "nb301": "raw/NASLib/zc_nasbench301_at_6639fd15.json.gz",
    "tnb101_micro": "raw/NASLib/zc_transbench101_micro_at_e5a821c2.json.gz",
    "tnb101_macro": "raw/NASLib/zc_transbench101_macro_at_e5a821c2.json.gz",
}
"""Their file for each benchmark this project registers, relative to the data root."""

HOW_TO_OBTAIN = (
    "It ships with the project's shared data folder (PROVENANCE.md section E): NASLib's naslib/data/zc_*.json "
    "from github.com/automl/NASLib, gzipped."
)
PROXY_NAMES = {"nwot": "naswot", "jacov": "jacob_cov"}
NOT_PROXIES = ("idx", "arch", "val_accuracy")


def file_path(root: Path, benchmark: str) -> Path:
    """Their file for ``benchmark`` under ``root``; ``ValueError`` for a benchmark they do not cover,
    :class:`DataFileError` if the file is missing."""
    if benchmark not in FILES:
        raise ValueError(f"NB-Suite-Zero has no file for {benchmark!r}; covered: {', '.join(FILES)}")
    return require_file(root, FILES[benchmark], HOW_TO_OBTAIN)


@cache
def _read(path: Path) -> dict:
    """The file as ``{task: {key: record}}`` (the NB101 file nests it one level deeper, under ``nasbench101``)."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as err:
        raise DataFileError(f"cannot read NB-Suite-Zero file {path}: {err}. {HOW_TO_OBTAIN}") from err
    if list(data) == ["nasbench101"]:
        data = data["nasbench101"]
    return data


def tasks(root: Path, benchmark: str) -> tuple[str, ...]:
    """The tasks (datasets) of ``benchmark``'s file, in file order."""
    return tuple(_read(file_path(root, benchmark)))


def table(root: Path, benchmark: str, task: str) -> pd.DataFrame:
    """One row per architecture of their file, in file order: ``key`` (their arch encoding, as in the file),
    ``val_accuracy``, one column per proxy (our metric name where :data:`PROXY_NAMES` maps it) and
    ``<proxy>_seconds`` where the file records the time. Scores that are not finite numbers become NaN."""
    data = _read(file_path(root, benchmark))
    if task not in data:
        raise ValueError(
            f"unknown task {task!r} in NB-Suite-Zero's {benchmark} file; valid: {', '.join(data)}"
        )
    rows = []
    for key, record in data[task].items():
        row: dict[str, object] = {"key": key, "val_accuracy": _number(record.get("val_accuracy"))}
        for name, value in record.items():
            if name in NOT_PROXIES:
                continue
            ours = PROXY_NAMES.get(name, name)
            if isinstance(value, dict):
                row[ours] = _number(value.get("score"))
                row[f"{ours}_seconds"] = _number(value.get("time"))
            else:
                row[ours] = _number(value)
        rows.append(row)
    return pd.DataFrame(rows)


def proxy_names(frame: pd.DataFrame) -> list[str]:
    """The proxy columns of a :func:`table` frame."""
    return [c for c in frame.columns if c not in ("key", "val_accuracy") and not c.endswith("_seconds")]


def _number(value: object) -> float:
    """``value`` as a float, NaN when it is missing or not a finite number."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan
