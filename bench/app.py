"""What the Hydra apps share: reading name-or-list config values, and running a pipeline so that bad config
values end in one line, not a traceback."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from omegaconf import DictConfig, OmegaConf

from bench.paths import DataFileError


def config_names(value: object) -> str | list[str]:
    """A config value that names one choice (``cifar10``, ``all``) or lists several (``[snip,synflow]``).

    A listed value comes back as a plain Python list; a single name comes back unchanged as a string.
    """
    return OmegaConf.to_object(value) if OmegaConf.is_list(value) else value


def run_or_exit(run: Callable[[DictConfig], object], cfg: DictConfig, log: logging.Logger) -> None:
    """Call ``run(cfg)``; a ``ValueError`` (bad config value) or ``DataFileError`` is logged as one line, exit 2."""
    try:
        run(cfg)
    except (ValueError, DataFileError) as err:
        log.error("%s", err)
        sys.exit(2)
