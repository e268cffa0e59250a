"""NAS-Bench-101 cells: validated, pruned model specs and the official module hash.

A cell is a DAG of at most 7 vertices and 9 edges given by a strictly upper-triangular 0/1 adjacency
matrix (``matrix[i][j] == 1``: the output of vertex ``i`` feeds vertex ``j``) and one op label per
vertex: ``input`` first, ``output`` last, and ``conv3x3-bn-relu``, ``conv1x1-bn-relu`` or
``maxpool3x3`` in between. As in the official ``nasbench`` API, a spec is first pruned (vertices
that are not on an input-to-output path are dropped) and the vertex/edge limits apply to the pruned
spec. Two specs describe the same network iff their module hashes are equal: the hash is the
iterative MD5 vertex-labelling hash of ``nasbench/lib/graph_util.py:hash_module``, which is
invariant under relabelling of the interior vertices and is the key of every record in the
official ``nasbench_*.tfrecord`` files.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

INPUT = "input"
OUTPUT = "output"
CONV3X3 = "conv3x3-bn-relu"
CONV1X1 = "conv1x1-bn-relu"
MAXPOOL3X3 = "maxpool3x3"
# The official ``config['available_ops']`` order; a vertex's hash label is its position here.
OPS: tuple[str, ...] = (CONV3X3, CONV1X1, MAXPOOL3X3)
INPUT_LABEL = -1
OUTPUT_LABEL = -2
MAX_VERTICES = 7
MAX_EDGES = 9

Matrix = tuple[tuple[int, ...], ...]


def parse_adjacency(text: str) -> Matrix:
    """Adjacency matrix from its text form: rows joined by ``;`` (``"0110;0001;..."``) or the flat
    row-major bit string of the official tfrecord (``"0110000001..."``, length ``V*V``)."""
    text = text.strip()
    if ";" in text:
        rows = text.split(";")
    else:
        side = math.isqrt(len(text))
        if side * side != len(text):
            raise ValueError(f"adjacency string of length {len(text)} is not a square matrix: {text!r}")
        rows = [text[i * side : (i + 1) * side] for i in range(side)]
    if any(len(row) != len(rows) for row in rows):
        raise ValueError(f"adjacency string is not a square matrix: {text!r}")
    if any(ch not in "01" for row in rows for ch in row):
        raise ValueError(f"adjacency string must contain only 0/1 digits: {text!r}")
    return tuple(tuple(int(ch) for ch in row) for row in rows)


def module_hash(matrix: np.ndarray, labels: Sequence[int]) -> str:
    """The NAS-Bench-101 graph hash of ``matrix`` (V x V, 0/1) with integer vertex ``labels``.

    Each vertex starts from ``md5(str((out_degree, in_degree, label)))``; then, ``V`` times, every
    vertex is re-hashed from the sorted hashes of its predecessors, ``|``, the sorted hashes of its
    successors, ``|`` and its own hash. The fingerprint is the md5 of the sorted final hashes written
    as a Python list. Isomorphic labelled graphs get the same 32-hex-digit string.
    """
    size = len(labels)
    out_degree = matrix.sum(axis=1).tolist()
    in_degree = matrix.sum(axis=0).tolist()
    hashes = [_md5(str((out_degree[v], in_degree[v], labels[v]))) for v in range(size)]
    predecessors = [[w for w in range(size) if matrix[w, v]] for v in range(size)]
    successors = [[w for w in range(size) if matrix[v, w]] for v in range(size)]
    for _ in range(size):
        hashes = [
            _md5(
                "".join(sorted(hashes[w] for w in predecessors[v]))
                + "|"
                + "".join(sorted(hashes[w] for w in successors[v]))
                + "|"
                + hashes[v]
            )
            for v in range(size)
        ]
    return _md5(str(sorted(hashes)))


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ModelSpec:
    """A valid NAS-Bench-101 cell, stored pruned (the form the benchmark files use).

    Construct it from any square 0/1 matrix (nested sequences or a numpy array) and the op labels;
    the constructor checks the spec, drops vertices that are not on an input-to-output path and
    raises ``ValueError`` naming the problem when the spec is outside the NAS-Bench-101 space.
    Equality is on the stored (pruned) matrix and ops; isomorphic cells compare unequal but share
    :attr:`hash`.
    """

    matrix: Matrix
    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        matrix, ops = _check_structure(self.matrix, self.ops)
        matrix, ops = _prune(matrix, ops)
        if len(ops) > MAX_VERTICES:
            raise ValueError(f"too many vertices after pruning: {len(ops)} (max {MAX_VERTICES})")
        edges = int(matrix.sum())
        if edges > MAX_EDGES:
            raise ValueError(f"too many edges after pruning: {edges} (max {MAX_EDGES})")
        object.__setattr__(self, "matrix", tuple(tuple(int(x) for x in row) for row in matrix))
        object.__setattr__(self, "ops", ops)

    @classmethod
    def from_strings(cls, adjacency: str, ops: str) -> ModelSpec:
        """Spec from the text forms used by the data files (see :func:`parse_adjacency`; ops comma-separated)."""
        return cls(parse_adjacency(adjacency), tuple(op.strip() for op in ops.split(",")))

    @property
    def num_vertices(self) -> int:
        """Vertices of the pruned cell, input and output included (2..7)."""
        return len(self.ops)

    @property
    def num_edges(self) -> int:
        """Edges of the pruned cell (1..9)."""
        return sum(map(sum, self.matrix))

    def array(self) -> np.ndarray:
        """The pruned adjacency matrix as a fresh ``int8`` array."""
        return np.array(self.matrix, dtype=np.int8)

    @cached_property
    def hash(self) -> str:
        """The official module hash (``ModelSpec.hash_spec(config['available_ops'])`` of ``nasbench``)."""
        labels = [INPUT_LABEL, *(OPS.index(op) for op in self.ops[1:-1]), OUTPUT_LABEL]
        return module_hash(self.array(), labels)

    def adjacency_string(self) -> str:
        """Rows of the matrix joined by ``;``, e.g. ``"0110;0001;0001;0000"``."""
        return ";".join("".join(map(str, row)) for row in self.matrix)

    def ops_string(self) -> str:
        """Op labels joined by commas."""
        return ",".join(self.ops)


def _check_structure(matrix: object, ops: Sequence[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    """The matrix as an int array and the ops as a tuple, or ``ValueError`` saying what is malformed."""
    try:
        array = np.asarray(matrix)
    except ValueError as error:
        raise ValueError(f"adjacency matrix must be square: {error}") from error
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise ValueError(f"adjacency matrix must be square, got shape {array.shape}")
    if array.size and not np.isin(array, (0, 1)).all():
        raise ValueError("adjacency matrix entries must be 0 or 1")
    array = array.astype(np.int8)
    ops = tuple(ops)
    if len(ops) != array.shape[0]:
        raise ValueError(f"{len(ops)} op labels for a {array.shape[0]}x{array.shape[0]} matrix")
    if array.shape[0] < 2:
        raise ValueError("a cell needs at least the input and output vertices")
    if np.tril(array).any():
        src, dst = map(int, np.argwhere(np.tril(array))[0])
        raise ValueError(
            f"matrix must be strictly upper triangular: edge {src}->{dst} is on or below the diagonal"
        )
    if ops[0] != INPUT:
        raise ValueError(f"first op must be {INPUT!r}, got {ops[0]!r}")
    if ops[-1] != OUTPUT:
        raise ValueError(f"last op must be {OUTPUT!r}, got {ops[-1]!r}")
    for vertex, op in enumerate(ops[1:-1], start=1):
        if op not in OPS:
            raise ValueError(f"vertex {vertex}: unsupported op {op!r} (allowed: {', '.join(OPS)})")
    return array, ops


def _prune(matrix: np.ndarray, ops: tuple[str, ...]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Keep only the vertices reachable from the input and reaching the output (official pruning)."""
    size = len(ops)
    from_input = _reachable(matrix, 0)
    if size - 1 not in from_input:
        raise ValueError("input is not connected to output")
    to_output = _reachable(matrix.T, size - 1)
    keep = [v for v in range(size) if v in from_input and v in to_output]
    return matrix[np.ix_(keep, keep)], tuple(ops[v] for v in keep)


def _reachable(matrix: np.ndarray, start: int) -> set[int]:
    seen = {start}
    frontier = [start]
    while frontier:
        for nxt in np.flatnonzero(matrix[frontier.pop()]).tolist():
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return seen


def one_change_variants(spec: ModelSpec) -> list[ModelSpec]:
    """Every valid cell one op change or one edge flip away from ``spec``, in a fixed order.

    Op changes come first (vertex by vertex, other ops in :data:`OPS` order), then edge flips in
    row-major order; variants that are invalid or pruned back to a cell with ``spec``'s hash are
    skipped. Isomorphic duplicates are kept (callers deduplicate by hash).
    """
    variants: list[ModelSpec] = []
    candidates: list[tuple[Matrix, tuple[str, ...]]] = []
    for vertex in range(1, spec.num_vertices - 1):
        for op in OPS:
            if op != spec.ops[vertex]:
                candidates.append((spec.matrix, (*spec.ops[:vertex], op, *spec.ops[vertex + 1 :])))
    for src in range(spec.num_vertices - 1):
        for dst in range(src + 1, spec.num_vertices):
            flipped = [list(row) for row in spec.matrix]
            flipped[src][dst] = 1 - flipped[src][dst]
            candidates.append((tuple(map(tuple, flipped)), spec.ops))
    for matrix, ops in candidates:
        try:
            variant = ModelSpec(matrix, ops)
        except ValueError:
            continue
        if variant.hash != spec.hash:
            variants.append(variant)
    return variants
