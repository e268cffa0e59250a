"""bench.apps.report on a small fake results folder: rows, differences and 'not yet computed' placeholders."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

from bench.apps import leaderboard, report
from bench.apps.published import PUBLISHED, SEARCH_STATISTICS, search_setting
from bench.apps.search import write_outputs
from metrics import registry
from search.registry import SEARCHERS


def correlation_rows(metrics: dict[str, float]) -> pd.DataFrame:
    """Leaderboard rows of a 1,000-arch NB201 CIFAR-10 run with the given Spearman values."""
    return pd.DataFrame(
        [
            {
                "space": "nb201",
                "dataset": "cifar10",
                "protocol": "sample1000",
                "target": "test_acc_200ep",
                "metric": metric,
                "n": 1000,
                "spearman": rho,
                "spearman_ci_low": rho - 0.02,
                "spearman_ci_high": rho + 0.02,
                "kendall": rho - 0.2,
                "kendall_ci_low": math.nan,
                "kendall_ci_high": math.nan,
                "top10_precision": 0.5,
                "nan_rate": 0.0,
                "ndcg": 0.9,
                "ndcg_k": 1000,
                "n_common": 990,
                "spearman_common": rho - 0.01,
                "direction": "higher",
                "sample": "1000",
                "sample_seed": 0,
                "setup_id": "abc123",
            }
            for metric, rho in metrics.items()
        ]
    )


def write_search(results: Path) -> None:
    """A 2-seed HNAS run at 20 queries, written by bench.apps.search's own writer (runs, plot, leaderboard)."""
    cfg = OmegaConf.create(
        {
            "out_dir": str(results / "search" / "nb201_transfer_q20"),
            "leaderboard": str(results / "leaderboard" / "search.csv"),
            "space": "nb201",
            "protocol": "transfer",
            "budget": {"queries": 20, "seconds": None},
        }
    )
    accs = {"cifar10": (93.9, 94.1), "cifar100": (71.0, 72.0), "ImageNet16-120": (45.0, 46.0)}
    runs = pd.DataFrame(
        {
            "algo": "hnas",
            "seed": [0, 1],
            "dataset": "cifar10",
            "queries": 20,
            "simulated_seconds": [2990.0, 3010.0],
            "zc_seconds": 0.0,
            "n_scored": 0,
            "valid_acc": [84.0, 84.5],
            **{f"test_acc_{d}": list(v) for d, v in accs.items()},
        }
    )
    trajectory = pd.DataFrame(
        {
            "algo": "hnas",
            "seed": [0, 0, 1, 1],
            "dataset": "cifar10",
            "query": [1, 2, 1, 2],
            "simulated_seconds": [100.0, 2990.0, 150.0, 3010.0],
            "incumbent_test_acc": [93.0, 93.9, 93.5, 94.1],
        }
    )
    write_outputs(cfg, runs, trajectory)


@pytest.fixture
def results(tmp_path: Path) -> Path:
    results = tmp_path / "results"
    leaderboard.update_correlations(
        results / "leaderboard" / "correlations.csv",
        correlation_rows({"synflow": 0.75, "jacob_cov": -0.70, "params": 0.74}),
    )
    write_search(results)
    setup = results / "scores" / "nb201" / "cifar10" / "abc123"
    setup.mkdir(parents=True)
    (setup / "setup.json").write_text(json.dumps({"space": "nb201", "dataset": "cifar10", "batch_size": 64}))
    pd.DataFrame({"arch_index": [0, 1, 2], "value": [0.1, 0.2, 0.3]}).to_parquet(setup / "scores.parquet")
    (setup / "journal-0.jsonl").write_text("{}\n{}\n")  # a running job's rows: not committed, not counted
    plot = results / "correlate" / "nb201_cifar10_sample1000" / "spearman.png"
    plot.parent.mkdir(parents=True)
    plot.write_bytes(b"\x89PNG fake")
    return results


def rows_of(text: str, first_cell: str | None) -> list[list[str]]:
    """The cells of every table row of ``text`` whose first cell is ``first_cell`` (every row for None)."""
    rows = [
        [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
        for line in text.splitlines()
        if line.startswith("| ")
    ]
    return [r for r in rows if first_cell in (None, r[0])]


def section(text: str, heading: str) -> str:
    """The text from ``heading`` up to the next heading of the same or a higher level."""
    level = heading.split(" ")[0]
    start = text.index(heading + "\n")
    ends = [i for i in range(start + 1, len(text)) if text.startswith("\n#", i)]
    ends = [i for i in ends if len(text[i + 1 :].split(" ")[0]) <= len(level)]
    return text[start : ends[0] if ends else len(text)]


def cells(text: str, first_cell: str) -> dict[str, str]:
    """Header → cell of the first table row of ``text`` whose first cell is ``first_cell``."""
    rows = rows_of(text, None)
    headers = [i for i, r in enumerate(rows) if r[0] in ("metric", "algo")]
    for start, end in zip(headers, [*headers[1:], len(rows)], strict=True):
        for row in rows[start + 1 : end]:
            if row[0] == first_cell:
                return dict(zip(rows[start], row, strict=True))
    raise KeyError(first_cell)


def test_our_majority_vote_beside_the_published_one(results: Path) -> None:
    board = results / "leaderboard" / "correlations.csv"
    vote = {
        "ensemble": "synflow+jacob_cov+snip",
        "n": 1000,
        "pairwise_accuracy": 0.84,
        "kendall_equivalent": 0.68,
    }
    labels = {"space": "nb201", "dataset": "cifar10", "protocol": "sample1000", "target": "test_acc_200ep"}
    labels |= {
        "sample": "1000",
        "sample_seed": 0,
        "setup_id": "7db1a1ad65ba",
    }  # a run's rows always carry them
    leaderboard.update_votes(leaderboard.votes_path(board), pd.DataFrame([vote | labels]))
    other = labels | {"protocol": "elsewhere"}  # another protocol's vote stays out of this table
    leaderboard.update_votes(leaderboard.votes_path(board), pd.DataFrame([vote | other | {"n": 7}]))
    c10 = section(report.build(results, results / "REPORT.md"), "### nb201 · cifar10")
    row = cells(c10, "vote(synflow+jacob_cov+snip)")
    assert row["n"] == "1,000"
    assert row["ours ρ [95% CI]"] == "pairwise accuracy 0.840"
    assert row["ours τ [95% CI]"] == "τ-equivalent 0.680"
    assert row["Abdelfattah+21 pairwise acc."] == f"0.817 (Δ {0.84 - 0.817:+.3f})"
    assert len(rows_of(c10, "vote(synflow+jacob_cov+snip)")) == 1


def test_correlation_rows_and_differences(results: Path) -> None:
    text = report.build(results, results / "REPORT.md")
    c10 = section(text, "### nb201 · cifar10")
    synflow = cells(c10, "synflow")
    assert synflow["n"] == "1,000"
    assert synflow["ours ρ [95% CI]"] == "0.750 [0.730, 0.770]"
    assert synflow["ours τ [95% CI]"] == "0.550"  # no CI in the run: the value alone
    assert synflow[report.COMMON_HEADER] == "0.740 (n = 990)"
    assert synflow["Abdelfattah+21 |ρ|"] == "0.737 (Δ +0.013)"  # absolute published value: |ours| − published
    assert synflow["NB-Suite-Zero (recomputed) ρ"] == "0.732 [0.70, 0.76] (Δ +0.018)"
    assert (
        synflow["NB-Suite-Zero (recomputed) τ"] == f"0.536 (Δ {0.55 - 0.536:+.3f})"
    )  # Kendall against Kendall
    jacob = cells(c10, "jacob_cov")
    assert jacob["Abdelfattah+21 |ρ|"] == f"0.731 (Δ {0.70 - 0.731:+.3f})"
    assert jacob["NB-Suite-Zero (recomputed) ρ"].endswith(f"(Δ {-0.70 - 0.818:+.3f})")  # signed: signed Δ
    vote = cells(c10, "vote(synflow+jacob_cov+snip)")
    assert vote["ours ρ [95% CI]"] == report.MISSING
    assert vote[report.COMMON_HEADER] == report.MISSING
    assert vote["Abdelfattah+21 pairwise acc."] == "0.817"  # no Δ against a rank correlation
    assert cells(c10, "params")["Abdelfattah+21 |ρ|"] == "–"
    assert cells(c10, "fisher")["ours ρ [95% CI]"] == report.MISSING
    c100 = section(text, "### nb201 · cifar100")
    assert "Ours: not yet computed." in c100
    assert cells(c100, "flops")["deeplite-torch-zoo#323 τ"] == "0.567 †"
    assert "- † flops (cifar100): the PR reports MACs (rank-equivalent to FLOPs)." in c100
    nb101 = section(text, "### nb101 · cifar10")
    assert "Ours: not yet computed." in nb101
    assert cells(nb101, "grasp")["Abdelfattah+21 (NB101) |ρ|"] == "0.448"


def test_search_rows_published_and_placeholders(results: Path) -> None:
    text = report.build(results, results / "REPORT.md")
    q20 = section(text, f"### nb201 · {search_setting('transfer', 20, None)}")
    ours = rows_of(q20, "hnas")[0]
    assert ours[1:4] == ["cifar10", "2", "94.00 ± 0.14"]
    published = rows_of(q20, "↳ published (RoBoT T2 (HNAS))")[0]
    assert published[3:7] == ["94.04 ± 0.21 †", "71.75 ± 1.04 †", "45.91 ± 0.88 †", "3,010"]
    assert (
        "- † hnas (cifar10, cifar100, ImageNet16-120): HNAS metric variant and number of runs not stated."
        in q20
    )
    difference = rows_of(q20, "↳ ours − published")[0]
    assert difference[3:7] == ["-0.04", "-0.25", "-0.41", "-10"]
    assert rows_of(q20, "optimum (RoBoT T2 'Optimal')")[0][3:6] == ["94.37", "73.51", "47.31"]
    s12000 = section(text, f"### nb201 · {search_setting('transfer', None, 12000)}")
    assert "Ours: not yet computed." in s12000
    assert rows_of(s12000, "rea")[0][3] == report.MISSING
    rows = rows_of(s12000, None)
    rea = [r[0] for r in rows].index("rea")
    assert rows[rea + 1][0] == "↳ published (NB201 paper via RoBoT T2)"
    assert rows[rea + 1][3:7] == ["93.92 ± 0.30", "71.84 ± 0.99", "45.15 ± 0.89 †", "12,000"]


def test_settings_plots_and_cli(results: Path) -> None:
    out = report.main(["--results", str(results)])
    assert out == results / "REPORT.md"
    text = out.read_text(encoding="utf-8")
    assert "do not edit by hand" in text.splitlines()[2]
    settings = section(text, "## Settings")
    assert rows_of(settings, "nb201")[0][:8] == [
        "nb201",
        "cifar10",
        "sample1000",
        "test_acc_200ep",
        "1,000",
        "1000",
        "0",
        "`abc123`",
    ]
    assert rows_of(settings, "`abc123`")[0][-1] == "3"  # the rows of scores.parquet, not the journal's
    assert "hnas" in section(text, "### Search runs (from the search leaderboard)")
    plots = section(text, "## Plots")
    assert "(correlate/nb201_cifar10_sample1000/spearman.png)" in plots
    assert "(search/nb201_transfer_q20/anytime.png)" in plots
    assert "bayesian-optimization" in section(text, "## Software")
    assert "experiment=abdelfattah2021_nb201" in section(text, "## How this was produced")


def test_coverage_counts_our_rows_per_pool_and_sample() -> None:
    """n per metric and (space, task, sample) from our rows only (an empty source is ours); NB-Suite-Zero's rows,
    populations and small samples stay out; registry metrics first, then aggregates; – where a metric has no row."""
    sample = correlation_rows({"synflow": 0.75, "params": 0.74, "az_nas": 0.9})
    full = correlation_rows({"synflow": 0.7}).assign(sample="all", protocol="abdelfattah2021", n=15625)
    population = full.assign(
        sample="all of no_dead_ops", n=9445, protocol="abdelfattah2021[population=no_dead_ops]"
    )
    small = correlation_rows({"params": 0.7}).assign(sample="300", n=300, protocol="fixed_batch300")
    theirs = correlation_rows({"grasp": 0.5}).assign(sample="all", n=724, source="nb-suite-zero")
    other = correlation_rows({"params": 0.6}).assign(space="nb301", sample="all", n=725)
    board = pd.concat([sample, full, population, small, theirs, other], ignore_index=True)
    text = "\n".join(report.coverage_section(board))
    header = ["metric", "nb201 cifar10 1000", "nb201 cifar10 all", "nb301 cifar10 all"]
    assert rows_of(text, "metric") == [header]
    assert rows_of(text, "`params`") == [["`params`", "1,000", "–", "725"]]
    assert rows_of(text, "`synflow`") == [["`synflow`", "1,000", "15,625", "–"]]
    assert [r[0] for r in rows_of(text, None)[1:]] == ["`params`", "`synflow`", "`az_nas`"]
    assert "Coverage: not yet computed." in "\n".join(report.coverage_section(None))


def test_empty_results_say_not_yet_computed(tmp_path: Path) -> None:
    text = report.build(tmp_path, tmp_path / "REPORT.md")
    for phrase in (
        "Correlation runs: not yet computed.",
        "Search runs: not yet computed.",
        "Scoring setups: not yet computed.",
        "Our correlations: not yet computed.",
        "Our searches: not yet computed.",
        "Plots: not yet computed.",
    ):
        assert phrase in text
    for ref in PUBLISHED:  # every published value still appears, as a target
        heading = f"### {ref.space} · {ref.setting or ref.dataset}"
        assert heading in text, heading


def test_published_values_use_harness_names() -> None:
    metric_names = set(registry.names())
    for ref in PUBLISHED:
        assert ref.dataset in ("cifar10", "cifar100", "ImageNet16-120"), ref
        if ref.statistic in ("spearman", "kendall"):
            assert ref.name in metric_names, ref
        elif ref.statistic in SEARCH_STATISTICS:
            assert ref.name in {*SEARCHERS, "optimum"}, ref
            assert ref.setting is not None or ref.name == "optimum", ref
