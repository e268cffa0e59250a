"""NAS-Bench-301 (Siems et al., 2020): the DARTS space, its network and NB-Suite-Zero's 725 architectures.

Registers ``nb301``: the 725 CIFAR-10 architectures of NAS-Bench-Suite-Zero's NB301 file with NB301's
validation accuracy, built as NB-Suite-Zero built them (:data:`~.network.NB_SUITE_ZERO`), scored on CIFAR-10
images.

Also registers ``nb301_hnas_darts``: the same pool and ground truth, built as HNAS's DARTS search builds the
networks it scores (:data:`~.network.HNAS_DARTS`: C = 16, 5 cells); its scores are cached apart from ``nb301``.
And ``nb301_swap_darts``: the same pool built as SWAP's official DARTS script builds the networks it scores
(:data:`~.network.SWAP_DARTS`: no stem, C = 3, one reduction cell), cached apart too.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from bench.core.benchmarks.registry import BenchmarkSpec, SearchColumns, register_benchmark
from bench.core.groundtruth import GroundTruth
from bench.core.space import Space

DATASETS = ("cifar10",)
SEARCH = {"cifar10": SearchColumns("valid_acc_100ep", None, "valid_acc_100ep", pool=True)}
"""A query returns NB301's validation accuracy, which is also what is reported (no test value, no training time
in the file: searches are budgeted in queries), over the pool of the 725."""


def open_nb301(root: Path, source: str, *, config_name: str, name: str) -> tuple[Space, GroundTruth]:
    """The NB301 pool (networks built with the :data:`~.network.CONFIGS` entry ``config_name``, space registry
    name ``name``) and its ground truth from NB-Suite-Zero's file under ``root``."""
    from bench.core.benchmarks.nb301.groundtruth import NB301GroundTruth
    from bench.core.benchmarks.nb301.network import CONFIGS
    from bench.core.benchmarks.nb301.space import NB301Space

    truth = NB301GroundTruth(root)
    return NB301Space(truth.arch_strs(), CONFIGS[config_name], name), truth


def register_nb301_variant(name: str, config_name: str, description: str) -> None:
    """Register the NB301 pool and ground truth as benchmark ``name``, its networks built with the
    :data:`~.network.CONFIGS` entry ``config_name``; ``description`` says how (a line of ``bench list``)."""
    register_benchmark(
        BenchmarkSpec(
            name=name,
            datasets=DATASETS,
            sources=("nb-suite-zero",),
            default_target="valid_acc_100ep",
            open=partial(open_nb301, config_name=config_name, name=name),
            images={"cifar10": "cifar10"},
            description=description,
            search=SEARCH,
        )
    )


register_nb301_variant(
    "nb301",
    "nb-suite-zero",
    "NAS-Bench-301 (DARTS space): NB-Suite-Zero's 725 CIFAR-10 architectures, NB301 accuracy",
)
register_nb301_variant(
    "nb301_hnas_darts",
    "hnas-darts",
    "NAS-Bench-301 pool built as HNAS's DARTS search scores it (C=16, 5 cells), NB301 accuracy",
)
register_nb301_variant(
    "nb301_swap_darts",
    "swap-darts",
    "NAS-Bench-301 pool built as SWAP's official DARTS script scores it (no stem, C=3, 1 cell)",
)
