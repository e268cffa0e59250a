"""Analyses of finished runs read from their result folders: search-protocol comparisons, scoring-setup
comparisons and cell subsets. ``scripts/compare_searches.py``, ``scripts/compare_setups.py`` and
``scripts/cell_subsets.py`` are their command lines.

* :func:`protocol_comparisons`: for each of :data:`COMPARISONS` and each searcher run on both sides, the
  difference of mean 200-epoch test accuracy (%) over seeds (:func:`bench.core.seed_differences.mean_difference`)
  read from the ``runs.csv`` of two ``bench search`` folders, with the mean 12-epoch validation accuracy (%)
  each side reached on its own search signal → ``results/search/protocol_comparisons.csv``.
* :func:`compare_setups`: the paired ρ difference of two ``bench correlate`` folders that scored the same
  architectures under different settings (:func:`bench.core.setup_differences.setup_differences`)
  → ``<second>/paired_vs_<first folder name>.csv``.
* :func:`cell_subset_table`: ρ per metric on subsets of a ``bench correlate`` folder's cells
  (:func:`bench.core.cell_subsets.subset_rows`) → ``<run>/cell_subsets.csv``.
* :func:`conv_strata_table`: ρ per metric within strata of the number of conv ops of a ``bench correlate``
  folder's architectures, for its metrics and aggregates and those of other folders over the same architectures
  (:func:`bench.core.strata.spearman_within_strata`) → ``<run>/conv_strata.csv`` (``scripts/conv_strata.py``).
* :func:`target_sensitivity_table`: ρ per metric of a NB201 ``bench correlate`` folder against its target and
  against NAS-Bench-Suite-Zero's validation accuracy, with the paired difference → ``<run>/target_sensitivity.csv``
  (``scripts/target_sensitivity.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bench.core.benchmarks import open_benchmark
from bench.core.cell_subsets import subset_rows
from bench.core.groundtruth import column
from bench.core.nbsuitezero import nb201_accuracy
from bench.core.paths import data_root
from bench.core.seed_differences import mean_difference
from bench.core.setup_differences import setup_differences
from bench.core.stats import paired_spearman_difference
from bench.core.strata import STRATUM_METRIC, spearman_within_strata
from metrics import registry


@dataclass(frozen=True)
class Side:
    """One side of a comparison: the runs of ``folder`` whose search ``dataset`` (signal) is the given one."""

    folder: str
    dataset: str


@dataclass(frozen=True)
class Comparison:
    """a − b on ``judged_on``'s test accuracy; ``paired`` when a and b are the same seeds with one option changed."""

    name: str
    a: Side
    b: Side
    judged_on: str
    paired: bool = False


COMPARISONS = (
    Comparison(
        "per_dataset_vs_transfer",
        Side("nb201_per_dataset_q20", "ImageNet16-120"),
        Side("nb201_transfer_q20", "cifar10"),
        "ImageNet16-120",
    ),
    Comparison(
        "per_dataset_vs_transfer",
        Side("nb201_per_dataset_q20", "cifar100"),
        Side("nb201_transfer_q20", "cifar10"),
        "cifar100",
    ),
    Comparison(
        "distinct_classes_vs_per_dataset",
        Side("nb201_per_dataset_in16_hnas_distinct", "ImageNet16-120"),
        Side("nb201_per_dataset_q20", "ImageNet16-120"),
        "ImageNet16-120",
        paired=True,
    ),
    Comparison(
        "distinct_classes_vs_transfer",
        Side("nb201_per_dataset_in16_hnas_distinct", "ImageNet16-120"),
        Side("nb201_transfer_q20", "cifar10"),
        "ImageNet16-120",
    ),
)
"""The search-protocol comparisons of ``results/search/protocol_comparisons.csv``."""


def side_runs(search_root: Path, side: Side) -> pd.DataFrame:
    """The runs of one side, indexed by (algo, seed); an algo label's options (``hnas[distinct_classes=True]``) are
    dropped so that a searcher run with an option meets its plain runs."""
    path = search_root / side.folder / "runs.csv"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no runs.csv (run `python -m bench search` with out_dir={path.parent} first)"
        )
    runs = pd.read_csv(path)
    runs["algo"] = runs["algo"].str.replace(r"\[.*\]$", "", regex=True)
    return runs[runs["dataset"] == side.dataset].set_index(["algo", "seed"]).sort_index()


def compare_protocols(search_root: Path, comparison: Comparison) -> pd.DataFrame:
    """One row per searcher present in both sides of ``comparison`` (paired: on the seeds both sides ran)."""
    a, b = side_runs(search_root, comparison.a), side_runs(search_root, comparison.b)
    target = f"test_acc_{comparison.judged_on}"
    rows = []
    for algo in sorted(set(a.index.get_level_values("algo")) & set(b.index.get_level_values("algo"))):
        runs_a, runs_b = a.loc[algo], b.loc[algo]
        if comparison.paired:
            seeds = runs_a.index.intersection(runs_b.index)
            runs_a, runs_b = runs_a.loc[seeds], runs_b.loc[seeds]
        rows.append(
            {
                "comparison": comparison.name,
                "judged_on": comparison.judged_on,
                "algo": algo,
                "a": f"{comparison.a.folder}:{comparison.a.dataset}",
                "b": f"{comparison.b.folder}:{comparison.b.dataset}",
                "paired": comparison.paired,
                **mean_difference(
                    runs_a[target].to_numpy(float), runs_b[target].to_numpy(float), comparison.paired
                ),
                "valid_acc_a": runs_a["valid_acc"].mean(),
                "valid_acc_b": runs_b["valid_acc"].mean(),
            }
        )
    return pd.DataFrame(rows)


def protocol_comparisons(
    search_root: Path, comparisons: tuple[Comparison, ...] = COMPARISONS
) -> pd.DataFrame:
    """:func:`compare_protocols` of every comparison, written to ``<search_root>/protocol_comparisons.csv``."""
    table = pd.concat([compare_protocols(search_root, c) for c in comparisons], ignore_index=True)
    table.to_csv(search_root / "protocol_comparisons.csv", index=False)
    return table


def read_run_scores(folder: Path) -> pd.DataFrame:
    """The per-architecture scores of a ``bench correlate`` output folder, indexed by ``arch_index``;
    ``FileNotFoundError`` naming the file if it has none."""
    path = folder / "scores.parquet"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: pass an output folder of `python -m bench correlate`")
    return pd.read_parquet(path).set_index("arch_index")


def compare_setups(
    first: Path, second: Path, space: str, dataset: str, target: str | None, n_boot: int
) -> tuple[pd.DataFrame, Path]:
    """The paired ρ differences of two correlate folders (``target``: the ground-truth column, None: the
    benchmark's default), written to ``<second>/paired_vs_<first folder name>.csv``; returns the table and
    the path written."""
    benchmark = open_benchmark(space)
    truth = column(benchmark.truth, dataset, target or benchmark.target(dataset))
    table = setup_differences(read_run_scores(first), read_run_scores(second), truth, n_boot)
    out = second / f"paired_vs_{first.name}.csv"
    table.to_csv(out, index=False)
    return table, out


def cell_subset_table(run: Path, space: str, dataset: str, target: str) -> pd.DataFrame:
    """ρ per metric on the cell subsets of a correlate folder whose ``scores.parquet`` holds each cell's
    ``canonical_index``, against ``target`` of ``dataset``, written to ``<run>/cell_subsets.csv``."""
    scores = read_run_scores(run)
    truth = column(open_benchmark(space).truth, dataset, target)
    metric_names = [name for name in registry.names() if name in scores.columns]
    table = subset_rows(scores, truth, metric_names)
    table.to_csv(run / "cell_subsets.csv", index=False)
    return table


def scored_directions(folder: Path, scores: pd.DataFrame) -> dict[str, bool]:
    """Each metric and aggregate a correlate folder ranked (the rows of its ``correlations.csv``) that is a
    column of ``scores``, mapped to higher-is-better: the registry's metrics sorted by name, then the
    aggregates; ``FileNotFoundError`` naming the file if the folder has no ``correlations.csv``."""
    path = folder / "correlations.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: pass an output folder of `python -m bench correlate`")
    rows = pd.read_csv(path)
    direction = dict(zip(rows["metric"], rows["direction"] == "higher", strict=True))
    registered = registry.names()
    order = [*registered, *(name for name in direction if name not in registered)]
    return {name: bool(direction[name]) for name in order if name in direction and name in scores.columns}


def joined_scores(run: Path, joined: tuple[Path, ...] = ()) -> tuple[pd.DataFrame, dict[str, bool]]:
    """The scores of a correlate folder with those of the folders ``joined`` (other correlate runs over the same
    architectures, e.g. the AZ-NAS and frontier presets of one sample) beside them, and every metric and aggregate
    they ranked mapped to higher-is-better (:func:`scored_directions`; the first folder that ranked a name wins);
    ``ValueError`` if a joined folder scored other architectures."""
    scores = read_run_scores(run)
    directions = scored_directions(run, scores)
    for folder in joined:
        extra = read_run_scores(folder)
        if not extra.index.sort_values().equals(scores.index.sort_values()):
            raise ValueError(f"{folder} scored other architectures than {run}: they cannot share one table")
        added = {k: v for k, v in scored_directions(folder, extra).items() if k not in directions}
        scores = scores.join(extra[list(added)])
        directions |= added
    return scores, directions


def conv_strata_table(
    run: Path,
    space: str,
    dataset: str,
    target: str,
    strata_from: Path | None = None,
    joined: tuple[Path, ...] = (),
) -> pd.DataFrame:
    """ρ per metric within each stratum of ``n_convs`` for a correlate folder, against ``target`` of ``dataset``,
    written to ``<run>/conv_strata.csv``: every metric and aggregate the folder ranked, and those of the folders
    ``joined`` (other correlate runs over the same architectures, e.g. the AZ-NAS and frontier presets of one
    sample), in that order. The strata come from the folder's own ``n_convs`` column or, if it has none, from
    that of the folder ``strata_from`` (a data-free count of Conv2d modules: the same network on every dataset);
    ``ValueError`` if neither has it, or if a joined folder scored other architectures."""
    scores, directions = joined_scores(run, joined)
    source = scores if STRATUM_METRIC in scores else read_run_scores(strata_from) if strata_from else None
    if source is None or STRATUM_METRIC not in source:
        where = f"{run / 'scores.parquet'}" + (f" or {strata_from / 'scores.parquet'}" if strata_from else "")
        raise ValueError(
            f"{where} has no {STRATUM_METRIC} column; pass --strata-from a folder that scored it"
        )
    truth = column(open_benchmark(space).truth, dataset, target)
    directions.pop(STRATUM_METRIC, None)
    table = spearman_within_strata(scores, truth, directions, source[STRATUM_METRIC])
    table.to_csv(run / "conv_strata.csv", index=False)
    return table


def target_sensitivity_rows(
    scores: pd.DataFrame, directions: dict[str, bool], truth: pd.Series, nbsz: pd.Series, n_boot: int = 1000
) -> pd.DataFrame:
    """Per metric of ``directions`` (a column of ``scores`` → higher-is-better): ``n``, ρ against ``truth``
    (``spearman_target``) and against ``nbsz`` (``spearman_nbsz``, with its 95% bootstrap interval),
    ``difference`` = ``spearman_nbsz`` − ``spearman_target`` with its 95% paired-bootstrap interval (both targets
    on the same resampled architectures), and the two targets' names. The three inputs share ``scores``' index.
    Spearman is symmetric, so the two targets go to :func:`bench.core.stats.paired_spearman_difference` as its
    two vectors and the metric's scores as the shared one; the declared direction signs both."""
    first, second = truth.reindex(scores.index).to_numpy(float), nbsz.reindex(scores.index).to_numpy(float)
    rows = []
    for name, higher in directions.items():
        values = scores[name].to_numpy(float)
        pair = paired_spearman_difference(first, second, values, higher, n_boot)
        rows.append(
            {
                "metric": name,
                "n": pair["n"],
                "spearman_target": pair["spearman_first"],
                "spearman_nbsz": pair["spearman_second"],
                "spearman_nbsz_ci_low": pair["spearman_second_ci_low"],
                "spearman_nbsz_ci_high": pair["spearman_second_ci_high"],
                "difference": pair["difference"],
                "difference_ci_low": pair["difference_ci_low"],
                "difference_ci_high": pair["difference_ci_high"],
                "target": str(truth.name),
                "nbsz_target": str(nbsz.name),
            }
        )
    return pd.DataFrame(rows)


def target_sensitivity_table(
    run: Path, dataset: str, target: str, joined: tuple[Path, ...] = (), n_boot: int = 1000
) -> pd.DataFrame:
    """How much a NB201 correlate folder's ρ moves when NAS-Bench-Suite-Zero's ground truth
    (:func:`bench.core.nbsuitezero.nb201_accuracy`; on CIFAR-10 the ``cifar10-valid`` run that
    published CIFAR-10 numbers use) replaces ``target``: :func:`target_sensitivity_rows` for every metric and
    aggregate the folder (and those ``joined``) ranked, written to ``<run>/target_sensitivity.csv``."""
    scores, directions = joined_scores(run, joined)
    truth = column(open_benchmark("nb201").truth, dataset, target).rename(target)
    table = target_sensitivity_rows(scores, directions, truth, nb201_accuracy(data_root(), dataset), n_boot)
    table.to_csv(run / "target_sensitivity.csv", index=False)
    return table
