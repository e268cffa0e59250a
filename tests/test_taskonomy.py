"""A user's Taskonomy images (``scoring.data=taskonomy``) on the TransNAS-Bench-101 tasks, on generated PNG files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from bench.core import taskonomy
from bench.core.benchmarks import open_benchmark
from bench.core.paths import DataFileError
from bench.core.scoring import ScoringOptions

COLOUR = (51, 102, 204)


def _write_images(root: Path, count: int, colour: tuple[int, int, int] | None = None, seed: int = 0) -> None:
    """``count`` PNG files of 300×320 pixels over two buildings in Taskonomy's layout: one colour, or noise."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        folder = root / "taskonomy" / ("benevolence" if i % 2 else "merom") / "rgb"
        folder.mkdir(parents=True, exist_ok=True)
        pixels = (
            np.broadcast_to(np.uint8(colour), (300, 320, 3))
            if colour
            else rng.integers(0, 256, (300, 320, 3), dtype=np.uint8)
        )
        Image.fromarray(np.ascontiguousarray(pixels)).save(folder / f"point_{i}_view_0_domain_rgb.png")


@pytest.fixture
def user_root(root: Path, tmp_path: Path) -> Path:
    """A data root with the shared NB-Suite-Zero files and six noise images of our own."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "raw").symlink_to(root / "raw")
    _write_images(data, 6)
    return data


@pytest.mark.parametrize(
    ("task", "mean", "std"),
    [
        ("class_scene", (0.5224, 0.5222, 0.5221), (0.2234, 0.2235, 0.2236)),
        ("autoencoder", (0.5,) * 3, (0.5,) * 3),
    ],
)
def test_images_are_resized_and_normalised_per_task(
    tmp_path: Path, task: str, mean: tuple, std: tuple
) -> None:
    _write_images(tmp_path, 3, COLOUR)
    batch = taskonomy.load_taskonomy_batch(task, tmp_path, batch_size=2, seed=0)
    assert batch.images.shape == (2, 3, 256, 256) and batch.num_classes == 0
    expected = [(c / 255 - m) / s for c, m, s in zip(COLOUR, mean, std, strict=True)]
    for channel, value in enumerate(expected):
        assert torch.allclose(batch.images[:, channel], torch.tensor(value), atol=1e-6)


def test_jigsaw_gives_nine_unnormalised_tiles(tmp_path: Path) -> None:
    _write_images(tmp_path, 3, COLOUR)
    tiles = taskonomy.load_taskonomy_batch("jigsaw", tmp_path, batch_size=2, seed=0).images
    assert tiles.shape == (2, 9, 3, 64, 64)
    for channel, value in enumerate(COLOUR):
        assert torch.allclose(tiles[:, :, channel], torch.tensor(value / 255), atol=1e-6)


def test_the_draw_is_seeded_and_the_tiles_come_from_the_image(tmp_path: Path) -> None:
    _write_images(tmp_path, 6)
    first = taskonomy.load_taskonomy_batch("class_object", tmp_path, batch_size=3, seed=0)
    again = taskonomy.load_taskonomy_batch("class_object", tmp_path, batch_size=3, seed=0)
    other = taskonomy.load_taskonomy_batch("class_object", tmp_path, batch_size=3, seed=1)
    assert torch.equal(first.images, again.images) and not torch.equal(first.images, other.images)
    assert "of 6 images" in first.description
    tiles = taskonomy.jigsaw_tiles(
        np.random.default_rng(0).random((255, 255, 3), dtype=np.float32), np.random.default_rng(1)
    )
    assert tiles.shape == (9, 3, 64, 64) and 0.0 <= float(tiles.min()) and float(tiles.max()) <= 1.0
    assert len({float(tile.sum()) for tile in tiles}) == 9  # nine different crops


def test_missing_or_too_few_images_give_one_line(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="the folder does not exist") as missing:
        taskonomy.load_taskonomy_batch("class_scene", tmp_path, batch_size=2, seed=0)
    _write_images(tmp_path, 1)
    with pytest.raises(DataFileError, match=r"needs 2 Taskonomy RGB images .*: found 1 ") as few:
        taskonomy.load_taskonomy_batch("class_scene", tmp_path, batch_size=2, seed=0)
    assert "\n" not in str(missing.value) + str(few.value)


def test_image_metrics_run_on_the_task_networks(user_root: Path, tmp_path: Path) -> None:
    micro = open_benchmark("tnb101_micro", user_root)
    options = ScoringOptions(device="cpu", batch_size=4, data="taskonomy")
    engine = options.engine(micro.space, "segmentsemantic", tmp_path / "cache", user_root, progress=False)
    engine.ensure([0, 7], ["naswot", "jacob_cov", "params"])
    scores = engine.table([0, 7], ["naswot", "jacob_cov", "params"])
    assert all(math.isfinite(v) for v in scores[["naswot", "jacob_cov", "params"]].to_numpy().ravel())
    assert (scores["naswot_error"] == "").all() and scores["naswot"].nunique() == 2
    assert engine.batch_for(0).description.startswith("taskonomy seed=0 n=4 of 6 images")
    pinned = (engine.store.folder / "images.txt").read_text()
    assert pinned == taskonomy.pool_signature(user_root, 4) and pinned.startswith("6 Taskonomy RGB images")


def test_refusals_are_one_line_before_any_work(user_root: Path, tmp_path: Path) -> None:
    micro = open_benchmark("tnb101_micro", user_root)
    cache = tmp_path / "cache"
    with_images = ScoringOptions(device="cpu", batch_size=4, data="taskonomy")
    engine = with_images.engine(micro.space, "class_scene", cache, user_root, progress=False)
    with pytest.raises(
        ValueError, match=r"^snip need\(s\) labels and tnb101_micro/class_scene reads only taskonomy"
    ):
        engine.ensure([0], ["naswot", "snip"])
    without = ScoringOptions(device="cpu").engine(
        micro.space, "class_scene", cache, user_root, progress=False
    )
    with pytest.raises(
        ValueError, match=r"with scoring.data=taskonomy and your own images also: .*naswot"
    ) as error:
        without.ensure([0], ["naswot"])
    assert "\n" not in str(error.value)
    assert not any(
        path.is_file() for path in cache.rglob("*") if path.name != "setup.json"
    )  # nothing written
    engine.ensure([0], ["naswot"])  # scored on six images: the cache is pinned on them
    _write_images(user_root, 7, seed=1)  # a seventh image
    with pytest.raises(ValueError, match=r"holds scores of other images \(6 Taskonomy .*now 7 Taskonomy"):
        with_images.engine(micro.space, "class_scene", cache, user_root, progress=False).ensure(
            [1], ["naswot"]
        )


def test_taskonomy_is_refused_where_no_benchmark_declares_it(root: Path, tmp_path: Path) -> None:
    nb201 = open_benchmark("nb201", root)
    engine = ScoringOptions(device="cpu", data="taskonomy").engine(
        nb201.space, "cifar10", tmp_path, root, progress=False
    )
    with pytest.raises(
        ValueError, match=r"^scoring.data=taskonomy reads no images for nb201/cifar10: nothing is scored$"
    ):
        engine.ensure([0], ["naswot"])
