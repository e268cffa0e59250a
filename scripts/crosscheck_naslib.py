"""Cross-check our metrics against NAS-Bench-Suite-Zero's scores (Spearman per metric), on NB201 or NB101.

``--space nb201`` (default) scores the cifar10 architectures of
``<data_root>/nb201/nb201_naslib_zc_subset.csv.gz`` with our implementations on real CIFAR-10 batches (the
960-image ``npz`` pool), in NB-Suite-Zero's protocol as far as the harness allows: batch size 32 (NASLib
``zc_config.yaml``), a fresh random batch and a fresh PyTorch-default initialisation per architecture (seeded
by the arch index, so reruns are identical), BN in train mode. It writes

* ``results/crosscheck/naslib_nb201_cifar10.csv``: per metric, the Spearman ρ between our value
  and NB-Suite-Zero's, and each one's ρ with NB-Suite-Zero's validation accuracy;
* ``results/crosscheck/naslib_nb201_cifar10_scores.csv``: our per-architecture values (NASLib's are
  not copied; they stay in the data root).

``--space nb101`` computes nothing: it reads our scores of the 500 cells of
``<data_root>/nb101/nb101_naslib_zc_subset.csv.gz`` from the ``experiment=nb101_subset`` output (``--scores``;
one fixed batch of 64, our seeded init: the harness protocol, not NB-Suite-Zero's) and writes the same summary
to ``results/crosscheck/naslib_nb101_cifar10.csv``.

NB-Suite-Zero's failures (stored as -1e8) and our NaNs are left out of each correlation. Their synflow is
ln(synflow); ranks are unaffected.

Usage: ``.venv/bin/python scripts/crosscheck_naslib.py [--space nb201|nb101] [--limit N] [--batch-size 32]``.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import pandas as pd
import torch

from bench.core.batches import load_batch
from bench.core.benchmarks.nb201.network import NB201Network
from bench.core.benchmarks.nb201.space import parse
from bench.core.paths import REPO_ROOT, data_root
from bench.core.stats import finite_pairs_spearman
from metrics import registry
from metrics.probe import Probe

log = logging.getLogger("crosscheck_naslib")

# our metric → NB-Suite-Zero column, per space (their NB101 table has no naswot; params/flops are *_M there)
SHARED_PAIRS = {
    "grad_norm": "grad_norm",
    "snip": "snip",
    "grasp": "grasp",
    "fisher": "fisher",
    "plain": "plain",
    "l2_norm": "l2_norm",
    "jacob_cov": "jacov",
    "synflow": "synflow",
    "synflow_log10": "synflow",
}
PAIRS = {
    "nb201": {**SHARED_PAIRS, "params": "params", "flops": "flops", "naswot": "nwot"},
    "nb101": {**SHARED_PAIRS, "epe_nas": "epe_nas", "params": "params_M", "flops": "flops_M"},
}
NB101_SCORES = REPO_ROOT / "results" / "correlate" / "nb101_cifar10_naslib_subset" / "scores.parquet"
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


def summarise(merged: pd.DataFrame, pairs: dict[str, str]) -> pd.DataFrame:
    """Per metric of ``pairs``: ρ(ours, theirs), ρ(ours, val acc), ρ(theirs, val acc) and NaN counts."""
    rows = []
    for name, column in pairs.items():
        theirs = merged[f"naslib_{column}"].where(merged[f"naslib_{column}"] != NASLIB_FAILURE)
        ours = merged[name]
        rho, n = finite_pairs_spearman(ours, theirs)
        rows.append(
            {
                "metric": name,
                "naslib_metric": column,
                "n_archs": n,
                "spearman_ours_vs_naslib": rho,
                "spearman_ours_vs_val_acc": finite_pairs_spearman(ours, merged["naslib_val_acc"])[0],
                "spearman_naslib_vs_val_acc": finite_pairs_spearman(theirs, merged["naslib_val_acc"])[0],
                "our_nan": int(ours.isna().sum()),
                "naslib_failures": int(theirs.isna().sum()),
                "median_ratio_ours_over_naslib": float((ours / theirs).median()),
            }
        )
    return pd.DataFrame(rows)


def naslib_columns(table: pd.DataFrame, pairs: dict[str, str]) -> pd.DataFrame:
    """arch_index, naslib_val_acc and NB-Suite-Zero's value of every paired column, prefixed ``naslib_``."""
    columns = sorted(set(pairs.values()))
    naslib = table[["arch_index", "naslib_val_acc", *columns]]
    return naslib.rename(columns={col: f"naslib_{col}" for col in columns})


def nb201_scores(root: Path, limit: int, batch_size: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score the NB201 subset here: (NB-Suite-Zero's rows, our scores); ours are also written to OUT_DIR."""
    table = pd.read_csv(root / "nb201" / "nb201_naslib_zc_subset.csv.gz")
    table = table[table["dataset"] == "cifar10"].sort_values("arch_index")
    if limit > 0:
        table = table.head(limit)
    names = [name for name in PAIRS["nb201"] if name in registry.names()]
    ours = score(table, names, root, batch_size)
    # Only our own values are written: the NASLib scores are third-party data read from the data root.
    ours.to_csv(OUT_DIR / "naslib_nb201_cifar10_scores.csv", index=False)
    return table, ours


def nb101_scores(root: Path, scores: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """NB-Suite-Zero's NB101 rows (``arch_index`` = row number) and our committed scores of the same rows."""
    table = pd.read_csv(root / "nb101" / "nb101_naslib_zc_subset.csv.gz").rename_axis("arch_index")
    if not scores.exists():
        raise SystemExit(
            f"{scores} not found: run `python -m bench correlate experiment=nb101_subset` first "
            "(or pass --scores)"
        )
    ours = pd.read_parquet(scores)
    return table.reset_index(), ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", choices=sorted(PAIRS), default="nb201")
    parser.add_argument(
        "--limit", type=int, default=0, help="nb201: score only the first N archs (by arch index); 0 = all"
    )
    parser.add_argument("--batch-size", type=int, default=32, help="nb201: images per batch")
    parser.add_argument("--scores", type=Path, default=NB101_SCORES, help="nb101: our score table")
    parser.add_argument("--data-root", default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    root = data_root(args.data_root)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    if args.space == "nb201":
        table, ours = nb201_scores(root, args.limit, args.batch_size)
    else:
        table, ours = nb101_scores(root, args.scores)
    pairs = {name: col for name, col in PAIRS[args.space].items() if name in ours.columns}
    merged = naslib_columns(table, pairs).merge(ours, on="arch_index")
    summary = summarise(merged, pairs)
    summary.to_csv(OUT_DIR / f"naslib_{args.space}_cifar10.csv", index=False)
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
