"""How much does each metric's Spearman move when NAS-Bench-Suite-Zero's NB201 ground truth replaces ours?

The command line of :func:`bench.apps.analyses.target_sensitivity_table`: reads a NB201 ``bench correlate``
folder's ``scores.parquet`` (and those of ``--join`` folders over the same architectures) and writes
``target_sensitivity.csv`` beside it: per metric, ρ against the run's target (default ``test_acc_200ep``) and
against NASLib's shipped validation accuracy, and their difference with a 95% paired-bootstrap interval. On
CIFAR-10 the second target comes from the ``cifar10-valid`` training run (25,000 training images, one seed),
whose test accuracy published CIFAR-10 numbers such as Abdelfattah et al.'s and GradSign's correlate with; ours
is the ``cifar10`` run's (all 50,000 images, mean over seeds).

Usage: ``.venv/bin/python scripts/target_sensitivity.py results/correlate/nb201_cifar10_sample1000
[--join FOLDER ...] [--dataset cifar10] [--target test_acc_200ep] [--bootstrap 1000]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.apps.analyses import target_sensitivity_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a NB201 bench correlate output folder holding scores.parquet")
    parser.add_argument(
        "--dataset", default=None, help="default: read from the folder name nb201_<dataset>_..."
    )
    parser.add_argument("--target", default="test_acc_200ep")
    parser.add_argument(
        "--join", type=Path, nargs="*", default=[], help="correlate folders over the same architectures"
    )
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()
    dataset = args.dataset or args.run.name.split("_")[1]
    table = target_sensitivity_table(args.run, dataset, args.target, tuple(args.join), args.bootstrap)
    shown = [
        "metric",
        "n",
        "spearman_target",
        "spearman_nbsz",
        "difference",
        "difference_ci_low",
        "difference_ci_high",
    ]
    print(table[shown].round(3).to_string(index=False))
    print(f"written to {args.run / 'target_sensitivity.csv'}")


if __name__ == "__main__":
    main()
