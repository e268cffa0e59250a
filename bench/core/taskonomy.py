"""A user's own Taskonomy RGB images, for the image metrics on the TransNAS-Bench-101 tasks.

No Taskonomy image ships with the project. A user who has Taskonomy (or its TransNAS-Bench-101 subset) puts it
under the data root in Taskonomy's own download layout, and scores with ``scoring.data=taskonomy``::

    <data_root>/taskonomy/<building>/rgb/<view>_domain_rgb.png
    e.g. <data_root>/taskonomy/benevolence/rgb/point_0_view_0_domain_rgb.png

Every ``.png`` in an ``rgb`` folder one level below ``taskonomy/`` is a candidate; a batch draws ``batch_size``
of them without replacement, seeded, from their list sorted by path. Only the RGB images are read: no task
label, so only metrics that need images but no labels (``needs="data"``) run on them.

Preprocessing is that of the TransNAS-Bench-101 evaluation loaders as NASLib writes them (``naslib/utils/utils.py``,
``get_<task>_configs``, its ``val_transform_fn``): each image resized (bilinear) to 256×256, scaled to [0, 1] and
normalised per channel with the task's mean and std (:data:`NORMALISATION`). ``jigsaw`` instead: resized to
255×255, centre-cropped to 90% and resized back, cut into a 3×3 grid of 85-pixel cells, a random 64×64 crop in
each cell, the 9 tiles in a permuted order, not normalised. Deviations (documented in ``docs/benchmarks.md``):
the jigsaw permutation is drawn from all 9! orders (NASLib's set of 1,000 maximal-Hamming permutations is not
here), and jigsaw's training-style augmentations in NASLib's evaluation transform (flip, colour jitter, 30% grey)
are not applied.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch
from PIL import Image

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


def pool_signature(root: Path, batch_size: int) -> str:
    """Which images the batches are drawn from: their number and a hash of their paths relative to the folder
    (a score cache records it, so scores are never mixed across two image sets)."""
    files = rgb_files(root, batch_size)
    names = "\n".join(path.relative_to(Path(root) / FOLDER).as_posix() for path in files)
    return f"{len(files)} Taskonomy RGB images, paths sha1 {hashlib.sha1(names.encode()).hexdigest()[:12]}"


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


def jigsaw_tiles(image_hwc: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
    """The 9 tiles (9, 3, 64, 64) of one 255×255 image in [0, 1]: centre-cropped to 90% and resized back,
    a random 64×64 crop in each cell of the 3×3 grid, the cells in a random order."""
    side = image_hwc.shape[0]
    crop = int(side * JIGSAW_CROP)
    start = (side - crop) // 2
    centre = Image.fromarray(np.uint8(np.round(image_hwc[start : start + crop, start : start + crop] * 255)))
    image = np.asarray(centre.resize((side, side), Image.BILINEAR), dtype=np.float32) / 255.0
    cell = side // 3
    tiles = []
    for position in rng.permutation(9):
        top, left = (position // 3) * cell, (position % 3) * cell
        dy, dx = rng.integers(0, cell - JIGSAW_TILE + 1, size=2)
        tile = image[top + dy : top + dy + JIGSAW_TILE, left + dx : left + dx + JIGSAW_TILE]
        tiles.append(torch.from_numpy(np.ascontiguousarray(tile)).permute(2, 0, 1))
    return torch.stack(tiles)


def load_taskonomy_batch(task: str, root: Path, batch_size: int, seed: int) -> Batch:
    """``batch_size`` Taskonomy images under ``root`` preprocessed for ``task`` (see the module docstring),
    drawn with ``seed``; no labels (``num_classes`` 0)."""
    files = rgb_files(root, batch_size)
    rng = np.random.default_rng(seed)
    chosen = [files[i] for i in sorted(rng.choice(len(files), size=batch_size, replace=False))]
    if task == "jigsaw":
        images = torch.stack([jigsaw_tiles(_read_rgb(path, JIGSAW_SIZE), rng) for path in chosen])
    elif task in NORMALISATION:
        images = torch.stack([_normalised(_read_rgb(path, IMAGE_SIZE), task) for path in chosen])
    else:
        raise ValueError(
            f"unknown Taskonomy task {task!r}; valid choices: jigsaw, {', '.join(NORMALISATION)}"
        )
    first = chosen[0].relative_to(Path(root) / FOLDER).as_posix()
    description = f"taskonomy seed={seed} n={batch_size} of {len(files)} images (first {first})"
    return Batch(images, torch.zeros(batch_size, dtype=torch.int64), 0, task, description)
