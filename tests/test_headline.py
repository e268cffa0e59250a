"""The README's headline table is the one the committed leaderboard generates (bench.apps.headline)."""

from __future__ import annotations

import pandas as pd
import pytest

from bench.apps.headline import END, START, headline_table, rewrite_readme
from bench.core.paths import REPO_ROOT


def test_readme_headline_follows_from_the_committed_leaderboard() -> None:
    board = pd.read_csv(REPO_ROOT / "results" / "leaderboard" / "correlations.csv")
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split(START, 1)[1].split(END, 1)[0].strip()
    assert block == headline_table(board), (
        "run `python -m bench report --readme README.md` and commit README.md"
    )


def _row(space: str, dataset: str, protocol: str, metric: str, rho: float) -> dict:
    return {
        "space": space, "dataset": dataset, "protocol": protocol, "sample": "all", "metric": metric, "n": 10,
        "spearman": rho, "spearman_ci_low": rho - 0.1, "spearman_ci_high": rho + 0.1, "source": "ours",
    }  # fmt: skip


def test_headline_ranks_metrics_and_rewrites_only_the_block(tmp_path) -> None:
    rows = []
    for space, dataset, protocol in [
        ("nb201", "cifar10", "abdelfattah2021"),
        ("nb201", "cifar100", "abdelfattah2021"),
        ("nb201", "ImageNet16-120", "abdelfattah2021"),
        ("nb101", "cifar10", "naslib_subset"),
    ]:
        rows += [
            _row(space, dataset, protocol, m, r)
            for m, r in [("a", 0.2), ("b", 0.9), ("params", 0.5), ("c", 0.7)]
        ]
    rows.append({**_row("nb201", "cifar10", "abdelfattah2021", "z", 0.99), "source": "nb-suite-zero"})
    table = headline_table(pd.DataFrame(rows))
    first = table.splitlines()[2]
    assert first.startswith("| NB201 | CIFAR-10 | 10 | b 0.900 [0.800, 1.000] | c 0.700") and first.endswith(
        "| 0.500 |"
    )
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{START}\nold\n{END}\noutro\n", encoding="utf-8")
    assert rewrite_readme(readme, pd.DataFrame(rows))
    assert readme.read_text(encoding="utf-8") == f"intro\n{START}\n{table}\n{END}\noutro\n"
    with pytest.raises(ValueError, match="no nb201/cifar10"):
        headline_table(pd.DataFrame(rows[4:]))
