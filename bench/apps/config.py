"""What the Hydra apps share: reading name-or-list config values, and running a pipeline so that bad config
values end in one line, not a traceback."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from omegaconf import DictConfig, OmegaConf

from bench.core.paths import REPO_ROOT, DataFileError

CONF_DIR = str(REPO_ROOT / "conf")  # the Hydra config tree: app configs, experiment presets, launchers


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
