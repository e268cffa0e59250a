"""Per-architecture agreement of the AZ-NAS components with the official code (cvlab-yonsei/AZ-NAS).

The official ``NB201/ZeroShotProxy/compute_az_nas_score.py`` and its ``TinyNetwork`` (``NB201/custom/tss_model.py``,
with the ``xautodl`` package shipped in that folder) run unmodified from a checkout outside this repository, given
by ``--official`` (never vendored); only ``torch.nn.Module.cuda`` is made a no-op so that the official function,
which calls ``model.cuda()``, runs on the CPU. For each of the first ``--archs`` architectures of the NB201
1,000-architecture sample (seed 0), the torch RNG is set to the seed our probe uses for the AZ-NAS pass before
each side builds/initialises its network, so both draw the same Kaiming weights, Gaussian noise and Rademacher
probes: values should agree to float32 round-off. The two sides alternate which runs first from one architecture
to the next (column ``first``), so drift of the machine's speed falls on both. Writes one row per architecture
(official and ours per component, NaN where a side gives NaN or −inf, seconds per side) to ``--out``.

Usage: ``.venv/bin/python scripts/crosscheck_az_nas.py --official /tmp/AZ-NAS/NB201 --archs 50
--out results/crosscheck/az_nas_official_nb201.csv``
"""

from __future__ import annotations

import argparse
import math
import sys
import zlib
from pathlib import Path

import pandas as pd
import torch
from bench_side_by_side import timed_in_turn

from bench.core.benchmarks import open_benchmark
from bench.core.correlation import select_architectures
from metrics import registry
from metrics.batch import Batch
from metrics.probe import Probe

COMPONENTS = ("expressivity", "progressivity", "trainability")
SEED = 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--official", type=Path, required=True, help="the NB201 folder of an AZ-NAS checkout")
    parser.add_argument("--archs", type=int, default=50)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(args.official))
    torch.nn.Module.cuda = lambda self, *_, **__: self  # the official function calls model.cuda()
    torch.set_num_threads(1)
    from custom.tss_model import TinyNetwork
    from xautodl.models.cell_searchs.genotypes import Structure
    from ZeroShotProxy import compute_az_nas_score as official

    benchmark = open_benchmark("nb201")
    pass_seed = (SEED * 1_000_003 + zlib.crc32(b"az_nas_components")) % (2**63)  # Probe.shared's seed
    shape_only = Batch(torch.zeros(64, 3, 32, 32), torch.zeros(64, dtype=torch.int64), 10, "cifar10", "shape")
    rows = []
    for position, index in enumerate(select_architectures(benchmark, 1000, SEED)[: args.archs]):
        arch_str = benchmark.space.key(benchmark.space.arch(index))

        def theirs(arch_str: str = arch_str) -> dict[str, float]:
            torch.manual_seed(pass_seed)
            net = TinyNetwork(16, 5, Structure.str2structure(arch_str), 10)
            torch.manual_seed(pass_seed)
            return official.compute_nas_score(net, gpu=None, trainloader=None, resolution=32, batch_size=64)

        def ours(index: int = index) -> dict[str, float]:
            probe = Probe(benchmark.space.build(index, 10), shape_only, seed=SEED)
            results = registry.evaluate([f"az_{c}" for c in COMPONENTS], probe)
            return {c: results[f"az_{c}"].value for c in COMPONENTS}

        first, measured = timed_in_turn({"official": theirs, "ours": ours}, position)
        row = {"arch_index": index, "arch_str": arch_str, "first": first}
        for c in COMPONENTS:
            value = measured["official"][1][c]
            row[f"official_{c}"] = value if math.isfinite(value) else math.nan
            row[f"ours_{c}"] = measured["ours"][1][c]
        rows.append({**row, "seconds_official": measured["official"][0], "seconds_ours": measured["ours"][0]})
        print(rows[-1], flush=True)
    pd.DataFrame(rows).to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
