"""Plug-ins: a user's own modules that register metrics (``@metric``) or benchmarks (``register_benchmark``).

A plug-in is named like an import (``my_package.my_metrics``, found on ``sys.path``; the current folder
counts) or given as the path of a ``.py`` file. Loading one imports it once, so its decorators run; the
registered names are then usable like the built-in ones (``metrics=[my_metric]``, ``space=my_bench``).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType


class PluginError(ValueError):
    """A plug-in could not be found or failed while importing (the message names it and why)."""


def load_plugin(name: str) -> ModuleType:
    """Import the plug-in ``name`` (a module name or a ``.py`` path) once; later calls return the same module."""
    if name.endswith(".py"):
        path = Path(name).expanduser().resolve()
        module_name = f"zcbench_plugin_{path.stem}"
        if module_name in sys.modules:
            return sys.modules[module_name]
        if not path.is_file():
            raise PluginError(f"plugin file {path} does not exist")
        spec = importlib.util.spec_from_file_location(module_name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as err:
            del sys.modules[module_name]
            raise PluginError(f"plugin {path} failed to import: {type(err).__name__}: {err}") from err
        return module
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as err:
        if err.name and name.startswith(err.name):
            raise PluginError(
                f"plugin module {name!r} not found on sys.path (or give a .py file path)"
            ) from err
        raise PluginError(f"plugin {name!r} failed to import: {err}") from err
    except Exception as err:
        raise PluginError(f"plugin {name!r} failed to import: {type(err).__name__}: {err}") from err


def load_plugins(names: Iterable[str]) -> list[ModuleType]:
    """:func:`load_plugin` for each name, in order."""
    return [load_plugin(str(name)) for name in names]
