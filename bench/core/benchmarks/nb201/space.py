"""The NAS-Bench-201 / NATS-Bench topology search space (15,625 cells).

A cell is a DAG on 4 nodes (0 = input, 3 = output); each of the 6 edges ``j → i`` (j < i) carries
one of 5 ops. An architecture is the tuple of its 6 edge ops in the order of the official string
``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``: edges (1←0), (2←0), (2←1), (3←0), (3←1), (3←2).

The official index order (0..15624) is not derivable from the strings: it comes from the benchmark
files, so :class:`NB201Space` is built from the ordered list of arch strings of a ground-truth source.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Hashable, Iterable, Sequence

import numpy as np
from torch import nn

from bench.core.space import checked_index, sample_indices

OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
NUM_ARCHS = len(OPS) ** len(EDGES)

Arch = tuple[str, str, str, str, str, str]

_NODE = re.compile(r"\|([a-z0-9_]+)~(\d)")


def parse(arch_str: str) -> Arch:
    """Official arch string → tuple of 6 edge ops; ``ValueError`` quoting the string if malformed."""
    if not isinstance(arch_str, str):
        raise ValueError(f"arch string must be a str, got {arch_str!r}")
    nodes = arch_str.split("+")
    if len(nodes) != 3:
        raise ValueError(f"malformed NB201 arch string {arch_str!r}: expected 3 nodes separated by '+'")
    ops: list[str] = []
    for target, node in enumerate(nodes, start=1):
        if not (node.startswith("|") and node.endswith("|")):
            raise ValueError(
                f"malformed NB201 arch string {arch_str!r}: node {node!r} must be wrapped in '|'"
            )
        found = _NODE.findall(node)
        rebuilt = "".join(f"|{op}~{src}" for op, src in found) + "|"
        if rebuilt != node or len(found) != target:
            raise ValueError(
                f"malformed NB201 arch string {arch_str!r}: node {target} must list exactly {target} "
                f"inputs as |op~source|, got {node!r}"
            )
        for source, (op, src) in enumerate(found):
            if int(src) != source:
                raise ValueError(
                    f"malformed NB201 arch string {arch_str!r}: node {target} input {src} out of order"
                )
            if op not in OPS:
                raise ValueError(
                    f"unknown op {op!r} in NB201 arch string {arch_str!r}; valid ops: {', '.join(OPS)}"
                )
            ops.append(op)
    return tuple(ops)  # type: ignore[return-value]


def to_str(arch: Sequence[str]) -> str:
    """Tuple of 6 edge ops → official arch string."""
    if len(arch) != len(EDGES) or any(op not in OPS for op in arch):
        raise ValueError(f"not an NB201 cell (6 ops from {OPS}): {tuple(arch)!r}")
    a = arch
    return f"|{a[0]}~0|+|{a[1]}~0|{a[2]}~1|+|{a[3]}~0|{a[4]}~1|{a[5]}~2|"


def enumerate_archs() -> list[Arch]:
    """All 15,625 cells, in lexicographic order of the op indices (not the official order)."""
    return [tuple(ops) for ops in itertools.product(OPS, repeat=len(EDGES))]  # type: ignore[misc]


def expression(arch: Sequence[str]) -> str:
    """A canonical formula of the cell's output as a function of its input and its weights.

    Each node is the multiset (sorted sum) of its incoming terms: ``skip_connect`` passes the source's
    terms through, ``avg_pool_3x3`` (parameter-free) wraps the source as ``avg_pool_3x3(source)``, and
    a convolution is a weighted *instance*, written ``nor_conv_3x3#k(source)``: one convolution whose
    output reaches a node twice (through skips) appears twice with the same tag ``k``, two convolutions
    on different edges get different tags, so ``2·conv(x)`` and ``conv_a(x) + conv_b(x)`` differ. Zero
    terms are dropped (``none`` edges, and ops applied to a node that is identically zero, since
    ReLU-Conv-BN, avg-pool and identity all map zero to zero), so operations off every input→output
    path never appear. The tags are numbered to give the lexicographically smallest formula over every
    numbering of the live convolutions of each op type. Two cells with the same formula compute the
    same family of functions: the same live ops, each shared or separate alike, applied to the same
    inputs, up to the order of sums and node labels.
    """
    live = [e for e in live_edges(arch) if arch[e].startswith("nor_conv")]
    groups = [[e for e in live if arch[e] == op] for op in sorted({arch[e] for e in live})]
    best: str | None = None
    for orders in itertools.product(*(itertools.permutations(g) for g in groups)):
        tags = {edge: tag for order in orders for tag, edge in enumerate(order)}
        formula = _formula(arch, tags)
        best = formula if best is None or formula < best else best
    return best if best is not None else _formula(arch, {})


def live_edges(arch: Sequence[str]) -> list[int]:
    """The edges whose op is on an input→output path: not ``none``, fed a node that is not identically
    zero, and leading into a node that reaches the output (every other op is dead)."""
    nonzero = {0: True}
    for node in (1, 2, 3):
        nonzero[node] = any(
            dst == node and op != "none" and nonzero[src] for (dst, src), op in zip(EDGES, arch, strict=True)
        )
    reaches = {3: True}
    for node in (2, 1, 0):
        reaches[node] = any(
            src == node and op != "none" and reaches[dst] for (dst, src), op in zip(EDGES, arch, strict=True)
        )
    return [
        edge
        for edge, ((dst, src), op) in enumerate(zip(EDGES, arch, strict=True))
        if op != "none" and nonzero[src] and reaches[dst]
    ]


def _formula(arch: Sequence[str], tags: dict[int, int]) -> str:
    """The output formula of :func:`expression` with convolution ``edge`` tagged ``tags[edge]``."""
    nodes: dict[int, list[str]] = {0: ["x"]}
    for dst in (1, 2, 3):
        terms: list[str] = []
        for edge, ((edge_dst, src), op) in enumerate(zip(EDGES, arch, strict=True)):
            if edge_dst != dst or op == "none" or not nodes[src]:
                continue
            if op == "skip_connect":
                terms.extend(nodes[src])
            else:
                # a convolution off every path to the output has no tag; its term never reaches node 3
                name = f"{op}#{tags.get(edge, '-')}" if op.startswith("nor_conv") else op
                terms.append(f"{name}({'+'.join(nodes[src])})")
        nodes[dst] = sorted(terms)
    return "+".join(nodes[3]) if nodes[3] else "0"


class NB201Space:
    """NAS-Bench-201 topology space with the official index order.

    Args:
        arch_strs: the 15,625 arch strings in official index order (from a ground-truth source).
    """

    name = "nb201"
    dead_ops_in_class = True

    def __init__(self, arch_strs: Iterable[str]) -> None:
        self._archs: list[Arch] = [parse(s) for s in arch_strs]
        self._index = {arch: i for i, arch in enumerate(self._archs)}
        if len(self._index) != len(self._archs):
            raise ValueError("NB201 arch list contains duplicates")
        if len(self._archs) != NUM_ARCHS:
            raise ValueError(f"NB201 arch list has {len(self._archs)} entries, expected {NUM_ARCHS}")
        self._canonical: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self._archs)

    def arch(self, index: int) -> Arch:
        return self._archs[checked_index(self.name, index, len(self))]

    def index(self, arch: Hashable) -> int:
        """The index of an arch string or a tuple of 6 edge ops; ``ValueError`` for a malformed one (unknown
        op, wrong length), ``TypeError`` for anything else."""
        if isinstance(arch, str):
            return self._index[parse(arch)]
        if not isinstance(arch, tuple | list):
            raise TypeError(f"an NB201 architecture is an arch string or a tuple of 6 edge ops, got {arch!r}")
        return self._index[parse(to_str(arch))]

    def key(self, arch: Hashable) -> str:
        return to_str(arch)  # type: ignore[arg-type]

    def dead_ops(self, index: int) -> int:
        arch = self.arch(index)
        return sum(op != "none" for op in arch) - len(live_edges(arch))

    def arch_str(self, index: int) -> str:
        """Official arch string of ``index``."""
        return to_str(self.arch(index))

    def sample(self, rng: np.random.Generator, n: int) -> list[int]:
        return sample_indices(rng, len(self), n)

    def neighbours(self, index: int) -> list[int]:
        """The 24 cells differing from ``index`` in exactly one edge op, in edge-then-op order."""
        arch = self.arch(index)
        out = []
        for edge, current in enumerate(arch):
            for op in OPS:
                if op != current:
                    out.append(self._index[(*arch[:edge], op, *arch[edge + 1 :])])
        return out

    def mutate(self, index: int, rng: np.random.Generator) -> int:
        """A uniformly random one-edge change of ``index``."""
        choices = self.neighbours(index)
        return choices[int(rng.integers(len(choices)))]

    def canonical(self, index: int) -> int:
        """Smallest official index with the same :func:`expression` as ``index``."""
        return int(self.canonical_indices()[checked_index(self.name, index, len(self))])

    def canonical_indices(self) -> np.ndarray:
        """For every index, the representative (smallest index) of its functional class."""
        if self._canonical is None:
            first: dict[str, int] = {}
            rep = np.empty(len(self), dtype=np.int64)
            for i, arch in enumerate(self._archs):
                rep[i] = first.setdefault(expression(arch), i)
            self._canonical = rep
        return self._canonical

    def build(self, index: int, num_classes: int) -> nn.Module:
        """The benchmark network of ``index`` (C=16, N=5), freshly initialised with torch's RNG."""
        from bench.core.benchmarks.nb201.network import NB201Network

        return NB201Network(self.arch(index), num_classes)
