"""What the Hydra apps share: turning config groups into typed values, reading name-or-list values, loading
plug-ins, and running a pipeline so that bad config values end in one line, not a traceback.

This is where Hydra stops: the apps hand library code plain values (:class:`ScoringOptions`, names, numbers).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from omegaconf import DictConfig, OmegaConf

from bench.core.paths import REPO_ROOT, DataFileError
from bench.core.plugins import load_plugins
from bench.core.scoring import ScoringOptions

CONF_DIR = str(REPO_ROOT / "conf")  # the Hydra config tree: app configs, experiment presets, launchers


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


def load_config_plugins(cfg: DictConfig) -> None:
    """Import the modules listed in the config's ``plugins`` key (their metrics and benchmarks register)."""
    load_plugins(config_names(cfg.plugins) if cfg.get("plugins") else [])


def run_or_exit(run: Callable[[DictConfig], object], cfg: DictConfig, log: logging.Logger) -> None:
    """Call ``run(cfg)``; a ``ValueError`` (bad config value) or ``DataFileError`` is logged as one line, exit 2."""
    try:
        run(cfg)
    except (ValueError, DataFileError) as err:
        log.error("%s", err)
        sys.exit(2)
