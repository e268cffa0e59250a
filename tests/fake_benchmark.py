"""A tiny fake benchmark for unit tests that need no data root: 3 edges × 3 ops = 27 archs, a synthetic
ground truth on two datasets, and training-free scores.

:data:`FAKE_SPEC` registers it as benchmark ``fake`` (see the ``fake_benchmark`` fixture in ``conftest.py``,
which registers it for one test); :func:`fake_scores` serves the search tests' scores directly and
:func:`fill_score_cache` writes score rows into a score cache, so that the score engine, ``bench.score`` and
``search.run`` serve them without building a network (the fake space has none).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd

from bench.core.benchmarks import BenchmarkSpec, SearchColumns
from bench.core.scoring import ScoreStore, ScoringSetup
from search.scores import TableScores

OPS = ("a", "b", "c")
EDGES = 3
GAIN = {"a": 0.0, "b": 4.0, "c": 8.0}  # additive landscape: ("c", "c", "c") is the optimum


class FakeSpace:
    """27 archs (tuples of 3 ops) in a shuffled, fixed index order."""

    name = "fake"
    dead_ops_in_class = False

    def __init__(self) -> None:
        archs = list(itertools.product(OPS, repeat=EDGES))
        self._archs = [archs[i] for i in np.random.default_rng(7).permutation(len(archs))]
        self._index = {arch: i for i, arch in enumerate(self._archs)}

    def __len__(self) -> int:
        return len(self._archs)

    def arch(self, index: int) -> tuple[str, ...]:
        return self._archs[index]

    def index(self, arch: tuple[str, ...]) -> int:
        return self._index[tuple(arch)]

    def key(self, arch: tuple[str, ...]) -> str:
        return "-".join(arch)

    def sample(self, rng: np.random.Generator, n: int) -> list[int]:
        return [int(i) for i in rng.choice(len(self), size=n, replace=False)]

    def neighbours(self, index: int) -> list[int]:
        arch = self._archs[index]
        return [
            self._index[(*arch[:e], op, *arch[e + 1 :])] for e in range(EDGES) for op in OPS if op != arch[e]
        ]

    def mutate(self, index: int, rng: np.random.Generator) -> int:
        choices = self.neighbours(index)
        return choices[int(rng.integers(len(choices)))]

    def dead_ops(self, index: int) -> int:
        return 0

    def canonical(self, index: int) -> int:
        return index

    def canonical_indices(self) -> np.ndarray:
        return np.array([self.canonical(i) for i in range(len(self))])

    def build(self, index: int, num_classes: int):
        raise NotImplementedError("the fake space has no networks")


def fake_valid(space: FakeSpace) -> np.ndarray:
    """Validation accuracy (%): additive in the ops (edge e weighted (e + 1) / 2) plus small noise."""
    noise = np.random.default_rng(3).uniform(0, 0.5, len(space))
    gains = [sum(GAIN[op] * (e + 1) / 2 for e, op in enumerate(space.arch(i))) for i in range(len(space))]
    return 60.0 + np.array(gains) + noise


class FakeTruth:
    """Ground truth for :class:`FakeSpace` on two datasets; test accuracy = valid + ``test_offset``."""

    space = "fake"

    def __init__(self, space: FakeSpace, test_offset: float = 10.0) -> None:
        self._space = space
        self._valid = fake_valid(space)
        self._offset = test_offset

    def datasets(self) -> tuple[str, ...]:
        return ("fake10", "fake100")

    def frame(self, dataset: str) -> pd.DataFrame:
        valid = self._valid if dataset == "fake10" else self._valid - 20.0
        codes = np.array([sum(op == "c" for op in self._space.arch(i)) for i in range(len(self._space))])
        return pd.DataFrame(
            {
                "arch_str": [self._space.key(self._space.arch(i)) for i in range(len(self._space))],
                "test_acc_200ep": valid + self._offset,
                "valid_acc_12ep": valid,
                "train_seconds_12ep": 100.0 + 20.0 * codes + np.arange(len(self._space)),
            },
            index=pd.RangeIndex(len(self._space), name="arch_index"),
        )


def fake_scores(space: FakeSpace) -> TableScores:
    """``good`` (noisy valid, higher better), ``bad_low`` (−valid, lower better), ``ntk_trace`` (10 ×
    valid), ``ntk_condnum`` (positive, uninformative); compute costs 1 s / 2 s / 0.5 s / 0.25 s per arch.
    For the HNAS variants: ``grad_norm`` (valid / 10), ``snip`` (valid), ``grasp`` (signed, centred valid),
    0.1 s each."""
    valid = fake_valid(space)
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(
        {
            "good": valid + rng.normal(0, 0.3, len(space)),
            "good_seconds": 1.0,
            "bad_low": -valid,
            "bad_low_seconds": 2.0,
            "ntk_trace": 10.0 * valid,
            "ntk_trace_seconds": 0.5,
            "ntk_condnum": rng.uniform(10.0, 100.0, len(space)),
            "ntk_condnum_seconds": 0.25,
            "grad_norm": valid / 10.0,
            "snip": valid,
            "grasp": valid - valid.mean(),
            **{f"{name}_seconds": 0.1 for name in ("grad_norm", "snip", "grasp")},
        },
        index=pd.RangeIndex(len(space), name="arch_index"),
    )
    directions = {"good": True, "bad_low": False, "ntk_trace": True, "ntk_condnum": False}
    return TableScores(frame, directions | {"grad_norm": True, "snip": True, "grasp": False})


def rank_of(space: FakeSpace, index: int) -> int:
    """0 for the best arch by validation accuracy, 1 for the second, ..."""
    valid = fake_valid(space)
    return int((valid > valid[index]).sum())


def open_fake(root: Path, source: str) -> tuple[FakeSpace, FakeTruth]:
    """The :data:`FAKE_SPEC` opener: a fresh space and ground truth (``root`` and ``source`` unused)."""
    space = FakeSpace()
    return space, FakeTruth(space)


FAKE_COLUMNS = SearchColumns(signal="valid_acc_12ep", cost="train_seconds_12ep", final="test_acc_200ep")
"""The fake benchmark's search columns (NB201's names), on both datasets."""
FAKE_SPEC = BenchmarkSpec(
    name="fake",
    datasets=("fake10", "fake100"),
    sources=("synthetic",),
    default_target="test_acc_200ep",
    open=open_fake,
    images={"fake10": None, "fake100": None},
    description="27 synthetic architectures with an additive accuracy landscape (tests only)",
    search={"fake10": FAKE_COLUMNS, "fake100": FAKE_COLUMNS},
)


def fill_score_cache(
    cache_root: Path, setup: ScoringSetup, values: pd.DataFrame, versions: dict[str, int]
) -> None:
    """Write ``values`` (indexed by ``arch_index``, one column per metric) into the score cache of ``setup``
    under ``cache_root`` as if they had been computed (``versions``: each metric's registry version), and
    compact it into the cache's table."""
    store = ScoreStore(cache_root, setup)
    rows = [
        {
            "arch_index": int(index),
            "metric": name,
            "version": versions[name],
            "value": float(values.at[index, name]),
            "seconds": 0.5,
            "error": "",
            "device": "cpu",
        }
        for index in values.index
        for name in values.columns
    ]
    with store.journal(0) as append:
        append(rows)
    store.compact()
