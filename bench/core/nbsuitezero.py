"""NAS-Bench-Suite-Zero's score files (Krishnakumar et al., NeurIPS 2022 D&B; NASLib ``naslib/data/zc_*.json``).

Each file maps a task (dataset) to architectures keyed by NASLib's encoding, each with ``val_accuracy`` (the
benchmark's validation metric as NASLib queried it) and the suite's proxies, either ``{"score", "time"}``
(NB101/NB201/NB301 files) or a bare score (TransNAS-Bench-101 files). They are read from
``raw/NASLib/`` under the data root, gzipped and unchanged (``PROVENANCE.md`` section E).

:data:`PROXY_NAMES` maps their proxy names to this project's metric names where both compute the same
quantity (``nwot`` is our ``naswot``, ``jacov`` our ``jacob_cov``); every other name is kept.
"""

from __future__ import annotations

import gzip
import json
import math
from functools import cache
from pathlib import Path

import pandas as pd

from bench.core.benchmarks.nb201 import table as nb201_table
from bench.core.benchmarks.registry import benchmark_spec
from bench.core.paths import DataFileError, require_file

FILES = {
    "nb101": "raw/NASLib/zc_nasbench101_at_9052f540.json.gz",
    "nb201": "raw/NASLib/zc_nasbench201_at_1bdbd960.json.gz",
    "nb301": "raw/NASLib/zc_nasbench301_at_6639fd15.json.gz",
    "tnb101_micro": "raw/NASLib/zc_transbench101_micro_at_e5a821c2.json.gz",
    "tnb101_macro": "raw/NASLib/zc_transbench101_macro_at_e5a821c2.json.gz",
}
"""Their file for each benchmark this project registers, relative to the data root."""

TNB101_TARGETS = {
    "class_scene": "valid_top1_acc",
    "class_object": "valid_top1_acc",
    "jigsaw": "valid_top1_acc",
    "room_layout": "valid_neg_l2_loss",
    "segmentsemantic": "valid_pixel_acc",
    "autoencoder": "valid_ssim",
    "normal": "valid_ssim",
}
"""What ``val_accuracy`` is on each TransNAS-Bench-101 task, as NASLib's ``transbench101/graph.py`` queries it
(``Metric.VAL_ACCURACY``): TransNAS's ``valid_top1`` (top-1 accuracy, %) for the classification tasks and
jigsaw, ``valid_neg_loss`` (minus the L2 loss of the layout regression) for room_layout, ``valid_acc`` (pixel
accuracy, %; not the mIoU the TransNAS paper reports) for segmentsemantic and ``valid_ssim`` (SSIM of the
reconstruction) for autoencoder and normal. All of them are higher-is-better as stored."""


def target_name(benchmark: str, task: str) -> str:
    """The ground-truth column name of their ``val_accuracy`` on ``benchmark`` / ``task``.

    NB101: NB101's 108-epoch validation accuracy (%; our ``nb101`` subset is this file's rows). NB301: NB301's
    validation accuracy (%). NB201: ``nbsz_val_accuracy``, NASLib's NB201 value, which equals no column of this
    project's NB201 table (its mean distance to ``test_acc_200ep`` is 3.7 / 0.34 / 0.39 points on CIFAR-10 /
    CIFAR-100 / ImageNet16-120). TransNAS: :data:`TNB101_TARGETS`.
    """
    if benchmark.startswith("tnb101"):
        if task not in TNB101_TARGETS:
            raise ValueError(f"unknown TransNAS-Bench-101 task {task!r}; valid: {', '.join(TNB101_TARGETS)}")
        return TNB101_TARGETS[task]
    return {"nb101": "valid_acc_108ep", "nb301": "valid_acc_100ep"}.get(benchmark, "nbsz_val_accuracy")


HOW_TO_OBTAIN = (
    "It ships with the project's shared data folder (PROVENANCE.md section E): NASLib's naslib/data/zc_*.json "
    "from github.com/automl/NASLib, gzipped."
)
PROXY_NAMES = {"nwot": "naswot", "jacov": "jacob_cov"}
FAILED = -1e8
"""The score their files store where a proxy failed (e.g. ``epe_nas`` on every TransNAS network); read as NaN."""
NOT_PROXIES = ("idx", "arch", "val_accuracy")


def file_path(root: Path, benchmark: str) -> Path:
    """Their file for ``benchmark`` under ``root``; ``ValueError`` for a benchmark they do not cover,
    :class:`DataFileError` if the file is missing."""
    if benchmark not in FILES:
        raise ValueError(f"NB-Suite-Zero has no file for {benchmark!r}; covered: {', '.join(FILES)}")
    return require_file(root, FILES[benchmark], HOW_TO_OBTAIN)


@cache
def _read(path: Path) -> dict:
    """The file as ``{task: {key: record}}`` (the NB101 file nests it one level deeper, under ``nasbench101``)."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as err:
        raise DataFileError(f"cannot read NB-Suite-Zero file {path}: {err}. {HOW_TO_OBTAIN}") from err
    if list(data) == ["nasbench101"]:
        data = data["nasbench101"]
    return data


def tasks(root: Path, benchmark: str) -> tuple[str, ...]:
    """The tasks (datasets) of ``benchmark``'s file, in file order."""
    return tuple(_read(file_path(root, benchmark)))


def table(root: Path, benchmark: str, task: str) -> pd.DataFrame:
    """One row per architecture of their file, in file order: ``key`` (their arch encoding, as in the file),
    ``val_accuracy``, one column per proxy (our metric name where :data:`PROXY_NAMES` maps it) and
    ``<proxy>_seconds`` where the file records the time. Failed scores (:data:`FAILED`) and values that are not
    finite numbers become NaN. Their ``synflow`` is ln(synflow) (ranks unaffected)."""
    data = _read(file_path(root, benchmark))
    if task not in data:
        raise ValueError(
            f"unknown task {task!r} in NB-Suite-Zero's {benchmark} file; valid: {', '.join(data)}"
        )
    rows = []
    for key, record in data[task].items():
        row: dict[str, object] = {"key": key, "val_accuracy": _number(record.get("val_accuracy"))}
        for name, value in record.items():
            if name in NOT_PROXIES:
                continue
            ours = PROXY_NAMES.get(name, name)
            if isinstance(value, dict):
                row[ours] = _score(value.get("score"))
                row[f"{ours}_seconds"] = _number(value.get("time"))
            else:
                row[ours] = _score(value)
        rows.append(row)
    return pd.DataFrame(rows)


NB201_TABLE_COLUMNS = {
    "cifar10": "naslib_val_acc_cifar10",
    "cifar100": "naslib_val_acc_cifar100",
    "ImageNet16-120": "naslib_val_acc_imagenet16",
}
"""Where the compact NB201 table (``PROVENANCE.md``) holds their NB201 ``val_accuracy`` of every architecture."""


def nb201_accuracy(root: Path, dataset: str) -> pd.Series:
    """Their NB201 ground truth (%) for all 15,625 architectures, indexed by ``arch_index`` and named
    ``nbsz_val_accuracy`` (:func:`target_name`). Their file holds it for about 725 architectures per dataset; the
    compact NB201 table for every one (equal where both have it). On CIFAR-10 it is ``cifar10-valid``'s 200-epoch
    validation accuracy, of a network trained on the 25,000-image train half, one seed, 2 decimals: the training
    run whose test accuracy the CIFAR-10 numbers of Abdelfattah et al. and GradSign correlate with (their drivers
    read ``get_more_info(i, 'cifar10-valid', hp='200')['test-accuracy']``), unlike this project's
    ``test_acc_200ep`` (the ``cifar10`` network, trained on all 50,000 images, mean over seeds). On CIFAR-100 and
    ImageNet16-120 it is their 200-epoch validation accuracy, apparently of one seed too. ``ValueError`` for an
    unknown dataset, ``DataFileError`` naming the file if the table is missing or lacks the column."""
    benchmark_spec("nb201").check_dataset(dataset)
    path = require_file(root, nb201_table.TABLE, nb201_table.HOW_TO_OBTAIN)
    name = NB201_TABLE_COLUMNS[dataset]
    try:
        frame = pd.read_csv(path, usecols=["arch_index", name], index_col="arch_index")
    except (OSError, ValueError) as err:
        raise DataFileError(f"cannot read {name} from NB201 table {path}: {err}") from err
    return frame[name].sort_index().rename(target_name("nb201", dataset))


def proxy_names(frame: pd.DataFrame) -> list[str]:
    """The proxy columns of a :func:`table` frame."""
    return [c for c in frame.columns if c not in ("key", "val_accuracy") and not c.endswith("_seconds")]


def _score(value: object) -> float:
    """A proxy score: :func:`_number`, NaN where the file marks a failure."""
    number = _number(value)
    return math.nan if number == FAILED else number


def _number(value: object) -> float:
    """``value`` as a float, NaN when it is missing or not a finite number."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan
