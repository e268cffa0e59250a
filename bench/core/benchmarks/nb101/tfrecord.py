"""Read the official NAS-Bench-101 ``nasbench_only108.tfrecord`` / ``nasbench_full.tfrecord`` without
TensorFlow or protobuf, and convert them to one compact parquet table.

File layout (TFRecord): records follow each other, each framed as ``uint64 length`` (little endian),
``uint32 masked_crc32c(length bytes)``, ``length`` data bytes, ``uint32 masked_crc32c(data)``. Both
CRCs are verified. Every data payload is the UTF-8 JSON list
``[module_hash, epochs, adjacency, ops, metrics_b64]``: the 32-hex-digit module hash, the training
budget in epochs (4, 12, 36 or 108), the pruned adjacency matrix as a flat row-major 0/1 string, the
comma-separated op labels, and a base64 ``ModelMetrics`` protobuf (proto2) decoded here by hand:
``evaluation_data`` (field 1, repeated; [0] at initialisation, [1] halfway, [2] at the end of
training), ``trainable_parameters`` (field 2, varint) and ``total_time`` (field 3, double, seconds).
Each evaluation holds doubles ``current_epoch`` (1), ``training_time`` (2, seconds),
``train/validation/test_accuracy`` (3/4/5, fractions in [0, 1]) and the string ``checkpoint_path`` (6).
There is one record per (cell, budget, repeat): three repeats per cell and budget.

Convert with ``python -m bench nb101-tfrecord nasbench_only108.tfrecord <data_root>/nb101/nasbench101.parquet``.
"""

from __future__ import annotations

import argparse
import base64
import json
import mmap
import os
import struct
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bench.core.benchmarks.nb101.spec import parse_adjacency

_CRC32C_POLY = 0x82F63B78  # Castagnoli polynomial, bit-reflected
_MASK_DELTA = 0xA282EAD8
_HEADER = 12  # uint64 length + uint32 length CRC
_FOOTER = 4  # uint32 data CRC
_BATCH = 65536  # records whose data CRCs are checked together


def _crc_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint32)
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ (_CRC32C_POLY if crc & 1 else 0)
        table[byte] = crc
    return table


_TABLE = _crc_table()
_TABLE_LIST = _TABLE.tolist()


class TFRecordError(ValueError):
    """A TFRecord file is truncated or corrupt; the message names the byte offset of the bad record."""


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli) of ``data``, as used by TFRecord; ``crc32c(b"123456789") == 0xE3069283``."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE_LIST[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def crc32c_many(chunks: Sequence[bytes]) -> np.ndarray:
    """CRC-32C of every chunk (``uint32`` array), vectorised over chunks of equal length."""
    out = np.empty(len(chunks), dtype=np.uint32)
    by_length: dict[int, list[int]] = defaultdict(list)
    for position, chunk in enumerate(chunks):
        by_length[len(chunk)].append(position)
    for length, positions in by_length.items():
        joined = b"".join(chunks[p] for p in positions)
        columns = np.frombuffer(joined, dtype=np.uint8).reshape(len(positions), length).T.astype(np.uint32)
        state = np.full(len(positions), 0xFFFFFFFF, dtype=np.uint32)
        for column in columns:
            state = _TABLE[(state ^ column) & 0xFF] ^ (state >> 8)
        out[positions] = state ^ np.uint32(0xFFFFFFFF)
    return out


def mask_crc(crc: int | np.ndarray) -> int | np.ndarray:
    """TFRecord's masked CRC: rotate right by 15 bits and add 0xA282EAD8 (mod 2**32)."""
    if isinstance(crc, np.ndarray):
        crc = crc.astype(np.uint64)
        return ((((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF).astype(np.uint32)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def iter_records(path: str | os.PathLike[str], verify: bool = True) -> Iterator[tuple[int, bytes]]:
    """Yield ``(byte_offset, data)`` for every record of a TFRecord file.

    Raises:
        TFRecordError: on a truncated record or (with ``verify``) a CRC mismatch, naming the offset.
    """
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
            batch: list[tuple[int, bytes, int]] = []
            offset = 0
            while offset < size:
                batch.append(_read_frame(view, offset, size, verify))
                offset += _HEADER + len(batch[-1][1]) + _FOOTER
                if len(batch) == _BATCH:
                    yield from _checked(batch, verify)
                    batch = []
            yield from _checked(batch, verify)


def _read_frame(view: mmap.mmap, offset: int, size: int, verify: bool) -> tuple[int, bytes, int]:
    """One record at ``offset``: ``(offset, data, stored masked data CRC)``; the length CRC is checked here."""
    if size - offset < _HEADER:
        raise TFRecordError(
            f"truncated record header at byte offset {offset}: {size - offset} bytes left, {_HEADER} needed"
        )
    length_bytes = view[offset : offset + 8]
    (length,) = struct.unpack("<Q", length_bytes)
    (length_crc,) = struct.unpack_from("<I", view, offset + 8)
    if verify and mask_crc(crc32c(length_bytes)) != length_crc:
        raise TFRecordError(f"corrupt record header at byte offset {offset}: length CRC mismatch")
    end = offset + _HEADER + length + _FOOTER
    if end > size:
        raise TFRecordError(
            f"truncated record at byte offset {offset}: it announces {length} data bytes (record end at byte "
            f"{end}) but the file has {size} bytes"
        )
    data = view[offset + _HEADER : offset + _HEADER + length]
    (data_crc,) = struct.unpack_from("<I", view, offset + _HEADER + length)
    return offset, data, data_crc


def _checked(batch: list[tuple[int, bytes, int]], verify: bool) -> Iterator[tuple[int, bytes]]:
    if verify and batch:
        computed = mask_crc(crc32c_many([data for _, data, _ in batch]))
        stored = np.array([crc for _, _, crc in batch], dtype=np.uint32)
        bad = np.flatnonzero(computed != stored)
        if bad.size:
            raise TFRecordError(
                f"corrupt record data at byte offset {batch[int(bad[0])][0]}: data CRC mismatch"
            )
    for offset, data, _ in batch:
        yield offset, data


def write_tfrecord(path: str | os.PathLike[str], payloads: Iterable[bytes]) -> None:
    """Write ``payloads`` as a TFRecord file (the framing :func:`iter_records` reads)."""
    with open(path, "wb") as handle:
        for data in payloads:
            length = struct.pack("<Q", len(data))
            handle.write(length + struct.pack("<I", mask_crc(crc32c(length))))
            handle.write(data + struct.pack("<I", mask_crc(crc32c(data))))


@dataclass(frozen=True)
class EvaluationData:
    """One evaluation during training: epoch, seconds of training so far, accuracies as fractions."""

    current_epoch: float = 0.0
    training_time: float = 0.0
    train_accuracy: float = 0.0
    validation_accuracy: float = 0.0
    test_accuracy: float = 0.0
    checkpoint_path: str = ""


@dataclass(frozen=True)
class ModelMetrics:
    """One training run: its evaluations (init, halfway, final), parameter count and total seconds."""

    evaluation_data: tuple[EvaluationData, ...] = field(default_factory=tuple)
    trainable_parameters: int = 0
    total_time: float = 0.0


@dataclass(frozen=True)
class NB101Record:
    """One decoded tfrecord row: a cell (hash, flat adjacency string, comma-separated ops), a budget
    in epochs and one run's metrics."""

    module_hash: str
    epochs: int
    adjacency: str
    ops: str
    metrics: ModelMetrics


_EVAL_DOUBLES = ("current_epoch", "training_time", "train_accuracy", "validation_accuracy", "test_accuracy")


def _read_varint(blob: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(blob):
            raise ValueError("protobuf varint runs past the end of the message")
        byte = blob[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _fields(blob: bytes) -> Iterator[tuple[int, int, int | float | bytes]]:
    """``(field_number, wire_type, value)`` for every field of a protobuf message."""
    pos = 0
    while pos < len(blob):
        key, pos = _read_varint(blob, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _read_varint(blob, pos)
            yield number, wire, value
        elif wire == 1:
            if pos + 8 > len(blob):
                raise ValueError("protobuf fixed64 field runs past the end of the message")
            yield number, wire, struct.unpack_from("<d", blob, pos)[0]
            pos += 8
        elif wire == 2:
            length, pos = _read_varint(blob, pos)
            if pos + length > len(blob):
                raise ValueError("protobuf length-delimited field runs past the end of the message")
            yield number, wire, blob[pos : pos + length]
            pos += length
        elif wire == 5:
            pos += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire} (field {number})")


def decode_metrics(blob: bytes) -> ModelMetrics:
    """Decode a serialized ``ModelMetrics`` message (fields not in the schema are skipped)."""
    evaluations: list[EvaluationData] = []
    params, total_time = 0, 0.0
    for number, wire, value in _fields(blob):
        if number == 1 and wire == 2:
            evaluations.append(_decode_evaluation(value))  # type: ignore[arg-type]
        elif number == 2 and wire == 0:
            params = value - (1 << 64) if value >= 1 << 63 else value  # type: ignore[operator]
        elif number == 3 and wire == 1:
            total_time = value  # type: ignore[assignment]
    return ModelMetrics(tuple(evaluations), int(params), float(total_time))


def _decode_evaluation(blob: bytes) -> EvaluationData:
    values: dict[str, float | str] = {}
    for number, wire, value in _fields(blob):
        if 1 <= number <= 5 and wire == 1:
            values[_EVAL_DOUBLES[number - 1]] = value  # type: ignore[assignment]
        elif number == 6 and wire == 2:
            values["checkpoint_path"] = value.decode("utf-8")  # type: ignore[union-attr]
    return EvaluationData(**values)  # type: ignore[arg-type]


def encode_metrics(metrics: ModelMetrics) -> bytes:
    """Serialize ``metrics`` as a ``ModelMetrics`` protobuf (inverse of :func:`decode_metrics`)."""
    out = bytearray()
    for evaluation in metrics.evaluation_data:
        inner = bytearray()
        for number, name in enumerate(_EVAL_DOUBLES, start=1):
            inner += _varint(number << 3 | 1) + struct.pack("<d", getattr(evaluation, name))
        path = evaluation.checkpoint_path.encode("utf-8")
        inner += _varint(6 << 3 | 2) + _varint(len(path)) + path
        out += _varint(1 << 3 | 2) + _varint(len(inner)) + inner
    out += _varint(2 << 3 | 0) + _varint(metrics.trainable_parameters % (1 << 64))
    out += _varint(3 << 3 | 1) + struct.pack("<d", metrics.total_time)
    return bytes(out)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_row(data: bytes) -> NB101Record:
    """Decode one record payload (the JSON list described in the module docstring)."""
    row = json.loads(data.decode("utf-8"))
    if not isinstance(row, list) or len(row) != 5:
        raise ValueError("payload is not the JSON list [module_hash, epochs, adjacency, ops, metrics_b64]")
    module_hash, epochs, adjacency, ops, metrics = row
    return NB101Record(
        str(module_hash), int(epochs), str(adjacency), str(ops), decode_metrics(base64.b64decode(metrics))
    )


def encode_row(record: NB101Record) -> bytes:
    """Record payload in the official layout (inverse of :func:`decode_row`)."""
    metrics = base64.b64encode(encode_metrics(record.metrics)).decode("ascii")
    return json.dumps([record.module_hash, record.epochs, record.adjacency, record.ops, metrics]).encode(
        "utf-8"
    )


def iter_nb101(path: str | os.PathLike[str], verify: bool = True) -> Iterator[NB101Record]:
    """Every decoded record of an official NAS-Bench-101 tfrecord file, in file order."""
    for offset, data in iter_records(path, verify):
        try:
            yield decode_row(data)
        except (ValueError, UnicodeDecodeError) as error:
            raise TFRecordError(f"undecodable record at byte offset {offset}: {error}") from error


def write_nb101(path: str | os.PathLike[str], records: Iterable[NB101Record]) -> None:
    """Write records as an official-layout NAS-Bench-101 tfrecord (used by tests)."""
    write_tfrecord(path, (encode_row(record) for record in records))


def to_frame(records: Iterable[NB101Record]) -> pd.DataFrame:
    """One row per (cell, budget) with the mean over runs of the final evaluation.

    Columns: ``arch_index`` (order of first appearance of the hash, as ``hash_iterator()``),
    ``module_hash``, ``epochs``, ``adjacency`` (rows joined by ``;``), ``ops``, ``num_vertices``,
    ``trainable_parameters``, ``num_runs``, ``valid_acc`` / ``test_acc`` / ``train_acc`` (percent) and
    ``train_seconds`` (training time of the run, seconds). "Final" is the last evaluation of a run.
    """
    cells: dict[str, tuple[str, str, int]] = {}
    sums: dict[tuple[str, int], np.ndarray] = {}
    for record in records:
        if record.module_hash not in cells:
            adjacency = ";".join("".join(map(str, row)) for row in parse_adjacency(record.adjacency))
            cells[record.module_hash] = (adjacency, record.ops, record.metrics.trainable_parameters)
        if not record.metrics.evaluation_data:
            raise ValueError(f"run of cell {record.module_hash} ({record.epochs} epochs) has no evaluation")
        final = record.metrics.evaluation_data[-1]
        run = np.array(
            [1.0, final.validation_accuracy, final.test_accuracy, final.train_accuracy, final.training_time]
        )
        key = (record.module_hash, record.epochs)
        sums[key] = sums[key] + run if key in sums else run
    order = {key: position for position, key in enumerate(cells)}
    rows = []
    for (module_hash, epochs), (runs, valid, test, train, seconds) in sums.items():
        adjacency, ops, params = cells[module_hash]
        rows.append(
            {
                "arch_index": order[module_hash],
                "module_hash": module_hash,
                "epochs": epochs,
                "adjacency": adjacency,
                "ops": ops,
                "num_vertices": len(ops.split(",")),
                "trainable_parameters": params,
                "num_runs": int(runs),
                "valid_acc": 100.0 * valid / runs,
                "test_acc": 100.0 * test / runs,
                "train_acc": 100.0 * train / runs,
                "train_seconds": seconds / runs,
            }
        )
    frame = pd.DataFrame(rows, columns=_COLUMNS)
    return frame.sort_values(["arch_index", "epochs"], ignore_index=True)


_COLUMNS = [
    "arch_index",
    "module_hash",
    "epochs",
    "adjacency",
    "ops",
    "num_vertices",
    "trainable_parameters",
    "num_runs",
    "valid_acc",
    "test_acc",
    "train_acc",
    "train_seconds",
]


def convert(
    source: str | os.PathLike[str], target: str | os.PathLike[str], verify: bool = True
) -> pd.DataFrame:
    """Convert an official tfrecord to the parquet table of :func:`to_frame`; returns the table."""
    frame = to_frame(iter_nb101(source, verify))
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(target, index=False)
    return frame


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: ``python -m bench nb101-tfrecord SOURCE.tfrecord TARGET.parquet``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="nasbench_only108.tfrecord or nasbench_full.tfrecord")
    parser.add_argument("target", help="parquet file to write, e.g. <data_root>/nb101/nasbench101.parquet")
    parser.add_argument("--no-verify", action="store_true", help="skip the CRC checks")
    args = parser.parse_args(argv)
    frame = convert(args.source, args.target, verify=not args.no_verify)
    print(
        f"{frame.module_hash.nunique()} cells, budgets {sorted(frame.epochs.unique())}: wrote {args.target}"
    )
