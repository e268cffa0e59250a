"""NATSGroundTruth on a small fake benchmark written in the official NATS-Bench topology format.

The fake holds a handful of architectures. Each per-architecture record is a bz2 pickle of
``{hp: ArchResults state}``, where the state maps ``(dataset, seed)`` to a ResultsCount state with
per-epoch dicts (``train_acc1es``, ``train_times``, ``eval_acc1es['x-valid@11']``, ...), as in
``NATS-tss-v1_0-3ffb9-simple/{index:06d}.pickle.pbz2``. Final accuracies and per-epoch times come
from seeded functions, so every dataset, split, schedule and seed gets its own value, and the
expected frame values are computed from those functions.
"""

from __future__ import annotations

import bz2
import pickle
import random
import shutil
from pathlib import Path

import pandas as pd
import pytest

from bench.core.benchmarks.nb201.nats import ARCHIVE_NAME, SINGLE_FILE_NAME, NATSGroundTruth
from bench.core.paths import DataFileError

ARCHS = (  # deliberately not sorted: the official order comes from meta_archs
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    "|skip_connect~0|+|nor_conv_1x1~0|none~1|+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_1x1~2|",
)
EPOCHS = {"12": 12, "200": 200}
SEEDS = {
    "12": {"cifar10-valid": [111, 777], "cifar10": [111], "cifar100": [111, 777], "ImageNet16-120": [777]},
    "200": {"cifar10-valid": [777, 888], "cifar10": [777, 888, 999], "cifar100": [777, 888, 999],
            "ImageNet16-120": [777, 888]},
}  # fmt: skip
EVAL_SETS = {
    "cifar10-valid": ["x-valid", "ori-test"],
    "cifar10": ["ori-test"],
    "cifar100": ["ori-test", "x-valid", "x-test"],
    "ImageNet16-120": ["ori-test", "x-valid", "x-test"],
}
NUM_CLASSES = {"cifar10-valid": 10, "cifar10": 10, "cifar100": 100, "ImageNet16-120": 120}
COLUMNS = ["arch_str", "test_acc_200ep", "valid_acc_12ep", "test_acc_12ep", "train_seconds_200ep",
           "train_seconds_12ep", "params_M"]  # fmt: skip


def final_acc(arch: int, dataset: str, hp: str, split: str, seed: int) -> float:
    """Accuracy (%) of one trial on ``split`` after its last epoch."""
    return random.Random(f"acc/{arch}/{dataset}/{hp}/{split}/{seed}").uniform(30.0, 95.0)


def epoch_seconds(arch: int, dataset: str, hp: str, seed: int) -> float:
    """Simulated training time (s) of one epoch of one trial."""
    return random.Random(f"time/{arch}/{dataset}/{hp}/{seed}").uniform(5.0, 35.0)


def params_m(arch: int, dataset: str) -> float:
    """Parameters (millions) of the network with ``dataset``'s classifier."""
    return 0.1 + 0.3 * arch + 0.001 * NUM_CLASSES[dataset]


def mean_acc(arch: int, dataset: str, hp: str, split: str) -> float:
    """Expected seed-mean accuracy."""
    seeds = SEEDS[hp][dataset]
    return sum(final_acc(arch, dataset, hp, split, s) for s in seeds) / len(seeds)


def mean_train_seconds(arch: int, dataset: str, hp: str) -> float:
    """Expected seed-mean total training time of the ``hp`` schedule."""
    seeds = SEEDS[hp][dataset]
    return sum(EPOCHS[hp] * epoch_seconds(arch, dataset, hp, s) for s in seeds) / len(seeds)


def trial_state(arch: int, dataset: str, hp: str, seed: int) -> dict:
    """State of one ResultsCount (one trained seed); accuracies ramp up to their final value."""
    epochs = EPOCHS[hp]
    ramp = [(e + 1) / epochs for e in range(epochs)]
    state = {
        "name": dataset,
        "net_state_dict": None,
        "train_acc1es": {e: 99.0 * r for e, r in enumerate(ramp)},
        "train_acc5es": {e: 99.9 * r for e, r in enumerate(ramp)},
        "train_losses": {e: 2.0 - r for e, r in enumerate(ramp)},
        "train_times": {e: epoch_seconds(arch, dataset, hp, seed) for e in range(epochs)},
        "arch_config": {"channel": 16, "num_cells": 5, "arch_str": ARCHS[arch],
                        "class_num": NUM_CLASSES[dataset]},
        "params": params_m(arch, dataset),
        "flop": 15.0 + arch,
        "seed": seed,
        "epochs": epochs,
        "latency": [0.01 + 0.001 * arch],
        "eval_names": list(EVAL_SETS[dataset]),
        "eval_acc1es": {},
        "eval_times": {},
        "eval_losses": {},
    }  # fmt: skip
    for split in EVAL_SETS[dataset]:
        acc = final_acc(arch, dataset, hp, split, seed)
        for e, r in enumerate(ramp):
            state["eval_acc1es"][f"{split}@{e}"] = acc * r
            state["eval_losses"][f"{split}@{e}"] = 2.5 - r
            state["eval_times"][f"{split}@{e}"] = 0.5
    return state


def arch_record(arch: int) -> dict[str, dict]:
    """``{hp: ArchResults state}`` of one architecture, as stored in its per-arch file."""
    record = {}
    for hp in EPOCHS:
        record[hp] = {
            "arch_index": arch,
            "arch_str": ARCHS[arch],
            "all_results": {
                (dataset, seed): trial_state(arch, dataset, hp, seed)
                for dataset, seeds in SEEDS[hp].items()
                for seed in seeds
            },
            "dataset_seed": {dataset: list(seeds) for dataset, seeds in SEEDS[hp].items()},
            "clear_net_done": True,
        }
    return record


def write_pbz2(obj: object, path: Path) -> None:
    with bz2.BZ2File(path, "wb") as handle:
        pickle.dump(obj, handle, protocol=4)


@pytest.fixture(scope="module")
def fake_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data root holding the fake benchmark both as archive folder and as single file."""
    root = tmp_path_factory.mktemp("nats")
    archive = root / ARCHIVE_NAME
    archive.mkdir()
    records = {i: arch_record(i) for i in range(len(ARCHS))}
    write_pbz2({"meta_archs": list(ARCHS)}, archive / "meta.pickle.pbz2")
    for i, record in records.items():
        write_pbz2(record, archive / f"{i:06d}.pickle.pbz2")
    write_pbz2(
        {"meta_archs": list(ARCHS), "arch2infos": records, "evaluated_indexes": list(records)},
        root / SINGLE_FILE_NAME,
    )
    return root


def expected_frame(dataset: str) -> pd.DataFrame:
    """The frame the written values imply, following the column definitions of the table source."""
    search = "cifar10-valid" if dataset == "cifar10" else dataset
    test_split = "ori-test" if dataset == "cifar10" else "x-test"
    rows = []
    for i, arch_str in enumerate(ARCHS):
        row = {
            "arch_str": arch_str,
            "test_acc_200ep": mean_acc(i, dataset, "200", test_split),
            "valid_acc_12ep": mean_acc(i, search, "12", "x-valid"),
            "test_acc_12ep": mean_acc(i, dataset, "12", test_split),
            "train_seconds_200ep": mean_train_seconds(i, dataset, "200"),
            "train_seconds_12ep": mean_train_seconds(i, search, "12"),
            "params_M": params_m(i, dataset),
        }
        if dataset != "cifar10":
            row["valid_acc_200ep"] = mean_acc(i, dataset, "200", "x-valid")
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.index.name = "arch_index"
    return frame


@pytest.mark.parametrize("layout", [ARCHIVE_NAME, SINGLE_FILE_NAME, "data root"])
def test_frames_hold_the_written_values(fake_root: Path, layout: str) -> None:
    truth = NATSGroundTruth(fake_root if layout == "data root" else fake_root / layout)
    assert truth.path == fake_root / (ARCHIVE_NAME if layout == "data root" else layout)
    assert truth.datasets() == ("cifar10", "cifar100", "ImageNet16-120")
    assert truth.arch_strs() == list(ARCHS)
    for dataset in truth.datasets():
        frame = truth.frame(dataset)
        expected = expected_frame(dataset)
        extra = [] if dataset == "cifar10" else ["valid_acc_200ep"]
        assert list(frame.columns) == COLUMNS + extra
        assert frame.index.name == "arch_index" and list(frame.index) == list(range(len(ARCHS)))
        pd.testing.assert_frame_equal(frame, expected, check_exact=False, rtol=1e-12, check_index_type=False)


def test_cifar10_search_signal_is_cifar10_valid_at_12_epochs(fake_root: Path) -> None:
    frame = NATSGroundTruth(fake_root / ARCHIVE_NAME).frame("cifar10")
    for i in range(len(ARCHS)):
        assert frame.at[i, "valid_acc_12ep"] == pytest.approx(mean_acc(i, "cifar10-valid", "12", "x-valid"))
        assert frame.at[i, "test_acc_12ep"] == pytest.approx(mean_acc(i, "cifar10", "12", "ori-test"))
        assert frame.at[i, "test_acc_200ep"] == pytest.approx(mean_acc(i, "cifar10", "200", "ori-test"))
        # The real 12-epoch cost (cifar10-valid, hp=12), not 12 × the 200-epoch per-epoch time.
        assert frame.at[i, "train_seconds_12ep"] == pytest.approx(
            mean_train_seconds(i, "cifar10-valid", "12")
        )
        assert frame.at[i, "train_seconds_12ep"] != pytest.approx(
            frame.at[i, "train_seconds_200ep"] * 12 / 200
        )


def test_columns_match_the_table_source(fake_root: Path) -> None:
    from bench.core.benchmarks.nb201.table import NB201TableGroundTruth
    from bench.core.paths import data_root

    try:
        table = NB201TableGroundTruth(data_root())
    except DataFileError:
        pytest.skip("shared NB201 table not available")
    truth = NATSGroundTruth(fake_root / ARCHIVE_NAME)
    for dataset in truth.datasets():
        assert list(truth.frame(dataset).columns) == list(table.frame(dataset).columns)


def test_cache_is_used_and_written_atomically(fake_root: Path, tmp_path: Path) -> None:
    archive = shutil.copytree(fake_root / ARCHIVE_NAME, tmp_path / ARCHIVE_NAME)
    cache = tmp_path / "cache"
    first = NATSGroundTruth(archive, cache_dir=cache)
    frames = {d: first.frame(d) for d in first.datasets()}
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        f"{ARCHIVE_NAME}.{d}.parquet" for d in first.datasets()
    )  # one file per dataset, no temporary file left behind
    for path in archive.glob("0*.pickle.pbz2"):  # the benchmark can no longer be queried ...
        path.write_bytes(b"not a bz2 pickle")
    again = NATSGroundTruth(archive, cache_dir=cache)  # ... so these must come from the cache
    assert again.arch_strs() == list(ARCHS)
    for dataset, frame in frames.items():
        pd.testing.assert_frame_equal(again.frame(dataset), frame)
    with pytest.raises(DataFileError, match=r"architecture 0 .*000000\.pickle\.pbz2"):
        NATSGroundTruth(archive).frame("cifar10")


def test_unreadable_benchmark_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / SINGLE_FILE_NAME
    bad.write_bytes(b"garbage")
    with pytest.raises(DataFileError, match=SINGLE_FILE_NAME):
        NATSGroundTruth(bad).frame("cifar100")


def test_missing_benchmark_says_where_and_how(tmp_path: Path) -> None:
    with pytest.raises(DataFileError) as missing:
        NATSGroundTruth(tmp_path)
    message = str(missing.value)
    assert str(tmp_path / ARCHIVE_NAME / "meta.pickle.pbz2") in message
    assert f"{ARCHIVE_NAME}.tar" in message and "TORCH_HOME" in message
    with pytest.raises(DataFileError, match="tar xf"):
        NATSGroundTruth(tmp_path / f"{ARCHIVE_NAME}.tar")
    with pytest.raises(DataFileError, match=str(tmp_path / "nowhere")):
        NATSGroundTruth(tmp_path / "nowhere")
