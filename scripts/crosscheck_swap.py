"""Per-architecture agreement and side-by-side timing of ``swap`` with the official SWAP code (pym1024/SWAP).

The official ``SWAP`` class (``src/metrics/swap.py``) and initialiser ``network_weight_gaussian_init``
(``src/utils/utilities.py``) are imported at run time from a checkout given by ``--official`` (never vendored),
unmodified: no in-memory patch is needed on the CPU (their ``torch.cuda.empty_cache()`` / ``torch.cuda.manual_seed``
calls are no-ops without CUDA, and the device is passed in). The official driver ``correlation.py`` cannot be
imported (it parses arguments, downloads CIFAR-10 and reads the DARTS CSV at module level), so its per-architecture
loop (build ``SWAP(model, inputs, device, seed)``, then per repeat: re-initialise, ``reinit()``, ``forward()``,
``clear()``, and average) is driven from here; ``src/search_space/networks.py`` builds DARTS networks only (the
repository ships no NB201 builder), so the official side gets a deep copy of our NB201 network (CIFAR-10 head).

For each of the first ``--archs`` architectures of the NB201 1,000-architecture sample (seed 0), both sides get the
same network and the same 16 images: the first 16 of our seeded 64-image CIFAR-10 batch, made contiguous for both.
The loaded batch is a channels-last view of the NHWC image pool, convolutions keep that layout, and the official
``forward`` flattens each ReLU output with ``.view`` (``src/metrics/swap.py`` line 91), which raises on it (ours
uses ``reshape``). The layout changes convolution round-off, so a few near-zero ReLU inputs flip and the counts
move by a pattern or so: column ``ours_as_loaded`` is our value on the batch as loaded (the production value).

Weights: our metric seeds torch with ``Probe.shared``'s seed for the key ``swap <settings>`` and draws
``metrics.zen.gaussian_init`` once per repeat; the official side (column ``official``) is seeded the same and calls
the official initialiser once per repeat on the whole network, which draws the same N(0, 1) tensors in the same
``modules()`` order, so the 32 re-initialisations are identical and the two means should agree exactly (means of
integers). ``correlation.py`` (line 54) re-initialises with ``network.apply(network_weight_gaussian_init)``, which
runs the initialiser on every sub-module (post-order), so each weight is redrawn once per enclosing module and the
final values come from a later part of the random stream: the same N(0, 1) distribution, different draws. With
``--script-init N`` that protocol runs too on the first N architectures (column ``official_script``, seeded the
same, 32 repeats); it agrees with ours only statistically: ``official_sd`` is the standard deviation of the matched
official run's 32 counts and ``script_z`` = (official_script − ours) / (√2 · official_sd / √32).

The sides alternate which runs first from one architecture to the next (official first on even positions,
column ``first``), each timed with ``time.perf_counter`` (``seconds_official``: the matched run, including its deep
copy; ``seconds_ours``: ``registry.evaluate`` on a new probe), under ``--threads`` torch threads (default 1).
Writes one row per architecture to ``--out`` (pandas) and prints a summary.

With ``--space nb301_swap_darts`` the architectures are the first ``--archs`` NB301 genotypes (file order) on the
network of that benchmark variant, and the official side scores the network the official code builds for the
genotype (``Network(3, 10, 1, genotype)`` of ``src/search_space/networks.py``, as ``correlation.py`` does), so the
check covers the network too; the batch is the preset's 16 images (seed 0).

Usage: ``.venv/bin/python scripts/crosscheck_swap.py --official /tmp/SWAP --archs 50 [--script-init N]
--out results/crosscheck/swap_official_nb201.csv``; ``... --space nb301_swap_darts --archs 50
--out results/crosscheck/swap_official_nb301_darts.csv``
"""

from __future__ import annotations

import argparse
import copy
import math
import statistics
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from bench_side_by_side import relative_difference, timed, timed_in_turn
from hydra import compose, initialize_config_dir
from torch import nn

from bench.core.batches import load_batch
from bench.core.benchmarks import open_benchmark
from bench.core.benchmarks.nb301.genotype import Genotype as Genotype301
from bench.core.benchmarks.nb301.genotype import named_edges
from bench.core.correlation import select_architectures
from bench.core.paths import data_root
from bench.core.stats import finite_pairs_spearman
from metrics import registry
from metrics.batch import Batch
from metrics.probe import Probe
from metrics.swap import SwapSettings

SEED = 0
SETTINGS = SwapSettings()
ROUND_OFF = 1e-12
"""Relative differences up to this count as agreement to float round-off (the means are of integers)."""
PRESETS = {"nb201": "nb201_frontier_sample1000", "nb301_swap_darts": "nb301_swap_darts"}
"""The ``bench correlate`` preset whose committed ``swap`` scores each ``--space`` checks; its batch size is used."""
CONF = Path(__file__).resolve().parent.parent / "conf"


def preset_batch_size(preset: str) -> int:
    """``scoring.batch_size`` of ``bench correlate experiment=<preset>``, as Hydra composes it."""
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return int(compose(config_name="correlate", overrides=[f"experiment={preset}"]).scoring.batch_size)


@dataclass(frozen=True)
class Official:
    """The official pieces used: the ``SWAP`` class, the Gaussian initialiser, the DARTS network builder
    (``src/search_space/networks.py``: ``Network(C, num_classes, layers, genotype)``) and its ``Genotype``."""

    swap: type
    init: Callable[[nn.Module], nn.Module]
    network: Callable[..., nn.Module]
    genotype: type


def load_official(checkout: Path) -> Official:
    """Import the official modules from ``checkout`` (its ``src`` package goes first on ``sys.path``)."""
    if not (checkout / "src" / "metrics" / "swap.py").is_file():
        raise SystemExit(f"{checkout}: no src/metrics/swap.py; expected a checkout of pym1024/SWAP")
    if "src" in sys.modules:
        raise SystemExit("a package named 'src' is already imported; cannot import the official one")
    sys.path.insert(0, str(checkout))
    from src.metrics.swap import SWAP
    from src.search_space.networks import Genotype, Network
    from src.utils.utilities import network_weight_gaussian_init

    return Official(SWAP, network_weight_gaussian_init, Network, Genotype)


def official_network(
    official: Official, normal: list, normal_concat: list, reduce: list, reduce_concat: list
) -> nn.Module:
    """The network ``correlation.py`` scores a genotype on, built by the official code from the four fields of a
    DARTS ``Genotype``: ``Network(3, 10, 1, Genotype(normal, normal_concat, reduce, reduce_concat))``."""
    return official.network(3, 10, 1, official.genotype(normal, normal_concat, reduce, reduce_concat))


def official_darts_network(official: Official, genotype: Genotype301) -> nn.Module:
    """:func:`official_network` of our NB301 genotype in DARTS's form (``(op, input)`` per edge, nodes 2..5
    concatenated)."""
    normal, reduce = ([(op, source) for _, source, op in named_edges(cell)] for cell in genotype)
    concat = [2, 3, 4, 5]
    return official_network(official, normal, concat, reduce, concat)


def our_seed(settings: SwapSettings = SETTINGS, seed: int = SEED) -> int:
    """The torch seed in force when our metric draws its weights (``Probe.shared`` with key ``swap <settings>``)."""
    return (seed * 1_000_003 + zlib.crc32(f"swap {settings}".encode())) % (2**63)


def official_counts(
    official: Official, net: nn.Module, images: torch.Tensor, script_init: bool, seed: int
) -> list[int]:
    """The official per-repeat SWAP counts on a deep copy of ``net``, torch seeded with ``seed`` first.

    ``script_init``: re-initialise as ``correlation.py`` does (``net.apply(init)``), else one ``init(net)``.
    """
    torch.manual_seed(seed)
    model = copy.deepcopy(net)
    meter = official.swap(model=model, inputs=images, device=torch.device("cpu"), seed=SEED)
    counts = []
    for _ in range(SETTINGS.repeats):
        if script_init:
            model.apply(official.init)
        else:
            official.init(model)
        meter.reinit()
        counts.append(int(meter.forward()))
        meter.clear()
    return counts


def our_value(net: nn.Module, batch: Batch) -> float:
    """``swap`` through the registry on a probe of ``net`` and the whole batch; ``RuntimeError`` on a failure."""
    result = registry.evaluate(["swap"], Probe(net, batch, seed=SEED))["swap"]
    if result.error is not None:
        raise RuntimeError(f"our swap failed: {result.error}")
    return result.value


def compare_one(
    official: Official, net: nn.Module, batch: Batch, position: int, official_net: nn.Module | None = None
) -> dict[str, object]:
    """The agreement/timing columns of one architecture (official first on even positions); the official side
    scores ``official_net`` if given (a network the official code built), else a copy of ``net``."""
    images = batch.images[: SETTINGS.samples]
    theirs_net = net if official_net is None else official_net
    sides: dict[str, Callable[[], object]] = {
        "official": lambda: official_counts(official, theirs_net, images, script_init=False, seed=our_seed()),
        "ours": lambda: our_value(net, batch),
    }
    first, measured = timed_in_turn(sides, position)
    counts: list[int] = measured["official"][1]  # type: ignore[assignment]
    theirs, ours = statistics.fmean(counts), float(measured["ours"][1])  # type: ignore[arg-type]
    return {
        "first": first,
        "official": theirs,
        "ours": ours,
        "rel_diff": relative_difference(ours, theirs),
        "official_sd": statistics.stdev(counts),
        "seconds_official": measured["official"][0],
        "seconds_ours": measured["ours"][0],
    }


def script_init_columns(
    official: Official, net: nn.Module, batch: Batch, ours: float, sd: float
) -> dict[str, float]:
    """``correlation.py``'s ``net.apply`` re-initialisation (same seed): its mean, its z against ``ours`` with the
    standard error of a difference of two independent 32-repeat means (per-repeat ``sd``), and its seconds."""
    images = batch.images[: SETTINGS.samples]
    seconds, counts = timed(lambda: official_counts(official, net, images, script_init=True, seed=our_seed()))
    script = statistics.fmean(counts)  # type: ignore[arg-type]
    standard_error = math.sqrt(2) * sd / math.sqrt(SETTINGS.repeats)
    return {
        "official_script": script,
        "script_z": (script - ours) / standard_error if standard_error else math.nan,
        "seconds_official_script": seconds,
    }


def summarise(table: pd.DataFrame, threads: int) -> None:
    """Print agreement and timing over the architectures."""
    rho, used = finite_pairs_spearman(table["official"], table["ours"])
    agree = int((table["rel_diff"] <= ROUND_OFF).sum())
    print(f"archs: {len(table)}; threads: {threads}; first: {table['first'].value_counts().to_dict()}")
    print(
        f"rel_diff median {table['rel_diff'].median():.3g}, max {table['rel_diff'].max():.3g}; "
        f"agree to round-off (≤ {ROUND_OFF:g}): {agree}/{len(table)}; Spearman(ours, official) {rho:.6f} over {used}"
    )
    official_s, ours_s = table["seconds_official"].mean(), table["seconds_ours"].mean()
    print(
        f"mean seconds: official {official_s:.2f}, ours {ours_s:.2f}, official/ours {official_s / ours_s:.2f}"
    )
    loaded = (table["ours_as_loaded"] - table["ours"]).abs() / table["ours"]
    print(
        f"ours on the batch as loaded (channels-last) vs contiguous: rel diff median {loaded.median():.3g}, max {loaded.max():.3g}"
    )
    if "official_script" in table:
        script = table.dropna(subset=["official_script"])
        z = script["script_z"].to_numpy(dtype=float)
        rel = np.abs(script["official_script"] - script["ours"]) / script["official_script"]
        rho_script, used_script = finite_pairs_spearman(script["official_script"], script["ours"])
        print(
            f"correlation.py init on {len(script)}: rel diff median {np.median(rel):.3g}, max {np.max(rel):.3g}; "
            f"|z| median {np.median(np.abs(z)):.2f}, max {np.max(np.abs(z)):.2f}; "
            f"Spearman(ours, official_script) {rho_script:.6f} over {used_script}; "
            f"mean seconds {script['seconds_official_script'].mean():.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--official", type=Path, required=True, help="a checkout of pym1024/SWAP")
    parser.add_argument(
        "--space",
        choices=("nb201", "nb301_swap_darts"),
        default="nb201",
        help="nb201: the 1,000-architecture sample, the official side on a copy of our network; "
        "nb301_swap_darts: the 725 NB301 genotypes in file order, the official side on its own Network(3, 10, 1)",
    )
    parser.add_argument("--archs", type=int, default=50)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--script-init",
        type=int,
        default=0,
        metavar="N",
        help="also run correlation.py's net.apply re-initialisation on the first N architectures",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    official = load_official(args.official)
    benchmark = open_benchmark(args.space)
    loaded = load_batch("cifar10", data_root(), preset_batch_size(PRESETS[args.space]), seed=SEED)
    batch = replace(loaded, images=loaded.images.contiguous())  # the official .view needs it (docstring)
    darts = args.space == "nb301_swap_darts"
    indices = range(len(benchmark.space)) if darts else select_architectures(benchmark, 1000, SEED)
    rows = []
    for position, index in enumerate(indices[: args.archs]):
        net = benchmark.space.build(index, 10)
        theirs = official_darts_network(official, benchmark.space.arch(index)) if darts else None
        row = compare_one(official, net, batch, position, theirs)
        row["ours_as_loaded"] = our_value(net, loaded)
        if position < args.script_init:
            row |= script_init_columns(official, net, batch, row["ours"], row["official_sd"])  # type: ignore[arg-type]
        rows.append(
            {"arch_index": index, "arch_str": benchmark.space.key(benchmark.space.arch(index)), **row}
        )
        print({key: value for key, value in rows[-1].items() if key != "arch_str"}, flush=True)
    table = pd.DataFrame(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False, float_format="%.10g")
    summarise(table, args.threads)


if __name__ == "__main__":
    main()
