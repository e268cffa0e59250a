"""Per-architecture agreement and side-by-side timing of GradSign (``metrics/gradsign.py``) with the official code.

The official code of Zhang & Jia (ICLR 2022, cmu-catalyst/GradSign) is read at run time from a checkout the user
gives (``--official``, the repository root), never copied into this repository:

* ``gradsign`` (sum reducer) against ``zero-cost-nas-code/foresight/pruners/measures/grad_conflict.py``, the
  measure ``grad_conflict`` of the repository's own modified ``foresight`` package (``zero-cost-nas-code/foresight``,
  not the original zero-cost-nas one), imported unmodified and run through its entry point
  ``foresight.pruners.predictive.find_measures`` (one "random" batch: the batch itself, on the CPU), as its NB201
  driver ``zero-cost-nas-code/build.py`` does;
* ``gradsign_mean`` against ``get_grad_conflict`` of ``zero-cost-nas-code/gradsign.py`` (``np.nanmean``).

In-memory changes, nothing written to the checkout:

1. ``gradsign.py`` is a script (it parses ``sys.argv``, loads the NASWOT search space, the NAS-Bench-201 API and
   CIFAR at import), so only its two function definitions ``get_flattened_metric`` and ``get_grad_conflict`` are
   taken from its syntax tree and compiled, unchanged, in a namespace holding the names the file imports for
   them (``torch``, ``F``, ``np``, ``nn``); the file's other statements never run.
2. Observation only: the ``get_flattened_metric`` that ``grad_conflict.py`` imported is wrapped so that each
   per-sample flattened gradient it returns is also kept (a reference, no copy); after the timed call they give
   the official per-weight agreement |Σ_i sign(g_ik)| (exact in float64), which is compared weight by weight with
   ours (column ``weights_differing``), and the official sum without float32 rounding (``official_sum_exact``).

Unless ``--no-float64-reference``, the official sum measure also runs, untimed, on a float64 copy of the network
with the images in float64 (the official code is dtype-agnostic; nothing changed): ``float64_sum`` and, per side,
how many weights' agreements differ from that float64 run (``weights_differing_{official,ours}_float64``). This
tells float32 round-off from an implementation difference: a per-sample gradient whose float32 value is rounding
noise (or a ReLU whose input lies within rounding of 0, so that the two summation orders pick different sides of
the kink) can flip sign on either side, and the float64 run shows which side its sign agrees with.

No ``.cuda()`` patch is needed (``find_measures`` runs on the given device; its ``torch.cuda.empty_cache()`` calls
are no-ops without CUDA). For each of the first ``--archs`` architectures of the NB201 1,000-architecture sample
(seed 0), one network (this project's NB201 network, CIFAR-10 head, train mode) is built under
``torch.manual_seed(arch index)``; each side gets its own deep copy of it (the probe only deep-copies, it
re-initialises nothing; ours swaps the NB201 ``AvgPool3x3`` for ``nn.AvgPool2d``, equal bit for bit, the official
side gets the network as built) and the same 64 real CIFAR-10 images and labels (``load_batch`` seed 0). The sides
alternate which runs first (official first on even positions, ours on odd; column ``first``); the official side
runs the sum measure then the mean function. ``seconds_official`` times the sum measure (one per-sample loop),
``seconds_official_mean`` the mean function, ``seconds_ours`` both of our metrics (one shared per-sample pass).

Usage: ``.venv/bin/python scripts/crosscheck_gradsign.py --official /tmp/GradSign --archs 50
--out results/crosscheck/gradsign_official_nb201.csv [--threads 1] [--no-float64-reference]``
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import statistics
import types
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from bench_side_by_side import load_foresight, relative_difference, timed_in_turn
from scipy.stats import spearmanr
from torch import nn

from bench.core.batches import load_batch
from bench.core.benchmarks import open_benchmark
from bench.core.correlation import select_architectures
from bench.core.paths import data_root
from metrics import registry
from metrics.batch import Batch
from metrics.probe import Probe

SEED = 0
BATCH_SIZE = 64
MEAN_FUNCTIONS = ("get_flattened_metric", "get_grad_conflict")
"""The definitions taken from ``zero-cost-nas-code/gradsign.py`` (see the module docstring, change 1)."""
ROUND_OFF = 1e-6
"""Relative difference up to which two values count as equal to float32 round-off (official sums in float32)."""


def load_official_mean(checkout: Path) -> Callable[..., float]:
    """``get_grad_conflict`` of ``zero-cost-nas-code/gradsign.py``, compiled alone with the helper it calls."""
    path = checkout / "zero-cost-nas-code" / "gradsign.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    kept = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in MEAN_FUNCTIONS]
    if sorted(node.name for node in kept) != sorted(MEAN_FUNCTIONS):
        raise SystemExit(f"{path}: expected one definition each of {', '.join(MEAN_FUNCTIONS)}")
    namespace: dict[str, object] = {"torch": torch, "F": F, "np": np, "nn": nn, "__file__": str(path)}
    exec(compile(ast.Module(body=kept, type_ignores=[]), str(path), "exec"), namespace)
    return namespace["get_grad_conflict"]  # type: ignore[return-value]


def capture_official_gradients(checkout: Path) -> tuple[types.ModuleType, list[np.ndarray]]:
    """``foresight.pruners.predictive`` of the GradSign checkout, and the list that will receive each per-sample
    flattened gradient ``grad_conflict.py`` computes (change 2 of the module docstring)."""
    predictive = load_foresight(checkout / "zero-cost-nas-code")
    grad_conflict = importlib.import_module("foresight.pruners.measures.grad_conflict")
    captured: list[np.ndarray] = []
    flatten = grad_conflict.get_flattened_metric

    def keeping(*args: object, **kwargs: object) -> np.ndarray:
        captured.append(flatten(*args, **kwargs))
        return captured[-1]

    grad_conflict.get_flattened_metric = keeping
    return predictive, captured


def official_agreement(captured: list[np.ndarray]) -> np.ndarray:
    """|Σ_i sign(g_ik)| per weight from the captured per-sample gradients (float64; empties the list)."""
    total = np.zeros(captured[0].shape, dtype=np.float64)
    while captured:
        total += np.sign(captured.pop())
    return np.abs(total)


def official_sum(predictive: types.ModuleType, net: nn.Module, batch: Batch, dtype: torch.dtype) -> float:
    """The official foresight ``grad_conflict`` (sum) through ``find_measures``, on a ``dtype`` copy of ``net``
    and the batch images in ``dtype``, on the CPU."""
    loader = [(batch.images.to(dtype), batch.labels)]
    info = ("random", 1, batch.num_classes)
    values = predictive.find_measures(
        copy.deepcopy(net).to(dtype), loader, info, torch.device("cpu"), measure_names=["grad_conflict"]
    )
    return float(values["grad_conflict"])


def compare_architecture(
    net: nn.Module,
    batch: Batch,
    position: int,
    official: tuple[types.ModuleType, Callable[..., float], list[np.ndarray]],
    float64_reference: bool,
) -> dict[str, object]:
    """Both sides on deep copies of ``net`` and on ``batch``; one CSV row without the architecture columns.

    ``official``: the foresight ``predictive`` module, ``gradsign.py``'s ``get_grad_conflict`` and the list that
    receives the per-sample gradients of ``grad_conflict.py``.
    """
    predictive, official_mean, captured = official
    probe = Probe(copy.deepcopy(net), batch, seed=SEED)

    def ours() -> dict[str, object]:
        results = registry.evaluate(["gradsign", "gradsign_mean"], probe)
        return {"ours_sum": results["gradsign"].value, "ours_mean": results["gradsign_mean"].value}

    sides: dict[str, Callable[[], dict[str, object]]] = {
        "official": lambda: {"official_sum": official_sum(predictive, net, batch, torch.float32)},
        "official_mean": lambda: {
            "official_mean": float(official_mean(copy.deepcopy(net), batch.images, batch.labels))
        },
        "ours": ours,
    }
    first, measured = timed_in_turn(sides, position)  # odd positions: ours, official, official_mean
    theirs = official_agreement(captured)
    mine = probe.shared("gradsign_agreement", lambda: None).to(torch.float64).numpy()  # cached by evaluate
    row: dict[str, object] = {}
    for side in ("official", "official_mean", "ours"):
        row |= measured[side][1]
    row |= {
        "rel_diff_sum": relative_difference(row["ours_sum"], row["official_sum"]),
        "rel_diff_mean": relative_difference(row["ours_mean"], row["official_mean"]),
        "official_sum_exact": float(theirs.sum()),
        "n_weights": theirs.size,
        "weights_differing": int((theirs != mine).sum()),
        "max_weight_abs_diff": float(np.abs(theirs - mine).max()),
    }
    if float64_reference:
        row["float64_sum"] = official_sum(predictive, net, batch, torch.float64)
        exact = official_agreement(captured)
        row["weights_differing_official_float64"] = int((theirs != exact).sum())
        row["weights_differing_ours_float64"] = int((mine != exact).sum())
    return row | {
        "first": first,
        "seconds_official": measured["official"][0],
        "seconds_official_mean": measured["official_mean"][0],
        "seconds_ours": measured["ours"][0],
    }


def summarise(table: pd.DataFrame, threads: int) -> None:
    """Print the agreement (relative differences, Spearman, per-weight counts) and the timings of ``table``."""
    for reducer in ("sum", "mean"):
        diffs = table[f"rel_diff_{reducer}"].dropna()
        rho = spearmanr(table[f"official_{reducer}"], table[f"ours_{reducer}"]).statistic
        print(
            f"{reducer}: rel diff median {diffs.median():.3g}, max {diffs.max():.3g}; {int((diffs == 0).sum())} "
            f"equal, {int((diffs <= ROUND_OFF).sum())}/{len(table)} within {ROUND_OFF:g}; Spearman {rho:.6f}"
        )
    differing = table["weights_differing"]
    print(
        f"per weight: {int((differing == 0).sum())}/{len(table)} archs with identical agreements; weights differing "
        f"median {differing.median():g}, max {differing.max():g} (of {table['n_weights'].median():g} median); "
        f"float32 rounding of the official sum changed {int((table['official_sum'] != table['official_sum_exact']).sum())}"
    )
    if "float64_sum" in table:
        for side in ("official", "ours"):
            off = table[f"weights_differing_{side}_float64"]
            rel = [
                relative_difference(a, b)
                for a, b in zip(table[f"{side}_sum"], table["float64_sum"], strict=True)
            ]
            print(
                f"{side} vs the official measure in float64: weights differing median {off.median():g}, max "
                f"{off.max():g}, {int((off == 0).sum())}/{len(table)} archs identical; sum rel diff median "
                f"{statistics.median(rel):.3g}, max {max(rel):.3g}"
            )
    official, official_mean, ours = (
        statistics.mean(table[column])
        for column in ("seconds_official", "seconds_official_mean", "seconds_ours")
    )
    print(
        f"seconds per arch ({threads} thread(s), alternating order): official sum {official:.2f}, "
        f"official mean {official_mean:.2f}, ours (both) {ours:.2f}; official sum / ours {official / ours:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--official", type=Path, required=True, help="the root of a cmu-catalyst/GradSign checkout"
    )
    parser.add_argument("--archs", type=int, default=50)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--no-float64-reference", action="store_true", help="skip the untimed float64 run of the official sum"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    predictive, captured = capture_official_gradients(args.official)
    official = (predictive, load_official_mean(args.official), captured)
    benchmark = open_benchmark("nb201")
    batch = load_batch("cifar10", data_root(), BATCH_SIZE, seed=SEED)
    rows = []
    for position, index in enumerate(select_architectures(benchmark, 1000, SEED)[: args.archs]):
        torch.manual_seed(index)
        net = benchmark.space.build(index, batch.num_classes).train()
        row = compare_architecture(net, batch, position, official, not args.no_float64_reference)
        rows.append({"arch_index": index, "arch_str": benchmark.space.arch_str(index), **row})
        print(f"[{position + 1}/{args.archs}] {rows[-1]}", flush=True)
    table = pd.DataFrame(rows).assign(threads=args.threads, torch=torch.__version__)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)
    summarise(table, args.threads)


if __name__ == "__main__":
    main()
