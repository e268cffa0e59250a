"""Spearman within strata of the number of conv ops (GRAF's finding), for a finished correlation run.

The command line of :func:`bench.apps.analyses.conv_strata_table`: reads a ``bench correlate`` folder's
``scores.parquet`` and the ground truth, and writes ``conv_strata.csv`` beside it: one row per metric and stratum
(``n_convs`` value; on NB201 the network has ``7 + 15 c`` Conv2d modules for ``c`` conv ops per cell, ``all`` for
the whole run) with ``n`` and ``spearman``; prints the metric × stratum grid. Every metric and aggregate the folder
ranked counts, and with ``--join`` those of other correlate folders over the same architectures (one table for
the presets that share a sample).

Usage: ``.venv/bin/python scripts/conv_strata.py results/correlate/nb201_cifar100_abdelfattah2021
--strata-from results/correlate/nb201_cifar10_abdelfattah2021 [--dataset cifar100] [--target test_acc_200ep]
[--join FOLDER ...]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.apps.analyses import conv_strata_table
from bench.core.strata import wide


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a bench correlate output folder holding scores.parquet")
    parser.add_argument("--strata-from", type=Path, default=None, help="a folder whose scores hold n_convs")
    parser.add_argument("--space", default="nb201")
    parser.add_argument(
        "--dataset", default=None, help="default: read from the folder name nb201_<dataset>_..."
    )
    parser.add_argument("--target", default="test_acc_200ep")
    parser.add_argument(
        "--join", type=Path, nargs="*", default=[], help="correlate folders over the same architectures"
    )
    args = parser.parse_args()
    dataset = args.dataset or args.run.name.split("_")[1]
    table = conv_strata_table(args.run, args.space, dataset, args.target, args.strata_from, tuple(args.join))
    print(table.groupby("stratum", sort=False)["n"].max().to_string())
    print(wide(table).round(3).to_string())


if __name__ == "__main__":
    main()
