"""NB301 / DARTS space: genotype parsing and validation, the network, the pool, NB-Suite-Zero's params."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from bench.core.benchmarks import open_benchmark
from bench.core.benchmarks.nb301.genotype import duplicate_inputs, parse, to_str
from bench.core.benchmarks.nb301.network import (
    HNAS_DARTS,
    NB301_TRAINING,
    NB_SUITE_ZERO,
    SWAP_DARTS,
    DartsNetwork,
)
from bench.core.benchmarks.nb301.space import NB301Space, one_change_variants
from bench.core.paths import DataFileError
from bench.core.scoring import ScoringOptions

GENOTYPE = (
    "[[(0, 0), (1, 5), (1, 1), (0, 1), (1, 3), (0, 3), (1, 3), (3, 2)], "
    "[(1, 0), (0, 2), (1, 3), (0, 3), (3, 0), (0, 1), (2, 0), (3, 6)]]"
)


def test_parse_round_trips_the_compact_text() -> None:
    genotype = parse(GENOTYPE)
    assert genotype[0][1] == (1, 5) and genotype[1][7] == (3, 6)
    assert to_str(genotype) == GENOTYPE
    assert duplicate_inputs(genotype[0]) == [] and duplicate_inputs(((0, 1), (0, 2)) * 4) == [2, 3, 4, 5]


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("[[(0, 0)]", "not a Python literal"),
        ("[[(0, 0)] * 8]", "not a Python literal"),
        ("[[(0, 0)], [(0, 0)]]", "must list 8"),
        (GENOTYPE.replace("(1, 5)", "(1, 7)"), "has op 7"),
        (GENOTYPE.replace("(1, 5)", "(2, 5)"), "feeds node 2 from 2"),
        (GENOTYPE.replace("(1, 5)", "(1, 5, 0)"), "must be (input, op)"),
        ("[]", "expected [normal_cell, reduction_cell]"),
    ],
)
def test_malformed_genotypes_raise_one_line_errors(text: str, fault: str) -> None:
    with pytest.raises(ValueError, match="malformed NB301 genotype") as error:
        parse(text)
    assert fault in str(error.value) and "\n" not in str(error.value)


def test_network_runs_and_reduces_twice() -> None:
    net = DartsNetwork(parse(GENOTYPE), 10, NB_SUITE_ZERO)
    assert net(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    assert net.features(torch.randn(1, 3, 32, 32)).shape == (1, 4 * 4 * 32, 8, 8)


def test_params_equal_nb_suite_zero_file(root: Path) -> None:
    """Their ``params`` on the first 4 archs of their file (the script checks all 725)."""
    benchmark = open_benchmark("nb301", root)
    truth = benchmark.truth.frame("cifar10")
    for index in range(4):
        genotype = benchmark.space.arch(index)
        ours = sum(p.numel() for p in DartsNetwork(genotype, 10, NB_SUITE_ZERO).parameters()) / 1e6
        training = sum(p.numel() for p in DartsNetwork(genotype, 10, NB301_TRAINING).parameters()) / 1e6
        assert round(ours, 6) == truth.at[index, "params_M"]
        assert training > ours  # affine BN inside the cell ops


def test_pool_space_index_and_neighbours() -> None:
    genotype = parse(GENOTYPE)
    variants = one_change_variants(genotype)
    # per edge: (node - 1) other inputs + 6 other ops; nodes 2,2,3,3,4,4,5,5; two cells
    assert len(variants) == 2 * sum((node - 1) + 6 for node in (2, 2, 3, 3, 4, 4, 5, 5))
    space = NB301Space([GENOTYPE, variants[0], variants[-1]])
    assert space.index(GENOTYPE) == 0 and space.neighbours(0) == (1, 2)
    assert space.key(space.arch(2)) == to_str(variants[-1])
    with pytest.raises(ValueError, match="duplicates"):
        NB301Space([GENOTYPE, GENOTYPE])


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="zc_nasbench301"):
        open_benchmark("nb301", tmp_path)


def test_hnas_darts_network_parameter_count() -> None:
    """HNAS's scoring network (C=16, 5 cells, reductions at 1 and 3): max pools everywhere but one sep_conv_3x3
    edge of the normal cell. Stem 3·9·48 + 2·48 = 1,392; preprocessing (ReLU-1×1 conv-affine BN, or factorized
    reduction after a reduction cell): cell 0 800 + 800, cell 1 1,600 + 2,112, cell 2 2,112 + 4,160, cell 3
    8,320 + 8,320, cell 4 8,320 + 16,512; classifier 256·10 + 10 = 2,570; total 57,018. The sep_conv_3x3 adds
    2·(9C + C² + 2C) in each normal cell (C = 16, 32, 64): 864 + 2,752 + 9,600 = 13,216."""
    normal = [(0, 0), (1, 3)] + [(0, 0), (1, 0)] * 3
    genotype = parse(str([normal, [(0, 0), (1, 0)] * 4]))
    net = DartsNetwork(genotype, 10, HNAS_DARTS)
    assert sum(p.numel() for p in net.parameters()) == 57_018 + 13_216
    assert net(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    assert net.features(torch.randn(1, 3, 32, 32)).shape == (1, 4 * 4 * 16, 8, 8)


def test_swap_darts_network_parameter_count() -> None:
    """SWAP's DARTS scoring network (no stem, C = 3, one cell, which is a reduction cell of 6 channels): both
    preprocessings are ReLU-1×1 conv-affine BN from the 3-channel image, 2·(18 + 12) = 60; a skip_connect from
    input 0 at stride 2 is a factorized reduction, 2·18 + 12 = 48; a sep_conv_3x3 from input 1, 2·(9·6 + 6² + 2·6)
    = 204; max pools elsewhere, no BN after them; classifier 24·10 + 10 = 250; total 562."""
    normal = [(0, 0), (1, 0)] * 4  # never built: the one cell is a reduction cell
    genotype = parse(str([normal, [(0, 2), (1, 3)] + [(0, 0), (1, 0)] * 3]))
    net = DartsNetwork(genotype, 10, SWAP_DARTS)
    assert sum(p.numel() for p in net.parameters()) == 562
    assert len(net.cells) == 1 and isinstance(net.stem, torch.nn.Identity)
    assert net.features(torch.randn(2, 3, 32, 32)).shape == (2, 4 * 6, 16, 16)


def test_hnas_darts_variant_is_cached_apart(root: Path, tmp_path: Path) -> None:
    hnas = open_benchmark("nb301_hnas_darts", root)
    assert hnas.space.name == "nb301_hnas_darts" and hnas.space.config is HNAS_DARTS
    assert hnas.space.key(hnas.space.arch(7)) == open_benchmark("nb301", root).space.key(hnas.space.arch(7))
    engine = ScoringOptions(device="cpu").engine(hnas.space, "cifar10", tmp_path, root, progress=False)
    assert engine.store.folder.parent.parent.name == "nb301_hnas_darts"
    swap = open_benchmark("nb301_swap_darts", root)
    assert swap.space.config is SWAP_DARTS and swap.space.arch(7) == hnas.space.arch(7)
