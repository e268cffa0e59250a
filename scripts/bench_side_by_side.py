"""Side-by-side speed benchmark (not a test): our six classic metrics against zero-cost-nas's, in one process.

The peer is the zero-cost-nas reference (Abdelfattah et al., ICLR 2021, package ``foresight``), imported unmodified
from a checkout path the user gives (``--foresight``; never vendored, nothing downloaded). For each of the 20
``make bench`` architectures (``scripts/bench_scoring.py``: NB201, CIFAR-10 batch of 64, ``--threads`` torch
threads), one network is built (``torch.manual_seed(arch index)``) and each side gets its own deep copy of it, so
both score the same weights on the same batch:

* ours: ``registry.evaluate`` of ``grad_norm, snip, grasp, fisher, jacob_cov, synflow`` on one probe;
* theirs: ``foresight.pruners.predictive.find_measures`` with the same six measures (``dataload`` "random", one
  batch: the batch itself), which sums each measure's per-weight arrays as the reference does.

The two sides alternate which goes first from one architecture to the next, so drift of the machine's speed falls
on both. Each row records both wall times and, per metric, both values and their relative difference
|ours − theirs| / |theirs| (value agreement: our definitions follow foresight's, deviations are in docs/metrics.md).
Writes ``results/bench/side_by_side_foresight.csv`` (per architecture) and prints the means and the ratio.

Then ``results/bench/side_by_side.csv`` gathers every side-by-side timing of the project, one row per peer: this
run's, and those of the official code of the new metrics that runs on CPU, timed per architecture in one process
by their agreement checks (``scripts/crosscheck_az_nas.py``, ``crosscheck_swap.py``, ``crosscheck_gradsign.py``,
``crosscheck_xi_gsnr.py``: 1 thread, the first 50 architectures of the NB201 1,000-sample;
``scripts/vkdnw_official_check.py``: 1 thread, the 20 ``make bench`` architectures; each alternating which side runs
first) and committed under ``results/crosscheck/``.

Usage: ``.venv/bin/python scripts/bench_side_by_side.py --foresight /path/to/zero-cost-nas [--threads 2]``, or
``--summary-only`` to gather ``side_by_side.csv`` again from the per-architecture files without timing anything
(after an agreement check was rerun).
"""

from __future__ import annotations

import argparse
import copy
import importlib
import math
import statistics
import sys
import time
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pandas as pd
import torch
from bench_scoring import CLASSIC_SIX, bench_architectures

from bench.core.batches import load_batch
from bench.core.benchmarks import open_benchmark
from bench.core.machine import cpu_model
from bench.core.paths import REPO_ROOT, data_root
from metrics import registry
from metrics.batch import Batch
from metrics.probe import Probe

Scorer = Callable[[torch.nn.Module], dict[str, float]]
T = TypeVar("T")


def load_foresight(checkout: Path) -> types.ModuleType:
    """``foresight.pruners.predictive`` from the zero-cost-nas checkout at ``checkout``; a one-line error if the
    folder does not hold it."""
    if not (checkout / "foresight" / "pruners" / "predictive.py").is_file():
        raise SystemExit(
            f"{checkout}: no foresight/pruners/predictive.py (give the root of a zero-cost-nas checkout)"
        )
    sys.path.insert(0, str(checkout))
    return importlib.import_module("foresight.pruners.predictive")


def foresight_scorer(predictive: types.ModuleType, batch: Batch) -> Scorer:
    """Scores a network with zero-cost-nas's ``find_measures``: the six measures on ``batch``, on the CPU."""
    loader = [(batch.images, batch.labels)]

    def score(net: torch.nn.Module) -> dict[str, float]:
        values = predictive.find_measures(
            net,
            loader,
            ("random", 1, batch.num_classes),
            torch.device("cpu"),
            measure_names=list(CLASSIC_SIX),
        )
        return {name: float(values[name]) for name in CLASSIC_SIX}

    return score


def our_scorer(batch: Batch, seed: int) -> Scorer:
    """Scores a network with this project's six metrics on one probe (shared passes amortised)."""

    def score(net: torch.nn.Module) -> dict[str, float]:
        results = registry.evaluate(list(CLASSIC_SIX), Probe(net, batch, seed=seed))
        return {name: results[name].value for name in CLASSIC_SIX}

    return score


def relative_difference(ours: float, theirs: float) -> float:
    """|ours − theirs| / |theirs| (0 when both are 0, NaN when either is NaN)."""
    if math.isnan(ours) or math.isnan(theirs):
        return math.nan
    if ours == theirs:
        return 0.0
    return abs(ours - theirs) / abs(theirs) if theirs else math.inf


def timed(run: Callable[[], T]) -> tuple[float, T]:
    """(wall seconds, result) of ``run()``."""
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def timed_in_turn(
    sides: Mapping[str, Callable[[], T]], position: int
) -> tuple[str, dict[str, tuple[float, T]]]:
    """Run each side once and time it: ``{side: (wall seconds, result)}``, and the side that ran first.

    At an even ``position`` (architecture number) the sides run in the mapping's order, at an odd one the last side
    runs first, then the others in order (two sides: the reverse), so drift of the machine's speed falls on every
    side. Every side-by-side timing and official-code agreement check of the project runs its sides this way."""
    names = list(sides)
    order = names if position % 2 == 0 else [names[-1], *names[:-1]]
    return order[0], {name: timed(sides[name]) for name in order}


def run(checkout: Path, threads: int, out: Path) -> pd.DataFrame:
    predictive = load_foresight(checkout)
    torch.set_num_threads(threads)
    benchmark = open_benchmark("nb201")
    batch = load_batch("cifar10", data_root(), 64, seed=0)
    theirs = foresight_scorer(predictive, batch)
    indices = bench_architectures(benchmark.space)
    rows = []
    for position, index in enumerate(indices):
        torch.manual_seed(index)
        net = benchmark.space.build(index, batch.num_classes)
        ours, ours_net, their_net = our_scorer(batch, index), copy.deepcopy(net), copy.deepcopy(net)
        sides: dict[str, Callable[[], dict[str, float]]] = {
            "ours": lambda ours=ours, net=ours_net: ours(net),
            "foresight": lambda net=their_net: theirs(net),
        }
        first, measured = timed_in_turn(sides, position)
        row: dict[str, object] = {
            "arch_index": index,
            "first": first,
            "seconds_ours": measured["ours"][0],
            "seconds_foresight": measured["foresight"][0],
        }
        for name in CLASSIC_SIX:
            ours_value, their_value = measured["ours"][1][name], measured["foresight"][1][name]
            row |= {
                f"{name}_ours": ours_value,
                f"{name}_foresight": their_value,
                f"{name}_rel_diff": relative_difference(ours_value, their_value),
            }
        rows.append(row)
        print(
            f"[{position + 1}/{len(indices)}] arch {index}: ours {row['seconds_ours']:.2f} s, "
            f"foresight {row['seconds_foresight']:.2f} s",
            flush=True,
        )
    table = pd.DataFrame(rows).assign(threads=threads, cpu=cpu_model(), torch=torch.__version__)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False)
    return table


@dataclass(frozen=True)
class PeerTiming:
    """Where one peer's per-architecture timings are: the file, its seconds columns (theirs, ours), the value
    column pairs (theirs, ours), the threads and the order in which the two sides ran."""

    peer: str
    metrics: str
    file: str
    their_seconds: str
    our_seconds: str
    value_pairs: tuple[tuple[str, str], ...]
    threads: int
    order: str


CROSSCHECKS = (
    PeerTiming(
        "AZ-NAS official (cvlab-yonsei/AZ-NAS)",
        "az_nas components (expressivity, progressivity, trainability)",
        "results/crosscheck/az_nas_official_nb201.csv",
        "seconds_official",
        "seconds_ours",
        tuple((f"official_{c}", f"ours_{c}") for c in ("expressivity", "progressivity", "trainability")),
        1,
        "alternating",
    ),
    PeerTiming(
        "VKDNW official (ondratybl/VKDNW)",
        "vkdnw_single",
        "results/crosscheck/vkdnw_official_nb201.csv",
        "official_seconds",
        "our_seconds",
        (("official", "ours"),),
        1,
        "alternating",
    ),
    PeerTiming(
        "SWAP official (pym1024/SWAP)",
        "swap",
        "results/crosscheck/swap_official_nb201.csv",
        "seconds_official",
        "seconds_ours",
        (("official", "ours"),),
        1,
        "alternating",
    ),
    PeerTiming(
        "GradSign official (cmu-catalyst/GradSign, foresight grad_conflict)",
        "gradsign (sum reducer; ours also computes gradsign_mean in the same pass)",
        "results/crosscheck/gradsign_official_nb201.csv",
        "seconds_official",
        "seconds_ours",
        (("official_sum", "ours_sum"), ("official_mean", "ours_mean")),
        1,
        "alternating",
    ),
    PeerTiming(
        "xi-GSNR official (Sunzh1996/Xi-GSNR run_gsnr.py)",
        "xi_gsnr_cumulative (ours also computes xi_gsnr in the same pass)",
        "results/crosscheck/xi_gsnr_official_nb201.csv",
        "seconds_official",
        "seconds_ours",
        (("official", "ours_cumulative"),),
        1,
        "alternating",
    ),
)
"""The official-code timings that the agreement checks record per architecture."""


def relative_differences(table: pd.DataFrame, pairs: tuple[tuple[str, str], ...]) -> pd.Series:
    """|ours − theirs| / |theirs| over the value column ``pairs`` (theirs, ours) of ``table``, NaN pairs left out."""
    values = [
        relative_difference(float(mine), float(other))
        for theirs, ours in pairs
        for other, mine in zip(table[theirs], table[ours], strict=True)
    ]
    return pd.Series(values).dropna()


def side_by_side_row(timing: PeerTiming, table: pd.DataFrame) -> dict[str, object]:
    """Architectures, threads, mean seconds per architecture of each side, their ratio, and the median and largest
    relative difference of the values (the per-architecture file says which architectures)."""
    theirs, ours = table[timing.their_seconds].mean(), table[timing.our_seconds].mean()
    differences = relative_differences(table, timing.value_pairs)
    return {
        "peer": timing.peer,
        "metrics": timing.metrics,
        "archs": len(table),
        "threads": timing.threads,
        "order": timing.order,
        "peer_seconds_per_arch": theirs,
        "our_seconds_per_arch": ours,
        "peer_over_ours": theirs / ours,
        "median_relative_difference": differences.median(),
        "largest_relative_difference": differences.max(),
        "per_arch_file": timing.file,
    }


def side_by_side_rows(foresight: pd.DataFrame, foresight_file: str) -> pd.DataFrame:
    """One :func:`side_by_side_row` per peer: this run's foresight timing, then :data:`CROSSCHECKS`."""
    this_run = PeerTiming(
        "zero-cost-nas foresight (find_measures)",
        ", ".join(CLASSIC_SIX),
        foresight_file,
        "seconds_foresight",
        "seconds_ours",
        tuple((f"{n}_foresight", f"{n}_ours") for n in CLASSIC_SIX),
        int(foresight["threads"].iloc[0]),
        "alternating",
    )
    rows = [side_by_side_row(this_run, foresight)]
    rows += [side_by_side_row(timing, pd.read_csv(REPO_ROOT / timing.file)) for timing in CROSSCHECKS]
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> str:
    """Means, the ratio of means, and each metric's largest relative difference, as text."""
    ours, theirs = table["seconds_ours"].mean(), table["seconds_foresight"].mean()
    lines = [
        f"{len(table)} architectures, {table['threads'].iloc[0]} threads, {table['cpu'].iloc[0]}",
        f"seconds per architecture: ours {ours:.2f} (median {statistics.median(table['seconds_ours']):.2f}), "
        f"foresight {theirs:.2f} (median {statistics.median(table['seconds_foresight']):.2f}); "
        f"foresight / ours = {theirs / ours:.2f}",
    ]
    for name in CLASSIC_SIX:
        diff = table[f"{name}_rel_diff"]
        lines.append(f"  {name}: largest relative difference {diff.max():.2e}, median {diff.median():.2e}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--foresight", type=Path, help="root of a zero-cost-nas checkout: time it against ours"
    )
    source.add_argument(
        "--summary-only",
        action="store_true",
        help="time nothing: gather side_by_side.csv from the per-architecture files already written",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--out", type=Path, default=REPO_ROOT / "results" / "bench" / "side_by_side_foresight.csv"
    )
    args = parser.parse_args()
    if args.summary_only:
        table = pd.read_csv(args.out)
    else:
        table = run(args.foresight, args.threads, args.out)
    print(summary(table))
    out = args.out.resolve()
    rows = side_by_side_rows(
        table, out.relative_to(REPO_ROOT).as_posix() if out.is_relative_to(REPO_ROOT) else str(out)
    )
    rows.to_csv(args.out.with_name("side_by_side.csv"), index=False, float_format="%.6g")
    print(rows.drop(columns="per_arch_file").to_string(index=False))


if __name__ == "__main__":
    main()
