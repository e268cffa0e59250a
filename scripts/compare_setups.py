"""How much does a change of scoring setup move each metric's Spearman? A paired comparison of two runs.

The command line of :func:`bench.apps.analyses.compare_setups`: reads the ``scores.parquet`` of two
``python -m bench correlate`` output folders that scored the same architectures under different settings
(e.g. one fixed batch vs a fresh batch per architecture) and writes, per metric present in both, ρ of each
run against the ground truth, their difference ρ(second) − ρ(first) with a 95% paired-bootstrap interval and
``scores_spearman`` (:func:`bench.core.setup_differences.setup_differences`) to
``<second>/paired_vs_<first folder name>.csv``.

Usage: ``.venv/bin/python scripts/compare_setups.py FIRST_DIR SECOND_DIR [--space nb201] [--dataset cifar10]
[--target test_acc_200ep] [--bootstrap 1000]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.apps.analyses import compare_setups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--space", default="nb201")
    parser.add_argument("--dataset", default="cifar10")
    parser.add_argument("--target", default=None, help="ground-truth column (default: the space's)")
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()
    table, out = compare_setups(
        args.first, args.second, args.space, args.dataset, args.target, args.bootstrap
    )
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
