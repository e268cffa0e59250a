"""Per-architecture agreement of our NB301 scores with NB-Suite-Zero's, for every metric both compute.

Reads our cached scores of the ``nb301`` pool (``results/scores/nb301/cifar10/<setup>/``, the harness
defaults: one fixed CIFAR-10 batch of 64, seed 0; whatever part of the 725 is scored so far) and NB-Suite-Zero's
file, and writes ``results/crosscheck/nb301_vs_nbsz.csv``: per metric, the number of architectures both scored,
the Spearman ρ between our value and theirs, and each one's ρ with NB301's accuracy on those architectures.
Their failures (-1e8) are NaN; their synflow is ln(synflow), which leaves ranks unchanged.

Usage: ``python scripts/crosscheck_nbsz_nb301.py [--cache results/scores] [--batch-size 64]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from bench.core import nbsuitezero
from bench.core.benchmarks import open_benchmark
from bench.core.paths import REPO_ROOT, data_root
from bench.core.scoring import ScoreStore, ScoringOptions, wide_scores
from bench.core.stats import finite_pairs_spearman

SHARED = ("params", "flops", "synflow", "naswot", "grad_norm", "snip", "grasp", "fisher", "jacob_cov")
SHARED += ("plain", "l2_norm", "epe_nas")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=REPO_ROOT / "results/scores")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "results/crosscheck/nb301_vs_nbsz.csv")
    args = parser.parse_args()
    benchmark = open_benchmark("nb301")
    truth = benchmark.truth.frame("cifar10")["valid_acc_100ep"]
    theirs = nbsuitezero.table(data_root(), "nb301", "cifar10")
    setup = ScoringOptions(batch_size=args.batch_size).setup("nb301", "cifar10")
    ours = wide_scores(ScoreStore(args.cache, setup).load(), SHARED)
    rows = []
    for metric in SHARED:
        if metric not in ours.columns:
            continue
        scored = ours[metric].dropna().index.to_numpy()
        rho, n = finite_pairs_spearman(ours.loc[scored, metric], theirs.loc[scored, metric])
        rows.append(
            {
                "metric": metric,
                "n": n,
                "spearman_ours_vs_theirs": rho,
                "ours_vs_accuracy": finite_pairs_spearman(ours.loc[scored, metric], truth.loc[scored])[0],
                "theirs_vs_accuracy": finite_pairs_spearman(theirs.loc[scored, metric], truth.loc[scored])[0],
                "setup_id": setup.setup_id(),
            }
        )
    frame = pd.DataFrame(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
