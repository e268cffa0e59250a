"""The CPU description read for reports and benchmark tables."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from bench.core.machine import cpu_model


def test_model_name_is_read_from_cpuinfo(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(
        "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\n"
    )
    assert cpu_model(cpuinfo) == "AMD EPYC 7B13"


def test_without_a_model_name_the_processor_then_the_architecture_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = tmp_path / "cpuinfo"
    arm.write_text("processor\t: 0\nCPU implementer\t: 0x41\nmodel name\t:  \n")  # no usable model name
    monkeypatch.setattr(platform, "processor", lambda: "Neoverse-N1")
    monkeypatch.setattr(platform, "machine", lambda: "aarch64")
    assert cpu_model(arm) == "Neoverse-N1"
    assert cpu_model(tmp_path / "absent") == "Neoverse-N1"
    monkeypatch.setattr(platform, "processor", lambda: "")
    assert cpu_model(arm) == "aarch64"
    assert cpu_model(tmp_path / "absent") == "aarch64"
