"""Committed results follow from today's code and config: every ``results/**/provenance.json`` is recomputed.

A record goes stale when the code that computes its numbers (:data:`bench.apps.search.CODE_PATHS`,
:data:`bench.apps.correlate.CODE_PATHS`), the preset or the default config it was run with, or a pinned package
changes; the failure names the folder and what changed, and ``make reproduce`` writes it again.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from bench.apps import correlate, provenance
from bench.apps import search as search_run

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "results"
CODE_PATHS = {"bench search": search_run.CODE_PATHS, "bench correlate": correlate.CODE_PATHS}
RECORDS = sorted(p for p in RESULTS.glob("**/provenance.json") if "fast" not in p.relative_to(RESULTS).parts)
RESULT_FOLDERS = sorted(
    p.parent for p in RESULTS.glob("*/*/*") if p.parent.parent.name in ("search", "correlate") and p.is_file()
)


def current_record(recorded: dict) -> dict:
    """The record today's code and config give for the recorded app, config name and overrides."""
    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base="1.3"):
        cfg = compose(config_name=recorded["config_name"], overrides=recorded["overrides"])
    return provenance.record(
        recorded["app"],
        recorded["config_name"],
        recorded["overrides"],
        OmegaConf.to_container(cfg, resolve=True),
        CODE_PATHS[recorded["app"]],
    )


def test_every_search_and_correlation_folder_has_a_provenance_record() -> None:
    missing = sorted(
        str(p.relative_to(REPO)) for p in set(RESULT_FOLDERS) if not (p / provenance.FILE_NAME).exists()
    )
    assert not missing, f"result folders without provenance.json (rerun their producer): {missing}"


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: str(p.parent.relative_to(RESULTS)))
def test_committed_result_follows_from_current_code_and_config(path: Path) -> None:
    recorded = provenance.read(path)
    current = current_record(recorded)
    changed = sorted(key for key in current if current[key] != recorded.get(key))
    if "config" in changed:
        old, new = recorded["config"], current["config"]
        keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        detail = "; ".join(f"{k}: {json.dumps(old.get(k))} → {json.dumps(new.get(k))}" for k in keys)
        changed[changed.index("config")] = f"config ({detail})"
    assert not changed, (
        f"{path.parent.relative_to(REPO)} is stale: {', '.join(changed)} differ from today's; "
        "rerun its producer (`make reproduce`)"
    )


def test_code_hash_ignores_docstrings_and_formatting_but_not_code(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(provenance, "REPO_ROOT", tmp_path)
    module = tmp_path / "m.py"
    module.write_text('"""Doc."""\n\ndef f(x):\n    """Twice."""\n    return 2 * x\n', encoding="utf-8")
    before = provenance.code_hash(["m.py"])
    module.write_text("def f(x):  # comment\n    return 2*x\n", encoding="utf-8")
    assert provenance.code_hash(["m.py"]) == before
    module.write_text("def f(x):\n    return 3 * x\n", encoding="utf-8")
    assert provenance.code_hash(["m.py"]) != before
