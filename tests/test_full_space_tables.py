"""The committed full-space NB201 score tables carry the leaderboard's full-space rows.

For each NB201 dataset (all three tables are complete; ``scripts/score_coverage.py``), every leaderboard
metric of the ``abdelfattah2021`` row set is served for all 15,625 architectures from the committed cache alone (``ScoreEngine.table`` raises on any
missing score, so nothing would be recomputed), and the Spearman ρ, n and NaN rate computed from it are
the ones on the board: a CI regression check that the board and the tables have not drifted apart. A population
aggregate on the board (CIFAR-10: ``az_nas``) is recomputed from its cached components, ranked within the 15,625.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.core import aggregate
from bench.core.benchmarks.nb201.table import DATASETS
from bench.core.correlation import correlation_table
from bench.core.groundtruth import column
from bench.core.paths import REPO_ROOT, data_root
from bench.core.scoring import ScoreEngine, ScoringSetup
from metrics import registry

BOARD = REPO_ROOT / "results/leaderboard/correlations.csv"
CACHE = REPO_ROOT / "results/scores"


@pytest.mark.parametrize("dataset", DATASETS)
def test_leaderboard_rows_follow_from_the_committed_table(dataset: str, nb201_space, nb201_truth) -> None:
    board = pd.read_csv(BOARD)
    rows = board[
        (board["space"] == "nb201") & (board["dataset"] == dataset) & (board["protocol"] == "abdelfattah2021")
    ].set_index("metric")
    assert set(registry.resolve("classic")) <= set(rows.index)  # the preset's metrics are on the board
    assert rows["setup_id"].nunique() == 1 and (rows["sample"] == "all").all()
    setup = ScoringSetup.read(CACHE / "nb201" / dataset / rows["setup_id"].iloc[0])
    engine = ScoreEngine(nb201_space, setup, CACHE, data_root(), progress=False)
    indices = np.arange(len(nb201_space))
    metric_names = [name for name in rows.index if name in registry.names()]
    ensembles = aggregate.resolve([name for name in rows.index if name not in metric_names])
    assert all(rows.loc[e.name, "ranked_within"] == f"all, all, n = {len(indices)}" for e in ensembles)
    components = {c for e in ensembles for c in e.metrics()}
    scores = engine.table(indices, [*metric_names, *sorted(components - set(metric_names))])
    scores = scores.join(aggregate.combine_all(scores, ensembles))  # ranked within the 15,625, from the cache
    truth = column(nb201_truth, dataset, str(rows["target"].iloc[0])).loc[indices]
    directions = {e.name: True for e in ensembles}
    table = correlation_table(scores, truth, list(rows.index), bootstrap=0, directions=directions)
    table = table.set_index("metric")
    for metric, row in rows.iterrows():
        ours = table.loc[metric]
        assert ours["n"] == row["n"], metric
        assert ours["nan_rate"] == pytest.approx(row["nan_rate"], abs=1e-12), metric
        assert ours["spearman"] == pytest.approx(row["spearman"], abs=1e-12), metric
