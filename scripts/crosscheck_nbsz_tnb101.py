"""Per-architecture agreement of our data-free TransNAS-Bench-101 scores with NB-Suite-Zero's, per task.

For every task of ``tnb101_micro`` / ``tnb101_macro`` with a score table under ``results/scores`` (the harness
defaults; inputs of the task's declared shape, no images), reads our cached ``params``, ``flops``, ``l2_norm``
and ``synflow`` (whatever part of the pool is scored so far) and NB-Suite-Zero's file, and writes
``results/crosscheck/tnb101_vs_nbsz.csv``: per space, task and metric, the architectures scored, the share whose
value equals theirs to the file's 6 decimals, the Spearman ρ between our value and theirs, and each one's ρ with
the task's target. Their TransNAS files have no ``synflow``: its rows give ours against the target only.

Usage: ``python scripts/crosscheck_nbsz_tnb101.py [--cache results/scores]``
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd

from bench.core import nbsuitezero
from bench.core.benchmarks import open_benchmark
from bench.core.benchmarks.tnb101.encoding import from_naslib_key
from bench.core.paths import REPO_ROOT, data_root
from bench.core.scoring import ScoreStore, ScoringOptions, wide_scores
from bench.core.stats import finite_pairs_spearman

METRICS = ("params", "flops", "l2_norm", "synflow")


def theirs_by_arch(space_name: str, task: str, index_of) -> pd.DataFrame:
    """NB-Suite-Zero's table of ``task`` re-indexed by our ``arch_index`` (their keys converted to arch strings)."""
    theirs = nbsuitezero.table(data_root(), space_name, task)
    kind = space_name.removeprefix("tnb101_")
    return theirs.set_index(pd.Index([index_of(from_naslib_key(k, kind)) for k in theirs["key"]]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=REPO_ROOT / "results/scores")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "results/crosscheck/tnb101_vs_nbsz.csv")
    args = parser.parse_args()
    rows = []
    for space_name in ("tnb101_micro", "tnb101_macro"):
        benchmark = open_benchmark(space_name)
        for task in benchmark.spec.datasets:
            setup = ScoringOptions().setup(space_name, task)
            if not (args.cache / space_name / task / setup.setup_id()).exists():
                continue
            ours = wide_scores(ScoreStore(args.cache, setup).load(), METRICS)
            truth = benchmark.truth.frame(task)[nbsuitezero.target_name(space_name, task)]
            theirs = theirs_by_arch(space_name, task, benchmark.space.index)
            for metric in METRICS:
                if metric not in ours.columns:
                    continue
                scored = ours[metric].dropna().index.intersection(truth.index).to_numpy()
                mine = ours.loc[scored, metric]
                other = (
                    theirs[metric].reindex(scored) if metric in theirs.columns else pd.Series(np.nan, scored)
                )
                both = other.notna()
                rows.append(
                    {
                        "space": space_name,
                        "task": task,
                        "metric": metric,
                        "n": len(scored),
                        "equal_6_decimals": float((mine[both].round(6) == other[both]).mean())
                        if both.any()
                        else math.nan,
                        "spearman_ours_vs_theirs": finite_pairs_spearman(mine, other)[0],
                        "ours_vs_target": finite_pairs_spearman(mine, truth.loc[scored])[0],
                        "theirs_vs_target": finite_pairs_spearman(other, truth.loc[scored])[0],
                        "target": truth.name,
                        "setup_id": setup.setup_id(),
                    }
                )
    frame = pd.DataFrame(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
