"""Fault injection (issue #32; the table of cases and outcomes is docs/faults.md).

Every bad value or unusable path ends in one ``ValueError`` line naming it before any work (the CLI turns it
into rc 2); Ctrl-C ends in one line and exit 130 with every finished architecture kept; a damaged or edited
score cache never serves a wrong value; a smaller run never replaces a leaderboard row of another sample.
(kill -9 mid-scoring: ``tests/test_scoring.py::test_resume_after_kill_and_cache_hits``.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from bench.apps import correlate, leaderboard, verify_cache
from bench.apps import search as search_app
from bench.apps.config import COMMITTED_BOARDS, check_publish
from bench.core.paths import REPO_ROOT
from bench.core.score_checksums import BLOCK_ARCHS
from bench.core.scoring import (
    SCHEMA,
    ScoreEngine,
    ScoreStore,
    ScoringOptions,
    ScoringSetup,
    missing_work,
    read_journal,
)

CONF = str(REPO_ROOT / "conf")


def config(name: str, overrides: list[str]):
    with initialize_config_dir(config_dir=CONF, version_base="1.3"):
        return compose(config_name=name, overrides=overrides)


def assert_one_line_before_work(run, cfg, message: str, tmp_path: Path) -> None:
    """``run(cfg)`` raises one ``ValueError`` line holding ``message``; nothing was scored or written."""
    with pytest.raises(ValueError) as info:
        run(cfg)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "cache").exists() and not list((tmp_path / "out").glob("*"))


# ---------------------------------------------------------------- bad values and paths, before any work


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["scoring.batch_size=0"], "scoring.batch_size=0 is invalid: must be a whole number >= 1"),
        (["scoring.threads=-1"], "scoring.threads=-1 is invalid: must be a whole number >= 0"),
        (["scoring.seed=-2"], "scoring.seed=-2 is invalid"),
        (
            ["scoring.data=imagenet"],
            "unknown scoring.data 'imagenet'; valid choices: npz, native, noise, ones, taskonomy",
        ),
        (["scoring.per_arch_batch=2"], "scoring.per_arch_batch=2 is invalid: must be true or false"),
        (["sample=5.5"], "sample=5.5 is invalid: must be a whole number >= 3"),
        (["sample=1"], "sample=1 is invalid"),
        (["sample=2"], "sample=2 is invalid"),
        (["sample=some"], "sample='some' is invalid"),
        (["seed=-1"], "seed=-1 is invalid: must be a whole number >= 0"),
        (["stats.bootstrap=0"], "stats.bootstrap=0 is invalid: must be a whole number >= 40"),
        (["stats.top_fraction=0"], "stats.top_fraction=0 is invalid: must be a number in (0, 1]"),
        (["shard.count=2", "shard.index=2"], "shard.index=2 is invalid: must be a whole number 0..1"),
        (["metrics=[]"], "metrics=[] names no metric"),
    ],
)
def test_correlate_bad_value_is_one_line_before_any_work(
    overrides: list[str], message: str, tmp_path: Path
) -> None:
    cfg = config(
        "correlate",
        [
            *overrides,
            f"out_dir={tmp_path / 'out'}",
            f"cache_dir={tmp_path / 'cache'}",
            f"leaderboard={tmp_path / 'b.csv'}",
        ],
    )
    assert_one_line_before_work(correlate.run, cfg, message, tmp_path)


@pytest.mark.skipif(torch.cuda.is_available(), reason="the check is for a machine without CUDA")
def test_cuda_without_cuda_is_one_line() -> None:
    with pytest.raises(
        ValueError, match=r"scoring\.device='cuda' but torch finds no CUDA device; use auto or cpu"
    ):
        ScoringOptions(device="cuda")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["seeds=0"], "seeds=0 is invalid: must be a whole number >= 1"),
        (["seeds=-3"], "seeds=-3 is invalid"),
        (["seed_offset=-1"], "seed_offset=-1 is invalid"),
        (["budget.queries=0"], "budget.queries=0 is invalid: must be a whole number >= 1"),
        (["budget.queries=2.5"], "budget.queries=2.5 is invalid"),
        (["budget.seconds=abc"], "budget.seconds='abc' is invalid"),
        (["budget.seconds=-5"], "budget.seconds=-5 is invalid: must be a number > 0 (seconds), or null"),
    ],
)
def test_search_bad_value_is_one_line_and_leaves_no_files(
    overrides: list[str], message: str, tmp_path: Path
) -> None:
    cfg = config(
        "search",
        [
            "algo=random",
            *overrides,
            f"out_dir={tmp_path / 'out'}",
            f"cache_dir={tmp_path / 'cache'}",
            f"leaderboard={tmp_path / 'b.csv'}",
        ],
    )
    assert_one_line_before_work(search_app.run, cfg, message, tmp_path)
    assert not (tmp_path / "out").exists() and not (tmp_path / "b.csv").exists()


@pytest.mark.parametrize(
    ("key", "where", "message"),
    [
        ("out_dir", "file/out", "is a file, not a folder"),
        ("cache_dir", "file/cache", "is a file, not a folder"),
        ("leaderboard", "file/b.csv", "is a file, not a folder"),
        ("leaderboard", "", "it is a folder, not a file"),
        ("out_dir", "/proc/zcbench-out", "cannot write in /proc"),
    ],
)
def test_unusable_path_is_one_line_before_any_work(
    key: str, where: str, message: str, tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("a file, not a folder")
    paths = {"out_dir": tmp_path / "out", "cache_dir": tmp_path / "cache", "leaderboard": tmp_path / "b.csv"}
    paths[key] = Path(where) if where.startswith("/") else tmp_path / where
    cfg = config("correlate", ["sample=5", "metrics=[params]", *(f"{k}={v}" for k, v in paths.items())])
    with pytest.raises(ValueError) as info:
        correlate.run(cfg)
    assert str(info.value).startswith(f"{key}=") and message in str(info.value)
    assert not (tmp_path / "cache").exists() and not (tmp_path / "out").exists()


# ---------------------------------------------------------------- Ctrl-C


def test_ctrl_c_is_one_line_exit_130_and_keeps_the_finished_architectures(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    command = [sys.executable, "-m", "bench", "correlate", "sample=60", "seed=3", "metrics=[synflow]"]
    command += [f"cache_dir={cache}", f"out_dir={tmp_path / 'out'}", f"leaderboard={tmp_path / 'b.csv'}"]
    command += [
        "scoring.threads=1",
        "scoring.batch_size=8",
        "progress=false",
        f"hydra.run.dir={tmp_path / 'h'}",
    ]
    # a shell's background job inherits SIGINT ignored, and Python then keeps it ignored: give the child Ctrl-C back
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.time() + 180
    while (
        time.time() < deadline and sum(len(p.read_text().splitlines()) for p in cache.rglob("journal-*")) < 2
    ):
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "Traceback" not in output
    [line] = [line for line in output.splitlines() if "interrupted" in line]
    assert line.endswith(
        f"interrupted: the scores finished so far are saved in {cache}; run the same command again to resume"
    )
    [journal] = cache.rglob("journal-*.jsonl")
    rows, problems = read_journal(journal)
    assert len(rows) >= 2 and not problems  # every finished architecture kept, no torn line
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- the score cache


def fake_rows(indices: range, metric: str = "params") -> list[dict]:
    """Cache rows with known values (the cache never looks at what a value means)."""
    return [
        {
            "arch_index": i,
            "metric": metric,
            "version": 1,
            "value": float(i) / 7,
            "seconds": 0.01,
            "error": "",
            "device": "cpu",
        }
        for i in indices
    ]


def compacted_store(tmp_path: Path, indices: range) -> ScoreStore:
    store = ScoreStore(tmp_path, ScoringSetup(space="nb201", dataset="cifar10"))
    with store.journal(0) as append:
        append(fake_rows(indices))
    store.compact()
    return store


def test_an_edited_value_drops_its_block_only(tmp_path: Path, caplog) -> None:
    store = compacted_store(tmp_path, range(2500))
    table = pd.read_parquet(store.table_path)
    table.loc[table["arch_index"] == 1500, "value"] = 99.0  # one edited value in block 1000..1999
    table.to_parquet(store.table_path, index=False)
    served = store.load()
    assert sorted(served["arch_index"]) == [*range(BLOCK_ARCHS), *range(2 * BLOCK_ARCHS, 2500)]
    assert "1000 rows of score table" in caplog.text and "params/1/1000" in caplog.text
    assert np.allclose(served["value"], served["arch_index"] / 7)  # every row served is the one written
    assert missing_work(served, {1500: ["params"], 5: ["params"]}) == {1500: ["params"]}  # recomputed


@pytest.mark.parametrize("damage", ["truncated", "random bytes", "checksum file garbage"])
def test_a_damaged_table_serves_nothing_wrong(damage: str, tmp_path: Path, caplog) -> None:
    store = compacted_store(tmp_path, range(20))
    if damage == "truncated":
        store.table_path.write_bytes(store.table_path.read_bytes()[:300])
    elif damage == "random bytes":
        store.table_path.write_bytes(np.random.default_rng(0).bytes(2000))
    else:
        store.checksum_path.write_text("{not json")
    assert len(store.load()) == 0
    assert "score table" in caplog.text
    assert verify_cache.main([str(tmp_path)]) == 1


def test_a_torn_journal_line_is_skipped_and_the_rest_kept(tmp_path: Path, caplog) -> None:
    store = ScoreStore(tmp_path, ScoringSetup(space="nb201", dataset="cifar10"))
    journal = store.folder / "journal-0-1.jsonl"
    journal.write_text("".join(json.dumps(r) + "\n" for r in fake_rows(range(3))) + '{"arch_index": 3, "met')
    assert store.load()["arch_index"].tolist() == [0, 1, 2]
    assert "unreadable line 4" in caplog.text


@pytest.mark.parametrize("content", ["garbage {", json.dumps({"space": "nb201", "dataset": "cifar100"})])
def test_a_wrong_setup_file_is_reported_and_rewritten(content: str, tmp_path: Path, caplog) -> None:
    setup = ScoringSetup(space="nb201", dataset="cifar10")
    folder = ScoreStore(tmp_path, setup).folder
    (folder / "setup.json").write_text(content)
    assert verify_cache.main([str(tmp_path)]) == 1
    ScoreStore(tmp_path, setup)
    assert "setup.json" in caplog.text and "rewriting it" in caplog.text
    assert ScoringSetup.read(folder) == setup
    assert verify_cache.main([str(tmp_path)]) == 0


def test_verify_cache_seals_an_unsealed_table(tmp_path: Path, capsys) -> None:
    store = compacted_store(tmp_path, range(10))
    store.checksum_path.unlink()
    assert verify_cache.main([str(tmp_path)]) == 0
    assert "no checksum file" in capsys.readouterr().out
    assert verify_cache.main([str(tmp_path), "--seal"]) == 0 and store.checksum_path.exists()
    assert len(store.load()) == 10


def test_verify_cache_compact_folds_idle_journals_and_leaves_a_live_one(tmp_path: Path, capsys) -> None:
    store = compacted_store(tmp_path, range(5))
    (store.folder / "journal-0-1.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in fake_rows(range(5, 8)))
    )
    with store.journal(1) as append:  # a running job's journal: held, so left alone
        append(fake_rows(range(8, 10)))
        assert verify_cache.main([str(tmp_path), "--compact"]) == 0
        assert "1 journal folded into the table" in capsys.readouterr().out
        assert set(range(8)) <= set(pd.read_parquet(store.table_path)["arch_index"])
        assert [p.name for p in store.folder.glob("journal-*.jsonl")] == [f"journal-1-{os.getpid()}.jsonl"]
    assert sorted(store.load()["arch_index"]) == list(range(10))


def test_verify_cache_compact_refuses_a_moved_folder(tmp_path: Path, capsys) -> None:
    store = compacted_store(tmp_path / "a", range(3))
    moved = tmp_path / "b" / "nb201" / "cifar100" / store.folder.name
    moved.parent.mkdir(parents=True)
    store.folder.rename(moved)
    (moved / "journal-0-1.jsonl").write_text(json.dumps(fake_rows(range(3, 4))[0]) + "\n")
    assert verify_cache.main([str(tmp_path / "b"), "--compact"]) == 1
    assert "not compacted: its setup.json is for nb201/cifar10" in capsys.readouterr().out
    assert (moved / "journal-0-1.jsonl").exists() and not (tmp_path / "b" / "nb201" / "cifar10").exists()


def test_the_committed_score_tables_are_sealed_and_sound() -> None:
    """Every committed table has a checksum file that matches it, so the committed caches keep hitting."""
    folders = verify_cache.cache_folders(REPO_ROOT / "results" / "scores")
    assert folders
    for folder in folders:
        ok, line = verify_cache.folder_report(folder, seal=False)
        assert ok and "no checksum file" not in line, line


def test_schema_is_what_the_checksums_cover() -> None:
    assert list(SCHEMA) == ["arch_index", "metric", "version", "value", "seconds", "error", "device"]


# ---------------------------------------------------------------- leaderboard


def board_rows(sample: str, spearman: float) -> pd.DataFrame:
    values = dict.fromkeys(leaderboard.COLUMNS, 0.0)
    values |= {"space": "nb201", "dataset": "cifar10", "protocol": "p", "target": "t", "metric": "params"}
    values |= {"sample": sample, "sample_seed": 0, "setup_id": "7db1a1ad65ba", "spearman": spearman, "n": 5}
    return pd.DataFrame([values])


def test_a_smaller_sample_never_replaces_a_row(tmp_path: Path) -> None:
    path = tmp_path / "correlations.csv"
    leaderboard.update_correlations(path, board_rows("all", 0.753))
    board = leaderboard.update_correlations(path, board_rows("5", 0.872))
    assert sorted(zip(board["sample"].astype(str), board["spearman"], strict=True)) == [
        ("5", 0.872),
        ("all", 0.753),
    ]
    board = leaderboard.update_correlations(
        path, board_rows("5", 0.5)
    )  # the same sample replaces its own row
    assert sorted(zip(board["sample"].astype(str), board["spearman"], strict=True)) == [
        ("5", 0.5),
        ("all", 0.753),
    ]


COMMITTED = str(COMMITTED_BOARDS / "correlations.csv")


@pytest.mark.parametrize(
    ("leaderboard_path", "overrides", "preset", "refused"),
    [
        (COMMITTED, ["experiment=abdelfattah2021_nb201", "dataset=cifar10"], "abdelfattah2021_nb201", None),
        (
            COMMITTED,
            ["experiment=abdelfattah2021_nb201", "sample=5"],
            "abdelfattah2021_nb201",
            "with sample=5",
        ),
        (
            COMMITTED,
            ["experiment=abdelfattah2021_nb201", "scoring.batch_size=32"],
            "abdelfattah2021_nb201",
            "with scoring.batch_size=32",
        ),
        (
            COMMITTED,
            ["experiment=abdelfattah2021_nb201", "population=no_dead_ops"],
            "abdelfattah2021_nb201",
            None,
        ),
        (COMMITTED, ["experiment=abdelfattah2021_nb201", "scoring.threads=1"], "abdelfattah2021_nb201", None),
        (
            COMMITTED,
            ["experiment=abdelfattah2021_nb201", "sample=5", "publish=true"],
            "abdelfattah2021_nb201",
            None,
        ),
        (COMMITTED, [f"leaderboard={COMMITTED}", "sample=5"], None, None),
        (COMMITTED, ["sample=5"], None, "written by experiment presets"),
        ("elsewhere/board.csv", ["sample=5"], None, None),
    ],
)
def test_the_committed_board_takes_only_its_presets_runs(
    leaderboard_path: str, overrides: list[str], preset: str | None, refused: str | None
) -> None:
    publish = "publish=true" in overrides
    cfg = OmegaConf.create({"leaderboard": leaderboard_path, "publish": publish})
    if refused is None:
        check_publish(cfg, overrides, preset, correlate.NUMBER_KEYS)
    else:
        with pytest.raises(ValueError, match=refused):
            check_publish(cfg, overrides, preset, correlate.NUMBER_KEYS)


# ---------------------------------------------------------------- Python API


def test_space_api_refuses_what_is_not_an_architecture(nb201_space) -> None:
    with pytest.raises(IndexError, match=r"nb201 architecture index -1 is outside 0\.\.15624"):
        nb201_space.arch_str(-1)
    with pytest.raises(IndexError, match=r"outside 0\.\.15624"):
        nb201_space.arch(15625)
    with pytest.raises(TypeError, match="arch string or a tuple of 6 edge ops, got 123"):
        nb201_space.index(123)
    with pytest.raises(ValueError, match="not an NB201 cell"):
        nb201_space.index(("conv",) * 6)
    assert nb201_space.index(list(nb201_space.arch(7))) == 7
    assert nb201_space.arch_str(np.int64(3)) == nb201_space.arch_str(3)


def test_cli_bad_value_exits_2_with_one_line(tmp_path: Path) -> None:
    """The CLI path: Hydra composes, the app refuses before any work, one log line, rc 2, no traceback."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "correlate",
            "scoring.batch_size=0",
            f"cache_dir={tmp_path / 'cache'}",
            f"hydra.run.dir={tmp_path / 'h'}",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"HYDRA_FULL_ERROR": "0"},
    )
    assert result.returncode == 2
    output = result.stdout + result.stderr
    [line] = [line for line in output.splitlines() if "ERROR" in line]
    assert line.endswith("scoring.batch_size=0 is invalid: must be a whole number >= 1")
    assert "Traceback" not in output
    assert not (tmp_path / "cache").exists()


def test_a_search_preset_with_fewer_seeds_is_refused() -> None:
    cfg = OmegaConf.create({"leaderboard": str(COMMITTED_BOARDS / "search.csv"), "publish": False})
    preset = "hnas2022_nb201_transfer"
    check_publish(cfg, [f"experiment={preset}", "algo=all", "workers=2"], preset, search_app.NUMBER_KEYS)
    with pytest.raises(ValueError, match="with seeds=2 is not the preset's own run"):
        check_publish(cfg, [f"experiment={preset}", "seeds=2"], preset, search_app.NUMBER_KEYS)


def test_an_edited_score_is_recomputed_to_its_true_value(nb201_space, root: Path, tmp_path: Path) -> None:
    """End to end through the engine: the edited value is never served; the rerun computes the true one."""
    setup = ScoringSetup(space="nb201", dataset="cifar10", batch_size=2, data="noise")
    indices = [3, 1200]
    engine = ScoreEngine(nb201_space, setup, tmp_path, root, device=torch.device("cpu"), progress=False)
    engine.ensure(indices, ["params"])
    engine.store.compact()
    truth = engine.table(indices, ["params"])["params"]
    table = pd.read_parquet(engine.store.table_path)
    table.loc[table["arch_index"] == 1200, "value"] *= 1.5
    table.to_parquet(engine.store.table_path, index=False)
    again = ScoreEngine(nb201_space, setup, tmp_path, root, device=torch.device("cpu"), progress=False)
    assert again.ensure(indices, ["params"]) == 1  # only the edited block's architecture is scored again
    pd.testing.assert_series_equal(again.table(indices, ["params"])["params"], truth)
