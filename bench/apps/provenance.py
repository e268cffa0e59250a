"""What produced a result folder: ``provenance.json``, written beside the folder's tables, and checked by tests.

A record holds the app (``search.run``, ``bench.correlate``), its Hydra config name and command-line overrides
(the preset is one of them: ``experiment=...``; volatile ones left out), the resolved config without the keys that cannot change a
number (:data:`VOLATILE_KEYS`), the code version as :func:`code_hash` of the modules that compute the numbers,
the versions of the packages the numbers depend on, and ``setup_hash``: one digest of config, code and
packages. Nothing in it depends on the machine, the time or the git commit, so rerunning an unchanged result
rewrites an identical file. ``tests/test_provenance.py`` recomputes the config and the code hash from the
current tree and fails when they differ from a committed record: the result is stale and its producer in
``make reproduce`` must run again.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.core.paths import REPO_ROOT

FILE_NAME = "provenance.json"
PACKAGES = ("numpy", "scipy", "pandas", "scikit-learn", "bayesian-optimization", "torch")
"""Packages whose versions a result's numbers can depend on (all pinned in pyproject.toml)."""
VOLATILE_KEYS = (
    "progress",
    "workers",
    "data_root",
    "scoring.threads",
    "scoring.device",
    "leaderboard",
    "publish",
)
"""Config keys (dotted) that change where or how fast a result is computed, or which board it goes to, never
its numbers."""


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return tree


def source_files(paths: Iterable[str]) -> list[Path]:
    """The ``.py`` files at or under the repository-relative ``paths``, sorted; ``FileNotFoundError`` if one is gone."""
    files: list[Path] = []
    for rel in paths:
        path = REPO_ROOT / rel
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += sorted(path.rglob("*.py"))
        else:
            raise FileNotFoundError(f"provenance code path {rel!r} does not exist under {REPO_ROOT}")
    return sorted(set(files))


def code_hash(paths: Iterable[str]) -> str:
    """SHA-256 of the syntax trees of the modules under ``paths``, without docstrings and comments.

    Formatting, comments and docstrings leave it unchanged; any change of code changes it. File names are
    part of the digest (repository-relative), so a moved module counts as a change.
    """
    digest = hashlib.sha256()
    for path in source_files(paths):
        tree = _without_docstrings(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        digest.update(path.relative_to(REPO_ROOT).as_posix().encode() + b"\0")
        digest.update(ast.dump(tree, include_attributes=False).encode() + b"\0")
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    """Installed version of each of :data:`PACKAGES` (``"not installed"`` if absent)."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def result_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` (a plain nested dict) without :data:`VOLATILE_KEYS`."""
    out = json.loads(json.dumps(config, default=str))
    for dotted in VOLATILE_KEYS:
        *parents, leaf = dotted.split(".")
        node = out
        for key in parents:
            node = node.get(key, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node.pop(leaf, None)
    return out


def result_overrides(overrides: Sequence[str]) -> list[str]:
    """The command-line overrides without those of :data:`VOLATILE_KEYS` (``workers=2``, ...), sorted."""
    return sorted(o for o in overrides if o.split("=", 1)[0].lstrip("+~") not in VOLATILE_KEYS)


def record(
    app: str, config_name: str, overrides: Sequence[str], config: Mapping[str, Any], code_paths: Sequence[str]
) -> dict[str, Any]:
    """The provenance record of one run (see the module doc)."""
    body = {
        "app": app,
        "config_name": config_name,
        "overrides": result_overrides(overrides),
        "config": result_config(config),
        "code_paths": list(code_paths),
        "code_hash": code_hash(code_paths),
        "packages": package_versions(),
    }
    body["setup_hash"] = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    return body


def write(out_dir: str | os.PathLike[str], provenance: Mapping[str, Any]) -> Path:
    """Write ``provenance`` to ``out_dir/provenance.json`` (sorted keys, so equal records are equal files)."""
    path = Path(out_dir) / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(provenance, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A ``provenance.json`` as written by :func:`write`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
