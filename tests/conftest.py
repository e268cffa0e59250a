"""Shared fixtures: the real data root and the NB201 benchmark built from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.groundtruth.nb201 import NB201TableGroundTruth
from bench.paths import data_root
from bench.spaces.nb201 import NB201Space


@pytest.fixture(scope="session")
def root() -> Path:
    return data_root()


@pytest.fixture(scope="session")
def nb201_truth(root: Path) -> NB201TableGroundTruth:
    return NB201TableGroundTruth(root)


@pytest.fixture(scope="session")
def nb201_space(nb201_truth: NB201TableGroundTruth) -> NB201Space:
    return NB201Space(nb201_truth.arch_strs())
