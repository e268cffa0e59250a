"""A user's Taskonomy images (``scoring.data=taskonomy``) on the TransNAS-Bench-101 tasks, on generated PNG files."""

from __future__ import annotations

import math
import os
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
        np.random.default_rng(0).random((255, 255, 3), dtype=np.float32), range(9), np.random.default_rng(1)
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
    assert pinned == taskonomy.pool_signature(user_root, 4, "segmentsemantic")
    assert pinned.startswith("6 Taskonomy RGB images")


def test_refusals_are_one_line_before_any_work(user_root: Path, tmp_path: Path) -> None:
    micro = open_benchmark("tnb101_micro", user_root)
    cache = tmp_path / "cache"
    with_images = ScoringOptions(device="cpu", batch_size=4, data="taskonomy")
    engine = with_images.engine(micro.space, "class_scene", cache, user_root, progress=False)
    dense = with_images.engine(micro.space, "normal", tmp_path / "dense", user_root, progress=False)
    with pytest.raises(
        ValueError,
        match=r"^ntk_trace read\(s\) class labels and tnb101_micro/normal predicts a surface-normal map, not one",
    ):
        dense.ensure([0], ["snip", "ntk_trace"])
    with pytest.raises(
        DataFileError, match=r"^normal label .*point_\d_view_0_domain_normal.png of image .* not found"
    ):
        dense.ensure([0], ["snip"])  # its targets are not there
    jigsaw = with_images.engine(micro.space, "jigsaw", tmp_path / "jigsaw", user_root, progress=False)
    with pytest.raises(ValueError, match=r"labels from TransNAS-Bench-101's permutation set .*: not found"):
        jigsaw.ensure([0], ["grad_norm"])
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


def _write_soft_labels(root: Path, task: str, size: int, seed: int = 0) -> dict[Path, np.ndarray]:
    """A random soft label of ``size`` classes beside every image, in Taskonomy's layout; image path → label."""
    rng = np.random.default_rng(seed)
    classes = {}
    for image in sorted((root / "taskonomy").glob("*/rgb/*.png")):
        scores = rng.random(size)
        folder = image.parent.parent / task
        folder.mkdir(exist_ok=True)
        np.save(folder / image.name.replace("_domain_rgb.png", f"_domain_{task}.npy"), scores / scores.sum())
        classes[image] = scores
    return classes


def test_class_labels_are_the_soft_labels_argmax_after_transnas_selection(tmp_path: Path) -> None:
    _write_images(tmp_path, 3)
    classes = _write_soft_labels(tmp_path, "class_scene", 63)
    batch = taskonomy.load_taskonomy_batch("class_scene", tmp_path, 3, seed=0, labelled=True)
    assert batch.num_classes == 63 and "labels of 63 classes, loss soft_cross_entropy" in batch.description
    assert batch.labels.tolist() == [int(classes[path].argmax()) for path in sorted(classes)]
    assert batch.loss == "soft_cross_entropy" and batch.targets is not None
    expected = np.stack([classes[path] / classes[path].sum() for path in sorted(classes)])
    assert np.allclose(batch.targets.numpy(), expected, atol=1e-7)
    unlabelled = taskonomy.load_taskonomy_batch("class_scene", tmp_path, 3, seed=0)
    assert unlabelled.num_classes == 0 and torch.equal(unlabelled.images, batch.images)

    full = _write_soft_labels(tmp_path, "class_object", 1000, seed=1)  # Taskonomy's 1,000 ImageNet classes
    with pytest.raises(
        DataFileError, match=r"reducing them to TransNAS-Bench-101's 100 needs .*_selected.npy"
    ):
        taskonomy.load_taskonomy_batch("class_object", tmp_path, 3, seed=0, labelled=True)
    mask = np.zeros(1000, dtype=bool)
    mask[np.random.default_rng(2).choice(1000, 100, replace=False)] = True
    np.save(tmp_path / "taskonomy" / "class_object_selected.npy", mask)
    batch = taskonomy.load_taskonomy_batch("class_object", tmp_path, 3, seed=0, labelled=True)
    expected = [int(full[path][mask].argmax()) for path in sorted(full)]
    assert batch.labels.tolist() == expected != [int(full[path].argmax()) for path in sorted(full)]
    selected = np.stack([full[path][mask] / full[path][mask].sum() for path in sorted(full)])
    assert np.allclose(batch.targets.numpy(), selected, atol=1e-7)  # renormalised over the 100
    assert "class_object_selected.npy sha1" in taskonomy.pool_signature(tmp_path, 3, "class_object")

    np.save(tmp_path / "taskonomy" / "class_object_selected.npy", mask[:500])
    with pytest.raises(DataFileError, match=r"expected 1000 entries with 100 selected; got shape \(500,\)"):
        taskonomy.load_taskonomy_batch("class_object", tmp_path, 3, seed=0, labelled=True)
    next((tmp_path / "taskonomy").glob("*/class_scene/*.npy")).unlink()
    with pytest.raises(
        DataFileError, match=r"^class_scene label .* of image point_\d_view_0_domain_rgb.png not found"
    ):
        taskonomy.load_taskonomy_batch("class_scene", tmp_path, 3, seed=0, labelled=True)


def test_jigsaw_labels_index_the_permutation_set_and_order_the_tiles(tmp_path: Path) -> None:
    cells = np.arange(9) * 28 + 8  # one grey level per cell of the 3x3 grid, row by row
    grid = np.repeat(np.repeat(cells.reshape(3, 3), 85, axis=0), 85, axis=1).astype(np.uint8)
    folder = tmp_path / "taskonomy" / "merom" / "rgb"
    folder.mkdir(parents=True)
    for i in range(2):
        Image.fromarray(np.stack([grid] * 3, axis=-1)).save(folder / f"point_{i}_view_0_domain_rgb.png")
    rows = np.stack([np.random.default_rng(i).permutation(9) for i in range(1000)])
    np.save(tmp_path / "taskonomy" / taskonomy.PERMUTATIONS_FILE, rows)
    batch = taskonomy.load_taskonomy_batch("jigsaw", tmp_path, 2, seed=3, labelled=True)
    assert batch.num_classes == 1000 and batch.images.shape == (2, 9, 3, 64, 64)
    for tiles, label in zip(batch.images, batch.labels.tolist(), strict=True):
        means = tiles.mean(dim=(1, 2, 3)).numpy() * 255
        nearest = np.abs(means[:, None] - cells[None, :]).argmin(axis=1)
        assert nearest.tolist() == rows[label].tolist()
    np.save(tmp_path / "taskonomy" / taskonomy.PERMUTATIONS_FILE, rows[:, :8])
    with pytest.raises(DataFileError, match=r"expected 1000 rows, each an order of the 9 positions"):
        taskonomy.load_taskonomy_batch("jigsaw", tmp_path, 2, seed=3)


def test_permutation_set_is_read_once_while_unchanged(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "taskonomy"
    folder.mkdir()
    path = folder / taskonomy.PERMUTATIONS_FILE
    rows = np.stack([np.random.default_rng(i).permutation(9) for i in range(1000)])
    np.save(path, rows)
    reads = []
    load = taskonomy._load_npy
    monkeypatch.setattr(taskonomy, "_load_npy", lambda file, what: reads.append(file) or load(file, what))
    first = taskonomy.permutation_set(tmp_path)
    assert taskonomy.permutation_set(tmp_path) is first and len(reads) == 1
    assert not first.flags.writeable  # the shared copy cannot be altered by a caller
    np.save(path, rows[::-1])  # same size: the new modification time alone marks it as changed
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1))
    assert (taskonomy.permutation_set(tmp_path) == rows[::-1]).all() and len(reads) == 2


def test_label_metrics_run_on_the_classification_tasks(user_root: Path, tmp_path: Path) -> None:
    classes = _write_soft_labels(user_root, "class_scene", 63)
    micro = open_benchmark("tnb101_micro", user_root)
    options = ScoringOptions(device="cpu", batch_size=4, data="taskonomy")
    engine = options.engine(micro.space, "class_scene", tmp_path / "cache", user_root, progress=False)
    engine.ensure([0], ["naswot"])  # images only: the batch has no labels yet
    assert engine.batch_for(0).num_classes == 0
    names = ["grad_norm", "snip", "ntk_condnum", "epe_nas"]
    engine.ensure([0, 7], names)
    batch = engine.batch_for(0)
    assert batch.num_classes == 63 and set(batch.labels.tolist()) <= {
        int(v.argmax()) for v in classes.values()
    }
    scores = engine.table([0, 7], names)
    assert all(math.isfinite(v) for v in scores[names].to_numpy().ravel())
    assert (scores[[f"{name}_error" for name in names]] == "").all().all()
    assert scores["grad_norm"].nunique() == 2


def test_dense_tasks_read_their_targets_and_losses(tmp_path: Path) -> None:
    _write_images(tmp_path, 2, COLOUR)
    rng = np.random.default_rng(0)
    for image in sorted((tmp_path / "taskonomy").glob("*/rgb/*.png")):
        building, view = image.parent.parent, image.name.removesuffix("_domain_rgb.png")
        for task in ("normal", "segmentsemantic", "room_layout"):
            (building / task).mkdir()
        Image.fromarray(np.full((300, 320, 3), (255, 0, 128), dtype=np.uint8)).save(
            building / "normal" / f"{view}_domain_normal.png"
        )
        segments = np.zeros((300, 320), dtype=np.uint8)
        segments[:, 160:] = 17  # left: 0 (class 0), right: 17 (class 16)
        Image.fromarray(segments).save(building / "segmentsemantic" / f"{view}_domain_segmentsemantic.png")
        np.save(building / "room_layout" / f"{view}_domain_room_layout.npy", rng.normal(size=9))
    auto = taskonomy.load_taskonomy_batch("autoencoder", tmp_path, 2, seed=0, labelled=True)
    assert auto.loss == "l1" and torch.equal(auto.targets, auto.images) and auto.num_classes == 0
    normal = taskonomy.load_taskonomy_batch("normal", tmp_path, 2, seed=0, labelled=True)
    assert normal.loss == "l1" and normal.targets.shape == (2, 3, 256, 256)
    for channel, value in enumerate((1.0, 0.0, 128 / 255)):
        assert torch.allclose(normal.targets[:, channel], torch.tensor(value))
    segment = taskonomy.load_taskonomy_batch("segmentsemantic", tmp_path, 2, seed=0, labelled=True)
    assert segment.loss == "cross_entropy" and segment.targets.dtype == torch.int64
    assert segment.targets[:, :, :120].unique().tolist() == [0] and segment.targets[
        :, :, 136:
    ].unique().tolist() == [16]
    layout = taskonomy.load_taskonomy_batch("room_layout", tmp_path, 2, seed=0, labelled=True)
    assert layout.loss == "mse" and layout.targets.shape == (2, 9) and layout.targets.dtype == torch.float32
    bad = next((tmp_path / "taskonomy").glob("*/segmentsemantic/*.png"))
    Image.fromarray(np.full((8, 8), 18, dtype=np.uint8)).save(bad)
    with pytest.raises(
        DataFileError, match=r"expected one channel of values 0..17; got shape \(256, 256\), values 18..18"
    ):
        taskonomy.load_taskonomy_batch("segmentsemantic", tmp_path, 2, seed=0, labelled=True)


def test_gradient_metrics_differentiate_the_task_loss(user_root: Path, tmp_path: Path) -> None:
    micro = open_benchmark("tnb101_micro", user_root)
    options = ScoringOptions(device="cpu", batch_size=2, data="taskonomy")
    engine = options.engine(micro.space, "autoencoder", tmp_path / "cache", user_root, progress=False)
    names = ["grad_norm", "snip", "zico"]
    engine.ensure([7], names)
    batch = engine.batch_for(7)
    assert batch.loss == "l1" and torch.equal(batch.targets, batch.images)
    scores = engine.table([7], names)
    assert all(math.isfinite(v) for v in scores[names].to_numpy().ravel())
    probe = engine.probe(7)
    expected = probe.copy()
    torch.nn.functional.l1_loss(expected(batch.images), batch.images).backward()
    norm = sum(
        float(m.weight.grad.norm())
        for m in expected.modules()
        if isinstance(m, torch.nn.Conv2d | torch.nn.Linear) and m.weight.grad is not None
    )
    assert math.isclose(scores.loc[7, "grad_norm"], norm, rel_tol=1e-4)
