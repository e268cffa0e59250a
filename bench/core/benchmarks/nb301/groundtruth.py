"""NAS-Bench-301 ground truth for the 725 architectures of NAS-Bench-Suite-Zero's NB301 file.

The frame (indexed by ``arch_index``, the file's order) has:

* ``arch_str``: the NASLib compact genotype (:mod:`bench.core.benchmarks.nb301.genotype`);
* ``valid_acc_100ep``: NAS-Bench-301's CIFAR-10 validation accuracy (%) of the 100-epoch training pipeline,
  as NB-Suite-Zero recorded it (``val_accuracy``; NASLib queries NB301's surrogate model for it). Higher is
  better;
* ``params_M``: NB-Suite-Zero's ``params`` (millions), equal to the count of this project's network under
  :data:`~bench.core.benchmarks.nb301.network.NB_SUITE_ZERO` on all 725 (``results/crosscheck/nb301_params.csv``).

No training-time column: the file records none. :meth:`NB301GroundTruth.proxy_table` serves the file's proxy
scores (NB-Suite-Zero's, with their seconds) by ``arch_index``, a score source for searches.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bench.core import nbsuitezero
from bench.core.benchmarks.registry import benchmark_spec


class NB301GroundTruth:
    """NB301 ground truth read from NB-Suite-Zero's file under the data root."""

    space = "nb301"

    def __init__(self, root: Path) -> None:
        self.path = nbsuitezero.file_path(root, "nb301")
        table = nbsuitezero.table(root, "nb301", "cifar10")
        self._frame = pd.DataFrame(
            {
                "arch_str": table["key"],
                "valid_acc_100ep": table["val_accuracy"],
                "params_M": table["params"],
            }
        ).rename_axis("arch_index")
        proxies = nbsuitezero.proxy_names(table)
        seconds = [f"{p}_seconds" for p in proxies if f"{p}_seconds" in table]
        self._proxies = table[proxies + seconds].rename_axis("arch_index")

    def datasets(self) -> tuple[str, ...]:
        return ("cifar10",)

    def arch_strs(self) -> list[str]:
        """Compact genotypes in file order."""
        return self._frame["arch_str"].tolist()

    def proxy_table(self, dataset: str) -> pd.DataFrame:
        """NB-Suite-Zero's proxy scores (our metric names, :func:`bench.core.nbsuitezero.table`) and their
        ``<proxy>_seconds``, indexed by ``arch_index``."""
        benchmark_spec("nb301").check_dataset(dataset)
        return self._proxies.copy()

    def frame(self, dataset: str) -> pd.DataFrame:
        benchmark_spec("nb301").check_dataset(dataset)
        return self._frame.copy()
