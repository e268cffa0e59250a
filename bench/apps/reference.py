"""Regression references: correlation numbers, scores and search results that no change may move silently.

Three references are recomputed (never writing to the committed ``results/scores``) on the CPU with one torch
thread per process, and compared with the CSVs committed under ``results/reference/``:

* ``correlations.csv``: every registered metric on a fixed sample of :data:`SAMPLE_SIZE` NB201 architectures
  (drawn with :data:`SAMPLE_SEED` by :func:`bench.core.correlation.select_architectures`), its scores read from
  the committed full-space CIFAR-10 score table of :data:`TABLE_SETUP` (``experiment=abdelfattah2021_nb201``:
  one fixed npz batch of 64 images with seed 0, PyTorch default initialisation, each metric's declared BN
  mode; functionally identical cells share a class-invariant score); per metric its ``version``, ``n``
  (non-NaN scores) and the Spearman ρ and Kendall τ-b against ``test_acc_200ep``, computed by
  :func:`bench.core.correlation.correlation_table` without bootstrap. It pins the correlation code and the
  committed table the leaderboard reads, for every metric, in seconds.
* ``scores.csv``: the scores themselves, computed live from scratch in a temporary cache for every metric on
  the first :data:`LIVE_SAMPLE_SIZE` architectures of that sample with :data:`LIVE_SETUP` (as
  :data:`TABLE_SETUP` but a batch of 16 images, about a third of the cost), by :data:`SCORING_PROCESSES`
  processes, one cache shard each: ``arch_index, metric, version, value``. It pins the scoring code
  (networks, batches, initialisation, BN modes, the metrics' arithmetic) end to end.
* ``search.csv``: each searcher of :data:`search.registry.SEARCHERS` with the parameters of
  :data:`SEARCH_PARAMS`, for seeds :data:`SEARCH_SEEDS` and a budget of :data:`SEARCH_QUERIES`
  queries on NB201 CIFAR-10 (via :func:`search.results.run_search`, the path of ``bench.apps.search``): the
  final ``arch_index`` (and its ``arch_str``), ``queries``, ``simulated_seconds`` (a fingerprint of
  the queried set), the final ``valid_acc`` and its ``test_acc_cifar10``. The searchers that read
  training-free scores get them from the committed table of :data:`TABLE_SETUP` (copied into the temporary
  cache, so nothing is written to the repository): the search reference pins the searchers' logic on fixed
  inputs.

Tolerances: ``correlations.csv`` |Δρ| and |Δτ| ≤ :data:`CORRELATION_TOLERANCE` (its scores are committed
numbers, so only another scipy or summation order can move them); ``scores.csv`` |Δvalue| ≤
:data:`SCORE_RELATIVE_TOLERANCE` × max(|old|, |new|); ``version``, ``n`` and the search columns exactly.
Scores are bit-reproducible with the same torch build on the same CPU and one thread; on another CPU, BLAS
kernel or thread count they move in the last digits, by up to ≈1e-2 relative for the metrics that sum many
signed terms or divide by small spreads (measured: live one-thread scores of 10 architectures against the
committed table of :data:`TABLE_SETUP`: zico 1.0e-2, grasp 9.5e-3, epe_nas 2.1e-3, plain and ntk_condnum
1.6e-3, all others ≤ 3e-4), while a semantic change of a metric (another BN mode, batch, init or sign) moves
its values by far more. Search results are discrete choices, deterministic per seed, and compared exactly.
That is why their scores come from the committed table: recomputed scores differ in the last digits, which
flipped one HNAS step between two of our machines; a float difference that still flips a choice (a near tie
of a BO surrogate's acquisition values) on another machine shows up as a failure to review, not as silent
drift.

HNAS and its variants run with ``n_sample = 5`` architectures drawn per BO step instead of the paper's 2,000: its
cumulative pool then holds at most 100 architectures after 20 queries, whose NTK scores take seconds,
whereas the paper's setting scores most of the 15,625 cells (hours on a CPU). Everything else (BO
over (t, c), the objective, the argmin, the pool bookkeeping) is the HNAS code as ``python -m bench search`` runs it.
PriorGP runs a short configuration (200 random archs scored first, at most 500 in all, its seven default
metrics); the full_space_ensemble reference scores all 15,625 from the committed table, as in its rows.

``python -m bench reference check`` recomputes all three and exits 1, printing a table of old and new
values, on any disagreement; ``python -m bench reference update`` (``make update-reference``) rewrites
the CSVs and ``results/reference/README.md``: a deliberate step whose diff is reviewed.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import json
import math
import multiprocessing
import platform
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from bench.core.benchmarks import Benchmark, benchmark_spec, open_benchmark
from bench.core.correlation import correlation_table, select_architectures
from bench.core.groundtruth import column
from bench.core.paths import REPO_ROOT, data_root
from bench.core.scoring import ScoreEngine, ScoreStore, ScoringSetup
from metrics import registry
from search.cached_scores import EngineScores
from search.oracle import Budget
from search.registry import SEARCHERS, needed_metrics
from search.results import run_search

REFERENCE_DIR = REPO_ROOT / "results" / "reference"
SPACE = "nb201"
DATASET = "cifar10"
TEST_COLUMN = benchmark_spec(SPACE).search_columns(DATASET).final
"""The column the correlation reference is computed against (NB201's 200-epoch test accuracy)."""
METRICS = "classic"
"""The metrics the references cover (:data:`metrics.registry.CLASSIC`); the frontier metrics have no reference yet."""
SAMPLE_SIZE = 60
SAMPLE_SEED = 0
LIVE_SAMPLE_SIZE = 10
"""Architectures scored live for ``scores.csv``: the first of the correlation sample."""
TABLE_SETUP = ScoringSetup(
    space=SPACE,
    dataset=DATASET,
    batch_size=64,
    data="npz",
    sampling="random",
    seed=0,
    per_arch_batch=False,
    init="default",
    bn="declared",
)
"""The scoring setup of the committed full-space NB201 CIFAR-10 table the correlation and search references
read (``experiment=abdelfattah2021_nb201``: batch 64, one fixed batch, default init)."""
LIVE_SETUP = dataclasses.replace(TABLE_SETUP, batch_size=16)
"""The scoring setup of the live-scored ``scores.csv``."""
COMMITTED_SCORES = REPO_ROOT / "results" / "scores"
SHARE_CANONICAL = True
THREADS = 1
"""Torch CPU threads per scoring process: fixed, so that values are bit-reproducible on one machine."""
SCORING_PROCESSES = 2
"""Processes scoring the live sample, one shard of the score cache each (CI has two cores).
Every architecture is scored alone with its own seeds, so the values do not depend on this number."""

CORRELATION_TOLERANCE = {"spearman": 1e-9, "kendall": 1e-9}
"""Largest accepted |new − old| per column of ``correlations.csv`` (computed from committed scores);
every other column must agree exactly."""
SCORE_RELATIVE_TOLERANCE = 0.03
"""Largest accepted |new − old| / max(|old|, |new|) of a live score: about three times the largest difference
measured between two machines' floating-point kernels (module doc)."""

SEARCH_SEEDS = (0, 1, 2)
SEARCH_QUERIES = 20
SEARCH_PARAMS: dict[str, dict[str, Any]] = {
    "random": {},
    "rea": {},
    "reinforce": {},
    "bo": {},
    "local": {},
    "zc_only": {"metric": "synflow", "n_samples": 50},
    "zc_warmup_rea": {"metric": "synflow", "n_samples": 100, "population_size": 10},
    "hnas": {"metric": "ntk_trace", "condnum_metric": "ntk_condnum", "n_sample": 5},
    "hnas_grad_norm": {"n_sample": 5},
    "hnas_snip": {"n_sample": 5},
    "hnas_grasp": {"n_sample": 5},
    "prior_gp": {"n_start": 200, "max_scored": 500},
    "full_space_ensemble": {},
}
"""Parameters of every searcher in the reference (the searchers' defaults where empty)."""


def _engine(benchmark: Benchmark, cache: Path, progress: bool, setup: ScoringSetup) -> ScoreEngine:
    return ScoreEngine(
        benchmark.space, setup, cache, data_root(), SHARE_CANONICAL, torch.device("cpu"), progress
    )


def _copy_committed_table(cache: Path) -> None:
    """Copy the committed score table of :data:`TABLE_SETUP` into ``cache`` (same layout).

    Raises ``FileNotFoundError`` naming the table and the command that computes it if it is absent.
    """
    target = ScoreStore(cache, TABLE_SETUP)
    table = COMMITTED_SCORES / target.table_path.relative_to(cache)
    if not table.is_file():
        raise FileNotFoundError(
            f"{table} not found: the references read the committed full-space score table; compute it "
            "with scripts/background_scoring.sh abdelfattah2021_nb201 cifar10 '[...]' (see the README)"
        )
    shutil.copy2(table, target.table_path)


def _score_shard(cache: Path, indices: list[int], names: list[str], shard: int, progress: bool) -> None:
    """Score shard ``shard`` of :data:`SCORING_PROCESSES` of ``indices`` into ``cache`` (a worker process)."""
    torch.set_num_threads(THREADS)
    _engine(open_benchmark(SPACE), cache, progress, LIVE_SETUP).ensure(
        indices, names, (shard, SCORING_PROCESSES)
    )


@contextlib.contextmanager
def _scoring_context(cache_root: Path | None) -> Iterator[Path]:
    """Yield the score cache folder (a fresh temporary one if ``cache_root`` is None), with
    :data:`THREADS` torch threads; the previous thread count is restored afterwards."""
    previous = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    try:
        if cache_root is not None:
            yield Path(cache_root)
        else:
            with tempfile.TemporaryDirectory(prefix="reference-scores-") as folder:
                yield Path(folder)
    finally:
        torch.set_num_threads(previous)


def correlation_reference(cache_root: Path | None = None, progress: bool = False) -> pd.DataFrame:
    """Per metric: ``metric, version, n, spearman, kendall`` on the fixed sample, from the committed table.

    Args:
        cache_root: an empty folder for the score cache; None: a temporary folder, removed afterwards.
        progress: unused (nothing is scored); the signature of :attr:`Reference.compute`.
    """
    benchmark = open_benchmark(SPACE)
    indices = select_architectures(benchmark, SAMPLE_SIZE, SAMPLE_SEED)
    names = registry.resolve(METRICS)
    with _scoring_context(cache_root) as cache:
        _copy_committed_table(cache)
        scores = _engine(benchmark, cache, False, TABLE_SETUP).table(indices, names)
    truth = column(benchmark.truth, DATASET, TEST_COLUMN).loc[indices]
    table = correlation_table(scores, truth, names, bootstrap=0, top_fraction=0.1)
    table.insert(1, "version", [registry.get(name).version for name in names])
    return table[["metric", "version", "n", "spearman", "kendall"]]


def live_sample(benchmark: Benchmark) -> list[int]:
    """The architectures of ``scores.csv``: the first :data:`LIVE_SAMPLE_SIZE` of the correlation sample."""
    return select_architectures(benchmark, SAMPLE_SIZE, SAMPLE_SEED)[:LIVE_SAMPLE_SIZE]


def score_reference(cache_root: Path | None = None, progress: bool = False) -> pd.DataFrame:
    """Per architecture of :func:`live_sample` and metric: ``arch_index, metric, version, value``, scored live.

    Args:
        cache_root: an empty folder for the score cache; None: a temporary folder, removed afterwards.
        progress: show a progress bar (of the first scoring process) while scoring.

    The scoring processes are spawned, so a script calling this needs the
    ``if __name__ == "__main__":`` guard.
    """
    benchmark = open_benchmark(SPACE)
    indices = live_sample(benchmark)
    names = registry.resolve(METRICS)
    with _scoring_context(cache_root) as cache:
        spawn = multiprocessing.get_context("spawn")  # fork is unsafe once torch has started its threads
        with ProcessPoolExecutor(SCORING_PROCESSES, mp_context=spawn) as pool:
            jobs = [
                pool.submit(_score_shard, cache, indices, names, shard, progress and shard == 0)
                for shard in range(SCORING_PROCESSES)
            ]
            for job in jobs:
                job.result()
        scores = _engine(benchmark, cache, False, LIVE_SETUP).table(indices, names)
    rows = [
        {"arch_index": i, "metric": name, "version": registry.get(name).version, "value": scores.at[i, name]}
        for i in indices
        for name in names
    ]
    return pd.DataFrame(rows)


def search_reference(cache_root: Path | None = None, progress: bool = False) -> pd.DataFrame:
    """Per searcher and seed: the final architecture and its numbers (see the module doc).

    Args:
        cache_root: an empty folder for the score cache; None: a temporary folder, removed afterwards.
        progress: show a progress bar while scoring.

    Raises:
        ValueError: if :data:`SEARCH_PARAMS` does not cover every registered searcher.
    """
    if set(SEARCH_PARAMS) != set(SEARCHERS):
        raise ValueError(
            f"SEARCH_PARAMS covers {sorted(SEARCH_PARAMS)} but the searchers are {sorted(SEARCHERS)}; "
            "give every searcher its reference parameters"
        )
    benchmark = open_benchmark(SPACE)
    rows = []
    with _scoring_context(cache_root) as cache:
        _copy_committed_table(cache)
        engine = _engine(benchmark, cache, progress, TABLE_SETUP)
        for algo, params in SEARCH_PARAMS.items():
            scores = EngineScores(engine, needed_metrics(algo, params))
            for seed in SEARCH_SEEDS:
                row, _ = run_search(
                    algo,
                    benchmark.space,
                    benchmark.truth,
                    dataset=DATASET,
                    scores=scores,
                    seed=seed,
                    budget=Budget(SEARCH_QUERIES, None),
                    params=params,
                )
                rows.append(
                    {
                        "algo": algo,
                        "seed": seed,
                        "params": json.dumps(params, sort_keys=True),
                        **{
                            key: row[key]
                            for key in ("arch_index", "arch_str", "queries", "simulated_seconds", "valid_acc")
                        },
                        f"test_acc_{DATASET}": row[f"test_acc_{DATASET}"],
                    }
                )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Reference:
    """One committed reference table: how to compute it and how to compare it.

    Attributes:
        name: short name; the file is ``results/reference/<name>.csv``.
        compute: ``compute(cache_root, progress)`` recomputes the table from scratch.
        keys: columns identifying a row.
        tolerances: column → largest accepted |new − old|; other columns must agree exactly.
        relative_tolerances: column → largest accepted |new − old| / max(|old|, |new|).
    """

    name: str
    compute: Callable[[Path | None, bool], pd.DataFrame]
    keys: tuple[str, ...]
    tolerances: Mapping[str, float] = field(default_factory=dict)
    relative_tolerances: Mapping[str, float] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        """The committed CSV."""
        return REFERENCE_DIR / f"{self.name}.csv"

    def load(self) -> pd.DataFrame:
        """The committed table; ``FileNotFoundError`` saying how to create it if absent."""
        if not self.path.is_file():
            raise FileNotFoundError(f"no reference {self.path}; create it with `make update-reference`")
        return _read_csv(self.path)

    def mismatches(self, new: pd.DataFrame) -> pd.DataFrame:
        """Disagreements between the committed table and ``new`` (see :func:`compare`)."""
        return compare(self.load(), normalise(new), self.keys, self.tolerances, self.relative_tolerances)

    def report(self, mismatches: pd.DataFrame) -> str:
        """A readable verdict: OK, or the table of old vs new values."""
        if mismatches.empty:
            return f"{self.name}: OK, matches {self.path.relative_to(REPO_ROOT)}"
        return (
            f"{self.name}: {len(mismatches)} disagreement(s) with {self.path.relative_to(REPO_ROOT)} "
            "(if intended, run `make update-reference` and commit the reviewed diff)\n"
            + mismatches.astype({"old": str, "new": str}).to_string(index=False)  # values in full
        )


REFERENCES = (
    Reference("correlations", correlation_reference, ("metric",), CORRELATION_TOLERANCE),
    Reference(
        "scores",
        score_reference,
        ("arch_index", "metric"),
        relative_tolerances={"value": SCORE_RELATIVE_TOLERANCE},
    ),
    Reference("search", search_reference, ("algo", "seed")),
)


def write_csv(frame: pd.DataFrame, target: Path | io.StringIO) -> None:
    """Write a reference table (NaN spelled ``NaN``; floats in full, shortest round-trip form)."""
    frame.to_csv(target, index=False, na_rep="NaN")


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as it reads back from its CSV, so fresh and committed tables compare like for like."""
    buffer = io.StringIO()
    write_csv(frame, buffer)
    buffer.seek(0)
    return _read_csv(buffer)


def _read_csv(source: Path | io.StringIO) -> pd.DataFrame:
    """Read a reference table; pandas 3 parses floats exactly, so what :func:`write_csv` wrote reads
    back bit for bit."""
    return pd.read_csv(source)


def compare(
    old: pd.DataFrame,
    new: pd.DataFrame,
    keys: Sequence[str],
    tolerances: Mapping[str, float],
    relative_tolerances: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Every disagreement between two tables, one row each, with both values.

    Rows are matched on ``keys``; a row on one side only is a disagreement in column ``(row)``.
    Every other column of either table is compared: numbers within ``tolerances[column]`` or within
    ``relative_tolerances[column]`` × max(|old|, |new|) (exactly when neither is given; NaN agrees only
    with NaN), anything else exactly; a column missing from one table reads ``(absent)`` there.

    Returns:
        Columns ``*keys, column, old, new, delta, tolerance`` (``delta`` = new − old for numbers;
        ``tolerance``: the absolute tolerance the pair was allowed).
    """
    old_rows, new_rows = old.set_index(list(keys)), new.set_index(list(keys))
    columns = list(dict.fromkeys([*old_rows.columns, *new_rows.columns]))
    rows: list[dict[str, Any]] = []
    for key in dict.fromkeys([*old_rows.index, *new_rows.index]):
        key_values = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        if key not in old_rows.index or key not in new_rows.index:
            sides = ["present" if key in frame.index else "missing" for frame in (old_rows, new_rows)]
            rows.append({**key_values, "column": "(row)", "old": sides[0], "new": sides[1]})
            continue
        for name in columns:
            before = old_rows.at[key, name] if name in old_rows.columns else "(absent)"
            after = new_rows.at[key, name] if name in new_rows.columns else "(absent)"
            tolerance = float(tolerances.get(name, 0.0))
            relative = float((relative_tolerances or {}).get(name, 0.0))
            if _is_number(before) and _is_number(after) and relative > 0:
                tolerance = max(tolerance, relative * max(abs(float(before)), abs(float(after))))
            if not _agree(before, after, tolerance):
                delta = after - before if _is_number(before) and _is_number(after) else math.nan
                rows.append(
                    {
                        **key_values,
                        "column": name,
                        "old": before,
                        "new": after,
                        "delta": delta,
                        "tolerance": tolerance,
                    }
                )
    columns = [*keys, "column", "old", "new", "delta", "tolerance"]
    frame = pd.DataFrame(rows, columns=columns, dtype=object)  # old / new keep each value's own type
    return frame.astype({"delta": float, "tolerance": float})


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _agree(old: Any, new: Any, tolerance: float) -> bool:
    if _is_number(old) and _is_number(new):
        old, new = float(old), float(new)
        if math.isnan(old) or math.isnan(new):
            return math.isnan(old) and math.isnan(new)
        return abs(new - old) <= tolerance
    return old == new


def write_readme(tables: Mapping[str, pd.DataFrame]) -> Path:
    """``results/reference/README.md``: the settings, tolerances and environment of the references."""
    correlations, scores, search = tables["correlations"], tables["scores"], tables["search"]
    constant = (
        ", ".join(f"`{m}`" for m in correlations.loc[correlations["spearman"].isna(), "metric"]) or "none"
    )
    params = "\n".join(f"| {algo} | `{json.dumps(p, sort_keys=True)}` |" for algo, p in SEARCH_PARAMS.items())
    text = f"""# Regression references

Written by `make update-reference` (`python -m bench reference update`); checked by
`python -m bench reference check` and `tests/test_reference.py`. Computed by this repository's
code, in a temporary score cache (scores from the committed table for the correlations and the searches,
from scratch for the live scores), on the CPU with {THREADS} torch thread(s) per process
({SCORING_PROCESSES} processes score the live sample, one cache shard each).
Only update them on purpose, and review the diff. See the docstring of `bench/apps/reference.py`.

## correlations.csv

{len(correlations)} metrics on {SAMPLE_SIZE} NB201 architectures (sample seed {SAMPLE_SEED}),
{DATASET}, against `{TEST_COLUMN}`; scores read from the committed full-space table of setup
`{TABLE_SETUP.setup_id()}`: `{json.dumps(dataclasses.asdict(TABLE_SETUP), sort_keys=True)}`,
share_canonical={SHARE_CANONICAL}.
Columns: metric, version (registry), n (non-NaN scores), Spearman ρ and Kendall τ-b in the
metric's declared direction (no bootstrap). NaN ρ/τ (here: {constant}) means the metric's scores
are constant on the sample; the reference then pins that NaN.

Tolerance: |Δρ| ≤ {CORRELATION_TOLERANCE["spearman"]}, |Δτ| ≤ {CORRELATION_TOLERANCE["kendall"]} (committed
scores: no float noise of the scoring); version and n exactly.

## scores.csv

Every metric on the first {LIVE_SAMPLE_SIZE} architectures of that sample ({len(scores)} scores), computed
live from scratch with setup `{LIVE_SETUP.setup_id()}`: `{json.dumps(dataclasses.asdict(LIVE_SETUP), sort_keys=True)}`,
share_canonical={SHARE_CANONICAL}. Columns: arch_index, metric, version, value (NaN where the metric fails).

Tolerance: |Δvalue| ≤ {SCORE_RELATIVE_TOLERANCE} × max(|old|, |new|); version exactly. With one thread and the
same torch build the values are bit-reproducible; the tolerance covers float noise from another CPU, BLAS or
thread count (measured up to ≈1e-2 relative for zico and grasp, ≤ 3e-4 for most metrics).

## search.csv

Every searcher, seeds {", ".join(map(str, SEARCH_SEEDS))}, {SEARCH_QUERIES} queries, NB201 {DATASET}
(validation signal `valid_acc_12ep`), {len(search)} runs. Training-free scores come from the committed
full-space score table of setup `{TABLE_SETUP.setup_id()}` (batch {TABLE_SETUP.batch_size}; copied into the
temporary cache), so the runs do not depend on this machine's floating-point kernels. Compared exactly.

| algo | params (searcher defaults otherwise) |
|---|---|
{params}

HNAS and its variants use `n_sample=5` (the paper: 2,000) so that its pool stays at ≤ 100 architectures per run;
the paper's setting needs NTK scores for most of the 15,625 cells (hours on a CPU).

## Environment of the last update

torch {torch.__version__}, numpy {np.__version__}, pandas {pd.__version__}, Python {platform.python_version()},
{platform.machine()}.
"""
    path = REFERENCE_DIR / "README.md"
    path.write_text(text, encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """``check``: recompute and compare (exit 1 on any disagreement); ``update``: rewrite the references."""
    parser = argparse.ArgumentParser(
        prog="python -m bench reference",
        description="Recompute the regression references and compare them with results/reference/.",
    )
    parser.add_argument("command", choices=("check", "update"))
    parser.add_argument("--no-progress", action="store_true", help="hide the scoring progress bars")
    parser.add_argument(
        "--only", choices=[ref.name for ref in REFERENCES], help="recompute this reference alone"
    )
    args = parser.parse_args(argv)
    chosen = [ref for ref in REFERENCES if args.only in (None, ref.name)]
    tables = {ref.name: ref.compute(None, not args.no_progress) for ref in chosen}
    if args.command == "update":
        REFERENCE_DIR.mkdir(parents=True, exist_ok=True)
        for ref in chosen:
            write_csv(tables[ref.name], ref.path)
            print(f"wrote {ref.path.relative_to(REPO_ROOT)}")
        others = {ref.name: ref.load() for ref in REFERENCES if ref not in chosen}
        print(f"wrote {write_readme(tables | others).relative_to(REPO_ROOT)}")
        return 0
    failed = False
    for ref in chosen:
        try:
            mismatches = ref.mismatches(tables[ref.name])
        except FileNotFoundError as err:
            print(f"{ref.name}: {err}")
            failed = True
            continue
        print(ref.report(mismatches))
        failed = failed or not mismatches.empty
    return 1 if failed else 0
