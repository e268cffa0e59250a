"""Training-free scores from NAS-Bench-Suite-Zero's files, a labelled score source for searches.

Where this project's own score caches do not cover a benchmark (NB301: 120 of the 725 scored; TransNAS: no
images, so no image-based metric), searches can read NAS-Bench-Suite-Zero's proxy scores instead
(``scores_source=nb-suite-zero``), which the ground truths of the benchmarks built on their files serve
(``truth.proxy_table(dataset)``: NB301 and TransNAS micro/macro). Their proxies go by this project's metric
names (``nwot`` → ``naswot``, ``jacov`` → ``jacob_cov``; :mod:`bench.core.nbsuitezero`) and are read in the
direction this project's metric registry declares. Their NB301 proxy seconds are charged as training-free
cost; their TransNAS files record no times, so runs there report ``zc_seconds`` 0 (unrecorded, not free).
Failed proxies are NaN (e.g. ``epe_nas`` on every TransNAS network). NB-Suite-Zero has no NTK trace or
condition number, so HNAS cannot run on this source.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bench.core.groundtruth import GroundTruth
from metrics import registry
from search.scores import TableScores

SCORE_SOURCES = ("cache", "nb-suite-zero")
"""``cache``: this project's score cache (computed on demand); ``nb-suite-zero``: their files' proxy scores."""


def nb_suite_zero_scores(truth: GroundTruth, dataset: str, metrics: Sequence[str]) -> TableScores:
    """NB-Suite-Zero's scores of ``metrics`` on ``truth``'s ``dataset``; ``ValueError`` naming what is missing."""
    proxy_table = getattr(truth, "proxy_table", None)
    if proxy_table is None:
        raise ValueError(
            f"the {truth.space} ground truth offers no NB-Suite-Zero proxy scores; use scores_source=cache"
        )
    frame = proxy_table(dataset)
    available = [c for c in frame.columns if not c.endswith("_seconds")]
    missing = [m for m in metrics if m not in available]
    if missing:
        raise ValueError(
            f"NB-Suite-Zero has no {', '.join(missing)} on {truth.space}/{dataset}; available: {', '.join(available)}"
        )
    for name in metrics:
        if f"{name}_seconds" not in frame.columns:
            frame[f"{name}_seconds"] = np.nan
    return TableScores(frame, {name: registry.get(name).higher_is_better for name in metrics})
