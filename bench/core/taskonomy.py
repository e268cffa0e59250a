"""A user's own Taskonomy images (and, for the classification tasks, their labels) for the image metrics on the
TransNAS-Bench-101 tasks.

No Taskonomy file ships with the project. A user who has Taskonomy (or its TransNAS-Bench-101 subset) puts it
under the data root in Taskonomy's own download layout, and scores with ``scoring.data=taskonomy``::

    <data_root>/taskonomy/<building>/rgb/<view>_domain_rgb.png
    e.g. <data_root>/taskonomy/benevolence/rgb/point_0_view_0_domain_rgb.png

Every ``.png`` in an ``rgb`` folder one level below ``taskonomy/`` is a candidate; a batch draws ``batch_size``
of them without replacement, seeded, from their list sorted by path.

Preprocessing is that of the TransNAS-Bench-101 evaluation loaders as NASLib writes them (``naslib/utils/utils.py``,
``get_<task>_configs``, its ``val_transform_fn``): each image resized (bilinear) to 256×256, scaled to [0, 1] and
normalised per channel with the task's mean and std (:data:`NORMALISATION`). ``jigsaw`` instead: resized to
255×255, centre-cropped to 90% and resized back, cut into a 3×3 grid of 85-pixel cells, a random 64×64 crop in
each cell, the 9 tiles in a permuted order, not normalised.

Labels (``labelled``: read only when a metric needs them), with each task's TransNAS-Bench-101 training loss
(:data:`TASK_LOSSES`, :mod:`metrics.losses`), from the files TransNAS-Bench-101's loader reads beside each image
(``lib/data/taskonomy_dataset.py``, ``DOMAIN_DATA_SOURCE``: ``<building>/<task>/<view>_domain_<task>.<npy|png>``):

* ``class_scene`` / ``class_object``: the soft label (``.npy``), a distribution over the 63 scenes / 100 objects
  of the networks' heads; a file with Taskonomy's full 365 / 1,000 classes is reduced by TransNAS-Bench-101's
  selection mask ``<data_root>/taskonomy/<task>_selected.npy`` (its ``lib/data`` file of that name) and
  renormalised. Loss: TransNAS's soft-target cross-entropy; the class label (for metrics that read classes) is
  the distribution's most likely class (TransNAS's ``load_class_<task>_label``).
* ``jigsaw``: the index of the tile order in TransNAS-Bench-101's set of 1,000 maximal-Hamming permutations,
  ``<data_root>/taskonomy/permutations_hamming_max_1000.npy``, drawn uniformly as its ``random_jigsaw_permutation``
  does; the tiles are laid out in that order; cross-entropy. Without the file the tile order is drawn from all
  9! orders and there is no label.
* ``autoencoder``: the normalised input image itself, L1. ``normal``: the normal map (``.png``, resized bilinear
  to 256×256, in [0, 1]), L1 (TransNAS adds a 1% GAN term, whose discriminator is not built here).
  ``segmentsemantic``: the class map (``.png``, nearest to 256×256, 0 and 1 both class 0, then 17 classes),
  per-pixel cross-entropy. ``room_layout``: the 9 normalised layout values (``.npy``), mean squared error.

Deviation (documented in ``docs/benchmarks.md``): jigsaw's training-style augmentations in NASLib's evaluation
transform (flip, colour jitter, 30% grey) are not applied.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from bench.core.benchmarks.tnb101.network import OUTPUTS, SEGMENT_CLASSES
from bench.core.paths import DataFileError
from metrics.batch import Batch

FOLDER = "taskonomy"
"""The folder under the data root that holds a user's Taskonomy copy."""
PATTERN = "*/rgb/*.png"
"""The RGB images of every building, relative to :data:`FOLDER`."""
IMAGE_SIZE = 256
"""Side (pixels) every image is resized to, as TransNAS-Bench-101's loaders do."""
JIGSAW_SIZE, JIGSAW_CROP, JIGSAW_TILE = 255, 0.9, 64
"""Jigsaw: side the image is resized to, centre-crop fraction, side of each of the 9 tiles (pixels)."""

_SCENE_STATS = ((0.5224, 0.5222, 0.5221), (0.2234, 0.2235, 0.2236))
_HALF = ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
NORMALISATION: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "class_scene": _SCENE_STATS,
    "class_object": _SCENE_STATS,
    "room_layout": _SCENE_STATS,
    "autoencoder": _HALF,
    "normal": _HALF,
    "segmentsemantic": _HALF,
}
"""Per-task channel (mean, std) in [0, 1] pixel units, from NASLib's TransNAS-Bench-101 task configs; jigsaw's
tiles are not normalised."""

TASK_LOSSES = {
    "class_scene": "soft_cross_entropy",
    "class_object": "soft_cross_entropy",
    "jigsaw": "cross_entropy",
    "autoencoder": "l1",
    "normal": "l1",
    "segmentsemantic": "cross_entropy",
    "room_layout": "mse",
}
"""Each task's TransNAS-Bench-101 training loss (its ``configs/train_from_scratch/<task>/config.py``), the loss the
gradient metrics differentiate on it (:data:`metrics.losses.LOSSES`)."""
LABEL_FILES = {
    "class_scene": "npy",
    "class_object": "npy",
    "normal": "png",
    "segmentsemantic": "png",
    "room_layout": "npy",
}
"""The tasks whose targets are files beside the images (``<building>/<task>/<view>_domain_<task>.<ext>``)."""
TASKONOMY_CLASSES = {"class_scene": 365, "class_object": 1000}
"""Classes of Taskonomy's own soft labels (Places365, ImageNet), before TransNAS-Bench-101's selection."""
PERMUTATIONS_FILE = "permutations_hamming_max_1000.npy"
"""TransNAS-Bench-101's jigsaw permutation set (1,000 rows of the 9 cell positions 0..8), under :data:`FOLDER`."""
DENSE_TARGETS = {
    "autoencoder": "the image itself",
    "normal": "a surface-normal map",
    "segmentsemantic": "a class per pixel",
    "room_layout": "9 room-layout values",
}
"""What each task without one class per image predicts, for the one-line refusal of a metric that reads classes."""

LAYOUT = f"<data_root>/{FOLDER}/<building>/rgb/<view>_domain_rgb.png"


def rgb_files(root: Path, batch_size: int) -> list[Path]:
    """The Taskonomy RGB images under ``root`` (sorted by path); a one-line :class:`DataFileError` if fewer than
    ``batch_size`` are there."""
    folder = Path(root) / FOLDER
    files = sorted(folder.glob(PATTERN))
    if len(files) < batch_size:
        found = f"found {len(files)}" if folder.is_dir() else "the folder does not exist"
        raise DataFileError(
            f"scoring.data=taskonomy needs {batch_size} Taskonomy RGB images as {LAYOUT} under {folder}: {found} "
            "(no Taskonomy image ships with the project; see docs/benchmarks.md)"
        )
    return files


def _label_sources(root: Path, task: str) -> list[Path]:
    """The files beside the images that decide ``task``'s batches where they exist: jigsaw's permutation set
    (the tile orders and labels), a classification task's selection mask (its labels)."""
    folder = Path(root) / FOLDER
    if task == "jigsaw":
        return [folder / PERMUTATIONS_FILE]
    if task in TASKONOMY_CLASSES:
        return [folder / f"{task}_selected.npy"]
    return []


def pool_signature(root: Path, batch_size: int, task: str, files: Sequence[Path] | None = None) -> str:
    """Which images ``task``'s batches are drawn from: their number and a hash of their paths relative to the
    folder, and a hash of each of the task's label files present (:func:`_label_sources`). A score cache records
    it, so scores are never mixed across two image sets. ``files``: :func:`rgb_files`, if already listed."""
    files = rgb_files(root, batch_size) if files is None else files
    names = "\n".join(path.relative_to(Path(root) / FOLDER).as_posix() for path in files)
    parts = [f"{len(files)} Taskonomy RGB images, paths sha1 {hashlib.sha1(names.encode()).hexdigest()[:12]}"]
    for path in _label_sources(root, task):
        if path.exists():
            parts.append(f"{path.name} sha1 {hashlib.sha1(path.read_bytes()).hexdigest()[:12]}")
    return "; ".join(parts)


def label_refusal(task: str, root: Path) -> str | None:
    """Why the label metrics cannot run on ``task`` with the files under ``root`` (a phrase), or ``None``."""
    path = Path(root) / FOLDER / PERMUTATIONS_FILE
    if task == "jigsaw" and not path.exists():
        return f"takes its labels from TransNAS-Bench-101's permutation set {path}: not found"
    return None


def class_label_refusal(task: str) -> str | None:
    """Why a metric that reads class indices cannot run on ``task`` (a phrase), or ``None``."""
    if task in DENSE_TARGETS:
        return f"predicts {DENSE_TARGETS[task]}, not one class per image (see docs/benchmarks.md)"
    return None


def _load_npy(path: Path, what: str) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise DataFileError(f"cannot read {what} {path}: {err}") from err


def _stamp(path: Path) -> tuple[int, int]:
    """(modification time in ns, size in bytes) of ``path``: a cached read is reused only while both hold."""
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def permutation_set(root: Path) -> np.ndarray | None:
    """TransNAS-Bench-101's jigsaw permutations, (1000, 9) cell positions 0..8 per row, where the user put the
    file (:data:`PERMUTATIONS_FILE`), else ``None``; a one-line :class:`DataFileError` for a malformed file.
    Read once while the file is unchanged (a run with ``per_arch_batch`` draws a batch per architecture)."""
    path = Path(root) / FOLDER / PERMUTATIONS_FILE
    return _checked_permutations(path, _stamp(path)) if path.exists() else None


@lru_cache(maxsize=4)
def _checked_permutations(path: Path, stamp: tuple[int, int]) -> np.ndarray:
    """The validated, read-only permutation set at ``path``; ``stamp`` (:func:`_stamp`) only keys the cache."""
    rows = _load_npy(path, "the jigsaw permutation set")
    expected = (OUTPUTS["jigsaw"], 9)
    if rows.shape != expected or not (np.sort(rows, axis=1) == np.arange(9)).all():
        raise DataFileError(
            f"{path}: expected {expected[0]} rows, each an order of the 9 positions 0..8; got shape {rows.shape}"
        )
    rows = rows.astype(np.int64)
    rows.flags.writeable = False
    return rows


def selection_mask(root: Path, task: str) -> np.ndarray | None:
    """TransNAS-Bench-101's mask of ``task``'s classes among Taskonomy's (``<task>_selected.npy``; bool, 365 or
    1,000 entries, 63 or 100 true), where the user put it, else ``None``; one line if malformed. Read once while
    the file is unchanged."""
    path = Path(root) / FOLDER / f"{task}_selected.npy"
    return _checked_mask(path, task, _stamp(path)) if path.exists() else None


@lru_cache(maxsize=4)
def _checked_mask(path: Path, task: str, stamp: tuple[int, int]) -> np.ndarray:
    """The validated, read-only selection mask at ``path``; ``stamp`` (:func:`_stamp`) only keys the cache."""
    mask = _load_npy(path, f"the {task} selection mask").astype(bool)
    if mask.shape != (TASKONOMY_CLASSES[task],) or int(mask.sum()) != OUTPUTS[task]:
        raise DataFileError(
            f"{path}: expected {TASKONOMY_CLASSES[task]} entries with {OUTPUTS[task]} selected; got shape "
            f"{mask.shape} with {int(mask.sum())} selected"
        )
    mask.flags.writeable = False
    return mask


def label_file(rgb_path: Path, task: str) -> Path:
    """The target file of ``task`` beside an RGB image: ``<building>/<task>/<view>_domain_<task>.<ext>``
    (:data:`LABEL_FILES`); a one-line :class:`DataFileError` if it is not there."""
    suffix = "_domain_rgb.png"
    if not rgb_path.name.endswith(suffix):
        raise DataFileError(
            f"{rgb_path}: {task} labels are found by Taskonomy's file names (<view>{suffix}); this one is not"
        )
    view = rgb_path.name.removesuffix(suffix)
    path = rgb_path.parent.parent / task / f"{view}_domain_{task}.{LABEL_FILES[task]}"
    if not path.exists():
        raise DataFileError(
            f"{task} label {path} of image {rgb_path.name} not found (see docs/benchmarks.md)"
        )
    return path


def class_distribution(rgb_path: Path, task: str, mask: np.ndarray | None) -> np.ndarray:
    """The soft label (float64, sums to 1) of a ``class_scene`` / ``class_object`` image over the head's 63 / 100
    classes (:func:`label_file`), reduced by ``mask`` (:func:`selection_mask`) if it has Taskonomy's classes."""
    path = label_file(rgb_path, task)
    scores = _load_npy(path, f"{task} label").astype(np.float64).ravel()
    full, kept = TASKONOMY_CLASSES[task], OUTPUTS[task]
    if scores.size == full:
        if mask is None:
            raise DataFileError(
                f"{path} has Taskonomy's {full} classes; reducing them to TransNAS-Bench-101's {kept} needs "
                f"{rgb_path.parents[2] / f'{task}_selected.npy'}: not found"
            )
        scores = scores[mask]
    elif scores.size != kept:
        raise DataFileError(f"{path}: {scores.size} values; expected {kept} (TransNAS-Bench-101) or {full}")
    if not np.isfinite(scores).all() or (scores < 0).any() or scores.sum() <= 0:
        raise DataFileError(f"{path}: not a distribution (negative, non-finite or all-zero values)")
    return scores / scores.sum()


def normal_map(rgb_path: Path) -> torch.Tensor:
    """The surface-normal target (3, 256, 256) in [0, 1] of an image: its ``normal`` PNG, resized bilinear."""
    return torch.from_numpy(_read_rgb(label_file(rgb_path, "normal"), IMAGE_SIZE)).permute(2, 0, 1)


def segment_map(rgb_path: Path) -> torch.Tensor:
    """The per-pixel classes (256, 256), int64 in 0..16, of an image: its ``segmentsemantic`` PNG resized nearest,
    values 0 and 1 both class 0 and v ≥ 1 class v − 1 (TransNAS's ``semantic_segment_label``)."""
    path = label_file(rgb_path, "segmentsemantic")
    try:
        with Image.open(path) as image:
            values = np.asarray(image.resize((IMAGE_SIZE, IMAGE_SIZE), Image.NEAREST)).astype(np.int64)
    except OSError as err:
        raise DataFileError(f"cannot read segmentsemantic label {path}: {err}") from err
    if values.ndim != 2 or values.min() < 0 or values.max() > SEGMENT_CLASSES:
        raise DataFileError(
            f"{path}: expected one channel of values 0..{SEGMENT_CLASSES}; got shape {values.shape}, "
            f"values {values.min()}..{values.max()}"
        )
    return torch.from_numpy(np.maximum(values, 1) - 1)


def room_layout(rgb_path: Path) -> torch.Tensor:
    """The 9 normalised room-layout values (float32) of an image: its ``room_layout`` ``.npy``."""
    path = label_file(rgb_path, "room_layout")
    values = _load_npy(path, "room_layout label").astype(np.float32).ravel()
    if values.size != OUTPUTS["room_layout"] or not np.isfinite(values).all():
        raise DataFileError(f"{path}: expected {OUTPUTS['room_layout']} finite values; got {values.size}")
    return torch.from_numpy(values)


def _read_rgb(path: Path, size: int) -> np.ndarray:
    """One image as float32 HWC in [0, 1], resized (bilinear) to ``size``×``size``."""
    try:
        with Image.open(path) as image:
            resized = image.convert("RGB").resize((size, size), Image.BILINEAR)
    except OSError as err:
        raise DataFileError(f"cannot read Taskonomy image {path}: {err}") from err
    return np.asarray(resized, dtype=np.float32) / 255.0


def _normalised(image_hwc: np.ndarray, task: str) -> torch.Tensor:
    mean, std = NORMALISATION[task]
    x = torch.from_numpy(image_hwc).permute(2, 0, 1)
    return (x - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)


def jigsaw_tiles(image_hwc: np.ndarray, order: Sequence[int], rng: np.random.Generator) -> torch.Tensor:
    """The 9 tiles (9, 3, 64, 64) of one 255×255 image in [0, 1]: centre-cropped to 90% and resized back, tile
    ``i`` a random 64×64 crop of grid cell ``order[i]`` (cells numbered row by row, 0..8)."""
    side = image_hwc.shape[0]
    crop = int(side * JIGSAW_CROP)
    start = (side - crop) // 2
    centre = Image.fromarray(np.uint8(np.round(image_hwc[start : start + crop, start : start + crop] * 255)))
    image = np.asarray(centre.resize((side, side), Image.BILINEAR), dtype=np.float32) / 255.0
    cell = side // 3
    tiles = []
    for position in order:
        top, left = (position // 3) * cell, (position % 3) * cell
        dy, dx = rng.integers(0, cell - JIGSAW_TILE + 1, size=2)
        tile = image[top + dy : top + dy + JIGSAW_TILE, left + dx : left + dx + JIGSAW_TILE]
        tiles.append(torch.from_numpy(np.ascontiguousarray(tile)).permute(2, 0, 1))
    return torch.stack(tiles)


def dense_targets(task: str, chosen: Sequence[Path], images: torch.Tensor) -> torch.Tensor:
    """The targets of the chosen images for a task without one class per image: ``autoencoder`` its own
    (normalised) ``images``; ``normal``, ``segmentsemantic``, ``room_layout`` the files beside them."""
    if task == "autoencoder":
        return images.clone()
    read = {"normal": normal_map, "segmentsemantic": segment_map, "room_layout": room_layout}[task]
    return torch.stack([read(path) for path in chosen])


def load_taskonomy_batch(
    task: str,
    root: Path,
    batch_size: int,
    seed: int,
    files: Sequence[Path] | None = None,
    labelled: bool = False,
) -> Batch:
    """``batch_size`` Taskonomy images under ``root`` preprocessed for ``task`` (see the module docstring),
    drawn with ``seed`` from ``files`` (:func:`rgb_files` if not given). With ``labelled``, the task's targets
    and training loss (:data:`TASK_LOSSES`); jigsaw's class labels come wherever its permutation set is there;
    otherwise no targets (``num_classes`` 0, the default loss)."""
    if task != "jigsaw" and task not in NORMALISATION:
        raise ValueError(
            f"unknown Taskonomy task {task!r}; valid choices: jigsaw, {', '.join(NORMALISATION)}"
        )
    refusal = label_refusal(task, root) if labelled else None
    if refusal:
        raise ValueError(f"{task} {refusal}")
    files = rgb_files(root, batch_size) if files is None else files
    rng = np.random.default_rng(seed)
    chosen = [files[i] for i in sorted(rng.choice(len(files), size=batch_size, replace=False))]
    labels, classes, targets = np.zeros(batch_size, dtype=np.int64), 0, None
    loss = TASK_LOSSES[task] if labelled else "cross_entropy"
    if task == "jigsaw":
        permutations = permutation_set(root)
        tiles = []
        for i, path in enumerate(chosen):
            if permutations is None:
                order = rng.permutation(9)
            else:
                labels[i] = rng.integers(len(permutations))
                order = permutations[labels[i]]
            tiles.append(jigsaw_tiles(_read_rgb(path, JIGSAW_SIZE), order, rng))
        images = torch.stack(tiles)
        classes = 0 if permutations is None else OUTPUTS[task]
    else:
        images = torch.stack([_normalised(_read_rgb(path, IMAGE_SIZE), task) for path in chosen])
        if labelled and task in TASKONOMY_CLASSES:
            mask = selection_mask(root, task)
            distributions = np.stack([class_distribution(path, task, mask) for path in chosen])
            targets = torch.from_numpy(distributions.astype(np.float32))
            labels, classes = distributions.argmax(axis=1), OUTPUTS[task]
        elif labelled:
            targets = dense_targets(task, chosen, images)
    first = chosen[0].relative_to(Path(root) / FOLDER).as_posix()
    description = f"taskonomy seed={seed} n={batch_size} of {len(files)} images (first {first})"
    if classes:
        description += f", labels of {classes} classes"
    if labelled:
        description += f", loss {loss}"
    return Batch(images, torch.from_numpy(labels), classes, task, description, loss, targets)
