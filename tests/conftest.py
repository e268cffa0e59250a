"""Shared fixtures: the real data root and the NB201 benchmark built from it; the fake benchmark."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from fake_benchmark import FAKE_SPEC

from bench.core.benchmarks import Benchmark, open_benchmark
from bench.core.benchmarks.nb201.space import NB201Space
from bench.core.benchmarks.nb201.table import NB201TableGroundTruth
from bench.core.benchmarks.registry import register_benchmark, unregister_benchmark
from bench.core.paths import data_root


def pytest_configure(config: pytest.Config) -> None:
    """One intra-op thread per test process, and in the commands the tests start: `make test` runs one worker per
    core, and more threads than cores make torch's OpenMP and LAPACK calls spin (on 2 cores the AZ-NAS
    eigendecompositions of the all-metrics tests ran about 20 times slower)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def root() -> Path:
    return data_root()


@pytest.fixture(scope="session")
def nb201_truth(root: Path) -> NB201TableGroundTruth:
    return NB201TableGroundTruth(root)


@pytest.fixture(scope="session")
def nb201_space(nb201_truth: NB201TableGroundTruth) -> NB201Space:
    return NB201Space(nb201_truth.arch_strs())


@pytest.fixture
def fake_benchmark(tmp_path: Path) -> Iterator[Benchmark]:
    """The 27-architecture fake benchmark of ``tests/fake_benchmark.py``, registered as ``fake`` for one test
    (so that :func:`open_benchmark`, the score engine and the APIs find it) and opened from an empty data root (``tmp_path``)."""
    register_benchmark(FAKE_SPEC)
    try:
        yield open_benchmark("fake", tmp_path)
    finally:
        unregister_benchmark("fake")
