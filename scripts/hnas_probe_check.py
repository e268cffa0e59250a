"""Where do HNAS's first probes land? A check of the trace-norm/condition-number objective per dataset.

HNAS (``search.hnas``) opens with 5 probes at t ∈ {0, .25, .5, .75, 1}, c = −2 and picks, for each, the
argmin of :func:`search.hnas.objective` over its pool (which soon covers most of NB201). This script takes
the committed full-space score tables (setup: batch 64, seed 0, default init) and, for each HNAS variant
(M = ntk_trace, snip or grad_norm; κ = ntk_condnum), each dataset's own scores (``per_dataset``) and
CIFAR-10's scores judged on every dataset (``transfer``), writes the argmin over the whole space at each
initial probe: its functional class (representative and size), M, κ, and its 12-epoch validation and
200-epoch test accuracy (%). From committed search outputs it also writes, per search folder, variant and
dataset, the share of the variant's queries that went to its single most-queried functional class and the number
of queries made at t = 0. And it writes how well each dataset's own scores and CIFAR-10's scores, and its own
12-epoch validation accuracy (the per-dataset search signal) and CIFAR-10's (the transfer signal), rank that
dataset's 200-epoch test accuracy (Spearman over all 15,625 archs), and how well the two agree per arch.

Usage: ``.venv/bin/python scripts/hnas_probe_check.py`` → ``results/search/hnas_initial_probes.csv``,
``results/search/hnas_class_concentration.csv`` and ``results/search/hnas_score_quality.csv``.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from bench.core.benchmarks import Benchmark, open_benchmark
from bench.core.groundtruth import column
from bench.core.paths import REPO_ROOT, data_root
from bench.core.scoring import ScoreEngine, ScoringSetup
from search.hnas import COEFF_BOUNDS, TARGET_BOUNDS, objective

N_INIT, SCALE = 5, 5000.0  # search.hnas.run defaults
SEARCH_FOLDERS = ("nb201_per_dataset_q20", "nb201_transfer_q20")
VARIANTS = {"hnas": "ntk_trace", "hnas_snip": "snip", "hnas_grad_norm": "grad_norm"}
"""HNAS searchers and their M (``search.registry``); all use κ = ntk_condnum."""


def hnas_scores(
    benchmark: Benchmark, dataset: str, metric: str, cache: Path
) -> tuple[np.ndarray, np.ndarray]:
    """M = ``metric`` and κ = ntk_condnum of every NB201 arch on ``dataset``'s images (from the cached table)."""
    engine = ScoreEngine(benchmark.space, ScoringSetup(space="nb201", dataset=dataset), cache, data_root())
    table = engine.table(range(len(benchmark.space)), [metric, "ntk_condnum"])
    return table[metric].to_numpy(float), table["ntk_condnum"].to_numpy(float)


def initial_probes(
    benchmark: Benchmark, scores: tuple[np.ndarray, np.ndarray], truth_dataset: str, classes: np.ndarray
) -> pd.DataFrame:
    """The full-space argmin of HNAS's objective at each initial probe, judged on ``truth_dataset``."""
    metric, condnum = scores
    scoreable = np.flatnonzero(np.isfinite(metric) & np.isfinite(condnum))
    valid = column(benchmark.truth, truth_dataset, "valid_acc_12ep").to_numpy(float)
    test = column(benchmark.truth, truth_dataset, "test_acc_200ep").to_numpy(float)
    sizes = Counter(classes.tolist())
    coeff = float(np.mean(COEFF_BOUNDS))
    rows = []
    for target in np.linspace(*TARGET_BOUNDS, N_INIT):
        values = objective(metric[scoreable], condnum[scoreable], float(target), coeff, SCALE)
        best = int(scoreable[np.argmin(values)])
        rows.append(
            {
                "target_metric": float(target),
                "target_coeff": coeff,
                "arch_index": best,
                "arch": benchmark.space.key(benchmark.space.arch(best)),
                "class_representative": int(classes[best]),
                "class_size": sizes[int(classes[best])],
                "M": metric[best],
                "kappa": condnum[best],
                "valid_acc_12ep": valid[best],
                "test_acc_200ep": test[best],
            }
        )
    return pd.DataFrame(rows)


def class_concentration(
    benchmark: Benchmark, trajectory: pd.DataFrame, classes: np.ndarray, algo: str
) -> pd.DataFrame:
    """Per search dataset, the share of ``algo``'s queries that hit its most-queried functional class.

    With the class's size and the mean 200-epoch test accuracy (%, on the search dataset) of those queries.
    """
    sizes = Counter(classes.tolist())
    rows = []
    for dataset, part in trajectory[trajectory["algo"] == algo].groupby("dataset"):
        queried = classes[part["arch_index"].to_numpy()]
        top, hits = Counter(queried.tolist()).most_common(1)[0]
        test = column(benchmark.truth, dataset, "test_acc_200ep").to_numpy(float)
        rows.append(
            {
                "algo": algo,
                "dataset": dataset,
                "queries": len(part),
                "top_class": top,
                "top_class_size": sizes[top],
                "top_class_share": hits / len(part),
                "top_class_test_acc": test[part["arch_index"].to_numpy()[queried == top]].mean(),
                "queries_at_t0": int((part["target_metric"] == TARGET_BOUNDS[0]).sum()),
            }
        )
    return pd.DataFrame(rows)


def score_quality(
    benchmark: Benchmark, dataset: str, own: np.ndarray, cifar10: np.ndarray, metric: str
) -> dict[str, object]:
    """Spearman of ``dataset``'s own ``metric`` scores and of CIFAR-10's with ``dataset``'s test accuracy; and their
    per-arch agreement (Spearman between the two score vectors). Archs with a non-finite score on either side
    are left out."""
    test = column(benchmark.truth, dataset, "test_acc_200ep").to_numpy(float)
    finite = np.isfinite(own) & np.isfinite(cifar10)
    return {
        "metric": metric,
        "truth_dataset": dataset,
        "archs": int(finite.sum()),
        "spearman_own_scores": spearmanr(own[finite], test[finite]).statistic,
        "spearman_cifar10_scores": spearmanr(cifar10[finite], test[finite]).statistic,
        "agreement_own_vs_cifar10": spearmanr(own[finite], cifar10[finite]).statistic,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=REPO_ROOT / "results" / "scores")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "results" / "search")
    args = parser.parse_args()
    benchmark = open_benchmark("nb201")
    classes = benchmark.space.canonical_indices()
    datasets = list(benchmark.truth.datasets())
    probes: list[pd.DataFrame] = []
    quality: list[dict[str, object]] = []
    for algo, metric in VARIANTS.items():
        own = {dataset: hnas_scores(benchmark, dataset, metric, args.cache) for dataset in datasets}
        for dataset in datasets:
            for protocol, source in (("per_dataset", dataset), ("transfer", "cifar10")):
                frame = initial_probes(benchmark, own[source], dataset, classes)
                probes.append(
                    frame.assign(algo=algo, protocol=protocol, scores_dataset=source, truth_dataset=dataset)
                )
        assessed = ((0, metric),) if quality else ((0, metric), (1, "ntk_condnum"))  # κ is every variant's
        quality += [
            score_quality(benchmark, dataset, own[dataset][part], own["cifar10"][part], name)
            for dataset in datasets
            for part, name in assessed
        ]
    probe_table = pd.concat(probes, ignore_index=True)
    concentration = pd.concat(
        [
            class_concentration(
                benchmark, pd.read_csv(args.out / folder / "trajectory.csv"), classes, algo
            ).assign(folder=folder)
            for folder in SEARCH_FOLDERS
            for algo in VARIANTS
        ],
        ignore_index=True,
    )
    probe_table.to_csv(args.out / "hnas_initial_probes.csv", index=False)
    concentration.to_csv(args.out / "hnas_class_concentration.csv", index=False)
    signal = {d: column(benchmark.truth, d, "valid_acc_12ep").to_numpy(float) for d in datasets}
    quality += [score_quality(benchmark, d, signal[d], signal["cifar10"], "valid_acc_12ep") for d in datasets]
    quality_table = pd.DataFrame(quality)
    quality_table.to_csv(args.out / "hnas_score_quality.csv", index=False)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(probe_table.drop(columns=["arch", "target_coeff"]).round(2).to_string(index=False))
        print(concentration.round(3).to_string(index=False))
        print(quality_table.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
