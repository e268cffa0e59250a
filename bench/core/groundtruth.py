"""The ground-truth interface shared by every benchmark space.

Ground truth is a per-dataset table indexed by ``arch_index`` (the benchmark's own order). Columns
are named ``{split}_acc_{epochs}ep`` (accuracy in percent, e.g. ``test_acc_200ep``,
``valid_acc_12ep``), ``train_seconds_{epochs}ep`` (simulated training time of that schedule, in
seconds) and ``params_M`` (trainable parameters, millions), plus ``arch_str`` (the space's key).
The split and the number of epochs are always explicit: the 12- vs 200-epoch and ``cifar10`` vs
``cifar10-valid`` confusions are the most common mistakes in this field.
"""

from __future__ import annotations

from typing import Protocol

import pandas as pd


class GroundTruth(Protocol):
    """Real benchmark results for one space."""

    space: str

    def datasets(self) -> tuple[str, ...]:
        """The datasets this ground truth covers."""
        ...

    def frame(self, dataset: str) -> pd.DataFrame:
        """Table indexed by ``arch_index`` with ``arch_str`` and the columns described in the module doc."""
        ...


def column(truth: GroundTruth, dataset: str, name: str) -> pd.Series:
    """One ground-truth column; ``ValueError`` naming the available columns if ``name`` is unknown."""
    frame = truth.frame(dataset)
    if name not in frame.columns:
        choices = ", ".join(c for c in frame.columns if c != "arch_str")
        raise ValueError(
            f"unknown ground-truth column {name!r} for {truth.space}/{dataset}; valid: {choices}"
        )
    return frame[name]
