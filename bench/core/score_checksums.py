"""Checksums of a compacted score table, kept in a file beside it, so that a changed value is never served.

The rows of ``scores.parquet`` fall in blocks: one metric at one version over ``BLOCK_ARCHS`` consecutive
architecture indices. ``scores.checksums.json`` holds a SHA-256 digest (16 hex digits) of every block's rows, and one of the whole
file (when it matches, the blocks need no check).
A reader drops the rows of any block whose digest differs or is not listed (they are recomputed) and keeps the
others, so one edited value costs one block, not the table. A table without the file (one written before
checksums existed) is served as it is; ``python -m bench verify-cache --seal`` adds the file to such tables.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

BLOCK_ARCHS = 1000  # architecture indices per checksum block
FORMAT = 1  # version of the checksum file's layout


def _blocks(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The rows' order by (metric, version, arch index), where each block starts in that order, and each
    block's key ``<metric>/<version>/<first arch index of the block>``."""
    arch = rows["arch_index"].to_numpy(dtype=np.int64)
    version = rows["version"].to_numpy(dtype=np.int64)
    codes, names = pd.factorize(rows["metric"].astype(str), sort=True)
    block = arch // BLOCK_ARCHS
    order = np.lexsort((arch, block, version, codes))
    parts = (codes[order], version[order], block[order])
    change = np.zeros(len(order), dtype=bool)
    change[0] = True
    for part in parts:
        change[1:] |= part[1:] != part[:-1]
    starts = np.flatnonzero(change)
    keys = [f"{names[parts[0][i]]}/{parts[1][i]}/{parts[2][i] * BLOCK_ARCHS}" for i in starts]
    return order, starts, keys


def block_digests(rows: pd.DataFrame) -> dict[str, str]:
    """Block key → digest of its rows: SHA-256 (16 hex digits) of the block's indices, values and seconds
    (NaN in one canonical form), errors and devices, in architecture order."""
    if not len(rows):
        return {}
    order, starts, keys = _blocks(rows)
    index = rows["arch_index"].to_numpy(dtype="<i8")[order]
    numbers = [rows[c].to_numpy(dtype="<f8")[order] for c in ("value", "seconds")]
    for column in numbers:
        column[np.isnan(column)] = np.nan
    texts = [rows[c].to_numpy(dtype=object)[order] for c in ("error", "device")]
    digests = {}
    for key, begin, end in zip(keys, starts, [*starts[1:], len(order)], strict=True):
        hasher = hashlib.sha256(index[begin:end].tobytes())
        for column in numbers:
            hasher.update(column[begin:end].tobytes())
        for column in texts:
            hasher.update(b"\x01" + "\x00".join(map(str, column[begin:end])).encode())
        digests[key] = hasher.hexdigest()[:16]
    return digests


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_checksums(path: Path, rows: pd.DataFrame, table: Path) -> None:
    """Write the checksum file of ``table`` (a parquet file holding ``rows``) to ``path`` atomically."""
    blob = {
        "format": FORMAT,
        "block_archs": BLOCK_ARCHS,
        "rows": len(rows),
        "file_sha256": file_digest(table),
        "blocks": block_digests(rows),
    }
    tmp = path.with_suffix(path.suffix + f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(blob, indent=0, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def read_checksums(path: Path) -> tuple[str, dict[str, str]]:
    """The table file's digest and the block digests in the checksum file at ``path``; ``ValueError`` saying
    why if it is unreadable."""
    try:
        blob = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"unreadable checksum file {path}: {err}") from None
    if not isinstance(blob, dict) or blob.get("format") != FORMAT or blob.get("block_archs") != BLOCK_ARCHS:
        raise ValueError(
            f"checksum file {path} is not format {FORMAT} with {BLOCK_ARCHS}-architecture blocks"
        )
    blocks = blob.get("blocks")
    if not isinstance(blocks, dict):
        raise ValueError(f"checksum file {path} lists no blocks")
    return str(blob.get("file_sha256")), {str(k): str(v) for k, v in blocks.items()}


def failing_blocks(rows: pd.DataFrame, expected: dict[str, str]) -> tuple[np.ndarray, list[str]]:
    """Which rows to drop: a boolean mask over ``rows`` (the rows of blocks whose digest differs from
    ``expected`` or is not listed there), and those blocks' keys, sorted."""
    drop = np.zeros(len(rows), dtype=bool)
    if not len(rows):
        return drop, []
    order, starts, keys = _blocks(rows)
    digests = block_digests(rows)
    bad = np.array([expected.get(key) != digests[key] for key in keys])
    drop[order] = np.repeat(bad, np.diff([*starts, len(order)]))
    return drop, sorted(key for key, failed in zip(keys, bad, strict=True) if failed)
