"""What the Hydra apps share: turning config groups into typed values, reading name-or-list values, checking
numbers and output paths before any work, loading plug-ins, and running a pipeline so that bad config values end
in one line, not a traceback, and Ctrl-C in one line saying what was saved.

This is where Hydra stops: the apps hand library code plain values (:class:`ScoringOptions`, names, numbers).
"""

from __future__ import annotations

import logging
import math
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from bench.apps import provenance
from bench.core.paths import REPO_ROOT, DataFileError
from bench.core.plugins import load_plugins
from bench.core.scoring import ScoringOptions, ScoringSetup, whole_number

CONF_DIR = str(REPO_ROOT / "conf")  # the Hydra config tree: app configs, experiment presets, launchers
COMMITTED_BOARDS = (
    REPO_ROOT / "results" / "leaderboard"
)  # the published leaderboards, written by presets only
SCORE_KEYS = (
    *(f"scoring.{name}" for name in ScoringSetup.__dataclass_fields__ if name not in ("space", "dataset")),
    "scoring.share_canonical",
)
"""The ``scoring`` keys that can change a score (``device`` and ``threads`` change only where and how fast)."""
INTERRUPTED = 130  # exit status after Ctrl-C (128 + SIGINT), as shells report it


def config_names(value: object) -> list[str]:
    """A config value that names one choice (``cifar10``, ``all``) or lists several (``[snip,synflow]``).

    Always a plain Python list of names: ``all`` comes back as ``["all"]``.
    """
    return [str(name) for name in OmegaConf.to_object(value)] if OmegaConf.is_list(value) else [str(value)]


def scoring_options(group: DictConfig) -> ScoringOptions:
    """The ``scoring`` config group as typed options (``ValueError`` naming a bad key or value)."""
    values = OmegaConf.to_object(group)
    assert isinstance(values, dict)
    unknown = sorted(set(values) - set(ScoringOptions.__dataclass_fields__))
    if unknown:
        raise ValueError(
            f"unknown scoring key {unknown[0]!r}; valid: {', '.join(ScoringOptions.__dataclass_fields__)}"
        )
    return ScoringOptions(**values)


def sample_size(value: object) -> int | str:
    """The ``sample`` key: ``"all"`` or a whole number ≥ 3 (fewer architectures give no rank correlation);
    ``ValueError`` naming the value otherwise (``5.5`` is not rounded)."""
    if value == "all":
        return "all"
    return whole_number("sample", int(value) if isinstance(value, str) and value.isdigit() else value, low=3)


def fraction(key: str, value: object) -> float:
    """A number in (0, 1] (e.g. ``stats.top_fraction``); ``ValueError`` naming ``key`` otherwise."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 < value <= 1
        or math.isnan(value)
    ):
        raise ValueError(f"{key}={value!r} is invalid: must be a number in (0, 1]")
    return float(value)


def check_writable(key: str, path: str | Path, *, folder: bool) -> Path:
    """``path`` (a folder if ``folder``, else a file) can be created or written; ``ValueError`` naming ``key``
    and the part of the path at fault otherwise. Creates nothing (a probe file is made and removed)."""
    target = Path(path)
    existing = target
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing == target and not folder:
        if not target.is_file():
            raise ValueError(f"{key}={path}: it is a folder, not a file")
        existing = target.parent
    elif not existing.is_dir():
        raise ValueError(f"{key}={path}: {existing} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as err:
        raise ValueError(f"{key}={path}: cannot write in {existing} ({err.strerror or err})") from None
    return target


def check_publish(
    cfg: DictConfig, overrides: Iterable[str], preset: str | None, number_keys: Iterable[str]
) -> None:
    """The committed leaderboards (``results/leaderboard/``) take only the rows of the experiment presets that
    own them: a run writing there must come from a preset with none of ``number_keys`` (keys, or key prefixes
    ending in ``.``, that change its numbers) overridden, unless ``leaderboard=`` or ``publish=true`` is given
    on the command line. ``ValueError`` (before any work) otherwise.

    Args:
        overrides: the command line's ``key=value`` overrides (Hydra's ``overrides.task``).
        preset: the chosen ``experiment`` preset, None when there is none.
    """
    board = Path(cfg.leaderboard).resolve()
    if cfg.get("publish") or board.parent != COMMITTED_BOARDS.resolve():
        return
    given = {item.split("=", 1)[0].lstrip("+~"): item.split("=", 1)[-1] for item in overrides}
    if "leaderboard" in given:
        return
    how = "pass leaderboard=PATH for your own board, or publish=true to add this run's rows to it"
    if preset is None:
        raise ValueError(
            f"leaderboard={cfg.leaderboard} is the committed board, written by experiment presets; {how}"
        )
    keys = tuple(number_keys)
    changed = sorted(k for k in given if k in keys or any(p.endswith(".") and k.startswith(p) for p in keys))
    if changed:
        raise ValueError(
            f"experiment={preset} with {changed[0]}={given[changed[0]]} is not the preset's own run, and its "
            f"leaderboard {cfg.leaderboard} is the committed one; {how}"
        )


def load_config_plugins(cfg: DictConfig) -> None:
    """Import the modules listed in the config's ``plugins`` key (their metrics and benchmarks register)."""
    load_plugins(config_names(cfg.plugins) if cfg.get("plugins") else [])


def run_or_exit(
    run: Callable[[DictConfig], object], cfg: DictConfig, log: logging.Logger, on_interrupt: str
) -> None:
    """Call ``run(cfg)``; a ``ValueError`` (bad config value) or ``DataFileError`` is logged as one line, exit 2;
    Ctrl-C logs ``on_interrupt`` (what was saved, how to resume) as one line, exit 130."""
    try:
        run(cfg)
    except (ValueError, DataFileError) as err:
        log.error("%s", err)
        sys.exit(2)
    except KeyboardInterrupt:
        log.error("interrupted: %s", on_interrupt)
        sys.exit(INTERRUPTED)


def write_provenance(app: str, cfg: DictConfig, out_dir: str | Path, code_paths: Sequence[str]) -> Path:
    """``out_dir/provenance.json`` of the running Hydra job: its config name, this job's command-line overrides,
    the resolved config and the code under ``code_paths`` (:mod:`bench.apps.provenance`)."""
    job = HydraConfig.get()
    record = provenance.record(
        app,
        str(job.job.config_name),
        list(job.overrides.task),
        OmegaConf.to_container(cfg, resolve=True),
        code_paths,
    )
    return provenance.write(out_dir, record)
