"""How complete each score table under ``results/scores/<space>/`` is, metric by metric.

A class-invariant metric is complete when every functional class's representative has a score; any
other metric (on a space whose classes hold dead operations) when every architecture has its own.
Counts include the journals of runs in progress, so this is also the progress of background scoring.

Usage: ``.venv/bin/python scripts/score_coverage.py [--space nb201] [--cache results/scores]``
prints one table per scoring setup (batch, data, seeds, ...): ``scored/needed`` per metric (rows) and
dataset (columns).
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from bench.core.benchmarks import open_benchmark
from bench.core.scoring import SETUP_FILE, ScoreStore, ScoringSetup, shares_class_score
from bench.core.space import Space
from metrics import registry


def coverage(store: ScoreStore, space: Space) -> pd.Series:
    """``scored/needed`` per registered metric for one score store of ``space``."""
    classes = space.canonical_indices()
    scored = store.load().groupby("metric")["arch_index"].apply(set)
    representatives = set(np.unique(classes).tolist())
    counts = {}
    for name in registry.names():
        have = scored.get(name, set())
        if shares_class_score(space, name):
            counts[name] = f"{len(have & representatives)}/{len(representatives)}"
        else:
            counts[name] = f"{len(have)}/{len(classes)}"
    return pd.Series(counts, name=store.setup.dataset)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", default="nb201", help="benchmark space (nb201, nb101)")
    parser.add_argument("--cache", type=Path, default=Path("results/scores"), help="score cache root")
    args = parser.parse_args()
    space = open_benchmark(args.space).space
    tables: dict[str, list[pd.Series]] = {}
    for meta in sorted((args.cache / args.space).glob(f"*/*/{SETUP_FILE}")):
        setup = ScoringSetup.read(meta.parent)
        store = ScoreStore(args.cache, setup)
        fields = dataclasses.asdict(setup)
        label = ", ".join(f"{k}={v}" for k, v in fields.items() if k not in ("space", "dataset"))
        tables.setdefault(label, []).append(coverage(store, space))
    for label, columns in tables.items():
        print(f"\n{label}:")
        print(pd.concat(columns, axis=1).to_string())


if __name__ == "__main__":
    main()
