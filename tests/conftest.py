"""Shared fixtures: the real data root and the NB201 benchmark built from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.core.benchmarks.nb201.space import NB201Space
from bench.core.benchmarks.nb201.table import NB201TableGroundTruth
from bench.core.paths import data_root


@pytest.fixture(scope="session")
def root() -> Path:
    return data_root()


@pytest.fixture(scope="session")
def nb201_truth(root: Path) -> NB201TableGroundTruth:
    return NB201TableGroundTruth(root)


@pytest.fixture(scope="session")
def nb201_space(nb201_truth: NB201TableGroundTruth) -> NB201Space:
    return NB201Space(nb201_truth.arch_strs())
