"""Which DARTS cell SWAP's official one-cell protocol sees, and why it ranks NB301 poorly (not a test; an analysis).

SWAP's official DARTS-space script scores a genotype on ``Network(3, 10, 1, genotype)``: one cell, which DARTS's
reduction rule makes a reduction cell, so only the genotype's reduction cell is ever built (space
``nb301_swap_darts``, ``docs/benchmarks.md``). In the script's own 1,000 genotypes the normal and reduction cells are
the same; in NAS-Bench-301's 725 they differ, and the normal cell is 6 of the 8 cells of the network NB301 trained.

For each of the 725, this writes to ``--out`` NB301's accuracy, the committed ``nb301_swap_darts`` score (the
reduction cell; ``results/correlate/nb301_cifar10_swap_darts/scores.parquet``, ``make corr-nb301-swap-darts``), SWAP
on the same one-cell network built from the normal cell instead (computed here: the metric of the registry, its
settings, the preset's seeded batch of 16 and probe seed), and the number of conv ops of each cell; it prints the
Spearman correlations (the normal cell's SWAP is scored on the probe the preset gives the genotype, so with the
same batch and seed). With ``--official <SWAP checkout>`` it also runs the official code alone on the first
``--official-archs`` genotypes of the checkout's own ``datasets/DARTS_archs_CIFAR10.csv`` (their network,
``SWAP`` class and ``correlation.py``'s loop, ``net.apply`` re-initialisation, 32 repeats, torch seeded 0 before
each genotype, the same 16 images: their CSV holds genotypes with ``none`` ops, which our NB301 network does not
build) and prints the Spearman with that file's accuracy and the spread of both accuracy columns.
Nothing from their file is written.

Usage: ``.venv/bin/python scripts/nb301_swap_cells.py --out results/crosscheck/nb301_swap_cells.csv
[--official /tmp/SWAP --official-archs 400 [--official-only --threads 1]]``. Run the official part alone on one
thread on a busy machine: two threads beside other jobs slowed it more than fivefold here.
"""

from __future__ import annotations

import argparse
import ast
import statistics
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from crosscheck_swap import SEED, SETTINGS, load_official, official_counts, official_network
from scipy import stats

from bench.core.batches import load_batch
from bench.core.benchmarks import open_benchmark
from bench.core.benchmarks.nb301.genotype import OPS
from bench.core.benchmarks.nb301.network import SWAP_DARTS, DartsNetwork
from bench.core.paths import data_root
from bench.core.scoring import ScoringOptions
from metrics import registry
from metrics.probe import Probe

COMMITTED = Path("results/correlate/nb301_cifar10_swap_darts/scores.parquet")
CONV_OPS = ("sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")


def conv_ops(cell: tuple[tuple[int, int], ...]) -> int:
    """Edges of a cell (NB301's compact form, ``(input, op index)``) whose op is a convolution."""
    return sum(OPS[op] in CONV_OPS for _, op in cell)


def cell_table(root: Path) -> pd.DataFrame:
    """One row per NB301 genotype: accuracy, SWAP of the reduction cell (committed) and of the normal cell, each
    under the preset's probe (same batch of 16, same per-architecture seed). ``SystemExit`` if recomputing the
    committed value of the first genotype does not give it back (another setup than the preset's)."""
    benchmark = open_benchmark("nb301_swap_darts", root)
    space, frame = benchmark.space, benchmark.truth.frame("cifar10")
    committed = pd.read_parquet(COMMITTED).set_index("arch_index")["swap"]
    options = ScoringOptions(device="cpu", batch_size=SETTINGS.samples)
    rows = []
    with tempfile.TemporaryDirectory() as no_cache:
        engine = options.engine(space, "cifar10", Path(no_cache), root, progress=False)
        check = registry.evaluate(["swap"], engine.probe(0))["swap"].value
        if check != committed.loc[0]:
            raise SystemExit(
                f"genotype 0: recomputed {check}, committed {committed.loc[0]}: not the preset's setup"
            )
        for index in range(len(space)):
            normal, reduce = space.arch(index)
            probe = engine.probe(index)
            normal_net = DartsNetwork((normal, normal), 10, SWAP_DARTS)
            normal_probe = Probe(normal_net, probe.batch, seed=probe.seed)
            rows.append(
                {
                    "arch_index": index,
                    "valid_acc_100ep": float(frame["valid_acc_100ep"].iloc[index]),
                    "swap_reduction_cell": float(committed.loc[index]),
                    "swap_normal_cell": registry.evaluate(["swap"], normal_probe)["swap"].value,
                    "reduction_convs": conv_ops(reduce),
                    "normal_convs": conv_ops(normal),
                }
            )
    return pd.DataFrame(rows)


def official_csv_spearman(checkout: Path, archs: int, images: torch.Tensor) -> None:
    """Print the official code's SWAP-accuracy Spearman on the first ``archs`` rows of its own DARTS CSV."""
    official = load_official(checkout)
    info = pd.read_csv(checkout / "datasets" / "DARTS_archs_CIFAR10.csv", names=["genotype", "valid_acc"])
    scores = []
    for text in info["genotype"].head(archs):
        net = official_network(official, *_genotype_fields(text))
        scores.append(statistics.fmean(official_counts(official, net, images, script_init=True, seed=SEED)))
    accuracy = info["valid_acc"].head(archs).to_numpy(dtype=float)
    rho = stats.spearmanr(scores, accuracy)[0]
    print(
        f"official code on its own DARTS CSV, first {archs}: Spearman {rho:.3f}; accuracy sd {accuracy.std(ddof=1):.2f} "
        f"(min {accuracy.min():.2f}, median {np.median(accuracy):.2f}, max {accuracy.max():.2f})"
    )


def _genotype_fields(text: str) -> tuple[list, list, list, list]:
    """The four fields of a ``Genotype(normal=[...], normal_concat=[...], reduce=[...], reduce_concat=[...])`` text,
    read as Python literals (no ``eval``)."""
    call = ast.parse(text, mode="eval").body
    if not isinstance(call, ast.Call) or {k.arg for k in call.keywords} != {
        "normal",
        "normal_concat",
        "reduce",
        "reduce_concat",
    }:
        raise ValueError(f"not a DARTS Genotype(...) text: {text[:60]!r}")
    fields = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    return fields["normal"], fields["normal_concat"], fields["reduce"], fields["reduce_concat"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data-root", type=Path, default=None)
    parser.add_argument("--official", type=Path, default=None, help="a checkout of pym1024/SWAP")
    parser.add_argument("--official-archs", type=int, default=400)
    parser.add_argument(
        "--official-only",
        action="store_true",
        help="read the cell table from --out (written by an earlier run) and run only the official part",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=torch.get_num_threads(),
        help="torch threads (default: torch's, as `make corr-nb301-swap-darts` ran; another count moves "
        "convolution round-off, so a near-zero ReLU input can flip and the committed values are not given back)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    root = args.data_root if args.data_root is not None else data_root()
    if args.official_only:
        table = pd.read_csv(args.out)
    else:
        table = cell_table(root)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out, index=False, float_format="%.10g")
    accuracy = table["valid_acc_100ep"]
    for column in ("swap_reduction_cell", "swap_normal_cell", "reduction_convs", "normal_convs"):
        print(f"Spearman({column}, NB301 accuracy) {stats.spearmanr(table[column], accuracy)[0]:.3f}")
    rho = stats.spearmanr(table["swap_reduction_cell"], table["reduction_convs"])[0]
    print(f"Spearman(swap_reduction_cell, reduction_convs) {rho:.3f}; NB301 accuracy sd {accuracy.std():.2f}")
    if args.official is not None:
        images = load_batch("cifar10", root, SETTINGS.samples, seed=SEED).images
        official_csv_spearman(args.official, args.official_archs, images.contiguous())


if __name__ == "__main__":
    main()
