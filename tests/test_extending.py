"""Extending zcbench from outside the package: the worked examples of docs/extending.md run as written, and
a metric defined in a temporary module is scored and correlated from the command line (``plugins=``).

Both run in a child process, so the plug-ins they register never leak into this test process's registries.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from bench.core.paths import REPO_ROOT
from bench.core.plugins import PluginError, load_plugin

GUIDE = REPO_ROOT / "docs" / "extending.md"


def _child_env() -> dict[str, str]:
    """The child imports this checkout's packages (not another install's)."""
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT)}


def test_the_guide_examples_run(tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 3, "docs/extending.md should hold the metric, searcher and benchmark examples"
    script = tmp_path / "guide.py"
    script.write_text("\n".join(blocks), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "conv_calls" in done.stdout and "best_scored_first" not in done.stderr


EXTERNAL_METRIC = """
from metrics.probe import Probe
from metrics.registry import metric


@metric("input_mean", higher_is_better=True, needs="data", paper="test: mean pixel of the batch", units="pixel")
def input_mean(probe: Probe) -> float:
    return float(probe.inputs().mean())


@metric("width_sum", higher_is_better=True, needs="none", paper="test: total output channels", units="channels")
def width_sum(probe: Probe) -> float:
    return float(sum(getattr(m, "out_channels", 0) for m in probe.network().modules()))
"""


def test_an_external_metric_from_the_command_line(tmp_path: Path) -> None:
    plugin = tmp_path / "my_metrics.py"
    plugin.write_text(EXTERNAL_METRIC, encoding="utf-8")
    out = tmp_path / "run"
    command = [
        sys.executable,
        "-m",
        "bench",
        "correlate",
        f"plugins=[{plugin}]",
        "metrics=[width_sum,params]",
        "sample=12",
        "stats.bootstrap=50",
        "progress=false",
        f"cache_dir={tmp_path / 'cache'}",
        f"out_dir={out}",
        f"leaderboard={tmp_path / 'board.csv'}",
    ]
    done = subprocess.run(
        command, cwd=REPO_ROOT, env=_child_env(), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    table = pd.read_csv(out / "correlations.csv").set_index("metric")
    assert sorted(table.index) == ["params", "width_sum"]
    assert (table["n"] == 12).all()
    scores = pd.read_parquet(out / "scores.parquet")
    # a wider network (more output channels in total) has more parameters: the two must agree in rank
    assert scores["width_sum"].rank().corr(scores["params"].rank()) > 0.5
    board = pd.read_csv(tmp_path / "board.csv")
    assert set(board["metric"]) == {"width_sum", "params"}


def test_a_missing_plugin_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="does not exist"):
        load_plugin(str(tmp_path / "nowhere.py"))
    with pytest.raises(PluginError, match=r"not found on sys\.path"):
        load_plugin("no_such_plugin_module_xyz")
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom')\n", encoding="utf-8")
    with pytest.raises(PluginError, match="boom"):
        load_plugin(str(broken))
