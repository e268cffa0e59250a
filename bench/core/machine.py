"""A one-line description of the CPU, for reports and benchmark tables (scoring speeds depend on it)."""

from __future__ import annotations

import os
import platform
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")


def cpu_model(cpuinfo: Path = CPUINFO) -> str:
    """The CPU's model name (Linux ``/proc/cpuinfo``), else ``platform.processor()``, else the architecture."""
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    return platform.processor() or platform.machine()


def cpu_description() -> str:
    """E.g. ``AMD EPYC, x86_64, 2 logical cores``."""
    return f"{cpu_model()}, {platform.machine()}, {os.cpu_count()} logical cores"
