"""How far the 500-row NB101 subset is from the whole NB101 space, measured on the one metric known on both.

Our NB101 correlations come from NASLib's 500-row subset (``nb101/nb101_naslib_zc_subset.csv.gz``, target:
NASLib's 108-epoch validation accuracy); published NB101 values (Abdelfattah et al. 2021) come from all
423,624 cells (target: mean 108-epoch test accuracy). The data root also holds that whole-space accuracy
list with parameter counts (``nb101/nb101_freerea_all_test_acc_no_arch.csv.gz``, no cell specs), so for
``params`` alone the same correlation can be computed on both populations. The gap says how much of any
difference between our subset numbers and the published whole-space numbers may come from the population
and target rather than from the metric code.

Writes ``results/crosscheck/nb101_subset_bias.csv`` (one row per quantity: whole space, subset) and prints it:

* ``spearman``/``kendall`` of params with accuracy on each population (the subset's with a 95% bootstrap CI);
* the same Spearman on random 500-row draws of the whole space (mean and 2.5/97.5 percentiles of
  ``--draws`` draws): the spread a fair 500-row sample would show;
* accuracy and parameter-count quantiles of both populations.

Usage: ``.venv/bin/python scripts/nb101_subset_bias.py [--draws 1000] [--seed 0]``.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from bench.core.paths import REPO_ROOT, data_root
from bench.core.stats import correlation_row

FULL_TABLE = "nb101/nb101_freerea_all_test_acc_no_arch.csv.gz"
SUBSET_TABLE = "nb101/nb101_naslib_zc_subset.csv.gz"
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
OUT = REPO_ROOT / "results" / "crosscheck" / "nb101_subset_bias.csv"


def random_draw_spearman(params: np.ndarray, acc: np.ndarray, size: int, draws: int, seed: int) -> np.ndarray:
    """Spearman ρ(params, acc) on ``draws`` random ``size``-row draws (without replacement) of the population."""
    rng = np.random.default_rng(seed)
    values = np.empty(draws)
    for draw in range(draws):
        rows = rng.choice(params.size, size, replace=False)
        values[draw] = spearmanr(params[rows], acc[rows]).statistic
    return values


def compare(full: pd.DataFrame, subset: pd.DataFrame, draws: int, seed: int) -> pd.DataFrame:
    """One row per quantity with its value on the whole space and on the subset."""
    whole = correlation_row(full["params_M"], full["mean_test_acc_108ep"], True, n_boot=0)
    part = correlation_row(subset["params_M"], subset["naslib_val_acc"], True, n_boot=1000, seed=seed)
    drawn = random_draw_spearman(
        full["params_M"].to_numpy(float),
        full["mean_test_acc_108ep"].to_numpy(float),
        len(subset),
        draws,
        seed,
    )
    rows = [
        ("rows", len(full), len(subset)),
        ("spearman(params, acc)", whole["spearman"], part["spearman"]),
        ("spearman 95% CI low", np.nan, part["spearman_ci_low"]),
        ("spearman 95% CI high", np.nan, part["spearman_ci_high"]),
        ("kendall(params, acc)", whole["kendall"], part["kendall"]),
        (f"spearman on {len(subset)}-row random draws: mean", float(drawn.mean()), np.nan),
        ("  2.5th percentile", float(np.percentile(drawn, 2.5)), np.nan),
        ("  97.5th percentile", float(np.percentile(drawn, 97.5)), np.nan),
    ]
    for q in QUANTILES:
        rows.append(
            (
                f"accuracy q{q:.2f}",
                full["mean_test_acc_108ep"].quantile(q),
                subset["naslib_val_acc"].quantile(q),
            )
        )
    for q in QUANTILES:
        rows.append((f"params_M q{q:.2f}", full["params_M"].quantile(q), subset["params_M"].quantile(q)))
    return pd.DataFrame(rows, columns=["quantity", "whole_space", "subset"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000, help="random 500-row draws of the whole space")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-root", default=None)
    args = parser.parse_args()
    root = data_root(args.data_root)
    table = compare(pd.read_csv(root / FULL_TABLE), pd.read_csv(root / SUBSET_TABLE), args.draws, args.seed)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT, index=False)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
