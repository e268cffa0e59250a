"""PriorGP: Bayesian optimisation whose prior mean is a training-free ensemble, on a scored pool grown where it pays.

HNAS (Shu et al., NeurIPS 2022) turns NTK theory into one hand-built objective (trace norm and condition
number) and spends its 20 queries tuning two constants of it by BO, after scoring most of NB201. PriorGP
keeps the two ideas that carry over (training-free metrics as a prior, queries as the ground truth that
corrects it) and drops the full-space scoring:

* **Scored pool** (the "architectures scored" budget): ``n_start`` uniformly random archs, then, after
  every query, the 24 one-edge neighbours of ``n_expand`` parents (the best queried arch and the archs
  with the highest posterior mean), first come first served, until ``max_scored`` archs are scored.
  Only pool members can be queried, so scoring is spent around the promising region.
* **Training-free ensemble**: each metric's rank quantile within the pool (direction-signed; a failed
  metric ranks worst), averaged with weights. Before the first ``n_init`` queries the weights are equal;
  afterwards each metric's weight is its Kendall τ with the queried validation accuracies, clipped at 0
  (the combination is *learned from the queries*: a metric that misranks the queried archs drops out).
* **Prior mean**: ``a + b · ensemble`` (b ≥ 0) fitted by least squares to the queried accuracies.
* **Surrogate**: a GP on the residuals with a fixed kernel exp(−d/ℓ), d = number of edges on which two
  cells differ (ℓ = ``length_scale``), noise variance ``noise`` (relative), signal scale = the residuals'
  standard deviation. No hyperparameter optimiser: a few Cholesky solves of at most 20 × 20, so a run is
  deterministic given the seed; outputs are rounded to ``DECIMALS`` before every argmax (ties: the
  earliest-scored arch), so BLAS kernels cannot change a choice.
* **Acquisition**: the first ``n_init`` queries take the top of the equal-weight ensemble; then expected
  improvement (margin ``xi``) over the best validation accuracy. A queried arch takes its functional class
  (``space.canonical``) out of the candidates, so no query is spent on a functional duplicate.

The default metric set is the issue's list (synflow, naswot, meco, zico, the seed paper's NTK condition
number, params) plus TE-NAS's NTK condition number (the other estimator of the seed paper's trainability
term κ); see ``docs/searchers.md`` for the measurements behind each choice (including how much tuning
was done on which seeds).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import kendalltau, rankdata

from bench.core.space import Space
from search.bo import expected_improvement
from search.encoding import Categorical
from search.oracle import Oracle
from search.scores import ZCScores

DEFAULT_METRICS = ("synflow", "naswot", "meco", "zico", "ntk_condnum", "te_nas_ntk", "params")
DECIMALS = 9  # model outputs are rounded to this many decimals before any argmax (BLAS-independent choices)
MIN_FIT = 3  # queries needed before metric weights are learned (Kendall τ of fewer points is meaningless)


class ScoredPool:
    """The architectures whose training-free scores were requested, with their direction-signed values.

    Args:
        scores: the training-free score source (requests are what the run is charged for).
        metrics: metric names.
        cap: most architectures ever scored.

    Attributes:
        members: scored arch indices, in the order they were scored.
        values: ``(len(members), len(metrics))`` values, negated for lower-is-better metrics (NaN: failed).
        position: arch index → row in ``members``.
    """

    def __init__(self, scores: ZCScores, metrics: Sequence[str], cap: int) -> None:
        if not metrics:
            raise ValueError("PriorGP needs at least one metric")
        self.scores, self.metrics, self.cap = scores, list(metrics), cap
        self.signs = np.array([1.0 if scores.higher_is_better(m) else -1.0 for m in self.metrics])
        self.members = np.empty(0, dtype=np.int64)
        self.values = np.empty((0, len(self.metrics)))
        self.position: dict[int, int] = {}

    def add(self, indices: Sequence[int]) -> None:
        """Score the not-yet-scored archs among ``indices`` (first come first served) while the cap allows."""
        new = [i for i in dict.fromkeys(int(i) for i in indices) if i not in self.position]
        new = new[: max(self.cap - len(self.members), 0)]
        if not new:
            return
        columns = [self.scores.get(m, new)[0] for m in self.metrics]
        for i in new:
            self.position[i] = len(self.position)
        self.members = np.concatenate([self.members, np.array(new, dtype=np.int64)])
        self.values = np.vstack([self.values, np.column_stack(columns) * self.signs])

    def ranks(self) -> np.ndarray:
        """Per metric, each member's rank quantile in (0, 1] within the pool (1 = best; ties averaged; NaN worst)."""
        finite = np.where(np.isfinite(self.values), self.values, -np.inf)
        return rankdata(finite, axis=0, method="average") / len(self.members)


def metric_weights(ranks: np.ndarray, accs: Sequence[float]) -> np.ndarray:
    """Ensemble weights summing to 1: each metric's Kendall τ with ``accs`` (rows of ``ranks``), clipped at 0.

    Equal weights with fewer than ``MIN_FIT`` queries or when no metric has a positive τ.
    """
    k = ranks.shape[1]
    if len(accs) < MIN_FIT:
        return np.full(k, 1.0 / k)
    tau = np.array([kendalltau(ranks[:, j], accs).statistic for j in range(k)])
    tau = np.where(np.isfinite(tau), np.maximum(tau, 0.0), 0.0)
    return tau / tau.sum() if tau.sum() > 0 else np.full(k, 1.0 / k)


def hamming_kernel(a: np.ndarray, b: np.ndarray, length_scale: float) -> np.ndarray:
    """exp(−d / ℓ) between one-hot rows, d = number of positions at which the two architectures differ."""
    distance = 0.5 * (a.sum(1)[:, None] + b.sum(1)[None, :]) - a @ b.T
    return np.exp(-distance / length_scale)


def posterior(
    train_x: np.ndarray, residuals: np.ndarray, test_x: np.ndarray, length_scale: float, noise: float
) -> tuple[np.ndarray, np.ndarray]:
    """GP posterior mean and standard deviation of the residuals at ``test_x`` (same units as ``residuals``).

    Zero prior mean, signal variance = the residuals' variance (at least 1e-6), noise variance ``noise``
    times the signal variance.
    """
    scale = max(float(np.std(residuals)), 1e-3)
    k = hamming_kernel(train_x, train_x, length_scale) + noise * np.eye(len(train_x))
    cross = hamming_kernel(test_x, train_x, length_scale)
    chol = np.linalg.cholesky(k)
    alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, residuals / scale))
    v = np.linalg.solve(chol, cross.T)
    variance = np.maximum(1.0 - (v * v).sum(axis=0), 1e-12)
    return scale * (cross @ alpha), scale * np.sqrt(variance)


def prior_mean(ensemble: np.ndarray, rows: np.ndarray, accs: np.ndarray) -> np.ndarray:
    """``a + b · ensemble`` over the pool, b ≥ 0 and a fitted by least squares to ``accs`` at ``rows``."""
    x = ensemble[rows]
    spread = float(np.sum((x - x.mean()) ** 2))
    slope = max(float(np.sum((x - x.mean()) * (accs - accs.mean())) / spread), 0.0) if spread > 0 else 0.0
    return float(np.mean(accs - slope * x)) + slope * ensemble


def run(
    space: Space,
    oracle: Oracle,
    scores: ZCScores,
    rng: np.random.Generator,
    metrics: Sequence[str] = DEFAULT_METRICS,
    n_start: int = 1000,
    max_scored: int = 3000,
    n_init: int = 2,
    n_expand: int = 4,
    length_scale: float = 1.5,
    noise: float = 0.1,
    xi: float = 0.0,
) -> None:
    """PriorGP until the budget ends (see the module doc). ``xi``: EI's margin in accuracy points (%)."""
    enc = Categorical(space)
    classes = space.canonical_indices()
    pool = ScoredPool(scores, metrics, max_scored)
    pool.add(space.sample(rng, min(n_start, max_scored, len(space))))
    queried: list[int] = []
    accs: list[float] = []
    taken: set[int] = set()
    while True:
        ranks = pool.ranks()
        rows = np.array([pool.position[i] for i in queried], dtype=np.int64)
        ensemble = ranks @ metric_weights(ranks[rows], accs)
        candidates = np.array([int(classes[i]) not in taken for i in pool.members])
        if not candidates.any():
            return
        if len(queried) < n_init:
            mean = ensemble
            acquisition = np.round(ensemble, DECIMALS)
        else:
            y = np.array(accs)
            prior = prior_mean(ensemble, rows, y)
            residual_mean, std = posterior(
                enc.one_hot(np.array(queried)),
                y - prior[rows],
                enc.one_hot(pool.members),
                length_scale,
                noise,
            )
            mean = prior + residual_mean
            acquisition = np.round(expected_improvement(mean, std, max(accs), xi), DECIMALS)
        pick = int(pool.members[int(np.argmax(np.where(candidates, acquisition, -np.inf)))])
        accs.append(oracle.query(pick))
        queried.append(pick)
        taken.add(int(classes[pick]))
        by_mean = np.lexsort((np.arange(len(mean)), -np.round(mean, DECIMALS)))
        parents = [queried[int(np.argmax(accs))], *(int(pool.members[r]) for r in by_mean if candidates[r])]
        pool.add([n for p in parents[:n_expand] for n in space.neighbours(p)])
