"""The README's headline table, generated from the correlation leaderboard (never typed by hand).

One row per headline run (:data:`HEADLINE_RUNS`: the full NB201 space on each dataset, the NB101 subset): the
three metrics with the highest Spearman ρ, each with its 95% bootstrap interval, and the parameter count as the
baseline every proxy should beat. ``python -m bench report --readme README.md`` rewrites the block between the
README's ``<!-- headline:start -->`` and ``<!-- headline:end -->`` markers; ``tests/test_headline.py`` fails when
the committed README and the committed leaderboard disagree.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bench.apps.leaderboard import ours_rows

START, END = "<!-- headline:start -->", "<!-- headline:end -->"
HEADLINE_RUNS = (
    ("nb201", "cifar10", "abdelfattah2021", "NB201", "CIFAR-10"),
    ("nb201", "cifar100", "abdelfattah2021", "NB201", "CIFAR-100"),
    ("nb201", "ImageNet16-120", "abdelfattah2021", "NB201", "ImageNet16-120"),
    ("nb101", "cifar10", "naslib_subset", "NB101", "CIFAR-10 (500-row subset)"),
)
"""(space, dataset, leaderboard protocol, benchmark label, dataset label); each run on its whole population."""
BASELINE = "params"


def _cell(row: pd.Series) -> str:
    return f"{row.metric} {row.spearman:.3f} [{row.spearman_ci_low:.3f}, {row.spearman_ci_high:.3f}]"


def headline_table(board: pd.DataFrame) -> str:
    """The markdown table of the headline runs in ``board`` (the correlation leaderboard), our scores only."""
    ours = ours_rows(board)
    lines = [
        "| benchmark | dataset | archs | 1st | 2nd | 3rd | params (baseline) |",
        "|---|---|---|---|---|---|---|",
    ]
    for space, dataset, protocol, bench_label, data_label in HEADLINE_RUNS:
        run = ours[
            (ours["space"] == space)
            & (ours["dataset"] == dataset)
            & (ours["protocol"] == protocol)
            & (ours["sample"].astype(str) == "all")
        ].sort_values(["spearman", "metric"], ascending=[False, True])
        if run.empty:
            raise ValueError(f"the leaderboard has no {space}/{dataset} {protocol} run for the headline")
        top = [_cell(row) for _, row in run.head(3).iterrows()]
        baseline = run[run["metric"] == BASELINE]
        base = f"{baseline['spearman'].iloc[0]:.3f}" if len(baseline) else "–"
        lines.append(
            f"| {bench_label} | {data_label} | {int(run['n'].max()):,} | {' | '.join(top)} | {base} |"
        )
    return "\n".join(lines)


def rewrite_readme(readme: Path, board: pd.DataFrame) -> bool:
    """Put :func:`headline_table` between the markers of ``readme``; returns whether the file changed."""
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise ValueError(f"{readme} has no {START} ... {END} block")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{headline_table(board)}\n{END}{tail}"
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text
