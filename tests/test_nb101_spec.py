"""NB101 model specs: validation, pruning, the official module hash and the space."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from bench.core.benchmarks.nb101.groundtruth import SUBSET_TABLE, load_nb101
from bench.core.benchmarks.nb101.space import NB101Space
from bench.core.benchmarks.nb101.spec import (
    CONV1X1,
    CONV3X3,
    INPUT,
    MAXPOOL3X3,
    OPS,
    OUTPUT,
    ModelSpec,
    module_hash,
    one_change_variants,
    parse_adjacency,
)
from bench.core.paths import DataFileError, data_root
from bench.core.space import Space

# NNI's NAS-Bench-101 example (microsoft/nni, docs/en_US/NAS/BenchmarksExample.ipynb, v1.7): the
# cell {op1..op5: conv3x3, maxpool3x3, conv3x3, conv3x3, conv1x1; input1=[0], input2=[1], input3=[2],
# input4=[0], input5=[0, 3, 4], input6=[2, 5]} is returned with 'hash': '00005c142e6f48ac74fdcf73e3439874'
# (parameters 8.55553 M). The same matrix/ops/hash is the first entry of ``hash_iterator()`` in dumps
# of nasbench_only108.tfrecord (e.g. the CTNAS-derived ``nas_bench.json`` printout, n_params 8555530).
NNI_EXAMPLE = (
    [
        [0, 1, 0, 0, 1, 1, 0],
        [0, 0, 1, 0, 0, 0, 0],
        [0, 0, 0, 1, 0, 0, 1],
        [0, 0, 0, 0, 0, 1, 0],
        [0, 0, 0, 0, 0, 1, 0],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 0],
    ],
    [INPUT, CONV3X3, MAXPOOL3X3, CONV3X3, CONV3X3, CONV1X1, OUTPUT],
)
NNI_EXAMPLE_HASH = "00005c142e6f48ac74fdcf73e3439874"

# The Inception-like cell of the official colab (google-research/nasbench NASBench.ipynb) as queried,
# and the isomorphic form the dataset stores for it (the colab prints ``module_adjacency`` and
# ``module_operations`` of the query result): both must map to the same record.
INCEPTION_QUERY = (
    "0111010;0000001;0000001;0000100;0000001;0000001;0000000",
    "input,conv1x1-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,maxpool3x3,output",
)
INCEPTION_STORED = (
    "0111100;0000001;0000001;0000001;0000010;0000001;0000000",
    "input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,output",
)


def chain(ops: list[str]) -> list[list[int]]:
    """Adjacency of the path 0 -> 1 -> ... -> len(ops)-1."""
    size = len(ops)
    return [[1 if dst == src + 1 else 0 for dst in range(size)] for src in range(size)]


@pytest.fixture(scope="module")
def subset() -> tuple[NB101Space, object]:
    return load_nb101(data_root(), "subset")


def test_published_hash_of_nni_example() -> None:
    spec = ModelSpec(*NNI_EXAMPLE)
    assert spec.hash == NNI_EXAMPLE_HASH
    assert spec.num_vertices == 7 and spec.num_edges == 9


def test_stored_and_queried_inception_cell_share_hash() -> None:
    query, stored = ModelSpec.from_strings(*INCEPTION_QUERY), ModelSpec.from_strings(*INCEPTION_STORED)
    assert query != stored
    assert query.hash == stored.hash


def test_hash_invariant_under_relabelling_of_interior_vertices() -> None:
    rng = np.random.default_rng(0)
    for adjacency, ops in (
        INCEPTION_QUERY,
        (";".join("".join(map(str, r)) for r in NNI_EXAMPLE[0]), ",".join(NNI_EXAMPLE[1])),
    ):
        spec = ModelSpec.from_strings(adjacency, ops)
        matrix, labels = spec.array(), [-1, *(OPS.index(op) for op in spec.ops[1:-1]), -2]
        for _ in range(200):
            order = [0, *(rng.permutation(spec.num_vertices - 2) + 1).tolist(), spec.num_vertices - 1]
            permuted = matrix[np.ix_(order, order)]
            assert module_hash(permuted, [labels[v] for v in order]) == spec.hash


def test_hash_invariant_on_real_cells_under_topological_relabelling(subset) -> None:
    space, _ = subset
    rng = np.random.default_rng(1)
    for index in range(0, len(space), 5):
        spec = space.arch(index)
        for _ in range(5):
            order = _random_topological_order(spec.array(), rng)
            relabelled = ModelSpec(spec.array()[np.ix_(order, order)], [spec.ops[v] for v in order])
            assert relabelled.hash == spec.hash


def _random_topological_order(matrix: np.ndarray, rng: np.random.Generator) -> list[int]:
    size, order = matrix.shape[0], []
    remaining = set(range(size))
    while remaining:
        ready = sorted(v for v in remaining if not any(matrix[u, v] for u in remaining))
        pick = ready[rng.integers(len(ready))] if len(ready) > 1 else ready[0]
        order.append(pick)
        remaining.remove(pick)
    return order


def test_hash_equality_matches_brute_force_isomorphism_on_real_cells(subset) -> None:
    space, _ = subset
    canonical_forms = {}
    for index in range(len(space)):
        spec = space.arch(index)
        canonical_forms[index] = _brute_force_canonical(spec)
    for a, b in itertools.combinations(range(0, len(space), 3), 2):
        same_hash = space.arch(a).hash == space.arch(b).hash
        assert same_hash == (canonical_forms[a] == canonical_forms[b]), (a, b)


def _brute_force_canonical(spec: ModelSpec) -> tuple:
    """Smallest (matrix, ops) over all relabellings of the interior vertices."""
    size, matrix = spec.num_vertices, spec.array()
    forms = []
    for perm in itertools.permutations(range(1, size - 1)):
        order = [0, *perm, size - 1]
        forms.append((matrix[np.ix_(order, order)].tobytes(), tuple(spec.ops[v] for v in order)))
    return min(forms)


def test_different_cells_get_different_hashes() -> None:
    base = ModelSpec(*NNI_EXAMPLE)
    variants = one_change_variants(base)
    assert variants and all(v.hash != base.hash for v in variants)
    ops = list(NNI_EXAMPLE[1])
    ops[5] = CONV3X3
    assert ModelSpec(NNI_EXAMPLE[0], ops).hash != base.hash


def test_prunes_dangling_and_unreachable_vertices() -> None:
    # vertex 1 has no path to the output; vertex 2 is not reachable from the input
    spec = ModelSpec(
        [[0, 1, 0, 1, 0], [0, 0, 0, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]],
        [INPUT, CONV3X3, CONV1X1, MAXPOOL3X3, OUTPUT],
    )
    assert spec.matrix == ((0, 1, 0), (0, 0, 1), (0, 0, 0))
    assert spec.ops == (INPUT, MAXPOOL3X3, OUTPUT)
    # an island: vertex 2 -> 3 is disconnected from both ends
    island = ModelSpec(
        [[0, 1, 0, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]],
        [INPUT, CONV1X1, CONV3X3, CONV3X3, OUTPUT],
    )
    assert island.ops == (INPUT, CONV1X1, OUTPUT)
    # pruning keeps the hash of the pruned cell
    assert island.hash == ModelSpec(chain([INPUT, CONV1X1, OUTPUT]), [INPUT, CONV1X1, OUTPUT]).hash


def test_limits_apply_after_pruning() -> None:
    # an 8-vertex matrix whose extra vertex is dangling prunes to a valid 7-vertex chain
    ops = [INPUT, *[CONV3X3] * 6, OUTPUT]
    matrix = chain(ops)
    matrix[6][7], matrix[5][6], matrix[5][7] = 0, 0, 1  # vertex 6 now dangles
    assert ModelSpec(matrix, ops).num_vertices == 7


@pytest.mark.parametrize(
    ("matrix", "ops", "message"),
    [
        ([[0, 1, 0], [0, 0, 1]], [INPUT, CONV3X3, OUTPUT], "square"),
        ([[0, 1], [0, 0]], [INPUT, CONV3X3, OUTPUT], "op labels"),
        ([[0, 2], [0, 0]], [INPUT, OUTPUT], "0 or 1"),
        ([[0, 1, 0], [0, 0, 1], [1, 0, 0]], [INPUT, CONV3X3, OUTPUT], "upper triangular"),
        ([[1, 1], [0, 0]], [INPUT, OUTPUT], "upper triangular"),
        ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [CONV3X3, CONV3X3, OUTPUT], "first op"),
        ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [INPUT, CONV3X3, CONV3X3], "last op"),
        ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [INPUT, "conv5x5", OUTPUT], "unsupported op"),
        (
            [[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]],
            [INPUT, CONV3X3, CONV3X3, OUTPUT],
            "not connected",
        ),
        (chain([INPUT, *[CONV3X3] * 6, OUTPUT]), [INPUT, *[CONV3X3] * 6, OUTPUT], "too many vertices"),
    ],
)
def test_invalid_specs_raise_value_error(matrix, ops, message) -> None:
    with pytest.raises(ValueError, match=message):
        ModelSpec(matrix, ops)


def test_too_many_edges_raises() -> None:
    full = np.triu(np.ones((7, 7), dtype=int), 1)  # 21 edges, nothing to prune
    with pytest.raises(ValueError, match="too many edges after pruning: 21"):
        ModelSpec(full, [INPUT, *[CONV3X3] * 5, OUTPUT])


def test_parse_adjacency_accepts_both_text_forms() -> None:
    rows = parse_adjacency("011;001;000")
    assert rows == parse_adjacency("011001000") == ((0, 1, 1), (0, 0, 1), (0, 0, 0))
    with pytest.raises(ValueError, match="square"):
        parse_adjacency("01100")
    with pytest.raises(ValueError, match="0/1"):
        parse_adjacency("012;000;000")
    spec = ModelSpec(*NNI_EXAMPLE)
    assert ModelSpec.from_strings(spec.adjacency_string(), spec.ops_string()) == spec


def test_subset_space_follows_protocol_and_maps_duplicates(subset) -> None:
    space, truth = subset
    assert isinstance(space, Space) and space.name == "nb101" and len(space) == 500
    hashes = truth.frame("cifar10")["arch_str"]
    assert hashes.nunique() == 292  # NASLib's 500 rows are unpruned matrices of 292 distinct cells
    trivial = ModelSpec([[0, 1], [0, 0]], [INPUT, OUTPUT])
    assert (hashes == trivial.hash).sum() == 55
    for index in range(len(space)):
        spec = space.arch(index)
        first = space.canonical(index)
        assert space.canonical_indices()[index] == first
        assert space.key(spec) == hashes[index] and space.arch(first).hash == spec.hash
        assert space.index(spec) == space.index_of_hash(hashes[index]) == first <= index
    with pytest.raises(KeyError):
        space.index(ModelSpec(*NNI_EXAMPLE))


def test_neighbours_are_one_change_away_and_in_space(subset) -> None:
    space, _ = subset
    rng = np.random.default_rng(0)
    with_neighbours = 0
    for index in range(len(space)):
        found = space.neighbours(index)
        variants = {v.hash for v in one_change_variants(space.arch(index))}
        assert all(space.arch(n).hash in variants and space.canonical(n) == n for n in found)
        if found:
            with_neighbours += 1
            assert space.mutate(index, rng) in found
        else:
            with pytest.raises(ValueError, match="no one-change neighbour"):
                space.mutate(index, rng)
    assert with_neighbours > 0


def test_full_neighbourhood_space() -> None:
    base = ModelSpec(*NNI_EXAMPLE)
    variants = one_change_variants(base)
    space = NB101Space([base, *variants])
    distinct = {v.hash for v in variants}
    assert len(space.neighbours(0)) == len(distinct)
    assert {space.arch(n).hash for n in space.neighbours(0)} == distinct
    assert space.neighbours(0) == space.neighbours(0)
    picks = space.sample(np.random.default_rng(3), 10)
    assert len(set(picks)) == 10 and all(0 <= p < len(space) for p in picks)


def test_space_rejects_mismatched_hashes() -> None:
    with pytest.raises(ValueError, match="2 hashes for 1 specs"):
        NB101Space([ModelSpec(*NNI_EXAMPLE)], ["a", "b"])


def test_missing_subset_file_names_it(tmp_path) -> None:
    with pytest.raises(DataFileError, match=SUBSET_TABLE):
        load_nb101(tmp_path, "subset")
