"""How far do batch and initialisation alone move our NB301 scores? The yardstick for ρ(ours, NB-Suite-Zero).

Rescores the first ``--archs`` architectures of the 725 (``nb301``, CIFAR-10) under other scoring setups into
a scratch cache (default ``/tmp/nb301_protocol_cache``, so no setup is added to the committed cache):

* ``seed1``: our protocol with ``scoring.seed=1`` (another fixed batch of 64, other initialisations);
* ``naslib_like``: NASLib's batch protocol as the harness states it (batch 32, a fresh batch per
  architecture; NASLib's ``zc_config.yaml`` and ``predictive.find_measures`` with ``dataload='random'``). Its
  ``scoring.seed`` stays 0, so every network has the committed setup's initialisation: only the batch changes.

and writes ``results/crosscheck/nb301_protocol_noise.csv``: per setup and metric, the Spearman ρ of the
rescored values with our committed ones (setup ``f4cbadc102b0``: batch 64, seed 0) and with NB-Suite-Zero's,
and ρ(committed, NB-Suite-Zero) on the same architectures. If ρ(seed1, committed) is as low as
ρ(committed, NB-Suite-Zero), the disagreement with NB-Suite-Zero is the metric's own sensitivity to the batch
and the initialisation on this pool, not an implementation difference.

Usage: ``python scripts/nb301_protocol_noise.py [--archs 40] [--metrics grad_norm snip]
[--cache /tmp/nb301_protocol_cache] [--threads 1]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import torch

from bench.core import nbsuitezero
from bench.core.benchmarks import open_benchmark
from bench.core.paths import REPO_ROOT, data_root
from bench.core.scoring import ScoreStore, ScoringOptions, wide_scores
from bench.core.stats import finite_pairs_spearman

SETUPS = {
    "seed1": ScoringOptions(seed=1, device="cpu"),
    "naslib_like": ScoringOptions(batch_size=32, per_arch_batch=True, device="cpu"),
}
"""The rescoring setups, by label."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", type=int, default=40, help="score architectures 0 .. archs-1")
    parser.add_argument("--metrics", nargs="+", default=["grad_norm", "snip"])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/nb301_protocol_cache"))
    parser.add_argument("--committed", type=Path, default=REPO_ROOT / "results/scores")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "results/crosscheck/nb301_protocol_noise.csv")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    benchmark = open_benchmark("nb301")
    indices = list(range(args.archs))
    theirs = nbsuitezero.table(data_root(), "nb301", "cifar10").loc[indices]
    committed_setup = ScoringOptions().setup("nb301", "cifar10")
    committed = wide_scores(ScoreStore(args.committed, committed_setup).load(), args.metrics)
    rows = []
    for label, options in SETUPS.items():
        engine = options.engine(benchmark.space, "cifar10", args.cache, data_root(), progress=False)
        engine.ensure(indices, args.metrics)
        rescored = wide_scores(engine.store.load(), args.metrics)
        for metric in args.metrics:
            ours = committed[metric].reindex(indices)
            again = rescored[metric].reindex(indices)
            rows.append(
                {
                    "setup": label,
                    "setup_id": engine.setup.setup_id(),
                    "metric": metric,
                    "n": int(again.notna().sum()),
                    "rescored_vs_committed": finite_pairs_spearman(again, ours)[0],
                    "rescored_vs_nbsz": finite_pairs_spearman(again, theirs[metric])[0],
                    "committed_vs_nbsz": finite_pairs_spearman(ours, theirs[metric])[0],
                }
            )
    frame = pd.DataFrame(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
