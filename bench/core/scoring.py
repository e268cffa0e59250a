"""The scoring engine: every metric on every architecture, cached, resumable and shardable.

A :class:`ScoringSetup` holds everything that changes a score besides the architecture and the
metric (space, dataset, batch, data source, seeds, init, BN override). Its hash names a folder
``<cache_root>/<space>/<dataset>/<setup_id>/`` holding ``setup.json`` and the scores:

* ``scores.parquet``: the compacted table, one row per (arch_index, metric, version), and
  ``scores.checksums.json``, its block digests: rows that fail them are never served (recomputed instead);
* ``journal-<shard>-<pid>.jsonl``: an append-only log written after every architecture (flushed and
  fsynced), so Ctrl-C or a crash loses at most the architecture in flight. :meth:`ScoreStore.compact`
  folds journals into ``scores.parquet`` atomically (temp file + rename) and removes them.

Shards (``shard.index`` of ``shard.count``) write their own journals, so parallel runs never touch
the same file; any later run reads all of them, which is the merge.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import logging
import os
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm import tqdm

from bench.core.batches import NUM_CLASSES, USER_IMAGE_SOURCES, Sampling, Source, load_batch, shape_only_batch
from bench.core.benchmarks.registry import benchmark_spec
from bench.core.score_checksums import failing_blocks, file_digest, read_checksums, write_checksums
from bench.core.space import Space
from bench.core.taskonomy import (
    class_label_refusal,
    label_refusal,
    load_taskonomy_batch,
    pool_signature,
    rgb_files,
)
from metrics import registry
from metrics.batch import Batch
from metrics.probe import Probe

log = logging.getLogger(__name__)

SCHEMA = {
    "arch_index": "int64",
    "metric": "str",
    "version": "int64",
    "value": "float64",
    "seconds": "float64",
    "error": "str",
    "device": "str",
}
INITS = ("default", "kaiming_normal", "xavier_normal")
SETUP_FILE = "setup.json"  # a cache folder's ScoringSetup, as JSON
IMAGES_FILE = "images.txt"  # which user images a cache's scores were computed on (ScoreStore.pin_images)
CHECKSUM_FILE = "scores.checksums.json"  # block digests of scores.parquet (bench.core.score_checksums)


@dataclass(frozen=True)
class ScoringSetup:
    """Everything besides (architecture, metric) that changes a score.

    Attributes:
        space: benchmark space name (``nb201``, ``nb101``).
        dataset: dataset whose images, labels and classifier size are used.
        batch_size: images in the mini-batch.
        data: ``npz`` / ``native`` real images, ``noise`` or ``ones``.
        sampling: ``random`` or ``balanced`` choice of the batch images.
        seed: base seed of the batch draw and of every network's initialisation.
        per_arch_batch: draw a fresh batch per architecture (as the official NB201 driver does)
            instead of one fixed batch for all.
        init: weight initialisation: PyTorch ``default``, ``kaiming_normal`` or ``xavier_normal``.
        bn: ``declared`` (each metric's own BN mode) or ``train`` / ``bypass`` to force one.
    """

    space: str
    dataset: str
    batch_size: int = 64
    data: str = "npz"
    sampling: str = "random"
    seed: int = 0
    per_arch_batch: bool = False
    init: str = "default"
    bn: str = "declared"

    def setup_id(self) -> str:
        """Short stable hash of the setup (names the cache folder)."""
        blob = json.dumps(dataclasses.asdict(self), sort_keys=True).encode()
        return hashlib.sha1(blob).hexdigest()[:12]

    def arch_seed(self, arch_index: int) -> int:
        """Seed of one architecture's initialisation (and batch, if per-architecture)."""
        return (self.seed * 1_000_003 + arch_index * 7919 + zlib.crc32(self.space.encode())) % (2**31)

    @classmethod
    def read(cls, folder: Path) -> ScoringSetup:
        """The setup a score-cache folder was written for (its ``setup.json``)."""
        return cls(**json.loads((Path(folder) / SETUP_FILE).read_text(encoding="utf-8")))


class ScoreStore:
    """The on-disk score cache of one :class:`ScoringSetup`."""

    def __init__(self, cache_root: Path, setup: ScoringSetup) -> None:
        self.setup = setup
        self.folder = Path(cache_root) / setup.space / setup.dataset / setup.setup_id()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._loaded: tuple[tuple, pd.DataFrame] | None = None
        self._table: tuple[tuple, pd.DataFrame] | None = None
        meta = self.folder / SETUP_FILE
        problem = setup_problem(self.folder) if meta.exists() else None
        if problem:
            log.warning("%s; rewriting it for setup %s", problem, setup.setup_id())
        if problem or not meta.exists():
            _atomic_write_bytes(meta, json.dumps(dataclasses.asdict(setup), indent=2).encode())

    @property
    def table_path(self) -> Path:
        return self.folder / "scores.parquet"

    def pin_images(self, signature: str) -> None:
        """Record which user images this cache's scores are computed on (``images.txt``: a
        :func:`bench.core.taskonomy.pool_signature`) or, if it was written on other images, raise a one-line
        ``ValueError``: scores of two image sets never mix in one cache."""
        path = self.folder / IMAGES_FILE
        if not path.exists():
            _atomic_write_bytes(path, signature.encode())
            return
        recorded = path.read_text(encoding="utf-8").strip()
        if recorded != signature:
            raise ValueError(
                f"score cache {self.folder} holds scores of other images ({recorded}; now {signature}): "
                "score into another cache_dir= or remove that folder"
            )

    @property
    def checksum_path(self) -> Path:
        """The table's block checksums (:mod:`bench.core.score_checksums`)."""
        return self.folder / CHECKSUM_FILE

    def signature(self) -> tuple[tuple[str, int, int, int], ...]:
        """(name, inode, size, mtime in ns) of the table, its checksums and every journal: changes whenever
        the cache does."""
        found = []
        for path in [self.table_path, self.checksum_path, *sorted(self.folder.glob("journal-*.jsonl"))]:
            with contextlib.suppress(FileNotFoundError):  # a journal removed by a concurrent compaction
                stat = path.stat()
                found.append((path.name, stat.st_ino, stat.st_size, stat.st_mtime_ns))
        return tuple(found)

    def load(self) -> pd.DataFrame:
        """All cached rows (compacted table + journals); the latest row wins per (arch, metric, version).

        Re-read only when :meth:`signature` changed since the last call; callers must not modify the
        returned frame. A corrupt or schema-mismatched file is reported in the log and ignored, never used;
        rows failing their checksum (:func:`read_table`) are dropped, so they are recomputed.
        """
        signature = self.signature()
        if self._loaded is not None and self._loaded[0] == signature:
            return self._loaded[1]
        table_files = tuple(entry for entry in signature if entry[0] in (self.table_path.name, CHECKSUM_FILE))
        frames = [self._read_table(table_files)] + [
            self._read_journal(p) for p in sorted(self.folder.glob("journal-*.jsonl"))
        ]
        rows = (
            pd.concat([f for f in frames if len(f)], ignore_index=True)
            if any(len(f) for f in frames)
            else None
        )
        rows = (
            _empty()
            if rows is None
            else rows.drop_duplicates(["arch_index", "metric", "version"], keep="last").reset_index(drop=True)
        )
        self._loaded = (signature, rows)
        return rows

    def _read_table(self, table_files: tuple) -> pd.DataFrame:
        """The table's trusted rows, re-read (and its problems reported) only when ``table_files`` (its and its
        checksum file's :meth:`signature` entries) changed, not on every journal append."""
        if self._table is None or self._table[0] != table_files:
            rows, problems = read_table(self.table_path, self.checksum_path)
            for problem in problems:
                log.warning("%s", problem)
            self._table = (table_files, rows)
        return self._table[1]

    @staticmethod
    def _read_journal(path: Path) -> pd.DataFrame:
        rows, problems = read_journal(path)
        for problem in problems:
            log.warning("%s", problem)
        return rows

    @contextlib.contextmanager
    def journal(self, shard: int) -> Iterator[Callable[[list[dict]], None]]:
        """Yield ``append(rows)``, which writes rows durably to a journal of this shard and process.

        The writer holds an exclusive ``flock`` on its journal while it is open, so a concurrent
        :meth:`compact` leaves the journal alone.
        """
        path = self.folder / f"journal-{shard}-{os.getpid()}.jsonl"
        with path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)

            def append(rows: list[dict]) -> None:
                handle.write("".join(json.dumps(r, allow_nan=True) + "\n" for r in rows))
                handle.flush()
                os.fsync(handle.fileno())

            yield append

    def compact(self) -> None:
        """Fold the journals no live writer holds into ``scores.parquet`` atomically, then delete them.

        One compaction at a time per folder (``compact.lock``), so a table and its checksum file always come
        from the same compaction."""
        with contextlib.ExitStack() as stack:
            folder_lock = stack.enter_context((self.folder / "compact.lock").open("a"))
            fcntl.flock(folder_lock.fileno(), fcntl.LOCK_EX)
            idle = []
            for path in sorted(self.folder.glob("journal-*.jsonl")):
                handle = stack.enter_context(path.open("a", encoding="utf-8"))
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a running scorer is still appending to it; a later compaction takes it
                idle.append(path)
            if not idle:
                return
            rows = self.load().sort_values(["metric", "arch_index"]).reset_index(drop=True)
            tmp = self.table_path.with_suffix(f".tmp{os.getpid()}")
            rows.to_parquet(tmp, index=False)
            # a crash between the two renames leaves blocks that fail their checksum: dropped and recomputed
            write_checksums(self.checksum_path, rows, tmp)
            os.replace(tmp, self.table_path)
            for path in idle:
                path.unlink(missing_ok=True)


def setup_problem(folder: Path) -> str | None:
    """Why the ``setup.json`` of a score-cache folder does not describe it (missing, unreadable, or a setup
    whose hash is not the folder's name), or None if it does."""
    meta = Path(folder) / SETUP_FILE
    try:
        setup = ScoringSetup.read(folder)
    except FileNotFoundError:
        return f"{meta} is missing"
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, TypeError) as err:
        return f"{meta} is unreadable ({type(err).__name__}: {err})"
    if setup.setup_id() != Path(folder).name:
        return f"{meta} describes setup {setup.setup_id()}, not its folder's {Path(folder).name}"
    return None


def read_table(path: Path, checksum_path: Path) -> tuple[pd.DataFrame, list[str]]:
    """The rows of a compacted score table that can be trusted, and a one-line description of each problem.

    An unreadable or schema-mismatched table gives no rows. With a checksum file, the rows of every block
    whose digest differs (an edited or lost value) are dropped and the rest kept; an unreadable checksum
    file drops every row (nothing can be verified). Without one, the table is served as written.
    """
    if not path.exists():
        return _empty(), []
    try:
        table = pd.read_parquet(path)
    except (OSError, ValueError) as err:
        return _empty(), [f"ignoring corrupt score table {path}: {err}"]
    if list(table.columns) != list(SCHEMA):
        return _empty(), [f"ignoring score table {path}: columns {list(table.columns)} != {list(SCHEMA)}"]
    if not checksum_path.exists():
        return table, []
    try:
        whole, expected = read_checksums(checksum_path)
    except ValueError as err:
        return _empty(), [f"ignoring score table {path}: {err}"]
    if whole == file_digest(path):
        return table, []
    drop, blocks = failing_blocks(table, expected)
    if not blocks:
        return table, []
    problem = (
        f"ignoring {int(drop.sum())} rows of score table {path} in {len(blocks)} block(s) failing their "
        f"checksum (e.g. {blocks[0]}); they will be recomputed"
    )
    return table[~drop].reset_index(drop=True), [problem]


def read_journal(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """The complete rows of a journal, and a one-line description of each line skipped (a half-written
    last line after a crash, or a line whose fields are not the schema's)."""
    records, problems = [], []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                problems.append(f"ignoring unreadable line {number} of {path} (interrupted write?)")
                continue
            if not isinstance(record, dict) or sorted(record) != sorted(SCHEMA):
                problems.append(f"ignoring line {number} of {path}: fields do not match the schema")
                continue
            records.append(record)
    rows = _typed(pd.DataFrame.from_records(records, columns=list(SCHEMA))) if records else _empty()
    return rows, problems


def seal_table(folder: Path) -> bool:
    """Write the checksum file of a folder's readable table that has none (trusting its rows as they are);
    returns whether one was written."""
    path, checksum_path = Path(folder) / "scores.parquet", Path(folder) / CHECKSUM_FILE
    if not path.exists() or checksum_path.exists():
        return False
    rows, problems = read_table(path, checksum_path)
    if problems:
        return False
    write_checksums(checksum_path, rows, path)
    return True


def _empty() -> pd.DataFrame:
    return _typed(pd.DataFrame({c: [] for c in SCHEMA}))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype({c: t for c, t in SCHEMA.items() if t != "str"})
    for column in ("metric", "error", "device"):
        frame[column] = frame[column].fillna("").astype(str)
    return frame


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + f".tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def initialise(net: nn.Module, scheme: str) -> nn.Module:
    """Re-initialise Conv2d/Linear weights with ``scheme`` (``default`` leaves PyTorch's init)."""
    if scheme not in INITS:
        raise ValueError(f"unknown init {scheme!r}; valid choices: {', '.join(INITS)}")
    if scheme == "default":
        return net
    for module in net.modules():
        if isinstance(module, nn.Conv2d | nn.Linear):
            if scheme == "kaiming_normal":
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            else:
                nn.init.xavier_normal_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return net


def shares_class_score(space: Space, metric: str) -> bool:
    """Whether functionally identical cells of ``space`` may share one ``metric`` score: the metric is
    class-invariant, or the space's classes hold no dead operations (``Space.dead_ops_in_class``)."""
    return registry.get(metric).class_invariant or not space.dead_ops_in_class


def missing_work(cached: pd.DataFrame, wanted: Mapping[int, Sequence[str]]) -> dict[int, list[str]]:
    """For each index of ``wanted``, its wanted metrics (at their current version) not yet in ``cached``."""
    have = set(zip(cached["arch_index"], cached["metric"], cached["version"], strict=True))
    todo: dict[int, list[str]] = {}
    for index, metric_names in wanted.items():
        names = [m for m in metric_names if (int(index), m, registry.get(m).version) not in have]
        if names:
            todo[int(index)] = names
    return todo


def score_architectures(
    wanted: Mapping[int, Sequence[str]],
    store: ScoreStore,
    probe_for: Callable[[int], Probe],
    shard: int = 0,
    progress: bool = True,
) -> int:
    """Compute every (index, metric) of ``wanted`` (index → metric names) missing from ``store``.

    Returns the number of architectures scored.

    ``probe_for(index)`` returns the architecture's probe: its freshly initialised network and its batch
    (:meth:`ScoreEngine.probe`). Rows are journalled after each architecture; on Ctrl-C the journal keeps
    everything finished so far.
    """
    setup = store.setup
    todo = missing_work(store.load(), wanted)
    if not todo:
        return 0
    bar = tqdm(
        total=len(todo), desc=f"scoring {setup.space}/{setup.dataset}", unit="arch", disable=not progress
    )
    start = time.perf_counter()
    with store.journal(shard) as append, bar:
        for index, names in todo.items():
            probe = probe_for(index)
            results = registry.evaluate(names, probe)
            append(
                [
                    {
                        "arch_index": index,
                        "metric": name,
                        "version": registry.get(name).version,
                        "value": float(result.value),
                        "seconds": result.seconds,
                        "error": result.error or "",
                        "device": probe.device.type,
                    }
                    for name, result in results.items()
                ]
            )
            bar.update(1)
    elapsed = time.perf_counter() - start
    log.info("scored %d architectures in %.1f s (%.2f s/arch)", len(todo), elapsed, elapsed / len(todo))
    return len(todo)


def wide_scores(cached: pd.DataFrame, metric_names: Sequence[str]) -> pd.DataFrame:
    """Long cache rows → one row per arch_index with ``<metric>``, ``<metric>_seconds``, ``<metric>_error``."""
    versions = {name: registry.get(name).version for name in metric_names}
    rows = cached[cached["metric"].isin(list(versions))]
    rows = rows[rows["version"] == rows["metric"].map(versions)]
    values = rows.pivot(index="arch_index", columns="metric", values="value")
    seconds = rows.pivot(index="arch_index", columns="metric", values="seconds").add_suffix("_seconds")
    errors = rows.pivot(index="arch_index", columns="metric", values="error").add_suffix("_error")
    wide = pd.concat([values, seconds, errors], axis=1)
    order = [c for m in metric_names for c in (m, f"{m}_seconds", f"{m}_error") if c in wide.columns]
    return wide[order]


def shard_slice(indices: Sequence[int], shard_index: int, shard_count: int) -> list[int]:
    """The ``shard_index``-th of ``shard_count`` disjoint, interleaved slices of ``indices``."""
    if shard_count < 1 or not 0 <= shard_index < shard_count:
        raise ValueError(f"shard.index must be in 0..{shard_count - 1} and shard.count >= 1")
    return list(np.asarray(indices)[shard_index::shard_count])


BN_MODES = ("declared", "train", "bypass")
DEVICES = ("auto", "cpu", "cuda")
DATA_SOURCES: tuple[str, ...] = get_args(Source)
SAMPLINGS: tuple[str, ...] = get_args(Sampling)


def whole_number(key: str, value: object, low: int, high: int | None = None) -> int:
    """``value`` as an ``int`` in ``low..high`` (no upper bound when ``high`` is None); ``ValueError`` naming
    ``key``, the value and the valid range otherwise. Booleans and fractional numbers (``5.5``) are refused,
    never rounded."""
    valid = isinstance(value, int) and not isinstance(value, bool)
    if isinstance(value, float) and value.is_integer():
        value, valid = int(value), True
    if not valid or value < low or (high is not None and value > high):
        span = f"{low}..{high}" if high is not None else f">= {low}"
        raise ValueError(f"{key}={value!r} is invalid: must be a whole number {span}")
    return int(value)


@dataclass(frozen=True)
class ScoringOptions:
    """How to score, as a user states it: the :class:`ScoringSetup` fields that do not depend on the
    benchmark, plus the settings that change where and how fast scores are computed but not their values.

    Attributes:
        batch_size, data, sampling, seed, per_arch_batch, init, bn: as in :class:`ScoringSetup`.
        share_canonical: functionally identical cells share one score of each class-invariant metric.
        device: ``auto`` (CUDA when present), ``cpu`` or ``cuda``.
        threads: torch CPU threads; 0 leaves torch's default (all cores).
    """

    batch_size: int = 64
    data: str = "npz"
    sampling: str = "random"
    seed: int = 0
    per_arch_batch: bool = False
    init: str = "default"
    bn: str = "declared"
    share_canonical: bool = True
    device: str = "auto"
    threads: int = 0

    def __post_init__(self) -> None:
        if self.bn not in BN_MODES:
            raise ValueError(f"unknown scoring.bn {self.bn!r}; valid choices: {', '.join(BN_MODES)}")
        if self.init not in INITS:
            raise ValueError(f"unknown scoring.init {self.init!r}; valid choices: {', '.join(INITS)}")
        if self.device not in DEVICES:
            raise ValueError(f"unknown scoring.device {self.device!r}; valid choices: {', '.join(DEVICES)}")
        if self.device == "cuda" and not torch.cuda.is_available():
            raise ValueError("scoring.device='cuda' but torch finds no CUDA device; use auto or cpu")
        if self.data not in DATA_SOURCES:
            raise ValueError(f"unknown scoring.data {self.data!r}; valid choices: {', '.join(DATA_SOURCES)}")
        if self.sampling not in SAMPLINGS:
            raise ValueError(
                f"unknown scoring.sampling {self.sampling!r}; valid choices: {', '.join(SAMPLINGS)}"
            )
        for key, low in (("batch_size", 1), ("seed", 0), ("threads", 0)):
            whole_number(f"scoring.{key}", getattr(self, key), low=low)
        for key in ("per_arch_batch", "share_canonical"):
            if not isinstance(getattr(self, key), bool):
                raise ValueError(f"scoring.{key}={getattr(self, key)!r} is invalid: must be true or false")

    def setup(self, space: str, dataset: str) -> ScoringSetup:
        """The :class:`ScoringSetup` (the cache key) of these options on ``space`` / ``dataset``."""
        return ScoringSetup(
            space=space,
            dataset=dataset,
            batch_size=int(self.batch_size),
            data=str(self.data),
            sampling=str(self.sampling),
            seed=int(self.seed),
            per_arch_batch=bool(self.per_arch_batch),
            init=str(self.init),
            bn=str(self.bn),
        )

    def engine(
        self, space: Space, dataset: str, cache_root: Path, data_root: Path, progress: bool = True
    ) -> ScoreEngine:
        """The score engine of these options for ``space`` on ``dataset``, caching under ``cache_root``."""
        return ScoreEngine(
            space,
            self.setup(space.name, dataset),
            Path(cache_root),
            Path(data_root),
            self.share_canonical,
            resolve_device(self.device),
            progress=progress,
        )


def resolve_device(name: str) -> torch.device:
    """``auto`` → CUDA when available, else CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name not in ("cpu", "cuda"):
        raise ValueError(f"unknown device {name!r}; valid choices: auto, cpu, cuda")
    return torch.device(name)


class ScoreEngine:
    """Scores of one space × setup, served from the cache and computed on demand.

    Args:
        space: the benchmark space.
        setup: the scoring setup (dataset, batch, seeds, ...).
        cache_root: root folder of the score cache.
        data_root: folder holding the image batches.
        share_canonical: functionally identical cells share the score of their class representative
            (class-invariant metrics only where classes hold dead operations; see :meth:`representatives`).
        device: where networks run.
        progress: show a progress bar while scoring.
    """

    def __init__(
        self,
        space: Space,
        setup: ScoringSetup,
        cache_root: Path,
        data_root: Path,
        share_canonical: bool = True,
        device: torch.device | None = None,
        progress: bool = True,
    ) -> None:
        self.space, self.setup = space, setup
        self.store = ScoreStore(cache_root, setup)
        self.share_canonical = share_canonical
        self.device = device or torch.device("cpu")
        self.progress = progress
        self._data_root = data_root
        self._batches: dict[tuple[int, bool], Batch] = {}
        self._user_files: list[Path] | None = None
        self._user_labels = False
        """Whether batches of the user's own images carry their labels (a label metric asked for them)."""
        self._wide: tuple[tuple, tuple[str, ...], pd.DataFrame] | None = None

    def representatives(self, indices: Sequence[int], metric: str) -> np.ndarray:
        """For every index (in order, ``int64``), the architecture whose ``metric`` score it uses: its class's
        representative when ``share_canonical`` and :func:`shares_class_score`; else the index itself."""
        indices = np.asarray(indices, dtype=np.int64)
        if self.share_canonical and shares_class_score(self.space, metric):
            return self.space.canonical_indices()[indices]
        return indices

    def work(self, indices: Sequence[int], metric_names: Sequence[str]) -> dict[int, list[str]]:
        """Architecture → the metrics it must be scored on itself for ``indices`` to have every score."""
        wanted: dict[int, list[str]] = {}
        for name in metric_names:
            for rep in np.unique(self.representatives(indices, name)):
                wanted.setdefault(int(rep), []).append(name)
        return wanted

    def batch_for(self, arch_seed: int) -> Batch:
        """One fixed batch (seeded by ``setup.seed``) or, if ``per_arch_batch``, a fresh draw per architecture;
        on a dataset without an image pool, the user's own images where the setup reads them
        (:meth:`reads_user_images`), else a batch of zeros of its declared input shape (data-free metrics read
        only the shape; with labels once :meth:`check_metrics` has seen a label metric)."""
        seed = arch_seed if self.setup.per_arch_batch else self.setup.seed
        key = (seed, self._user_labels)
        if key not in self._batches:
            s, pool = self.setup, self.image_pool()
            if pool is not None:
                batch = load_batch(pool, self._data_root, s.batch_size, seed, s.data, s.sampling)
            elif self.reads_user_images():
                batch = load_taskonomy_batch(
                    s.dataset, self._data_root, s.batch_size, seed, self.user_files(), self._user_labels
                )
            else:
                batch = shape_only_batch(
                    s.dataset, benchmark_spec(s.space).input_shapes[s.dataset], s.batch_size
                )
            self._batches[key] = batch
        return self._batches[key]

    def user_files(self) -> list[Path]:
        """The user's Taskonomy RGB images (:func:`bench.core.taskonomy.rgb_files`), listed once per engine."""
        if self._user_files is None:
            self._user_files = rgb_files(self._data_root, self.setup.batch_size)
        return self._user_files

    def reads_user_images(self) -> bool:
        """Whether this setup reads a user's own images: its ``data`` source is the one the benchmark declares
        for the dataset in ``user_images`` (TransNAS: ``taskonomy``)."""
        return benchmark_spec(self.space.name).user_images.get(self.setup.dataset) == self.setup.data

    def image_pool(self) -> str | None:
        """The image pool (:mod:`bench.core.batches`) this setup's dataset draws its batches from, as the
        benchmark's registry entry declares it; ``None`` where it has none (only data-free metrics run)."""
        return benchmark_spec(self.space.name).images.get(self.setup.dataset)

    def check_metrics(self, metric_names: Sequence[str]) -> None:
        """``ValueError`` or ``DataFileError`` (one line) unless this setup's dataset can score every metric of
        ``metric_names``: it has an image pool; or it reads the user's own images (:meth:`reads_user_images`),
        they are there, with the task's labels where a metric needs them (class labels where it reads classes);
        or it declares an input shape and every metric is data-free (``needs="none"``). A cache of user images
        records which ones (:meth:`ScoreStore.pin_images`)."""
        spec, dataset, data = benchmark_spec(self.space.name), self.setup.dataset, self.setup.data
        where = f"{self.space.name}/{dataset}"
        user_source = spec.user_images.get(dataset)
        if data in USER_IMAGE_SOURCES and user_source != data:
            raise ValueError(f"scoring.data={data} reads no images for {where}: nothing is scored")
        if self.image_pool() is not None:
            return
        if dataset not in spec.input_shapes:
            raise ValueError(f"{where} has no image pool (no images for it here): nothing is scored")
        if self.reads_user_images():
            needing = [name for name in metric_names if registry.get(name).needs == "labels"]
            refusal = label_refusal(dataset, self._data_root) if needing else None
            if refusal:
                runs = [name for name in registry.names() if registry.get(name).needs != "labels"]
                raise ValueError(
                    f"{', '.join(needing)} need(s) labels and {where} {refusal}: nothing is scored; "
                    f"metrics that run on its {data} images: {', '.join(runs)}"
                )
            classed = [name for name in needing if registry.get(name).class_labels]
            refusal = class_label_refusal(dataset) if classed else None
            if refusal:
                runs = [name for name in registry.names() if not registry.get(name).class_labels]
                raise ValueError(
                    f"{', '.join(classed)} read(s) class labels and {where} {refusal}: nothing is scored; "
                    f"metrics that run on its {data} images and targets: {', '.join(runs)}"
                )
            self._user_labels = self._user_labels or bool(needing)
            signature = pool_signature(self._data_root, self.setup.batch_size, dataset, self.user_files())
            self.store.pin_images(signature)
            return
        needing = [name for name in metric_names if registry.get(name).needs != "none"]
        if needing:
            free = [name for name in registry.names() if registry.get(name).needs == "none"]
            hint = ""
            if user_source:
                imaged = [name for name in registry.names() if registry.get(name).needs == "data"]
                hint = f"; with scoring.data={user_source} and your own images also: {', '.join(imaged)}"
            raise ValueError(
                f"{', '.join(needing)} need(s) images and {where} has none here (see docs/benchmarks.md): "
                f"nothing is scored; data-free metrics: {', '.join(free)}{hint}"
            )

    def build(self, index: int) -> nn.Module:
        """The network of ``index`` for this setup's dataset: the space's own network for the dataset where it
        builds one per task (``space.build_for(index, dataset)``: TransNAS), else ``space.build`` with the
        image pool's number of classes."""
        build_for = getattr(self.space, "build_for", None)
        if build_for is not None:
            return build_for(index, self.setup.dataset)
        pool = self.image_pool()
        if pool is None:
            raise ValueError(
                f"{self.space.name}/{self.setup.dataset} has no image pool: its class count is unknown"
            )
        return self.space.build(index, NUM_CLASSES[pool])

    def probe(self, index: int) -> Probe:
        """What the metrics of ``index`` see when scored: under the architecture's seed
        (``setup.arch_seed``), its network (:meth:`build`) initialised with ``setup.init`` on this engine's
        device, its batch (:meth:`batch_for`) and ``setup.bn``'s BatchNorm override."""
        setup = self.setup
        seed = setup.arch_seed(index)
        torch.manual_seed(seed)
        net = initialise(self.build(index), setup.init).to(self.device)
        return Probe(net, self.batch_for(seed), seed=seed, bn=None if setup.bn == "declared" else setup.bn)

    def ensure(
        self, indices: Sequence[int], metric_names: Sequence[str], shard: tuple[int, int] = (0, 1)
    ) -> int:
        """Score whatever is missing for ``indices`` (this shard's slice of the architectures to score);
        ``ValueError`` before any work if something is missing and a metric cannot be scored here
        (:meth:`check_metrics`); cached scores are served whatever the dataset has."""
        wanted = self.work(indices, metric_names)
        todo = {i: wanted[i] for i in shard_slice(sorted(wanted), *shard)}
        if self._all_cached(todo):
            return 0
        self.check_metrics(metric_names)
        return score_architectures(todo, self.store, self.probe, shard=shard[0], progress=self.progress)

    def _wide_cached(self, metric_names: Sequence[str]) -> pd.DataFrame:
        """:func:`wide_scores` of the whole cache, recomputed only when the cache or the names changed."""
        signature, names = self.store.signature(), tuple(metric_names)
        if self._wide is None or self._wide[:2] != (signature, names):
            self._wide = (signature, names, wide_scores(self.store.load(), names))
        return self._wide[2]

    def _all_cached(self, wanted: Mapping[int, Sequence[str]]) -> bool:
        """Whether every wanted (architecture, metric) pair is cached at the metric's current version."""
        names = sorted({name for metric_names in wanted.values() for name in metric_names})
        wide = self._wide_cached(names)
        for name in names:
            archs = [i for i, metric_names in wanted.items() if name in metric_names]
            if f"{name}_error" not in wide.columns or wide[f"{name}_error"].reindex(archs).isna().any():
                return False
        return True

    def table(self, indices: Sequence[int], metric_names: Sequence[str]) -> pd.DataFrame:
        """Wide scores for ``indices`` (in order), each metric taken from :meth:`representatives`; all must
        be cached (``RuntimeError`` naming some missing architectures otherwise)."""
        wide = self._wide_cached(metric_names)
        columns = {}
        for name in metric_names:
            reps = self.representatives(indices, name)
            found = (
                wide[f"{name}_error"].reindex(reps).notna().to_numpy()
                if f"{name}_error" in wide.columns
                else np.zeros(len(reps), dtype=bool)
            )
            if not found.all():
                missing = sorted(set(reps[~found].tolist()))
                raise RuntimeError(
                    f"{len(missing)} architectures have no cached {name} score (e.g. {missing[:5]})"
                )
            for column in (name, f"{name}_seconds", f"{name}_error"):
                columns[column] = wide[column].reindex(reps).to_numpy()
        return pd.DataFrame(columns, index=pd.Index([int(i) for i in indices], name="arch_index"))
