"""Per-architecture ξ-GSNR: ``metrics/gsnr.py`` against the official code (Sunzh1996/Xi-GSNR), with timings.

The official NB201 scoring is module-level code of ``Xi_GSNR_Consistency/run_gsnr.py`` (argument parsing, logging
to a file, ``CUDA_VISIBLE_DEVICES``, NAS-Bench-201 API and CIFAR-10 loading, then a loop over the 15,625 networks).
It is read from the checkout given by ``--official`` (never copied into this repository), parsed with ``ast`` and
only these of its statements are compiled and run, unchanged except for one patch:

- the ``parser = argparse.ArgumentParser(...)`` statement and its ``parser.add_argument(...)`` calls, then
  ``parser.parse_args([])``: the official defaults, which are the ``run.txt`` NB201 CIFAR-10 command (seed 1,
  ``--batch_numbers 8``, ``--random_xi 1e-08``, ``--nasspace nasbench201``);
- ``get_grad_all`` and ``caculate_gradsq_gradvar`` (the ξ-GSNR statistic; it reads the global ``args``);
- the body of the per-network loop (``for i, (uid, network) in enumerate(searchspace)``) from the dropout/init
  checks through ``scores.append(np.mean(s))``: ``.to(device)``, the reseeding, the 8 × (``iter(train_loader)``,
  forward, cross-entropy, ``backward()`` without ``zero_grad``, ``get_grad_all``) loop and the statistic. Left out:
  the ``--start``/``--end`` ``continue``/``break`` and the accuracy, Kendall/Spearman and logging lines after it.

Patch (in memory, in ``get_grad_all`` only, 2 occurrences): ``.grad.data.cpu()`` → ``.grad.data.cpu().clone()``.
On CUDA ``.cpu()`` copies the gradient; on the CPU it returns the ``.grad`` tensor itself, so the 8 saved NumPy
arrays would all be views of the one ``.grad`` that ``backward()`` keeps accumulating into in place: all 8 equal
the final sum, NumPy's float32 variances are round-off (≈1e-15 or exactly 0) and the score becomes ≈ Σ ḡ²/ξ
(5.3e9 instead of 9.1e4 for architecture 4), not ξ-GSNR. The clone restores the CUDA semantics.

The names those statements read are supplied: ``device`` = CPU, the ``network`` and a ``train_loader`` whose every
``iter()`` yields the next of the 8 groups (so the official code draws, in order, exactly the 8 contiguous groups
of 8 images and labels that ``metrics/gsnr.py`` cuts from the batch of 64 — ``--batch-size 512`` gives groups of
the official size 64 — instead of 8 random loader batches of 64), and the imports the statements use (``np``, ``torch``, ``F``, ``nn``, ``random``). Both sides get the same
network: this project's NB201 network (``benchmark.space.build``, CIFAR-10 head) built under
``torch.manual_seed(arch_index)``; the official side gets a deep copy with ``nn.AvgPool2d`` pools
(``plain_avg_pools``, equal bit for bit) behind a wrapper returning ``(logits, logits)``, since the official loop
unpacks ``logits, out = network(x)``. Our side is ``registry.evaluate(["xi_gsnr", "xi_gsnr_cumulative"], Probe(...))``
on the same batch (the two share one group-gradient pass). Each side builds its own copy inside its timed block;
which side runs first alternates (official on even positions). Untimed references: ``official_f64_stats`` is the
official statistic on the official float32 gradients cast to float64 (our statistics' precision);
``official_f64`` is the official code run on a float64 copy of the network and groups (gradients and statistics in
float64, the round-off-free reference), against which both float32 results are measured (``rel_diff_*_vs_f64``).
``grad_gap_a_vs_b`` is the largest |a − b| accumulated group gradient entry relative to the largest |b| one, over all
layers.

Usage: ``.venv/bin/python scripts/crosscheck_xi_gsnr.py --official /tmp/XiGSNR --archs 50
--out results/crosscheck/xi_gsnr_official_nb201.csv``
"""

from __future__ import annotations

import argparse
import ast
import copy
import random
import statistics
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from bench_side_by_side import relative_difference, timed_in_turn
from scipy import stats
from torch import nn
from vkdnw_official_check import TupleOutput

from bench.core.batches import load_batch
from bench.core.benchmarks import open_benchmark
from bench.core.correlation import select_architectures
from bench.core.paths import data_root
from metrics import registry
from metrics.gradsign import plain_avg_pools
from metrics.gsnr import GsnrSettings, group_gradients
from metrics.probe import Probe

RUN_GSNR = Path("Xi_GSNR_Consistency") / "run_gsnr.py"
COPYLESS = ".grad.data.cpu()"
COPYING = ".grad.data.cpu().clone()"
FUNCTIONS = ("get_grad_all", "caculate_gradsq_gradvar")
LAST_STATEMENT = "scores.append(np.mean(s))"
GROUPS = GsnrSettings().groups
SEED = 0


class OfficialGsnr:
    """The selected statements of ``run_gsnr.py`` (see the module docstring), compiled once."""

    def __init__(self, checkout: Path) -> None:
        self.path = checkout / RUN_GSNR
        source = self.path.read_text(encoding="utf-8")
        tree = ast.parse(source, str(self.path))
        parser_code = [node for node in tree.body if _builds_parser(node)]
        functions = [_patched(node, source) for node in tree.body if _defined_name(node) in FUNCTIONS]
        if len(parser_code) < 2 or len(functions) != len(FUNCTIONS):
            raise ValueError(
                f"{self.path}: parser or {FUNCTIONS} not found; is this Sunzh1996/Xi-GSNR b5c2853?"
            )
        setup = ast.Module(body=parser_code + functions, type_ignores=[])
        self.setup = compile(setup, str(self.path), "exec")
        self.score_body = compile(ast.Module(body=_loop_body(tree), type_ignores=[]), str(self.path), "exec")

    def namespace(self) -> dict[str, object]:
        """Globals for the statements: the imports they use, ``args`` (official defaults) and ``device``."""
        space: dict[str, object] = {"argparse": argparse, "np": np, "torch": torch, "F": F, "nn": nn}
        exec(self.setup, space)
        space.update(random=random, args=space["parser"].parse_args([]), device=torch.device("cpu"))  # type: ignore[attr-defined]
        return space

    def score(self, network: nn.Module, groups: list[tuple[torch.Tensor, torch.Tensor]]) -> dict[str, object]:
        """Run the per-network loop body on ``network`` and ``groups``; its globals afterwards (``scores``,
        ``grad_dict``, ``caculate_gradsq_gradvar``, …)."""
        space = self.namespace()
        if space["args"].batch_numbers != len(groups):  # type: ignore[attr-defined]
            raise ValueError(f"official --batch_numbers is {space['args'].batch_numbers}, not {len(groups)}")  # type: ignore[attr-defined]
        space.update(network=network, train_loader=GroupLoader(groups), scores=[])
        exec(self.score_body, space)
        return space


def _builds_parser(node: ast.stmt) -> bool:
    """``parser = argparse.ArgumentParser(...)`` or ``parser.add_argument(...)``."""
    text = ast.unparse(node)
    return text.startswith("parser = argparse.ArgumentParser(") or text.startswith("parser.add_argument(")


def _defined_name(node: ast.stmt) -> str | None:
    return node.name if isinstance(node, ast.FunctionDef) else None


def _patched(node: ast.stmt, source: str) -> ast.stmt:
    """``node`` itself, or for ``get_grad_all`` its source text with the copying patch, re-parsed at its lines."""
    if _defined_name(node) != "get_grad_all":
        return node
    text = ast.get_source_segment(source, node)
    if text is None or text.count(COPYLESS) != 2:
        raise ValueError(f"get_grad_all: expected {COPYLESS!r} twice; is this Sunzh1996/Xi-GSNR b5c2853?")
    return ast.increment_lineno(ast.parse(text.replace(COPYLESS, COPYING)), node.lineno - 1).body[0]


def _loop_body(tree: ast.Module) -> list[ast.stmt]:
    """The per-network loop body through :data:`LAST_STATEMENT`, without its ``continue``/``break`` checks."""
    loops = [
        node
        for node in tree.body
        if isinstance(node, ast.For) and ast.unparse(node.iter) == "enumerate(searchspace)"
    ]
    if len(loops) != 1:
        raise ValueError("run_gsnr.py: expected one `for ... in enumerate(searchspace)` loop")
    body = []
    for node in loops[0].body:
        if isinstance(node, ast.If) and isinstance(node.body[0], ast.Continue | ast.Break):
            continue
        body.append(node)
        if ast.unparse(node) == LAST_STATEMENT:
            return body
    raise ValueError(f"run_gsnr.py: {LAST_STATEMENT!r} not found in the per-network loop")


class GroupLoader:
    """A stand-in for the official ``train_loader``: each ``iter()`` yields the next group (once)."""

    def __init__(self, groups: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
        self.groups = groups
        self.drawn = 0

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        group = self.groups[self.drawn]
        self.drawn += 1
        return iter([group])


def split_groups(images: torch.Tensor, labels: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The :data:`GROUPS` contiguous equal groups ``metrics.gsnr.group_gradients`` forms, in order."""
    size = len(images) // GROUPS
    return [(images[j * size : (j + 1) * size], labels[j * size : (j + 1) * size]) for j in range(GROUPS)]


def run_official(
    official: OfficialGsnr, net: nn.Module, groups: list[tuple[torch.Tensor, torch.Tensor]]
) -> dict[str, object]:
    """The official globals after scoring a copy of ``net`` (see :meth:`OfficialGsnr.score`)."""
    return official.score(TupleOutput(plain_avg_pools(copy.deepcopy(net))), groups)


def run_ours(net: nn.Module, probe_batch: object) -> tuple[Probe, dict[str, float]]:
    """Our probe and ``{metric: value}`` for both ξ-GSNR metrics."""
    probe = Probe(net, probe_batch, seed=SEED)  # type: ignore[arg-type]
    results = registry.evaluate(["xi_gsnr", "xi_gsnr_cumulative"], probe)
    return probe, {name: result.value for name, result in results.items()}


def our_gradients(probe: Probe) -> dict[str, np.ndarray]:
    """Our accumulated group gradients, keyed and shaped like the official ``grad_dict`` (``net.`` + layer name,
    (groups, weights)); cached by the probe, so no second pass."""
    return {
        f"net.{name.removesuffix('.weight')}": g.cumsum(dim=0).reshape(GROUPS, -1).numpy()
        for name, g in group_gradients(probe, GROUPS).items()
    }


def gradient_gap(grads: dict[str, np.ndarray], reference: dict[str, np.ndarray]) -> float:
    """max |grads − reference| over every entry of the reference's layers / max |reference|."""
    largest_diff = largest = 0.0
    for name, expected in reference.items():
        largest_diff = max(largest_diff, float(np.abs(grads[name] - expected).max()))
        largest = max(largest, float(np.abs(expected).max()))
    return largest_diff / largest if largest > 0 else float("nan")


def official_results(space: dict[str, object]) -> tuple[float, dict[str, np.ndarray], Callable[..., float]]:
    """The official score, its ``grad_dict`` (layer → (groups, weights) array) and ``caculate_gradsq_gradvar``."""
    return (
        float(space["scores"][-1]),  # type: ignore[index]
        space["grad_dict"],  # type: ignore[return-value]
        space["caculate_gradsq_gradvar"],  # type: ignore[return-value]
    )


def float64_reference(
    official: OfficialGsnr, net: nn.Module, groups: list[tuple[torch.Tensor, torch.Tensor]]
) -> dict[str, object]:
    """The official globals after scoring a float64 copy of ``net`` on float64 ``groups`` (untimed)."""
    wide = [(images.double(), labels) for images, labels in groups]
    return official.score(TupleOutput(plain_avg_pools(copy.deepcopy(net))).double(), wide)


def compare(official: OfficialGsnr, archs: int, batch_size: int) -> pd.DataFrame:
    """One row per architecture (see the module docstring)."""
    benchmark = open_benchmark("nb201")
    batch = load_batch("cifar10", data_root(), batch_size, seed=SEED)
    groups = split_groups(batch.images, batch.labels)
    rows = []
    for position, index in enumerate(select_architectures(benchmark, 1000, SEED)[:archs]):
        torch.manual_seed(index)
        net = benchmark.space.build(index, batch.num_classes)
        first, measured = timed_in_turn(
            {
                "official": lambda net=net: run_official(official, net, groups),
                "ours": lambda net=net: run_ours(net, batch),
            },
            position,
        )
        (official_seconds, space), (our_seconds, (probe, ours)) = measured["official"], measured["ours"]
        theirs, grads, statistic = official_results(space)
        exact, exact_grads, _ = official_results(float64_reference(official, net, groups))
        mine, mine_grads = ours["xi_gsnr_cumulative"], our_gradients(probe)
        rows.append(
            {
                "arch_index": index,
                "arch_str": benchmark.space.arch_str(index),
                "official": theirs,
                "ours_cumulative": mine,
                "ours_independent": ours["xi_gsnr"],
                "rel_diff": relative_difference(mine, theirs),
                "official_f64_stats": statistic({k: v.astype(np.float64) for k, v in grads.items()}),
                "official_f64": exact,
                "rel_diff_official_vs_f64": relative_difference(theirs, exact),
                "rel_diff_ours_vs_f64": relative_difference(mine, exact),
                "grad_gap_ours_vs_official": gradient_gap(mine_grads, grads),
                "grad_gap_official_vs_f64": gradient_gap(grads, exact_grads),
                "grad_gap_ours_vs_f64": gradient_gap(mine_grads, exact_grads),
                "first": first,
                "seconds_official": official_seconds,
                "seconds_ours": our_seconds,
            }
        )
        print({k: v for k, v in rows[-1].items() if k != "arch_str"}, flush=True)
    return pd.DataFrame(rows)


def summarise(table: pd.DataFrame) -> None:
    """Print the agreement and timing summary."""
    print(f"{len(table)} architectures")
    for column in table.columns:
        if column.startswith(("rel_diff", "grad_gap")):
            print(f"{column}: median {table[column].median():.3g}, max {table[column].max():.3g}")
    within = table["rel_diff_ours_vs_f64"] <= table["rel_diff_official_vs_f64"]
    print(
        f"ours at least as close to the float64 reference as the official float32: {int(within.sum())}/{len(table)}"
    )
    print(f"rel_diff < 1e-5: {int((table['rel_diff'] < 1e-5).sum())}/{len(table)}")
    for column in ("ours_cumulative", "ours_independent", "official_f64"):
        rho = stats.spearmanr(table["official"], table[column]).statistic
        print(f"Spearman official vs {column}: {rho:.6f}")
    mean_official = statistics.fmean(table["seconds_official"])
    mean_ours = statistics.fmean(table["seconds_ours"])
    print(
        f"mean seconds/arch: official {mean_official:.3f}, ours {mean_ours:.3f} (both metrics, one pass), "
        f"official/ours {mean_official / mean_ours:.2f}; official first on {int((table['first'] == 'official').sum())}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--official", type=Path, required=True, help="a checkout of Sunzh1996/Xi-GSNR")
    parser.add_argument("--archs", type=int, default=50, help="the first ARCHS of the NB201 1,000-sample")
    parser.add_argument(
        "--batch-size", type=int, default=64, help="cut into 8 groups (64: ours; 512: official)"
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    table = compare(OfficialGsnr(args.official), args.archs, args.batch_size)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False, float_format="%.10g")
    summarise(table)


if __name__ == "__main__":
    main()
