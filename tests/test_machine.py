"""The CPU description read for reports and benchmark tables."""

from __future__ import annotations

from pathlib import Path

from bench.core.machine import cpu_model


def test_model_name_is_read_from_cpuinfo(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(
        "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\n"
    )
    assert cpu_model(cpuinfo) == "AMD EPYC 7B13"


def test_without_cpuinfo_a_non_empty_fallback_is_given(tmp_path: Path) -> None:
    assert cpu_model(tmp_path / "absent") != ""
