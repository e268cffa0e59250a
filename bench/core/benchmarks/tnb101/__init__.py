"""TransNAS-Bench-101 (Duan et al., CVPR 2021): micro (cell) and macro (skeleton) spaces on 7 Taskonomy tasks.

Registers ``tnb101_micro`` and ``tnb101_macro``: the architectures of NAS-Bench-Suite-Zero's TransNAS files,
ground truth = each task's TransNAS validation metric (:data:`bench.core.nbsuitezero.TNB101_TARGETS`). No
Taskonomy images ship with the project, so no task declares an image pool: the data-free metrics (``needs="none"``:
params, flops, synflow, l2_norm, ...) are scored, on each task's own network (encoder + task head) and on inputs
of the task's :data:`INPUT_SHAPES`. With ``scoring.data=taskonomy`` and a user's Taskonomy RGB images under the
data root (:mod:`bench.core.taskonomy`) the metrics that need images but no labels (``needs="data"``) run too.
Asking for a metric a setup cannot score stops with a one-line message and scores nothing.
Their networks are built here (``network.py``); ``scripts/tnb101_params_check.py`` counts their parameters
against NB-Suite-Zero's.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from bench.core import nbsuitezero
from bench.core.benchmarks.registry import BenchmarkSpec, SearchColumns, register_benchmark
from bench.core.groundtruth import GroundTruth
from bench.core.space import Space

TASKS = ("class_scene", "class_object", "autoencoder", "normal", "jigsaw", "room_layout", "segmentsemantic")
INPUT_SHAPES = {task: (3, 256, 256) for task in TASKS} | {"jigsaw": (9, 3, 64, 64)}
"""One input per task, as TransNAS-Bench-101's and NASLib's Taskonomy loaders feed it: RGB resized to 256×256;
jigsaw: 9 tiles of 64×64. With 256 pixels our ``flops`` equal NB-Suite-Zero's (224 pixels give other values)."""


def open_tnb101(kind: str, root: Path, source: str) -> tuple[Space, GroundTruth]:
    """The ``kind`` (micro / macro) pool and its ground truth from NB-Suite-Zero's file under ``root``."""
    from bench.core.benchmarks.tnb101.groundtruth import TNB101GroundTruth
    from bench.core.benchmarks.tnb101.space import TNB101Space

    truth = TNB101GroundTruth(root, kind)
    return TNB101Space(kind, truth.arch_strs()), truth


for _kind, _count in (("micro", "711 cells"), ("macro", "725 networks")):
    register_benchmark(
        BenchmarkSpec(
            name=f"tnb101_{_kind}",
            datasets=TASKS,
            sources=("nb-suite-zero",),
            default_target="valid_top1_acc",
            open=partial(open_tnb101, _kind),
            images={task: None for task in TASKS},
            input_shapes=INPUT_SHAPES,
            user_images={task: "taskonomy" for task in TASKS},
            targets={task: nbsuitezero.TNB101_TARGETS[task] for task in TASKS},
            description=f"TransNAS-Bench-101 {_kind}: NB-Suite-Zero's {_count}, 7 Taskonomy tasks (no images here)",
            # a query returns the task's validation metric (higher is better), also reported (the file holds no
            # test value and no training time: searches are budgeted in queries), over the task's pool
            search={
                task: SearchColumns(
                    nbsuitezero.TNB101_TARGETS[task], None, nbsuitezero.TNB101_TARGETS[task], pool=True
                )
                for task in TASKS
            },
        )
    )
