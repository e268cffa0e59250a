"""Population aggregators: rank ensembles of cached per-architecture metric scores over a named population.

AZ-NAS, VKDNW's aggregate and TE-NAS combine the *ranks* of several metrics over the set of architectures being
ranked, so an aggregate score depends on that set (the population): the score cache keeps the components, and
an aggregate is computed here, over the rows it is given, never cached per architecture.

An :class:`Aggregate` declares a rule and its components (data only: the component names are looked up in the
metric registry when it is checked or computed, so a declaration may name metrics registered later):

* ``log_rank_sum`` (AZ-NAS, cvlab-yonsei/AZ-NAS ``NB201/tss_general.ipynb``): Σ_m log(rank_m / N);
* ``rank_sum`` (TE-NAS style): Σ_m rank_m.

rank_m is the ascending rank (1 = worst, N = best) of component m in its declared higher-is-better direction
(a lower-is-better metric is negated first) among the N architectures of the population; ties take the average
rank (``scipy.stats.rankdata``'s default, as the official code). NaN policy ``worst``: a NaN component ranks
below every finite value (tied at the bottom), as AZ-NAS stores a NaN component as −inf. A lexicographic
component ``a|b`` ranks by ``a``, ties broken by ``b``, with dense ranks (VKDNW's ``(vkdnw_dim, score)`` key,
ondratybl/VKDNW ``NB201/tss_utils.py``). Higher aggregate values are better.

User syntax (the CLI's ``ensembles=[...]`` and :func:`bench.aggregate`): a name of :data:`NAMED`, or
``[RULE:]A+B+C`` (rule default ``log_rank_sum``), e.g. ``meco+naswot+synflow`` or ``rank_sum:te_nas_ntk+linear_regions``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from bench.core.correlation import correlation_table
from metrics import registry

RULES = ("log_rank_sum", "rank_sum")
TIES = "average"
NAN_POLICY = "worst"
LEXICOGRAPHIC = "|"
DEFAULT_RULE = "log_rank_sum"


@dataclass(frozen=True)
class Aggregate:
    """A declared rank ensemble.

    Attributes:
        name: its label in output tables and on the leaderboard.
        rule: one of :data:`RULES`.
        components: metric names; an entry ``a|b`` is a lexicographic key (rank by ``a``, ties by ``b``).
        source: where the definition is read from (empty for a user's ensemble).
    """

    name: str
    rule: str
    components: tuple[str, ...]
    source: str = ""

    def metrics(self) -> list[str]:
        """Every metric the components read, in order, each once."""
        return list(dict.fromkeys(m for c in self.components for m in c.split(LEXICOGRAPHIC)))

    def describe(self) -> dict[str, str]:
        """The declared rule, components, ties and NaN policy, for provenance and output tables."""
        return {
            "aggregate": self.name,
            "rule": self.rule,
            "components": "+".join(self.components),
            "ties": TIES,
            "nan_policy": NAN_POLICY,
            "source": self.source,
        }


NAMED = {
    "az_nas": Aggregate(
        "az_nas",
        "log_rank_sum",
        ("az_expressivity", "az_progressivity", "az_trainability", "az_complexity"),
        "Lee & Ham, CVPR 2024 (cvlab-yonsei/AZ-NAS NB201/tss_general.ipynb: log(rankdata / N) summed over "
        "expressivity, progressivity, trainability and the API's FLOPs)",
    ),
    "vkdnw_agg": Aggregate(
        "vkdnw_agg",
        "log_rank_sum",
        ("n_layers|vkdnw", "az_expressivity", "az_trainability", "az_complexity"),
        "Týbl & Neumann, CVPR 2025 (ondratybl/VKDNW NB201/tss_utils.py analyze_results: log ranks of the "
        "(vkdnw_dim, VKDNW) dense rank, expressivity, trainability and FLOPs)",
    ),
    "vkdnw_comb": Aggregate(
        "vkdnw_comb",
        "log_rank_sum",
        ("flops", "az_expressivity", "az_trainability", "jacob_cov", "vkdnw_single"),
        "Týbl & Neumann, CVPR 2025 (ondratybl/VKDNW NB201/paper_preparation.ipynb before commit 2b67433, "
        "vkdnw_comb: log ranks of FLOPs, expressivity, trainability, jacov and VKDNW_single)",
    ),
}
"""Named aggregates from the papers (their official NB201 analysis code)."""


def parse(text: str) -> Aggregate:
    """The aggregate ``text`` names: a key of :data:`NAMED` or ``[RULE:]A+B+...`` (``ValueError`` otherwise).

    Only the syntax is checked here; :func:`check` checks the rule and the component names."""
    text = str(text).strip()
    if text in NAMED:
        return NAMED[text]
    rule, _, body = text.rpartition(":")
    components = tuple(part.strip() for part in body.split("+"))
    if len(components) < 2 or not all(components):
        raise ValueError(
            f"ensemble {text!r}: expected a named aggregate ({', '.join(NAMED)}) or RULE:A+B+... with at least "
            f"two metrics, RULE one of {', '.join(RULES)}"
        )
    return Aggregate(f"{rule or DEFAULT_RULE}:{body}", rule or DEFAULT_RULE, components)


def check(aggregate: Aggregate) -> Aggregate:
    """``aggregate`` if its rule is known and every component is a registered metric, else ``ValueError``."""
    if aggregate.rule not in RULES:
        raise ValueError(
            f"ensemble {aggregate.name!r}: unknown rule {aggregate.rule!r}; valid rules: {', '.join(RULES)}"
        )
    for name in aggregate.metrics():
        try:
            registry.get(name)
        except ValueError as exc:
            raise ValueError(f"ensemble {aggregate.name!r}: {exc}") from None
    return aggregate


def resolve(texts: Iterable[str]) -> list[Aggregate]:
    """:func:`parse` and :func:`check` each entry (one-line ``ValueError`` on the first bad one); names unique."""
    aggregates = [check(parse(text)) for text in texts]
    names = [a.name for a in aggregates]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"ensemble {duplicated[0]!r} is listed twice")
    return aggregates


def oriented(values: pd.Series) -> np.ndarray:
    """A metric's scores in its declared higher-is-better direction, NaN (and ±inf) → −inf (NaN policy worst)."""
    array = values.to_numpy(dtype=float)
    if not registry.get(str(values.name)).higher_is_better:
        array = -array
    return np.where(np.isnan(array), -np.inf, array)


def component_ranks(scores: pd.DataFrame, component: str) -> np.ndarray:
    """Ascending ranks (1 = worst) of one component over the rows of ``scores`` (see the module docstring)."""
    parts = component.split(LEXICOGRAPHIC)
    if len(parts) == 1:
        return scipy_stats.rankdata(oriented(scores[component]), method=TIES)
    keys = pd.DataFrame({i: oriented(scores[name]) for i, name in enumerate(parts)})
    return keys.apply(tuple, axis=1).rank(method="dense").to_numpy(dtype=float)


def combine(scores: pd.DataFrame, aggregate: Aggregate) -> pd.Series:
    """The aggregate score of every row of ``scores`` (one architecture each), ranked among those rows only.

    ``scores`` holds one column per component metric (NaN where it failed); returns a Series named
    ``aggregate.name`` on the same index, higher is better. ``ValueError`` if a component column is missing.
    """
    missing = [m for m in aggregate.metrics() if m not in scores]
    if missing:
        raise ValueError(f"ensemble {aggregate.name!r}: the scores have no column {missing[0]!r}")
    if scores.empty:
        raise ValueError(f"ensemble {aggregate.name!r}: the population is empty")
    n = len(scores)
    total = np.zeros(n)
    for component in aggregate.components:
        ranks = component_ranks(scores, component)
        total += np.log(ranks / n) if aggregate.rule == "log_rank_sum" else ranks
    return pd.Series(total, index=scores.index, name=aggregate.name)


def combine_all(scores: pd.DataFrame, aggregates: Iterable[Aggregate]) -> pd.DataFrame:
    """One column per aggregate (:func:`combine`), over the rows of ``scores``."""
    return pd.DataFrame({a.name: combine(scores, a) for a in aggregates}, index=scores.index)


def population_label(population: str, sample: int | str, seed: int, n: int) -> str:
    """Which architectures an aggregate was ranked within, e.g. ``all, sample 1000 (seed 0), n = 1000`` or
    ``no_dead_ops, all, n = 9445`` (``population``: a name of :data:`bench.core.correlation.POPULATIONS`)."""
    drawn = "all" if str(sample) == "all" else f"sample {sample} (seed {seed})"
    return f"{population}, {drawn}, n = {n}"


def correlation_rows(
    scores: pd.DataFrame,
    truth: pd.Series,
    aggregates: list[Aggregate],
    ranked_within: str,
    *,
    bootstrap: int = 1000,
    top_fraction: float = 0.1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The aggregates' scores over the rows of ``scores`` (the population) and their correlation rows.

    Returns (one column per aggregate, one :func:`bench.core.correlation.correlation_table` row per aggregate
    with ``ranked_within``, ``rule``, ``components``, ``ties`` and ``nan_policy`` added)."""
    combined = combine_all(scores, aggregates)
    names = [a.name for a in aggregates]
    rows = correlation_table(
        combined,
        truth,
        names,
        bootstrap=bootstrap,
        top_fraction=top_fraction,
        directions=dict.fromkeys(names, True),
    )
    declared = pd.DataFrame([a.describe() for a in aggregates]).drop(columns=["aggregate", "source"])
    return combined, pd.concat([rows, declared], axis=1).assign(ranked_within=ranked_within)
