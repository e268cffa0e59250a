"""The committed regression references (results/reference/) still hold, recomputed from scratch.

A failure prints the table of old vs new values; if the change is intended, run
``make update-reference`` and commit the reviewed diff of ``results/reference/``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from bench.apps.reference import REFERENCES, SEARCH_PARAMS, Reference, compare
from search.registry import SEARCHERS


@pytest.mark.slow
@pytest.mark.parametrize("reference", REFERENCES, ids=[ref.name for ref in REFERENCES])
def test_reference_holds(reference: Reference, tmp_path: Path) -> None:
    mismatches = reference.mismatches(reference.compute(tmp_path, False))
    assert mismatches.empty, reference.report(mismatches)


def test_every_searcher_has_reference_parameters() -> None:
    assert set(SEARCH_PARAMS) == set(SEARCHERS)


def test_compare_reports_old_and_new_values_beyond_tolerance() -> None:
    old = pd.DataFrame(
        {"metric": ["a", "b", "c", "d"], "n": [10, 10, 10, 10], "rho": [0.5, 0.5, math.nan, 0.1]}
    )
    new = pd.DataFrame(
        {"metric": ["a", "b", "c", "e"], "n": [10, 9, 10, 10], "rho": [0.51, 0.53, math.nan, 0.1]}
    )
    found = compare(old, new, ["metric"], {"rho": 0.02})
    rows = {(r.metric, r.column): (r.old, r.new) for r in found.itertuples()}
    assert rows == {
        ("b", "n"): (10, 9),
        ("b", "rho"): (0.5, 0.53),
        ("d", "(row)"): ("present", "missing"),
        ("e", "(row)"): ("missing", "present"),
    }
    assert found.loc[found["column"] == "rho", "delta"].item() == pytest.approx(0.03)
    assert compare(old, old.copy(), ["metric"], {}).empty


def test_relative_tolerance_scales_with_the_larger_value() -> None:
    old = pd.DataFrame({"arch_index": [1, 2, 3, 4], "value": [100.0, -2.0, 0.0, math.nan]})
    new = pd.DataFrame({"arch_index": [1, 2, 3, 4], "value": [102.9, -2.1, 1e-12, math.nan]})
    found = compare(old, new, ["arch_index"], {}, {"value": 0.03})
    # 2.9 ≤ 0.03 × 102.9 passes; 0.1 > 0.03 × 2.1 fails; any change of a zero is a change of 100%
    assert found["arch_index"].tolist() == [2, 3]
    assert found["tolerance"].tolist() == pytest.approx([0.063, 3e-14])
    assert compare(old, new, ["arch_index"], {"value": 0.2}, {"value": 0.03}).empty  # the larger of the two
