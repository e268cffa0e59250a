"""TF-free reading of the official NAS-Bench-101 tfrecord: framing, CRCs, proto decoding, conversion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.core.benchmarks.nb101.groundtruth import PARQUET_TABLE, NB101GroundTruth, SpecList, load_nb101
from bench.core.benchmarks.nb101.spec import ModelSpec
from bench.core.benchmarks.nb101.tfrecord import (
    EvaluationData,
    ModelMetrics,
    NB101Record,
    TFRecordError,
    convert,
    crc32c,
    crc32c_many,
    decode_metrics,
    encode_metrics,
    iter_nb101,
    iter_records,
    main,
    to_frame,
    write_nb101,
    write_tfrecord,
)
from bench.core.paths import DataFileError

# A record written by TensorFlow itself (tensorflow/python/summary/impl/event_file_loader_test.py,
# EventFileLoaderTest.RECORD): 24 data bytes holding an Event proto, with both masked CRCs.
TF_RECORD = (
    b'\x18\x00\x00\x00\x00\x00\x00\x00\xa3\x7fK"\t\x00\x00\xc0%\xddu\xd5A\x1a\rbrain.Event:1\xec\xf32\x8d'
)

INCEPTION = ModelSpec.from_strings(
    "0111100;0000001;0000001;0000001;0000010;0000001;0000000",
    "input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,output",
)
SMALL = ModelSpec.from_strings("0110;0001;0001;0000", "input,conv3x3-bn-relu,maxpool3x3,output")


def run(epochs: int, valid: float, test: float, seconds: float, params: int) -> ModelMetrics:
    """Metrics of one run with init / halfway / final evaluations, as in the official files."""
    half = EvaluationData(epochs / 2, seconds / 2, 0.5, valid - 0.1, test - 0.1, "")
    final = EvaluationData(float(epochs), seconds, 1.0, valid, test, f"/tmp/model.ckpt-{epochs}")
    return ModelMetrics((EvaluationData(0.0, 0.0, 0.1, 0.1, 0.1, ""), half, final), params, seconds + 30.0)


def records() -> list[NB101Record]:
    """Two cells x 3 runs at 108 epochs and one cell x 3 runs at 4 epochs, in the official row layout."""
    out = []
    for spec, params, base in ((INCEPTION, 2694282, 0.93), (SMALL, 1000000, 0.80)):
        flat = "".join("".join(map(str, row)) for row in spec.matrix)
        for repeat in range(3):
            metrics = run(108, base + 0.01 * repeat, base - 0.01 * repeat, 1000.0 + repeat, params)
            out.append(NB101Record(spec.hash, 108, flat, spec.ops_string(), metrics))
        if spec is INCEPTION:
            for repeat in range(3):
                metrics = run(4, 0.5 + 0.01 * repeat, 0.45, 40.0 + repeat, params)
                out.append(NB101Record(spec.hash, 4, flat, spec.ops_string(), metrics))
    return out


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "nasbench_tiny.tfrecord"
    write_nb101(path, records())
    return path


def record_offsets(path) -> list[int]:
    return [offset for offset, _ in iter_records(path)]


def test_crc32c_known_vectors() -> None:
    assert crc32c(b"123456789") == 0xE3069283  # RFC 3720 (iSCSI) check value
    assert crc32c(b"") == 0
    chunks = [b"123456789", b"", b"abc", b"abd", bytes(range(256)) * 3]
    assert crc32c_many(chunks).tolist() == [crc32c(c) for c in chunks]


def test_reads_a_record_written_by_tensorflow(tmp_path) -> None:
    path = tmp_path / "events.tfrecord"
    path.write_bytes(TF_RECORD * 2)
    assert list(iter_records(path)) == [(0, TF_RECORD[12:-4]), (len(TF_RECORD), TF_RECORD[12:-4])]
    write_tfrecord(tmp_path / "again.tfrecord", [TF_RECORD[12:-4]])
    assert (tmp_path / "again.tfrecord").read_bytes() == TF_RECORD


def test_metrics_proto_round_trip_and_unknown_fields() -> None:
    metrics = run(108, 0.9376, 0.9312, 1155.85, 2694282)
    blob = encode_metrics(metrics)
    assert decode_metrics(blob) == metrics
    extra = blob + bytes([4 << 3 | 0, 7]) + bytes([5 << 3 | 5]) + b"\x00" * 4  # unknown fields 4 and 5
    assert decode_metrics(extra) == metrics
    with pytest.raises(ValueError, match="past the end"):
        decode_metrics(blob[:-3])


def test_round_trip_of_official_layout(tiny) -> None:
    assert list(iter_nb101(tiny)) == records()
    assert list(iter_nb101(tiny, verify=False)) == records()


def test_conversion_means_over_runs(tiny, tmp_path) -> None:
    frame = convert(tiny, tmp_path / "out" / "nb.parquet")
    assert frame.equals(pd.read_parquet(tmp_path / "out" / "nb.parquet"))
    assert frame[["arch_index", "epochs"]].values.tolist() == [[0, 4], [0, 108], [1, 108]]
    row = frame.iloc[1]
    assert row.module_hash == INCEPTION.hash and row.num_runs == 3 and row.num_vertices == 7
    assert row.adjacency == INCEPTION.adjacency_string() and row.trainable_parameters == 2694282
    assert row.valid_acc == pytest.approx(100 * np.mean([0.93, 0.94, 0.95]))
    assert row.test_acc == pytest.approx(100 * np.mean([0.93, 0.92, 0.91]))
    assert row.train_acc == pytest.approx(100.0)
    assert row.train_seconds == pytest.approx(1001.0)
    assert frame.iloc[0].valid_acc == pytest.approx(51.0)


def test_parquet_ground_truth_and_space(tiny, tmp_path) -> None:
    main([str(tiny), str(tmp_path / PARQUET_TABLE)])
    space, truth = load_nb101(tmp_path, "tfrecord")
    frame = truth.frame("cifar10")
    assert list(frame.index) == [0, 1] and frame.index.name == "arch_index"
    assert {"valid_acc_108ep", "test_acc_108ep", "train_seconds_108ep", "valid_acc_4ep", "params_M"} <= set(
        frame
    )
    assert np.isnan(frame.loc[1, "valid_acc_4ep"])
    assert frame.loc[0, "params_M"] == pytest.approx(2.694282)
    assert frame["arch_str"].tolist() == [INCEPTION.hash, SMALL.hash]
    assert [space.arch(i).hash for i in range(len(space))] == frame["arch_str"].tolist()
    assert space.index(SMALL) == 1
    with pytest.raises(ValueError, match="cifar10"):
        truth.frame("cifar100")


def test_missing_parquet_names_file_and_converter(tmp_path) -> None:
    with pytest.raises(DataFileError, match=r"python -m bench nb101-tfrecord"):
        load_nb101(tmp_path, "tfrecord")
    (tmp_path / "nb101").mkdir()
    (tmp_path / PARQUET_TABLE).write_bytes(b"not parquet")
    with pytest.raises(DataFileError, match="cannot read NB101 table"):
        NB101GroundTruth.from_parquet(tmp_path / PARQUET_TABLE)


def test_corrupt_data_names_record_offset(tiny) -> None:
    offsets = record_offsets(tiny)
    raw = bytearray(tiny.read_bytes())
    raw[offsets[2] + 12 + 5] ^= 0x01
    tiny.write_bytes(bytes(raw))
    with pytest.raises(TFRecordError, match=f"corrupt record data at byte offset {offsets[2]}:"):
        list(iter_records(tiny))
    assert len(list(iter_records(tiny, verify=False))) == len(offsets)


def test_corrupt_length_names_record_offset(tiny) -> None:
    offsets = record_offsets(tiny)
    raw = bytearray(tiny.read_bytes())
    raw[offsets[4]] ^= 0x10
    tiny.write_bytes(bytes(raw))
    with pytest.raises(TFRecordError, match=f"corrupt record header at byte offset {offsets[4]}:"):
        list(iter_records(tiny))


def test_corrupt_data_crc_field_names_record_offset(tiny) -> None:
    offsets = record_offsets(tiny)
    raw = bytearray(tiny.read_bytes())
    raw[offsets[1] - 1] ^= 0xFF  # last byte of record 0's data CRC
    tiny.write_bytes(bytes(raw))
    with pytest.raises(TFRecordError, match="corrupt record data at byte offset 0:"):
        list(iter_nb101(tiny))


@pytest.mark.parametrize("cut", [3, 30, -1])
def test_truncated_file_names_record_offset(tiny, cut) -> None:
    offsets = record_offsets(tiny)
    raw = tiny.read_bytes()
    end = offsets[3] + cut if cut > 0 else len(raw) + cut
    tiny.write_bytes(raw[:end])
    start = offsets[3] if cut > 0 else offsets[-1]
    kind = "truncated record header" if cut == 3 else "truncated record"
    with pytest.raises(TFRecordError, match=f"{kind} at byte offset {start}:"):
        list(iter_records(tiny))


def test_undecodable_payload_names_record_offset(tmp_path) -> None:
    path = tmp_path / "bad.tfrecord"
    write_tfrecord(path, [b'["a", 108, "01", "input,output", ""]', b"{not json"])
    first = 12 + len(b'["a", 108, "01", "input,output", ""]') + 4
    with pytest.raises(TFRecordError, match=f"undecodable record at byte offset {first}:"):
        list(iter_nb101(path))


def test_empty_file_has_no_records(tmp_path) -> None:
    path = tmp_path / "empty.tfrecord"
    path.write_bytes(b"")
    assert list(iter_records(path)) == []


def test_run_without_evaluations_is_rejected() -> None:
    record = NB101Record(SMALL.hash, 108, "0110000100010000", SMALL.ops_string(), ModelMetrics())
    with pytest.raises(ValueError, match="no evaluation"):
        to_frame([record])


def test_spec_list_parses_lazily() -> None:
    specs = SpecList([INCEPTION.adjacency_string(), "01;00"], [INCEPTION.ops_string(), "input,bogus"])
    assert specs[0] == INCEPTION and specs[-2] is specs[0] and len(specs) == 2
    with pytest.raises(ValueError, match="last op"):
        specs[1]
    with pytest.raises(IndexError):
        specs[2]
