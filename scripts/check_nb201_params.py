"""Check that the project's NB201 network has the benchmark's parameter count for every architecture.

Builds all 15,625 networks for 10, 100 and 120 classes on PyTorch's ``meta`` device (no memory, no
initialisation) and compares the trainable parameter count with ``params_M`` of the ground-truth table.
Prints the number of mismatches per dataset; exits non-zero if any.
"""

from __future__ import annotations

import sys
import time

import torch

from bench.core.batches import NUM_CLASSES
from bench.core.benchmarks import open_benchmark


def main() -> int:
    benchmark = open_benchmark("nb201")
    failures = 0
    for dataset, classes in NUM_CLASSES.items():
        table = benchmark.truth.frame(dataset)["params_M"]
        start = time.perf_counter()
        bad = []
        for index in range(len(benchmark.space)):
            with torch.device("meta"):
                net = benchmark.space.build(index, classes)
            count = sum(p.numel() for p in net.parameters() if p.requires_grad)
            if abs(count / 1e6 - table[index]) > 5e-7:
                bad.append(index)
        failures += len(bad)
        print(
            f"{dataset}: {len(benchmark.space) - len(bad)}/{len(benchmark.space)} parameter counts equal the table "
            f"({time.perf_counter() - start:.0f} s){'; mismatches: ' + str(bad[:10]) if bad else ''}",
            flush=True,
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
