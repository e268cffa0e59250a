"""Benchmark (not a test) of VKDNW's Jacobian pass against the number of samples per ``vmap`` call.

VKDNW runs one backward pass per sample and class (:func:`metrics.vkdnw.logit_jacobians`), ``chunk`` samples per
``vmap`` call, so a call on CIFAR-100 or ImageNet16-120 holds 10-12× CIFAR-10's backward passes at once. Here each
chunk size runs on the same re-initialised network and noise, architecture by architecture, in one process with
one torch thread, rotating which chunk goes first; it records wall, user and system seconds (``os.times``) and the
largest absolute difference of the Jacobians from those of the rule's chunk (:func:`metrics.vkdnw.network_chunk`).
Writes ``results/bench/vkdnw_chunks.csv`` (one row per architecture and chunk, with the load average before the
architecture) and prints the means per chunk.

Usage: ``.venv/bin/python scripts/bench_vkdnw_chunks.py [--space nb201] [--dataset cifar100] [--archs 3 | --indices I ...]
[--chunks 16 2] [--out CSV]``
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pandas as pd
import torch
from bench_scoring import bench_architectures

from bench.core.batches import IMAGE_SIZE, NUM_CLASSES
from bench.core.benchmarks import open_benchmark
from bench.core.machine import cpu_model
from bench.core.paths import REPO_ROOT
from metrics.probe import logits
from metrics.vkdnw import (
    VKDNW_SETTINGS,
    chosen_entries,
    logit_jacobians,
    network_chunk,
    vkdnw_network,
)


def timed_jacobians(
    net: torch.nn.Module, noise: torch.Tensor, chunk: int
) -> tuple[torch.Tensor, dict[str, float]]:
    """The per-sample Jacobians of ``net`` on ``noise`` at ``chunk`` samples a call, and wall / user / system s."""
    chosen = chosen_entries(net, VKDNW_SETTINGS)
    wall, cpu = time.perf_counter(), os.times()
    jacobians = logit_jacobians(net, noise, chosen, chunk)
    after = os.times()
    seconds = {
        "wall_s": time.perf_counter() - wall,
        "user_s": after.user - cpu.user,
        "system_s": after.system - cpu.system,
    }
    return jacobians, seconds


def run(
    space: str, dataset: str, archs: int, chunks: list[int], out: Path, indices: list[int] | None = None
) -> pd.DataFrame:
    torch.set_num_threads(1)
    benchmark = open_benchmark(space)
    classes = NUM_CLASSES[dataset]
    side = IMAGE_SIZE[dataset]
    rows = []
    for turn, index in enumerate(indices or bench_architectures(benchmark.space)[:archs]):
        torch.manual_seed(index)
        net = vkdnw_network(benchmark.space.build(index, classes))
        noise = torch.randn(64, 3, side, side)
        assert logits(net(noise[:1])).shape[1] == classes
        rule = network_chunk(net, chosen_entries(net, VKDNW_SETTINGS), classes)
        load = os.getloadavg()[0]
        order = chunks[turn % len(chunks) :] + chunks[: turn % len(chunks)]
        results = {chunk: timed_jacobians(net, noise, chunk) for chunk in order}
        reference = results[rule][0] if rule in results else timed_jacobians(net, noise, rule)[0]
        for chunk in chunks:
            jacobians, seconds = results[chunk]
            rows.append(
                {
                    "space": space,
                    "dataset": dataset,
                    "arch_index": index,
                    "chunk": chunk,
                    "rule_chunk": rule,
                    **seconds,
                    "max_abs_difference": float((jacobians - reference).abs().max()),
                    "first": chunk == order[0],
                    "load_average": load,
                    "cpu": cpu_model(),
                }
            )
    frame = pd.DataFrame(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False)
    print(frame.groupby("chunk")[["wall_s", "user_s", "system_s", "max_abs_difference"]].mean().to_string())
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", default="nb201", help="a registered benchmark space")
    parser.add_argument("--dataset", default="cifar100", choices=sorted(NUM_CLASSES))
    parser.add_argument("--archs", type=int, default=3, help="the first ARCHS make-bench architectures")
    parser.add_argument("--indices", type=int, nargs="+", default=None, help="these architectures instead")
    parser.add_argument("--chunks", type=int, nargs="+", default=[16, 2])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "results" / "bench" / "vkdnw_chunks.csv")
    args = parser.parse_args()
    run(args.space, args.dataset, args.archs, args.chunks, args.out, args.indices)


if __name__ == "__main__":
    main()
