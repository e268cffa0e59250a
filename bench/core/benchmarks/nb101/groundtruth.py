"""NAS-Bench-101 ground truth (CIFAR-10 only) and the matching :class:`NB101Space`.

Two sources under the data root:

* ``tfrecord``: ``nb101/nasbench101.parquet``, converted from the official tfrecord by
  :mod:`bench.core.benchmarks.nb101.tfrecord`. One row per cell in ``hash_iterator()`` order, with for every budget
  ``E`` in the file (108 only, or 4/12/36/108): ``valid_acc_{E}ep``, ``test_acc_{E}ep``,
  ``train_acc_{E}ep`` (percent, mean of the final evaluation over the 3 runs) and
  ``train_seconds_{E}ep`` (mean training time of one run, seconds).
* ``subset``: ``nb101/nb101_naslib_zc_subset.csv.gz``, NASLib's 500 rows with zero-cost scores.
  ``valid_acc_108ep`` is NASLib's ``val_accuracy`` (a single run). The rows are unpruned random
  matrices: they hold only 292 distinct cells (55 rows prune to the bare input→output cell), so
  duplicates share one module hash and differ only by which run NASLib drew.

Both frames also have ``params_M`` (trainable parameters, millions) and ``arch_str`` (module hash),
indexed by ``arch_index`` (row order of the source).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import pandas as pd

from bench.core.benchmarks.nb101 import DATASETS
from bench.core.benchmarks.nb101.space import NB101Space
from bench.core.benchmarks.nb101.spec import ModelSpec
from bench.core.benchmarks.registry import benchmark_spec
from bench.core.paths import DataFileError, data_root, require_file

SUBSET_TABLE = "nb101/nb101_naslib_zc_subset.csv.gz"
PARQUET_TABLE = "nb101/nasbench101.parquet"
SUBSET_HOW_TO = "It ships with the project's shared data folder (see PROVENANCE.md, section B)."
PARQUET_HOW_TO = (
    "Download https://storage.googleapis.com/nasbench/nasbench_only108.tfrecord (or nasbench_full.tfrecord) "
    "and convert it with: python -m bench nb101-tfrecord <tfrecord> <data_root>/nb101/nasbench101.parquet"
)

Source = Literal["subset", "tfrecord"]


class SpecList(Sequence[ModelSpec]):
    """Cell specs parsed on first access (integer indexing) from their text forms; parsing all
    423,624 cells eagerly takes about 25 s."""

    def __init__(self, adjacency: Sequence[str], ops: Sequence[str]) -> None:
        if len(adjacency) != len(ops):
            raise ValueError(f"{len(adjacency)} adjacency strings for {len(ops)} op strings")
        self._adjacency, self._ops = adjacency, ops
        self._parsed: dict[int, ModelSpec] = {}

    def __len__(self) -> int:
        return len(self._adjacency)

    def __getitem__(self, index: int) -> ModelSpec:  # type: ignore[override]
        index = range(len(self))[index]
        if index not in self._parsed:
            self._parsed[index] = ModelSpec.from_strings(self._adjacency[index], self._ops[index])
        return self._parsed[index]


class NB101GroundTruth:
    """NAS-Bench-101 results per cell, with the cell specs in the same (``arch_index``) order."""

    space = "nb101"

    def __init__(self, table: pd.DataFrame, specs: Sequence[ModelSpec]) -> None:
        """``table``: indexed by ``arch_index`` with ``arch_str`` and ground-truth columns; ``specs`` in that order."""
        if len(table) != len(specs):
            raise ValueError(f"{len(table)} ground-truth rows for {len(specs)} specs")
        self._table = table
        self.specs = specs

    @classmethod
    def from_parquet(cls, path: Path) -> NB101GroundTruth:
        """Read the table written by :func:`bench.core.benchmarks.nb101.tfrecord.convert`."""
        try:
            long = pd.read_parquet(path)
        except (OSError, ValueError) as error:
            raise DataFileError(f"cannot read NB101 table {path}: {error}. {PARQUET_HOW_TO}") from error
        cells = long.drop_duplicates("arch_index").set_index("arch_index").sort_index()
        wide = long.pivot(
            index="arch_index",
            columns="epochs",
            values=["valid_acc", "test_acc", "train_acc", "train_seconds"],
        )
        table = pd.DataFrame({"arch_str": cells["module_hash"]})
        for name, epochs in wide.columns:
            table[f"{name}_{epochs}ep"] = wide[(name, epochs)]
        table["params_M"] = cells["trainable_parameters"] / 1e6
        specs = SpecList(cells["adjacency"].tolist(), cells["ops"].tolist())
        return cls(table.rename_axis("arch_index"), specs)

    @classmethod
    def from_naslib_subset(cls, path: Path) -> NB101GroundTruth:
        """Read NASLib's 500-row zero-cost table; ``arch_str`` is the module hash of each (pruned) row."""
        try:
            rows = pd.read_csv(path)
            specs = [
                ModelSpec.from_strings(a, o) for a, o in zip(rows["adjacency"], rows["ops"], strict=True)
            ]
        except (OSError, ValueError, KeyError) as error:
            raise DataFileError(f"cannot read NB101 table {path}: {error}. {SUBSET_HOW_TO}") from error
        table = pd.DataFrame(
            {
                "arch_str": [spec.hash for spec in specs],
                "valid_acc_108ep": rows["naslib_val_acc"].to_numpy(),
                "params_M": rows["params_M"].to_numpy(),
            }
        )
        return cls(table.rename_axis("arch_index"), specs)

    def datasets(self) -> tuple[str, ...]:
        return DATASETS

    def frame(self, dataset: str) -> pd.DataFrame:
        benchmark_spec("nb101").check_dataset(dataset)
        return self._table


def load_nb101(
    root: str | os.PathLike[str] | None = None, source: Source = "subset"
) -> tuple[NB101Space, NB101GroundTruth]:
    """The NB101 space and its ground truth from the data root (see :func:`bench.core.paths.data_root`).

    Raises:
        DataFileError: if the source's file is missing or unreadable.
    """
    folder = data_root(root)
    if source == "subset":
        truth = NB101GroundTruth.from_naslib_subset(require_file(folder, SUBSET_TABLE, SUBSET_HOW_TO))
    elif source == "tfrecord":
        truth = NB101GroundTruth.from_parquet(require_file(folder, PARQUET_TABLE, PARQUET_HOW_TO))
    else:
        raise ValueError(f"unknown NB101 ground-truth source {source!r}; valid: subset, tfrecord")
    hashes = truth.frame("cifar10")["arch_str"].tolist()
    return NB101Space(truth.specs, hashes), truth
