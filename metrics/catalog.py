"""Imports every metric module of the package so that their ``@metric`` decorators register them."""

from __future__ import annotations

import importlib
import pkgutil

import metrics

_INFRASTRUCTURE = {"registry", "probe", "catalog"}

for _module in pkgutil.iter_modules(metrics.__path__):
    if _module.name not in _INFRASTRUCTURE and not _module.name.startswith("_"):
        importlib.import_module(f"metrics.{_module.name}")
