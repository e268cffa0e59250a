"""Per-architecture VKDNW: ``metrics/vkdnw.py`` against the official code, on the 20 ``make bench`` NB201 networks.

The official ``NB201/ZeroShotProxy/compute_vkdnw_score.py`` (ondratybl/VKDNW) is read from a checkout path the user
gives, never copied into this repository. It runs with two changes made in memory: ``nn.Module.cuda`` is a no-op (its
``compute_nas_score`` calls ``model.cuda()``), and its in-place write into a captured parameter inside ``jacrev``
(``param[param_idx] = v``), which torch ≥ 2.x refuses, becomes the out-of-place ``index_put``. Both sides get the same
network (this project's NB201 network, CIFAR-10 head, ``nn.AvgPool2d`` pools), the same Kaiming initialisation and
the same noise (one seed per architecture), ``params_grad_len`` = 128 and ``p`` = 1. Columns: the official value,
ours, the official Fisher matrix's spectrum entropy with our singular values (``torch.linalg.svdvals``), the largest
entry-wise difference of the two Fisher matrices relative to the largest entry, and seconds (each side's include
its SVD). The two sides alternate which runs first from one architecture to the next (column ``first``), so drift
of the machine's speed falls on both.

    python scripts/vkdnw_official_check.py /path/to/VKDNW [--out results/crosscheck/vkdnw_official_nb201.csv]
"""

from __future__ import annotations

import argparse
import sys
import types
from pathlib import Path

import pandas as pd
import torch
from torch import nn

from bench.core.benchmarks import open_benchmark
from bench.core.paths import REPO_ROOT
from metrics import vkdnw as ours
from metrics.gradsign import plain_avg_pools

sys.path.insert(0, str(REPO_ROOT / "scripts"))
from bench_scoring import bench_architectures
from bench_side_by_side import timed_in_turn

IN_PLACE = "param[param_idx] = v"
OUT_OF_PLACE = "param = param.index_put((torch.tensor(param_idx, dtype=torch.long),), v)"


def load_official(checkout: Path) -> types.ModuleType:
    """The official module, with its one in-place write made out-of-place; ``ValueError`` if the line is absent."""
    path = checkout / "NB201" / "ZeroShotProxy" / "compute_vkdnw_score.py"
    source = path.read_text(encoding="utf-8")
    if source.count(IN_PLACE) != 1:
        raise ValueError(f"{path}: expected the line {IN_PLACE!r} once; is this ondratybl/VKDNW at 6901b65?")
    module = types.ModuleType("official_vkdnw")
    module.__file__ = str(path)
    exec(compile(source.replace(IN_PLACE, OUT_OF_PLACE), str(path), "exec"), module.__dict__)
    return module


class TupleOutput(nn.Module):
    """The logits twice, as a pair: official codes unpack a network's output (VKDNW reads ``model(x)[1]``,
    ξ-GSNR's loop ``logits, out = network(x)``)."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.net(x)
        return out, out


def compare(official: types.ModuleType) -> pd.DataFrame:
    """One row per ``make bench`` architecture (see the module docstring)."""
    captured: dict[str, torch.Tensor] = {}
    get_fisher = official.get_fisher

    def capturing_get_fisher(*args: object, **kwargs: object) -> torch.Tensor:
        captured["fisher"] = get_fisher(*args, **kwargs)
        return captured["fisher"]

    official.get_fisher = capturing_get_fisher
    nn.Module.cuda = lambda self, *args, **kwargs: self  # type: ignore[method-assign]
    space = open_benchmark("nb201").space
    rows = []
    for position, index in enumerate(bench_architectures(space)):

        def theirs(index: int = index) -> float:
            torch.manual_seed(index)
            net = TupleOutput(plain_avg_pools(space.build(index, 10)))
            return official.compute_nas_score(net, None, None, 32, 64, params_grad_len=128, p=1)[
                "vkdnw_entropy"
            ]

        def mine(index: int = index) -> tuple[torch.Tensor, float]:
            torch.manual_seed(index)
            net = ours.fresh_eval_mode(ours.kaiming_fan_in_init(plain_avg_pools(space.build(index, 10))))
            fisher = ours.fisher_matrix(net, torch.randn(64, 3, 32, 32), ours.VKDNW_SETTINGS)
            return fisher, ours.spectrum_entropy(torch.linalg.svdvals(fisher))

        first, measured = timed_in_turn({"official": theirs, "ours": mine}, position)
        (official_seconds, official_value), (our_seconds, (fisher, value)) = (
            measured["official"],
            measured["ours"],
        )
        reference = captured["fisher"]
        rows.append(
            {
                "arch_index": index,
                "arch": space.arch_str(index),
                "first": first,
                "official": official_value,
                "ours": value,
                "abs_diff": abs(value - official_value),
                "official_fisher_our_spectrum": ours.spectrum_entropy(torch.linalg.svdvals(reference)),
                "fisher_max_rel_diff": float(
                    (fisher - reference).abs().max() / reference.abs().max().clamp_min(1e-30)
                ),
                "official_seconds": round(official_seconds, 2),
                "our_seconds": round(our_seconds, 2),
            }
        )
        print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="a checkout of ondratybl/VKDNW")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "results/crosscheck/vkdnw_official_nb201.csv")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    table = compare(load_official(args.checkout))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False, float_format="%.9g")
    print(table.drop(columns="arch").to_string(index=False))


if __name__ == "__main__":
    main()
