"""How L-SWAG's layer interval moves its NB201 ranking (not a test; an analysis of issue #34's L-SWAG gap).

L-SWAG (Casarin et al., CVPR 2025; no official code) sums its gradient term Λ over a layer interval [l̂, L̂] and
counts its activation patterns Ψ over the ReLUs up to L̂. The paper sets the interval per benchmark, label-free:
it plots a statistic of the gradients' σ over 1,000 randomly initialised networks against depth percentile
(10 bins) and takes the start and end of the spike; NB201's interval is not published. The committed ``l_swag``
uses the whole depth (``metrics.lswag.LswagSettings``) and ranks NB201 0.04–0.08 above the published
0.79 / 0.83 / 0.80 (1,000 architectures).

On the 1,000 architectures of the committed ``nb201_frontier_sample1000`` rows of ``--dataset`` (the preset's
probe: batch 64, seed 0, default init), this scores, with the metric's own ``gradient_term`` and ``pattern_term``,
Λ and Ψ for every interval on the decile grid (start 0, 0.1, …, 0.9; end 0.1, …, 1; 55 intervals; a layer is in an
interval when its depth centre is, as the metric counts it), and per Conv2d/Linear layer the mean gradient σ
(√ of the variance over the two mini-batches of |gradient|, weights with σ > 0) for the paper's calibration
profile. It checks that the whole-depth interval gives the committed ``l_swag`` of every architecture back
(``SystemExit`` otherwise) and writes:

* ``<out>/lswag_intervals_<dataset>.csv``: per interval, Spearman ρ of L-SWAG, Λ and Ψ with the 200-epoch test
  accuracy (NaN scores left out; their count in ``n``);
* ``<out>/lswag_sigma_profile_<dataset>.csv``: per depth decile, the median over networks of the mean log10 σ of
  the network's layers in that decile, and the interval this profile gives under the declared reading of "the
  spike": the run of consecutive deciles around the highest whose value is at least halfway from the profile's
  lowest to its highest.

Usage: ``.venv/bin/python scripts/lswag_interval_study.py --dataset cifar10 --out results/crosscheck
[--threads 1] [--limit N]`` (``--limit``: the first N of the 1,000, for a quick look; the self-check still runs).
About 2–3 s per architecture on one loaded thread here (35–65 min for the 1,000 beside other jobs).
"""

from __future__ import annotations

import argparse
import itertools
import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy import stats
from tqdm import tqdm

from bench.core.benchmarks import open_benchmark
from bench.core.paths import data_root
from bench.core.scoring import ScoringOptions
from metrics.lswag import (
    L_SWAG_SETTINGS,
    LswagSettings,
    gradient_term,
    in_interval,
    layer_variances,
    pattern_term,
)
from metrics.probe import Probe

DECILES = [round(0.1 * k, 1) for k in range(11)]
INTERVALS = [(start, end) for start in DECILES[:-1] for end in DECILES[1:] if start < end]
TARGET = "test_acc_200ep"


def committed_scores(dataset: str) -> pd.Series:
    """The committed ``l_swag`` of the 1,000-sample, indexed by architecture."""
    path = Path(f"results/correlate/nb201_{dataset}_sample1000_frontier/scores.parquet")
    return pd.read_parquet(path).set_index("arch_index")["l_swag"]


def layer_sigmas(probe: Probe) -> list[float]:
    """Per Conv2d/Linear layer (depth order), the mean over weights with σ > 0 of σ = √Var over L-SWAG's
    mini-batches of |gradient|; NaN for a layer without one."""
    sigmas = []
    for variance in layer_variances(probe, L_SWAG_SETTINGS.splits):
        live = variance[variance > 0].sqrt()
        sigmas.append(float(live.mean()) if live.numel() else math.nan)
    return sigmas


def interval_terms(probe: Probe) -> tuple[dict[tuple[float, float], tuple[float, float]], list[float]]:
    """Λ and Ψ of every interval of :data:`INTERVALS` (Ψ depends on the end only) and :func:`layer_sigmas`."""
    psi = {end: pattern_term(probe, LswagSettings(interval=(0.0, end))) for end in DECILES[1:]}
    terms = {
        (start, end): (gradient_term(probe, LswagSettings(interval=(start, end))), psi[end])
        for start, end in INTERVALS
    }
    return terms, layer_sigmas(probe)


def sigma_profile(sigmas: list[list[float]]) -> pd.DataFrame:
    """Per depth decile: the median over networks of the mean log10 σ of the network's layers whose centre lies in
    it (``in_interval`` of the decile)."""
    rows = []
    for low, high in itertools.pairwise(DECILES):
        per_network = []
        for layers in sigmas:
            inside = [
                s for s, keep in zip(layers, in_interval(len(layers), (low, high)), strict=True) if keep
            ]
            values = [math.log10(s) for s in inside if s > 0 and math.isfinite(s)]
            if values:
                per_network.append(float(np.mean(values)))
        rows.append(
            {"decile_start": low, "decile_end": high, "median_log10_sigma": float(np.median(per_network))}
        )
    return pd.DataFrame(rows)


def spike(profile: pd.DataFrame) -> tuple[float, float]:
    """The interval of the declared spike reading: the run of consecutive deciles around the highest whose value is
    at least halfway between the profile's lowest and highest."""
    values = profile["median_log10_sigma"].to_numpy()
    peak = int(np.argmax(values))
    half = values.min() + 0.5 * (values.max() - values.min())
    first = last = peak
    while first > 0 and values[first - 1] >= half:
        first -= 1
    while last < len(values) - 1 and values[last + 1] >= half:
        last += 1
    return float(profile["decile_start"].iloc[first]), float(profile["decile_end"].iloc[last])


def spearman(scores: pd.Series, accuracy: pd.Series) -> tuple[float, int]:
    """ρ over the architectures with a finite score, and their number."""
    keep = np.isfinite(scores.to_numpy(dtype=float))
    return float(stats.spearmanr(scores[keep], accuracy[keep])[0]), int(keep.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="cifar10", choices=("cifar10", "cifar100", "ImageNet16-120"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data-root", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    root = args.data_root if args.data_root is not None else data_root()
    committed = committed_scores(args.dataset)
    indices = committed.index.to_list()[: args.limit]
    benchmark = open_benchmark("nb201", root)
    accuracy = benchmark.truth.frame(args.dataset)[TARGET]
    rows, sigmas = [], []
    with tempfile.TemporaryDirectory() as no_cache:
        engine = ScoringOptions(device="cpu").engine(
            benchmark.space, args.dataset, Path(no_cache), root, False
        )
        for index in tqdm(indices, desc=f"L-SWAG intervals, {args.dataset}"):
            terms, layers = interval_terms(engine.probe(index))
            whole = terms[(0.0, 1.0)][0] * terms[(0.0, 1.0)][1]
            if not (
                whole == committed.loc[index] or (math.isnan(whole) and math.isnan(committed.loc[index]))
            ):
                raise SystemExit(
                    f"architecture {index}: whole-depth L-SWAG {whole}, committed {committed.loc[index]}"
                )
            sigmas.append(layers)
            rows += [
                {"arch_index": index, "start": s, "end": e, "lam": lam, "psi": psi}
                for (s, e), (lam, psi) in terms.items()
            ]
    table = pd.DataFrame(rows)
    table["l_swag"] = table["lam"] * table["psi"]
    summary = []
    for (start, end), group in table.groupby(["start", "end"]):
        truth = accuracy.iloc[group["arch_index"].to_numpy()].reset_index(drop=True)
        row = {"start": start, "end": end}
        for column in ("l_swag", "lam", "psi"):
            row[f"rho_{column}"], row[f"n_{column}"] = spearman(group[column].reset_index(drop=True), truth)
        summary.append(row)
    summary = pd.DataFrame(summary)
    profile = sigma_profile(sigmas)
    start, end = spike(profile)
    profile["spike_start"], profile["spike_end"] = start, end
    args.out.mkdir(parents=True, exist_ok=True)
    summary.to_csv(args.out / f"lswag_intervals_{args.dataset}.csv", index=False, float_format="%.6g")
    profile.to_csv(args.out / f"lswag_sigma_profile_{args.dataset}.csv", index=False, float_format="%.6g")
    rho = summary.set_index(["start", "end"])["rho_l_swag"]
    low, high = summary.loc[rho.to_numpy().argmin()], summary.loc[rho.to_numpy().argmax()]
    print(profile.to_string(index=False))
    print(
        f"{len(indices)} architectures; whole depth ρ {rho.loc[(0.0, 1.0)]:.3f}; spike interval [{start}, {end}] ρ {rho.loc[(start, end)]:.3f}"
    )
    print(
        f"ρ over the {len(rho)} intervals: min {low.rho_l_swag:.3f} at [{low.start}, {low.end}], "
        f"max {high.rho_l_swag:.3f} at [{high.start}, {high.end}]"
    )


if __name__ == "__main__":
    main()
