"""What the Hydra apps share: reading name-or-list config values, and running a pipeline so that bad config
values end in one line, not a traceback."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from bench import provenance
from bench.paths import DataFileError


def config_names(value: object) -> list[str]:
    """A config value that names one choice (``cifar10``, ``all``) or lists several (``[snip,synflow]``).

    Always a plain Python list of names: ``all`` comes back as ``["all"]``.
    """
    return [str(name) for name in OmegaConf.to_object(value)] if OmegaConf.is_list(value) else [str(value)]


def run_or_exit(run: Callable[[DictConfig], object], cfg: DictConfig, log: logging.Logger) -> None:
    """Call ``run(cfg)``; a ``ValueError`` (bad config value) or ``DataFileError`` is logged as one line, exit 2."""
    try:
        run(cfg)
    except (ValueError, DataFileError) as err:
        log.error("%s", err)
        sys.exit(2)


def write_provenance(app: str, cfg: DictConfig, out_dir: str | Path, code_paths: Sequence[str]) -> Path:
    """``out_dir/provenance.json`` of the running Hydra job: its config name, this job's command-line overrides,
    the resolved config and the code under ``code_paths`` (:mod:`bench.provenance`)."""
    job = HydraConfig.get()
    record = provenance.record(
        app,
        str(job.job.config_name),
        list(job.overrides.task),
        OmegaConf.to_container(cfg, resolve=True),
        code_paths,
    )
    return provenance.write(out_dir, record)
