"""The ``class_invariant`` declarations hold: a network with its dead operations (off every input→output
path) removed and its live weights kept scores the same on every class-invariant metric, and differently
on the others, so sharing one score per functional class is exact only for the former."""

from __future__ import annotations

import math

import pytest
import torch

from bench.core.batches import load_batch
from bench.core.benchmarks.nb201.network import NB201Network
from bench.core.benchmarks.nb201.space import EDGES, expression, live_edges, parse
from bench.core.paths import data_root
from metrics import registry
from metrics.probe import Probe

# Node 1 never reaches the output, so the conv 1←0 is dead (its output is unused); node 2 has no input,
# so the conv 3←2 is fed zeros (dead input, its BatchNorm shift still reaches the output). Only 3←0 is live.
DEAD = "|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|nor_conv_1x1~2|"
SATURATED = {"linear_regions", "l_swag", "l_swag_psi"}
"""Count distinct ReLU patterns: ``linear_regions`` per image (on NB201 every image has its own, value = batch
size); L-SWAG's Ψ per unit, and this pair's dead ReLUs read node 0, which the live conv 3←0 also reads (the same
patterns), or zeros (the all-zero pattern), so they add none. Both are declared non-invariant from their code
(``tests/test_metrics_vkdnw_gsnr_lswag.py`` shows Ψ changing with a dead ReLU that reads a node no live ReLU reads)."""


pytestmark = pytest.mark.xdist_group("class_invariance")
"""With ``--dist loadgroup`` (``make test``) all metrics run in one worker, which scores the pair once."""


@pytest.fixture(scope="module")
def scores() -> tuple[dict[str, float], dict[str, float]]:
    arch = parse(DEAD)
    live = set(live_edges(arch))
    stripped = tuple(op if edge in live else "none" for edge, op in enumerate(arch))
    assert live == {EDGES.index((3, 0))} and expression(stripped) == expression(arch)
    torch.manual_seed(1)
    full = NB201Network(arch, 10, channels=8)  # narrow (the benchmark's is 16): the same code, less work
    torch.manual_seed(2)
    pruned = NB201Network(stripped, 10, channels=8)
    weights = full.state_dict()
    pruned.load_state_dict({key: weights[key] for key in pruned.state_dict()})
    batch = load_batch("cifar10", data_root(), 16, 0, "npz", "random")
    names = registry.names()
    return tuple(  # type: ignore[return-value]
        {name: result.value for name, result in registry.evaluate(names, Probe(net, batch, seed=5)).items()}
        for net in (full, pruned)
    )


@pytest.mark.parametrize("name", registry.names())
def test_declared_class_invariance_holds(
    name: str, scores: tuple[dict[str, float], dict[str, float]]
) -> None:
    full, pruned = scores[0][name], scores[1][name]
    assert math.isfinite(full) and math.isfinite(pruned)
    same = math.isclose(full, pruned, rel_tol=1e-9, abs_tol=1e-12)
    if registry.get(name).class_invariant:
        assert same, f"{name} is declared class-invariant but the dead ops change it: {full} vs {pruned}"
    elif name not in SATURATED:
        assert not same, f"{name} is declared non-invariant yet ignores the dead ops: {full} == {pruned}"
