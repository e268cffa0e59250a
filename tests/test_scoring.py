"""Score cache: hits and misses, resume after a killed run, shards merging to the single-run result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from bench.core.paths import data_root
from bench.core.scoring import ScoreEngine, ScoreStore, ScoringSetup, missing_work, shard_slice
from metrics import registry

REPO = Path(__file__).resolve().parent.parent
METRICS = ("params", "synflow", "naswot")
"""Cheap metrics (≈0.3 s per architecture together): the properties below do not depend on which are scored,
only that there are several, class-shared (synflow, naswot) and not (params)."""
SAMPLE = 8


def correlate(tmp: Path, *args: str, cache: str = "cache") -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "bench",
        "correlate",
        "space=nb201",
        "dataset=cifar10",
        f"sample={SAMPLE}",
        "seed=1",
        f"metrics=[{','.join(METRICS)}]",
        f"out_dir={tmp / 'out'}",
        f"cache_dir={tmp / cache}",
        f"leaderboard={tmp / 'board.csv'}",
        "scoring.threads=1",
        "progress=false",
        "stats.bootstrap=50",
        f"hydra.run.dir={tmp / 'hydra'}",
        *args,
    ]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(process: subprocess.Popen) -> str:
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    return output


def scores(tmp: Path) -> pd.DataFrame:
    frame = pd.read_parquet(tmp / "out" / "scores.parquet").set_index("arch_index")
    return frame[list(METRICS)]


def journal_lines(cache: Path) -> int:
    return sum(len(p.read_text().splitlines()) for p in cache.rglob("journal-*.jsonl"))


def cached_rows(cache: Path) -> int:
    """Score rows (architecture × metric) in the compacted cache of a finished run."""
    (table,) = cache.rglob("scores.parquet")
    return len(pd.read_parquet(table))


@pytest.fixture(scope="module")
def single_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished uninterrupted, unsharded run (shared by the tests of this module that run in one worker)."""
    folder = tmp_path_factory.mktemp("single")
    finish(correlate(folder))
    return folder


def test_resume_after_kill_and_cache_hits(tmp_path: Path, single_run: Path) -> None:
    total = cached_rows(single_run / "cache")
    killed = tmp_path / "killed"
    process = correlate(killed)
    deadline = time.time() + 120
    while journal_lines(killed / "cache") < 2 and time.time() < deadline:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done_before = journal_lines(killed / "cache")
    assert 0 < done_before < total, "the run must be killed part-way"
    finish(correlate(killed))
    assert cached_rows(killed / "cache") == total
    pd.testing.assert_frame_equal(scores(killed), scores(single_run))
    # A third run finds everything cached and scores nothing.
    store_files = list((killed / "cache").rglob("scores.parquet"))
    assert len(store_files) == 1
    before = store_files[0].stat().st_mtime_ns
    finish(correlate(killed))
    assert store_files[0].stat().st_mtime_ns == before
    assert not list((killed / "cache").rglob("journal-*.jsonl"))


def test_shards_merge_to_the_single_run(tmp_path: Path, single_run: Path) -> None:
    sharded = tmp_path / "sharded"
    for index in (0, 1):
        finish(correlate(sharded, f"shard.index={index}", "shard.count=2"))
    assert not (sharded / "out").exists()  # shard runs only score
    finish(correlate(sharded))
    pd.testing.assert_frame_equal(scores(sharded), scores(single_run))


def test_corrupt_table_and_torn_journal_are_reported_and_ignored(tmp_path: Path, caplog) -> None:
    store = ScoreStore(tmp_path, ScoringSetup(space="nb201", dataset="cifar10"))
    row = {
        "arch_index": 3,
        "metric": "params",
        "version": 1,
        "value": 1.5,
        "seconds": 0.1,
        "error": "",
        "device": "cpu",
    }
    journal = store.folder / "journal-0.jsonl"
    journal.write_text(json.dumps(row) + "\n" + '{"arch_index": 4, "met')
    store.table_path.write_bytes(b"not a parquet file")
    loaded = store.load()
    assert loaded["arch_index"].tolist() == [3]
    assert "corrupt score table" in caplog.text and "unreadable line 2" in caplog.text


def test_missing_work_and_setup_ids() -> None:
    cached = pd.DataFrame(
        {
            "arch_index": [1, 1, 2],
            "metric": ["params", "synflow", "params"],
            "version": [1, 1, 1],
            "value": [0.0] * 3,
            "seconds": [0.0] * 3,
            "error": [""] * 3,
            "device": ["cpu"] * 3,
        }
    )
    both = ["params", "synflow"]
    assert missing_work(cached, {1: both, 2: both, 3: both}) == {2: ["synflow"], 3: both}
    assert missing_work(cached, {1: ["params"], 3: ["synflow"]}) == {3: ["synflow"]}
    base = ScoringSetup(space="nb201", dataset="cifar10")
    assert base.setup_id() == ScoringSetup(space="nb201", dataset="cifar10").setup_id()
    assert base.setup_id() != ScoringSetup(space="nb201", dataset="cifar10", batch_size=32).setup_id()
    assert base.arch_seed(5) != base.arch_seed(6)


def test_shard_slices_are_disjoint_and_cover() -> None:
    items = list(range(17))
    parts = [shard_slice(items, i, 3) for i in range(3)]
    assert sorted(i for part in parts for i in part) == items
    with pytest.raises(ValueError, match=r"shard\.index"):
        shard_slice(items, 3, 3)


def test_compact_leaves_a_journal_that_is_being_written(tmp_path: Path) -> None:
    store = ScoreStore(tmp_path, ScoringSetup(space="nb201", dataset="cifar10"))
    row = {
        "arch_index": 1,
        "metric": "params",
        "version": 1,
        "value": 0.5,
        "seconds": 0.1,
        "error": "",
        "device": "cpu",
    }
    with store.journal(0) as append:
        append([row])
        store.compact()  # the live journal is locked: nothing to fold yet
        assert len(list(store.folder.glob("journal-*.jsonl"))) == 1
        assert store.load()["arch_index"].tolist() == [1]  # but its rows are readable
    store.compact()
    assert not list(store.folder.glob("journal-*.jsonl"))
    assert store.load()["arch_index"].tolist() == [1]


def test_cache_reads_are_memoised_until_the_cache_changes(tmp_path: Path, nb201_space) -> None:
    engine = ScoreEngine(nb201_space, ScoringSetup(space="nb201", dataset="cifar10"), tmp_path, data_root())
    scored = engine.ensure([0, 1], ["params"])
    assert scored == 2
    first = engine.store.load()
    assert engine.store.load() is first  # nothing changed: no re-read
    table = engine.table([1, 0], ["params"])
    assert engine.ensure([0, 1], ["params"]) == 0  # all cached: no scoring pass
    assert engine.ensure([0, 1, 2], ["params"]) == 1  # one new architecture
    reloaded = engine.store.load()
    assert reloaded is not first and sorted(reloaded["arch_index"]) == [0, 1, 2]
    assert engine.table([1, 0], ["params"]).equals(table)
    engine.store.compact()  # the same rows, now in the parquet table
    values = reloaded.set_index("arch_index")["value"]
    assert engine.table([2, 1, 0], ["params"])["params"].tolist() == [values[i] for i in (2, 1, 0)]
    assert engine.ensure([0, 1, 2], ["params", "flops"]) == 3  # another metric: computed for all


def test_only_class_invariant_metrics_share_a_class_score(tmp_path: Path, nb201_space) -> None:
    """synflow (class-invariant) is scored once per functional class; params, which also counts the
    convolutions off every input→output path, is scored on every architecture itself."""
    a = nb201_space.index("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|nor_conv_3x3~0|none~1|none~2|")
    b = nb201_space.index("|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|")
    assert nb201_space.canonical(a) == nb201_space.canonical(b)  # cells 1 and 2 never reach the output
    rep = nb201_space.canonical(a)
    engine = ScoreEngine(nb201_space, ScoringSetup(space="nb201", dataset="cifar10"), tmp_path, data_root())
    assert engine.work([a, b], ["synflow", "params"]) == {
        **{rep: ["synflow"]},
        **{i: [*(["synflow"] if i == rep else []), "params"] for i in (a, b)},
    }
    engine.ensure([a, b], ["synflow", "params"])
    table = engine.table([a, b], ["synflow", "params"])
    assert table.loc[a, "synflow"] == table.loc[b, "synflow"]
    assert table.loc[a, "params"] > table.loc[b, "params"]  # a's dead convolutions count
    unshared = ScoreEngine(
        nb201_space,
        ScoringSetup(space="nb201", dataset="cifar10"),
        tmp_path,
        data_root(),
        share_canonical=False,
    )
    assert unshared.work([a, b], ["synflow"]) == {a: ["synflow"], b: ["synflow"]}


def test_a_probe_sees_what_scoring_saw(tmp_path: Path, nb201_space) -> None:
    """``ScoreEngine.probe`` (what ``scripts/metric_seconds.py`` times) rebuilds exactly the network, weights,
    batch and BN override of the scoring run: a metric on it equals the cached score, under a non-default
    initialisation too; under another initialisation the same architecture scores differently."""
    index = 7
    values = {}
    for init in ("kaiming_normal", "xavier_normal"):
        setup = ScoringSetup(space="nb201", dataset="cifar10", batch_size=8, init=init, bn="bypass")
        engine = ScoreEngine(nb201_space, setup, tmp_path, data_root(), share_canonical=False, progress=False)
        engine.ensure([index], ["synflow"])
        cached = float(engine.table([index], ["synflow"]).loc[index, "synflow"])
        probe = engine.probe(index)
        assert probe.bn_override == "bypass" and len(probe.batch.images) == 8
        assert registry.evaluate(["synflow"], probe)["synflow"].value == cached
        values[init] = cached
    assert values["kaiming_normal"] != values["xavier_normal"]
