"""Image batches: real npz files, the official on-disk formats (written here in miniature), sampling, errors."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from bench.core.batches import NORMALISATION, choose_indices, load_batch, load_pool
from bench.core.paths import DataFileError


def write_pickle(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(record))


def fake_native_root(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    for i in range(1, 6):  # CIFAR-10 python: 5 training batches, bytes keys, rows of 3072 uint8 (CHW)
        data = rng.integers(0, 256, (20, 3 * 32 * 32), dtype=np.uint8)
        write_pickle(
            tmp_path / f"cifar-10-batches-py/data_batch_{i}", {b"data": data, b"labels": [i % 10] * 20}
        )
    data = rng.integers(0, 256, (30, 3 * 32 * 32), dtype=np.uint8)
    write_pickle(tmp_path / "cifar-100-python/train", {b"data": data, b"fine_labels": list(range(30))})
    for i in range(1, 11):  # ImageNet16: labels 1..1000, only 1..120 belong to ImageNet16-120
        labels = [1 + (7 * i + k) % 1000 for k in range(12)] + [120, 121]
        data = rng.integers(0, 256, (len(labels), 3 * 16 * 16), dtype=np.uint8)
        write_pickle(tmp_path / f"Imagenet16_train/train_data_batch_{i}", {"data": data, "labels": labels})
    return tmp_path


def test_native_formats(tmp_path: Path) -> None:
    root = fake_native_root(tmp_path)
    images, labels = load_pool("cifar10", root, "native")
    assert images.shape == (100, 32, 32, 3) and images.dtype == np.uint8
    assert sorted(set(labels.tolist())) == [1, 2, 3, 4, 5]
    record = pickle.loads((root / "cifar-10-batches-py/data_batch_1").read_bytes())
    assert (images[0] == record[b"data"][0].reshape(3, 32, 32).transpose(1, 2, 0)).all()  # CHW → HWC
    images, labels = load_pool("cifar100", root, "native")
    assert images.shape == (30, 32, 32, 3) and labels.tolist() == list(range(30))
    images, labels = load_pool("ImageNet16-120", root, "native")
    assert images.shape[1:] == (16, 16, 3)
    assert labels.min() >= 0 and labels.max() == 119  # 1-based 1..120 kept, shifted to 0..119; 121 dropped
    batch = load_batch("ImageNet16-120", root, batch_size=8, seed=1, source="native")
    assert batch.images.shape == (8, 3, 16, 16) and batch.num_classes == 120


def test_missing_native_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cifar-100-python/train"):
        load_pool("cifar100", tmp_path, "native")


def test_real_npz_batches(root: Path) -> None:
    for dataset, size, classes in (("cifar10", 32, 10), ("cifar100", 32, 100), ("ImageNet16-120", 16, 120)):
        batch = load_batch(dataset, root, batch_size=64, seed=3)
        assert batch.images.shape == (64, 3, size, size) and batch.images.dtype == torch.float32
        assert 0 <= int(batch.labels.min()) and int(batch.labels.max()) < classes
        again = load_batch(dataset, root, batch_size=64, seed=3)
        assert torch.equal(batch.images, again.images) and torch.equal(batch.labels, again.labels)
    # normalisation: un-normalising gives pixels on the k/255 grid
    batch = load_batch("cifar10", root, batch_size=4, seed=0)
    mean, std = (torch.tensor(v).view(1, 3, 1, 1) for v in NORMALISATION["cifar10"])
    pixels = (batch.images * std + mean) * 255
    assert torch.allclose(pixels, pixels.round(), atol=1e-3)


def test_balanced_sampling_covers_classes_evenly() -> None:
    labels = np.repeat(np.arange(10), 50)
    chosen = choose_indices(labels, 30, seed=0, sampling="balanced")
    assert len(set(chosen.tolist())) == 30
    assert np.bincount(labels[chosen], minlength=10).tolist() == [3] * 10
    with pytest.raises(ValueError, match="exceeds"):
        choose_indices(labels, 501, seed=0, sampling="random")


def test_noise_and_ones_sources(root: Path) -> None:
    ones = load_batch("cifar10", root, batch_size=5, seed=0, source="ones")
    assert torch.equal(ones.images, torch.ones(5, 3, 32, 32))
    noise = load_batch("cifar100", root, batch_size=5, seed=0, source="noise")
    assert noise.images.shape == (5, 3, 32, 32) and noise.labels.max() < 100
