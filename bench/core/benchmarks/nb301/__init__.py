"""NAS-Bench-301 (Siems et al., 2020): the DARTS space, its network and NB-Suite-Zero's 725 architectures.

Registers ``nb301``: the 725 CIFAR-10 architectures of NAS-Bench-Suite-Zero's NB301 file with NB301's
validation accuracy, built as NB-Suite-Zero built them (:data:`~.network.NB_SUITE_ZERO`), scored on CIFAR-10
images.
"""

from __future__ import annotations

from pathlib import Path

from bench.core.benchmarks.registry import BenchmarkSpec, SearchColumns, register_benchmark
from bench.core.groundtruth import GroundTruth
from bench.core.space import Space

DATASETS = ("cifar10",)


def open_nb301(root: Path, source: str) -> tuple[Space, GroundTruth]:
    """The NB301 pool and its ground truth from NB-Suite-Zero's file under ``root``."""
    from bench.core.benchmarks.nb301.groundtruth import NB301GroundTruth
    from bench.core.benchmarks.nb301.space import NB301Space

    truth = NB301GroundTruth(root)
    return NB301Space(truth.arch_strs()), truth


register_benchmark(
    BenchmarkSpec(
        name="nb301",
        datasets=DATASETS,
        sources=("nb-suite-zero",),
        default_target="valid_acc_100ep",
        open=open_nb301,
        images={"cifar10": "cifar10"},
        description="NAS-Bench-301 (DARTS space): NB-Suite-Zero's 725 CIFAR-10 architectures, NB301 accuracy",
        # a query returns NB301's validation accuracy, which is also what is reported (no test value, no
        # training time in the file: searches are budgeted in queries), over the pool of the 725
        search={"cifar10": SearchColumns("valid_acc_100ep", None, "valid_acc_100ep", pool=True)},
    )
)
