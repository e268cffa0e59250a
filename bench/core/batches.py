"""Real image batches: the one mini-batch a training-free metric looks at.

Sources, per dataset (``cifar10``, ``cifar100``, ``ImageNet16-120``):

* ``npz``: the 960-image files under ``<data_root>/images/`` (uint8 NHWC, already augmented with
  random-crop and flip, like the training loader of the reference drivers);
* ``native``: the formats users have on disk: ``cifar-10-batches-py/``, ``cifar-100-python/`` and
  the ImageNet16 pickles ``Imagenet16_train/train_data_batch_{1..10}`` (only the 120 classes of
  ImageNet16-120 kept, labels shifted to 0..119);
* ``noise`` (standard-normal images) and ``ones`` (all-ones images) for data-free ablations;
* ``taskonomy``: a user's own Taskonomy RGB images for the TransNAS-Bench-101 tasks, which have no image pool
  here (:mod:`bench.core.taskonomy`; only a benchmark's ``user_images`` datasets read them).

Images are returned as float32 NCHW, normalised with the per-dataset mean/std used by the
reference code. A :class:`Batch` records where it came from, so a score can say what it saw.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from bench.core.paths import DataFileError, require_file
from metrics.batch import Batch

DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
NUM_CLASSES = {"cifar10": 10, "cifar100": 100, "ImageNet16-120": 120}
IMAGE_SIZE = {"cifar10": 32, "cifar100": 32, "ImageNet16-120": 16}

# Per-channel mean and std (in [0, 1] pixel units) used by the zero-cost-nas / HNAS data loaders.
NORMALISATION: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)),
    "cifar100": ((0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)),
    "ImageNet16-120": (
        (122.68 / 255, 116.66 / 255, 104.01 / 255),
        (63.22 / 255, 61.26 / 255, 65.09 / 255),
    ),
}

NPZ_FILES = {
    "cifar10": "images/cifar10_train_augmented_960.npz",
    "cifar100": "images/cifar100_train_augmented_960.npz",
    "ImageNet16-120": "images/imagenet16_1000cls_960.npz",
}
NPZ_HOW_TO = (
    "These 960-image files ship with the project's shared data folder; otherwise use "
    "source=native with the official dataset files."
)

Source = Literal["npz", "native", "noise", "ones", "taskonomy"]
USER_IMAGE_SOURCES = ("taskonomy",)
"""The sources of a user's own images, read only for the datasets a benchmark declares in ``user_images``."""
Sampling = Literal["random", "balanced"]


def check_dataset(dataset: str) -> str:
    """Return ``dataset`` if known, else raise a ``ValueError`` naming the valid choices."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; valid choices: {', '.join(DATASETS)}")
    return dataset


def load_pool(dataset: str, root: Path, source: Source = "npz") -> tuple[np.ndarray, np.ndarray]:
    """Load every available image of ``dataset`` as (uint8 NHWC images, int64 labels in 0..C-1)."""
    check_dataset(dataset)
    if source == "npz":
        path = require_file(root, NPZ_FILES[dataset], NPZ_HOW_TO)
        with np.load(path) as archive:
            images, labels = archive["images"], archive["labels"].astype(np.int64)
        if dataset == "ImageNet16-120":
            # The file keeps original 1-based ImageNet labels; ImageNet16-120 is classes 1..120.
            keep = (labels >= 1) & (labels <= 120)
            images, labels = images[keep], labels[keep] - 1
        return images, labels
    if source == "native":
        return _load_native(dataset, root)
    raise ValueError(f"source {source!r} has no image pool; valid sources with images: npz, native")


def _unpickle(path: Path) -> dict:
    with path.open("rb") as handle:
        return pickle.load(handle, encoding="bytes")


def _key(record: dict, name: str) -> object:
    return record[name.encode()] if name.encode() in record else record[name]


def _load_native(dataset: str, root: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read the official on-disk training split (CIFAR python pickles, ImageNet16 pickles)."""
    if dataset == "cifar10":
        names = [f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6)]
        label_key, offset, size = "labels", 0, 32
    elif dataset == "cifar100":
        names = ["cifar-100-python/train"]
        label_key, offset, size = "fine_labels", 0, 32
    else:
        names = [f"Imagenet16_train/train_data_batch_{i}" for i in range(1, 11)]
        label_key, offset, size = "labels", 1, 16
    how = (
        "Download the dataset from its official page (CIFAR: https://www.cs.toronto.edu/~kriz/cifar.html, "
        "ImageNet16: https://image-net.org/download-images, 'Imagenet16_train') and unpack it under the data root."
    )
    images, labels = [], []
    for name in names:
        record = _unpickle(require_file(root, name, how))
        try:
            data = np.asarray(_key(record, "data"), dtype=np.uint8)
            batch_labels = np.asarray(_key(record, label_key), dtype=np.int64) - offset
        except KeyError as err:
            raise DataFileError(f"{root / name} has no {err} entry; is it the official pickle?") from err
        images.append(data.reshape(-1, 3, size, size).transpose(0, 2, 3, 1))
        labels.append(batch_labels)
    all_images, all_labels = np.concatenate(images), np.concatenate(labels)
    if dataset == "ImageNet16-120":
        keep = all_labels < 120
        all_images, all_labels = all_images[keep], all_labels[keep]
    return all_images, all_labels


def choose_indices(labels: np.ndarray, batch_size: int, seed: int, sampling: Sampling) -> np.ndarray:
    """Pick ``batch_size`` distinct positions from ``labels`` with a seeded generator.

    ``random`` draws uniformly without replacement; ``balanced`` cycles through the classes present
    (in random order) and draws one image of each in turn, so every class appears as evenly as possible.
    """
    if batch_size > len(labels):
        raise ValueError(f"batch_size={batch_size} exceeds the {len(labels)} images available")
    rng = np.random.default_rng(seed)
    if sampling == "random":
        return np.sort(rng.choice(len(labels), size=batch_size, replace=False))
    if sampling != "balanced":
        raise ValueError(f"unknown sampling {sampling!r}; valid choices: random, balanced")
    per_class = {c: list(rng.permutation(np.flatnonzero(labels == c))) for c in np.unique(labels)}
    order = rng.permutation(list(per_class))
    chosen: list[int] = []
    while len(chosen) < batch_size:
        for c in order:
            if per_class[c] and len(chosen) < batch_size:
                chosen.append(int(per_class[c].pop()))
    return np.sort(np.asarray(chosen))


def normalise(images_nhwc: np.ndarray, dataset: str) -> torch.Tensor:
    """uint8 NHWC → float32 NCHW, divided by 255 and normalised with the dataset's mean/std."""
    mean, std = NORMALISATION[dataset]
    x = torch.from_numpy(np.ascontiguousarray(images_nhwc)).permute(0, 3, 1, 2).float() / 255.0
    return (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)


def load_batch(
    dataset: str,
    root: Path,
    batch_size: int = 64,
    seed: int = 0,
    source: Source = "npz",
    sampling: Sampling = "random",
) -> Batch:
    """Return a seeded mini-batch of ``dataset`` from ``source``.

    For ``noise`` and ``ones`` the labels are drawn uniformly at random with the same seed.
    """
    check_dataset(dataset)
    classes, size = NUM_CLASSES[dataset], IMAGE_SIZE[dataset]
    if source in ("noise", "ones"):
        gen = torch.Generator().manual_seed(seed)
        shape = (batch_size, 3, size, size)
        images = torch.randn(shape, generator=gen) if source == "noise" else torch.ones(shape)
        labels = torch.randint(0, classes, (batch_size,), generator=gen)
        return Batch(images, labels, classes, dataset, f"{source} seed={seed} n={batch_size}")
    pool_images, pool_labels = load_pool(dataset, root, source)
    idx = choose_indices(pool_labels, batch_size, seed, sampling)
    return Batch(
        images=normalise(pool_images[idx], dataset),
        labels=torch.from_numpy(pool_labels[idx]),
        num_classes=classes,
        dataset=dataset,
        description=f"{source} {sampling} seed={seed} n={batch_size}",
    )


def shape_only_batch(dataset: str, shape: tuple[int, ...], batch_size: int) -> Batch:
    """``batch_size`` all-zero inputs of ``shape`` (one input, e.g. ``(3, 256, 256)``) and zero labels, for a
    dataset with no images here: data-free metrics read only its shape (``num_classes`` 0: no labels)."""
    images = torch.zeros((batch_size, *shape))
    labels = torch.zeros(batch_size, dtype=torch.int64)
    return Batch(images, labels, 0, dataset, f"shape only {tuple(shape)} n={batch_size}: no images")
