"""TransNAS-Bench-101: arch strings, NB-Suite-Zero keys, networks (params equal theirs), pools, errors."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from bench.core import nbsuitezero
from bench.core.batches import shape_only_batch
from bench.core.benchmarks import open_benchmark
from bench.core.benchmarks.tnb101.encoding import from_naslib_key, macro_str, parse_macro, parse_micro
from bench.core.benchmarks.tnb101.network import TransNASNetwork, build
from bench.core.benchmarks.tnb101.space import TNB101Space
from bench.core.scoring import ScoringOptions
from metrics import registry
from metrics.az_nas import cell_features
from metrics.probe import Probe


def test_official_strings_and_naslib_keys() -> None:
    assert parse_micro("64-41414-1_02_333") == (1, 0, 2, 3, 3, 3)
    assert parse_macro("64-1234-basic") == (1, 2, 3, 4)
    assert from_naslib_key("(1, 0, 0, 2, 1, 0)", "micro") == "64-41414-1_00_210"
    assert from_naslib_key("(1, 2, 4, 2, 0, 0)", "macro") == "64-1242-basic"
    assert macro_str((4, 1, 3, 2, 1, 4)) == "64-413214-basic"


@pytest.mark.parametrize(
    ("call", "fault"),
    [
        (lambda: parse_micro("64-41414-1_02_334"), "malformed TransNAS micro arch string"),
        (lambda: parse_micro("64-41414-10_2_333"), "malformed TransNAS micro arch string"),
        (lambda: parse_macro("64-125-basic"), "malformed TransNAS macro arch string"),
        (lambda: parse_macro("64-1234567-basic"), "malformed TransNAS macro arch string"),
        (lambda: from_naslib_key("(1, 0, 2, 0, 0, 0)", "macro"), "zeros must only pad the end"),
        (lambda: from_naslib_key("(1, 0)", "micro"), "tuple of 6 ints"),
        (lambda: build("64-1234-basic", "depth"), "unknown TransNAS-Bench-101 task 'depth'"),
    ],
)
def test_malformed_inputs_raise_one_line_errors(call: Callable[[], object], fault: str) -> None:
    with pytest.raises(ValueError, match=fault) as error:
        call()
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("arch_str", "task", "theirs_m"),
    [  # NB-Suite-Zero's params of the first architecture of their files
        ("64-41414-1_00_210", "class_scene", 0.910687),
        ("64-41414-1_00_210", "autoencoder", 23.750227),
        ("64-41414-1_00_210", "jigsaw", 5.487368),
        ("64-41414-1_00_210", "segmentsemantic", 11.902545),
        ("64-1242-basic", "room_layout", 11.191081),
        ("64-1242-basic", "normal", 34.058323),
    ],
)
def test_params_equal_nb_suite_zero(arch_str: str, task: str, theirs_m: float) -> None:
    with torch.device("meta"):
        net = build(arch_str, task)
    assert round(sum(p.numel() for p in net.parameters()) / 1e6, 6) == theirs_m


def test_forward_shapes_per_task() -> None:
    net = TransNASNetwork((1, 2, 3, 4), None, "class_object")
    assert net(torch.randn(2, 3, 64, 64)).shape == (2, 100)
    jigsaw = build("64-41414-3_33_333", "jigsaw").eval()  # 32-px tiles end at 1x1: BN on running stats
    assert jigsaw(torch.randn(1, 9, 3, 32, 32)).shape == (1, 1000)
    with pytest.raises(ValueError, match="jigsaw input"):
        jigsaw(torch.randn(1, 3, 32, 32))


def test_az_nas_features_are_the_stem_and_every_encoder_block() -> None:
    # macro "1234": four stages of two blocks; digits 1 and 3 keep the channels, 2 and 4 double them, 3 and 4 stride 2
    net = TransNASNetwork((1, 2, 3, 4), None, "class_scene")
    features = cell_features(net, torch.randn(2, 3, 64, 64))
    assert [(f.shape[1], f.shape[2]) for f in features] == [(64, 16)] + [(64, 16)] * 2 + [(128, 16)] * 2 + [
        (128, 8)
    ] * 2 + [(256, 4)] * 2
    micro = build("64-41414-1_02_333", "class_object")
    assert len(cell_features(micro, torch.randn(2, 3, 32, 32))) == 1 + 2 * 5
    components = registry.evaluate(
        ["az_expressivity", "az_progressivity", "az_trainability"],
        Probe(net, shape_only_batch("class_scene", (3, 64, 64), 4), seed=0),
    )
    assert all(math.isfinite(result.value) for result in components.values())
    with pytest.raises(ValueError, match="jigsaw: the 9 tiles"):
        build("64-41414-1_02_333", "jigsaw").feature_modules()


def test_pool_neighbours_and_generic_build() -> None:
    space = TNB101Space("micro", ["64-41414-1_00_210", "64-41414-1_00_211", "64-41414-3_33_333"])
    assert space.neighbours(0) == (1,) and space.neighbours(2) == ()
    with pytest.raises(ValueError, match="no one-digit neighbour"):
        space.mutate(2, None)  # type: ignore[arg-type]
    assert space.build(0, 7)(torch.randn(2, 3, 32, 32)).shape == (2, 7)


def test_benchmarks_open_with_task_ground_truth(root: Path) -> None:
    macro = open_benchmark("tnb101_macro", root)
    scene = macro.truth.frame("class_scene")
    assert len(macro.space) == 725 and len(scene) == 662
    assert list(macro.truth.frame("room_layout").columns) == ["arch_str", "valid_neg_l2_loss", "params_M"]
    assert macro.space.key(macro.space.arch(int(scene.index[0]))) == scene["arch_str"].iloc[0]
    with pytest.raises(ValueError, match="unknown dataset 'depth'"):
        macro.truth.frame("depth")


def test_data_free_scores_on_task_networks_match_nb_suite_zero(root: Path, tmp_path: Path) -> None:
    """params and flops of two micro class_scene networks on one 256-pixel input equal NB-Suite-Zero's file."""
    micro = open_benchmark("tnb101_micro", root)
    engine = ScoringOptions(device="cpu", batch_size=2).engine(
        micro.space, "class_scene", tmp_path, root, progress=False
    )
    theirs = nbsuitezero.table(root, "tnb101_micro", "class_scene").iloc[[0, 5]]
    theirs.index = [micro.space.index(from_naslib_key(key, "micro")) for key in theirs["key"]]
    indices = theirs.index.tolist()
    engine.ensure(indices, ["params", "flops", "synflow"])
    ours = engine.table(indices, ["params", "flops", "synflow"])
    assert ours["params"].round(6).tolist() == theirs.loc[indices, "params"].tolist()
    assert ours["flops"].round(6).tolist() == theirs.loc[indices, "flops"].tolist()
    assert (ours["synflow"] > 0).all() and (ours["synflow_error"] == "").all()


def test_metric_needing_images_is_refused_in_one_line(root: Path, tmp_path: Path) -> None:
    micro = open_benchmark("tnb101_micro", root)
    engine = ScoringOptions(device="cpu").engine(micro.space, "autoencoder", tmp_path, root, progress=False)
    with pytest.raises(
        ValueError, match=r"^snip need\(s\) images and tnb101_micro/autoencoder has none here"
    ) as error:
        engine.ensure([0], ["params", "snip"])
    free = ", ".join(name for name in registry.names() if registry.get(name).needs == "none")
    imaged = ", ".join(name for name in registry.names() if registry.get(name).needs == "data")
    hint = f"data-free metrics: {free}; with scoring.data=taskonomy and your own images also: {imaged}"
    assert "\n" not in str(error.value) and str(error.value).endswith(hint)
    assert "snip" not in free and {"params", "flops", "synflow"} <= set(free.split(", "))
    assert not any(tmp_path.rglob("journal-*"))
