"""The package layers point one way and no modules import each other in a cycle.

Layers, lowest first: ``metrics`` ← ``bench.core`` (and the ``bench`` package's Python API) ← ``search`` ←
``bench.apps`` (the entry points, with ``bench.__main__``). A module may import its own layer or a lower
one. Imports are read from the source (every ``import`` statement, also inside functions); those under
``if TYPE_CHECKING:`` count for the layers but not for cycles, since they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bench.core.paths import REPO_ROOT

PACKAGES = ("metrics", "bench", "search")
LAYERS = (("metrics",), ("bench.core", "bench"), ("search",), ("bench.apps", "bench.__main__"))


def layer_of(module: str) -> int:
    """Index in :data:`LAYERS` of the most specific prefix naming ``module``."""
    best, best_len = -1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    if best < 0:
        raise ValueError(f"module {module} is in no layer")
    return best


def project_modules(root: Path = REPO_ROOT) -> dict[str, Path]:
    """Every module of the project's packages, by dotted name."""
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, bool]]:
    """(imported project module, runs at import time or call time) for every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = _type_checking_lines(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                ).strip(".")
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.append((target, node.lineno not in typing_only))
    return found


def import_graph() -> dict[str, list[tuple[str, bool]]]:
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def upward_imports(graph: dict[str, list[tuple[str, bool]]]) -> list[str]:
    return sorted(
        f"{src} (layer {layer_of(src)}) imports {dst} (layer {layer_of(dst)})"
        for src, targets in graph.items()
        for dst, _ in targets
        if layer_of(dst) > layer_of(src)
    )


def cycles(graph: dict[str, list[tuple[str, bool]]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), over runtime imports."""
    edges = {src: sorted({dst for dst, runtime in targets if runtime}) for src, targets in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, []):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return components


def test_every_module_has_a_layer() -> None:
    for name in project_modules():
        layer_of(name)


def test_no_upward_import() -> None:
    assert upward_imports(import_graph()) == []


def test_no_import_cycle() -> None:
    # ``bench`` (the API) imports bench.core modules, whose import runs ``bench/__init__`` first: a
    # package importing its own children is how packages work, not a cycle between modules.
    graph = {
        src: [(dst, runtime) for dst, runtime in targets if not src.startswith(dst + ".")]
        for src, targets in import_graph().items()
    }
    assert cycles(graph) == []


def test_the_checks_catch_violations() -> None:
    """The two checks fail on a graph that breaks the rules (so a pass above means something)."""
    bad = {
        "metrics.probe": [("bench.core.batches", True)],
        "bench.core.batches": [("metrics.probe", True)],
        "search.bo": [("bench.apps.plots", False)],
    }
    assert upward_imports(bad) == [
        "metrics.probe (layer 0) imports bench.core.batches (layer 1)",
        "search.bo (layer 2) imports bench.apps.plots (layer 3)",
    ]
    assert cycles(bad) == [["bench.core.batches", "metrics.probe"]]


@pytest.mark.parametrize("module", ["metrics.probe", "search.bo", "bench.apps.correlate"])
def test_graph_reads_real_imports(module: str) -> None:
    graph = import_graph()
    assert graph[module], f"no project import found in {module}: the reader is broken"
