"""TransNAS-Bench-101 ground truth from NB-Suite-Zero's files: one frame per task over the space's pool.

Per task the frame (indexed by ``arch_index`` of :class:`~bench.core.benchmarks.tnb101.space.TNB101Space`)
has ``arch_str`` (official string), the task's validation metric under the name of
:data:`bench.core.nbsuitezero.TNB101_TARGETS` (``valid_top1_acc``, ``valid_neg_l2_loss``, ``valid_pixel_acc``
or ``valid_ssim``; higher is better) and ``params_M`` (NB-Suite-Zero's ``params`` of the task's network,
millions). Architectures of the pool the task does not cover are left out of its frame.
:meth:`TNB101GroundTruth.proxy_table` serves the file's proxy scores per task by ``arch_index`` (the files
record no proxy times), a score source for searches.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bench.core import nbsuitezero
from bench.core.benchmarks.registry import benchmark_spec
from bench.core.benchmarks.tnb101.encoding import from_naslib_key


class TNB101GroundTruth:
    """Ground truth of ``tnb101_micro`` or ``tnb101_macro`` (``kind``) read under the data root."""

    def __init__(self, root: Path, kind: str) -> None:
        self.space = f"tnb101_{kind}"
        self._frames: dict[str, pd.DataFrame] = {}
        self._proxies: dict[str, pd.DataFrame] = {}
        order: dict[str, int] = {}
        for task in nbsuitezero.tasks(root, self.space):
            table = nbsuitezero.table(root, self.space, task)
            arch_strs = [from_naslib_key(key, kind) for key in table["key"]]
            for arch_str in arch_strs:
                order.setdefault(arch_str, len(order))
            frame = pd.DataFrame(
                {
                    "arch_str": arch_strs,
                    nbsuitezero.target_name(self.space, task): table["val_accuracy"],
                    "params_M": table["params"],
                }
            )
            self._frames[task] = frame
            self._proxies[task] = table[nbsuitezero.proxy_names(table)]
        self._order = list(order)
        for task, frame in self._frames.items():
            index = pd.Index([order[s] for s in frame["arch_str"]], name="arch_index")
            self._frames[task] = frame.set_index(index).sort_index()
            self._proxies[task] = self._proxies[task].set_axis(index).sort_index()

    def datasets(self) -> tuple[str, ...]:
        return tuple(self._frames)

    def arch_strs(self) -> list[str]:
        """The pool: every architecture of any task, in order of first appearance in the file."""
        return list(self._order)

    def proxy_table(self, dataset: str) -> pd.DataFrame:
        """NB-Suite-Zero's proxy scores on task ``dataset`` (our metric names, NaN where a proxy failed), indexed
        by ``arch_index`` like :meth:`frame`; no seconds columns (their TransNAS files record none)."""
        benchmark_spec(self.space).check_dataset(dataset)
        return self._proxies[dataset].copy()

    def frame(self, dataset: str) -> pd.DataFrame:
        benchmark_spec(self.space).check_dataset(dataset)
        return self._frames[dataset].copy()
