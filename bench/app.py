"""What the Hydra apps share: running a pipeline so that bad config values end in one line, not a traceback."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from omegaconf import DictConfig

from bench.paths import DataFileError


def run_or_exit(run: Callable[[DictConfig], object], cfg: DictConfig, log: logging.Logger) -> None:
    """Call ``run(cfg)``; a ``ValueError`` (bad config value) or ``DataFileError`` is logged as one line, exit 2."""
    try:
        run(cfg)
    except (ValueError, DataFileError) as err:
        log.error("%s", err)
        sys.exit(2)
