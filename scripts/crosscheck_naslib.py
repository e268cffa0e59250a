"""Cross-check our metrics against NAS-Bench-Suite-Zero's NB201 CIFAR-10 scores (Spearman per metric).

Scores the cifar10 architectures of ``<data_root>/nb201/nb201_naslib_zc_subset.csv.gz`` with our
implementations on real CIFAR-10 batches (the 960-image ``npz`` pool) and writes:

* ``results/crosscheck/naslib_nb201_cifar10.csv``: per metric, the Spearman ρ between our value
  and NB-Suite-Zero's, and each one's ρ with NB-Suite-Zero's validation accuracy;
* ``results/crosscheck/naslib_nb201_cifar10_scores.csv``: our per-architecture values (NASLib's are
  not copied; they stay in the data root).

Protocol, as close to NB-Suite-Zero as the harness allows: batch size 32 (NASLib ``zc_config.yaml``),
a fresh random batch and a fresh PyTorch-default initialisation per architecture (seeded by the arch
index, so reruns are identical), BN in train mode. NB-Suite-Zero's failures (stored as -1e8) and our
NaNs are left out of each correlation. Their synflow is ln(synflow); ranks are unaffected.

Usage: ``.venv/bin/python scripts/crosscheck_naslib.py [--limit N] [--batch-size 32]``.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import spearmanr

from bench.batches import load_batch
from bench.networks.nb201 import NB201Network
from bench.paths import REPO_ROOT, data_root
from bench.spaces.nb201 import parse
from metrics import registry
from metrics.probe import Probe

log = logging.getLogger("crosscheck_naslib")

# our metric → NB-Suite-Zero column
PAIRS = {
    "grad_norm": "grad_norm",
    "snip": "snip",
    "grasp": "grasp",
    "fisher": "fisher",
    "plain": "plain",
    "l2_norm": "l2_norm",
    "jacob_cov": "jacov",
    "synflow": "synflow",
    "synflow_log": "synflow",
    "params": "params",
    "flops": "flops",
    "naswot": "nwot",
}
NASLIB_FAILURE = -1e8
OUT_DIR = REPO_ROOT / "results" / "crosscheck"


def score(rows: pd.DataFrame, names: list[str], root: Path, batch_size: int) -> pd.DataFrame:
    """One row per architecture: arch_index and our value of every metric in ``names``."""
    records = []
    start = time.perf_counter()
    for count, row in enumerate(rows.itertuples(index=False), start=1):
        seed = int(row.arch_index)
        batch = load_batch("cifar10", root, batch_size=batch_size, seed=seed)
        torch.manual_seed(seed)
        net = NB201Network(parse(row.arch_str), batch.num_classes)
        results = registry.evaluate(names, Probe(net, batch, seed=seed))
        records.append({"arch_index": seed, **{name: results[name].value for name in names}})
        if count % 25 == 0:
            log.info("%d/%d archs, %.1f s/arch", count, len(rows), (time.perf_counter() - start) / count)
    return pd.DataFrame.from_records(records)


def spearman(a: pd.Series, b: pd.Series) -> tuple[float, int]:
    """Spearman ρ over the rows where both are finite; (ρ, number of rows used)."""
    keep = np.isfinite(a.to_numpy(float)) & np.isfinite(b.to_numpy(float))
    if keep.sum() < 3:
        return float("nan"), int(keep.sum())
    return float(spearmanr(a[keep], b[keep]).statistic), int(keep.sum())


def summarise(merged: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Per metric: ρ(ours, theirs), ρ(ours, val acc), ρ(theirs, val acc) and NaN counts."""
    rows = []
    for name in names:
        theirs = merged[f"naslib_{PAIRS[name]}"].where(merged[f"naslib_{PAIRS[name]}"] != NASLIB_FAILURE)
        ours = merged[name]
        rho, n = spearman(ours, theirs)
        rows.append(
            {
                "metric": name,
                "naslib_metric": PAIRS[name],
                "n_archs": n,
                "spearman_ours_vs_naslib": rho,
                "spearman_ours_vs_val_acc": spearman(ours, merged["naslib_val_acc"])[0],
                "spearman_naslib_vs_val_acc": spearman(theirs, merged["naslib_val_acc"])[0],
                "our_nan": int(ours.isna().sum()),
                "naslib_failures": int(theirs.isna().sum()),
                "median_ratio_ours_over_naslib": float((ours / theirs).median()),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--limit", type=int, default=0, help="score only the first N archs (by arch index); 0 = all"
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--data-root", default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    root = data_root(args.data_root)
    table = pd.read_csv(root / "nb201" / "nb201_naslib_zc_subset.csv.gz")
    table = table[table["dataset"] == "cifar10"].sort_values("arch_index")
    if args.limit > 0:
        table = table.head(args.limit)
    names = [name for name in PAIRS if name in registry.names()]
    ours = score(table, names, root, args.batch_size)
    naslib = table[["arch_index", "arch_str", "naslib_val_acc", *sorted(set(PAIRS.values()))]]
    naslib = naslib.rename(columns={col: f"naslib_{col}" for col in set(PAIRS.values())})
    merged = naslib.merge(ours, on="arch_index")

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    # Only our own values are written: the NASLib scores are third-party data read from the data root.
    ours.to_csv(OUT_DIR / "naslib_nb201_cifar10_scores.csv", index=False)
    summary = summarise(merged, names)
    summary.to_csv(OUT_DIR / "naslib_nb201_cifar10.csv", index=False)
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
