"""DARTS-space genotypes in NASLib's compact form, as keyed in NAS-Bench-Suite-Zero's NB301 file.

A genotype is two cells (normal, reduction); a cell is 8 edges ``(input, op)``; edges ``2k`` and ``2k + 1``
feed intermediate node ``k + 2`` (k = 0..3). Inputs 0 and 1 are the cell's two inputs (the outputs of the
cells two and one steps back), 2..5 the intermediate nodes, so the edges of node ``k + 2`` take an input in
``0..k + 1``. ``op`` indexes :data:`OPS` (NASLib's ``nasbench301/conversions.py`` order). The cell output
concatenates nodes 2..5. The text form is Python's ``str`` of ``[[(i, o), ...], [...]]``, e.g.
``[[(0, 0), (1, 5), ...], [(1, 0), (0, 2), ...]]``.
"""

from __future__ import annotations

import ast

OPS: tuple[str, ...] = (
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)
EDGES_PER_CELL = 8
INTERMEDIATE_NODES = 4

Edge = tuple[int, int]
Cell = tuple[Edge, ...]
Genotype = tuple[Cell, Cell]


def parse(text: str) -> Genotype:
    """Compact genotype text → ``(normal, reduction)``; ``ValueError`` quoting the text if malformed."""
    if not isinstance(text, str):
        raise ValueError(f"NB301 genotype must be a str, got {text!r}")
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError) as err:
        raise ValueError(f"malformed NB301 genotype {text!r}: not a Python literal ({err})") from None
    return validate(value, text)


def validate(value: object, text: str | None = None) -> Genotype:
    """``value`` (nested lists/tuples) as a checked :data:`Genotype`; ``ValueError`` naming the fault."""
    shown = text if text is not None else repr(value)
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError(f"malformed NB301 genotype {shown!r}: expected [normal_cell, reduction_cell]")
    cells = []
    for name, cell in zip(("normal", "reduction"), value, strict=True):
        if not isinstance(cell, list | tuple) or len(cell) != EDGES_PER_CELL:
            raise ValueError(f"malformed NB301 genotype {shown!r}: {name} cell must list 8 (input, op) edges")
        edges = []
        for position, edge in enumerate(cell):
            if (
                not isinstance(edge, list | tuple)
                or len(edge) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in edge)
            ):
                raise ValueError(
                    f"malformed NB301 genotype {shown!r}: {name} edge {position} must be (input, op), got {edge!r}"
                )
            source, op = edge
            node = position // 2 + 2
            if not 0 <= source < node:
                raise ValueError(
                    f"malformed NB301 genotype {shown!r}: {name} edge {position} feeds node {node} from "
                    f"{source}; valid inputs 0..{node - 1}"
                )
            if not 0 <= op < len(OPS):
                raise ValueError(
                    f"malformed NB301 genotype {shown!r}: {name} edge {position} has op {op}; valid 0..{len(OPS) - 1}"
                )
            edges.append((source, op))
        cells.append(tuple(edges))
    return cells[0], cells[1]


def to_str(genotype: Genotype) -> str:
    """The compact text form (the key of NB-Suite-Zero's NB301 file)."""
    return str([list(cell) for cell in genotype])


def named_edges(cell: Cell) -> list[tuple[int, int, str]]:
    """``(node, input, op name)`` for each edge of ``cell``, in edge order (DARTS genotype style)."""
    return [(position // 2 + 2, source, OPS[op]) for position, (source, op) in enumerate(cell)]


def duplicate_inputs(cell: Cell) -> list[int]:
    """Intermediate nodes whose two edges come from the same input (NASLib's graph holds one edge per
    (input, node) pair, so its network keeps only one of the two ops there)."""
    return [k + 2 for k in range(INTERMEDIATE_NODES) if cell[2 * k][0] == cell[2 * k + 1][0]]
