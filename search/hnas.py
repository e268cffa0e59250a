"""HNAS (Shu et al., NeurIPS 2022) as in the official NAS-Bench-201 search script.

Bayesian optimisation over two hyperparameters of a training-free score, with
``bayes_opt.BayesianOptimization`` (3.4.0 ask–tell API: ``suggest`` / ``register``):

* ``target_metric`` t ∈ [0, 1] and ``target_coeff`` c ∈ [−4, 0]; EI acquisition with ξ = 0.0 (what
  ``acq='ei'`` meant in bayes_opt 1.3.1); the library's GP (Matérn ν = 2.5, α = 1e-6, normalised y,
  5 restarts) and acquisition search (EI at 10,000 random points, then a local search from the 10 best);
  ``random_state`` drawn from the run's generator.
* First ``n_init`` = 5 probes at t ∈ linspace(0, 1, 5) with c = −2 (the middle of c's range), then EI
  suggestions until the oracle's budget ends (20 queries in the paper's setting).
* Each evaluation of (t, c): draw ``n_sample`` = 2,000 arch indices uniformly with replacement into a
  cumulative, de-duplicated pool; drop archs already queried and archs whose metric or condition
  number is NaN/inf; score every pool member with :func:`objective` (μ = 10^c, scale = 5,000, M =
  ``metric``, κ = ``condnum_metric``); query the argmin (ties: smallest index) and return its
  validation accuracy (%) as the BO target. Each query's note records t, c and the pool size.

Quirks kept from the official code: M is used signed, so with ``grasp`` (which can be negative)
κ/(M + 1e-6) becomes negative and strongly favoured — ``abs_metric=True`` uses |M| instead; the
pool grows to most of NB201 after about 20 draws; the same (t, c) can give a different arch later
(queried archs leave the pool), so BO sees a non-stationary objective. Deviation: when the EI
maximiser proposes a (t, c) already probed, bayes_opt 1.3.1 returned the cached target without a
query; here the point is evaluated (it yields a new arch) and registered as a duplicate, so every BO
step is one query. The search ends early if no scoreable unqueried arch is left in the pool.
Option (off by default, not in the official code): ``distinct_classes=True`` takes a queried arch's whole
functional-equivalence class out of the pool. Without it, a large class that the objective favours is
queried again and again: on ImageNet16-120's own scores, the 400 cells that reduce to an identity
(κ = 30.5 there, 125.9 on CIFAR-10 images; 28% test accuracy) win the first probe t = 0 and take 10% of
HNAS's 20-query budget (``scripts/hnas_probe_check.py``).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable

import numpy as np
from bayes_opt import BayesianOptimization
from bayes_opt.acquisition import ExpectedImprovement
from bayes_opt.target_space import TargetSpace
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import Matern

from bench.core.space import Space
from search.determinism import argmax_first, descending_order, gp_hyperparameter_optimizer, pattern_search_max
from search.gp_kernels import LeanGaussianProcessRegressor, single_threaded_blas
from search.gp_posterior import posterior, standard_normal
from search.oracle import Oracle
from search.scores import ZCScores

TARGET_BOUNDS = (0.0, 1.0)
COEFF_BOUNDS = (-4.0, 0.0)


def objective(
    metric: np.ndarray, condnum: np.ndarray, target_metric: float, target_coeff: float, scale: float
) -> np.ndarray:
    """HNAS score to minimise: 10^c · |M² − (scale · t)²| + κ / (M + 1e-6)."""
    return 10.0**target_coeff * np.abs(metric**2 - (scale * target_metric) ** 2) + condnum / (metric + 1e-6)


class StableExpectedImprovement(ExpectedImprovement):
    """bayes_opt's EI with a maximiser whose decisions do not depend on the BLAS kernel.

    EI at ``n_random`` random points (the library's draws), then :func:`~search.determinism.pattern_search_max`
    from the ``n_smart`` best (rounded values, ties to the earlier draw); the best end point wins (the first on
    ties). The first start is the best random point, so the result is never worse than the random search.
    """

    def base_acq(self, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
        """bayes_opt's EI, E[max(f − y_max − ξ, 0)], with :func:`~search.gp_posterior.standard_normal` (same bits)."""
        if self.y_max is None:
            raise ValueError("y_max is not set: EI is evaluated only inside suggest()")
        gain = mean - self.y_max - self.xi
        cdf, pdf = standard_normal(gain / std)
        return gain * cdf + std * pdf

    def _get_acq(
        self, gp: GaussianProcessRegressor, constraint: object = None
    ) -> Callable[[np.ndarray], np.ndarray]:
        """−EI at the rows of a point array, from :func:`~search.gp_posterior.posterior` (the bits of
        ``gp.predict``, without its input checks); HNAS has no constraint model."""
        if constraint is not None:
            raise ValueError("HNAS's acquisition takes no constraint model")
        dims = gp.X_train_.shape[1]

        def acq(x: np.ndarray) -> np.ndarray:
            mean, std = posterior(gp, np.asarray(x, dtype=np.float64).reshape(-1, dims))
            return -1 * self.base_acq(mean, std)

        return acq

    def _acq_min(
        self,
        acq: Callable[[np.ndarray], np.ndarray],
        space: TargetSpace,
        random_state: np.random.RandomState,
        n_random: int = 10_000,
        n_smart: int = 10,
    ) -> np.ndarray:
        tries = space.random_sample(n_random, random_state=random_state)
        starts = tries[descending_order(-acq(tries))[:n_smart]]
        lower, upper = space.bounds[:, 0], space.bounds[:, 1]
        ends, values = pattern_search_max(lambda x: -acq(x), starts, lower, upper)
        return ends[argmax_first(values)]


class _Pool:
    """The cumulative candidate pool with the metric values of its unqueried, scoreable members.

    ``classes`` (optional) maps arch index → functional-class representative: then a taken arch takes its
    whole class out of the pool, now and in later draws.
    """

    def __init__(
        self, scores: ZCScores, metric: str, condnum_metric: str, abs_metric: bool, classes: np.ndarray | None
    ) -> None:
        self.scores = scores
        self.metric, self.condnum_metric, self.abs_metric = metric, condnum_metric, abs_metric
        self.classes = classes
        self.taken_classes = np.empty(0, dtype=np.int64)
        self.seen = np.empty(0, dtype=np.int64)
        self.members = np.empty(0, dtype=np.int64)
        self.m = np.empty(0)
        self.kappa = np.empty(0)

    def grow(self, draws: np.ndarray) -> None:
        """Add the not-yet-seen archs among ``draws``, keeping those with finite M and κ (and a class not taken)."""
        new = np.setdiff1d(draws, self.seen)
        if not len(new):
            return
        self.seen = np.union1d(self.seen, new)
        m, _ = self.scores.get(self.metric, new)
        kappa, _ = self.scores.get(self.condnum_metric, new)
        m = np.abs(m) if self.abs_metric else m
        keep = np.isfinite(m) & np.isfinite(kappa)
        if self.classes is not None:
            keep &= ~np.isin(self.classes[new], self.taken_classes)
        members = np.concatenate([self.members, new[keep]])
        order = np.argsort(members, kind="stable")
        self.members = members[order]
        self.m = np.concatenate([self.m, m[keep]])[order]
        self.kappa = np.concatenate([self.kappa, kappa[keep]])[order]

    def take_argmin(self, target_metric: float, target_coeff: float, scale: float) -> int:
        """Remove and return the member with the lowest :func:`objective` (with its class, if classes are set)."""
        best = int(np.argmin(objective(self.m, self.kappa, target_metric, target_coeff, scale)))
        index = int(self.members[best])
        if self.classes is None:
            drop = np.arange(len(self.members)) == best
        else:
            self.taken_classes = np.append(self.taken_classes, self.classes[index])
            drop = self.classes[self.members] == self.classes[index]
        self.members, self.m, self.kappa = (a[~drop] for a in (self.members, self.m, self.kappa))
        return index


def run(
    space: Space,
    oracle: Oracle,
    scores: ZCScores,
    rng: np.random.Generator,
    metric: str = "ntk_trace",
    condnum_metric: str = "ntk_condnum",
    n_sample: int = 2000,
    n_init: int = 5,
    scale: float = 5000.0,
    xi: float = 0.0,
    abs_metric: bool = False,
    distinct_classes: bool = False,
) -> None:
    """HNAS until the budget ends (see the module doc for the procedure and its parameters).

    ``distinct_classes`` (not in the official code): a queried arch takes every functionally identical arch
    (``space.canonical``) out of the pool, so one function is never queried twice.
    """
    optimizer = BayesianOptimization(
        f=None,
        pbounds={"target_metric": TARGET_BOUNDS, "target_coeff": COEFF_BOUNDS},
        acquisition_function=StableExpectedImprovement(xi=xi),
        random_state=int(rng.integers(2**31)),
        verbose=0,
        allow_duplicate_points=True,
    )
    # The library's GP (its settings, sharing its random state) as a regressor with the same bits and less
    # overhead; bayes_opt wraps the kernel in its input transform, the identity for two float parameters.
    optimizer._gp = LeanGaussianProcessRegressor(
        kernel=Matern(nu=2.5),
        alpha=1e-6,
        normalize_y=True,
        n_restarts_optimizer=5,
        random_state=optimizer._random_state,
        optimizer=gp_hyperparameter_optimizer,
    )
    initial = [
        {"target_metric": float(t), "target_coeff": float(np.mean(COEFF_BOUNDS))}
        for t in np.linspace(*TARGET_BOUNDS, n_init)
    ]
    classes = space.canonical_indices() if distinct_classes else None
    pool = _Pool(scores, metric, condnum_metric, abs_metric, classes)
    for step in range(len(space)):  # each step queries a new arch
        params = initial[step] if step < n_init else _suggest(optimizer)
        t, c = float(params["target_metric"]), float(params["target_coeff"])
        pool.grow(rng.integers(len(space), size=n_sample))
        if not len(pool.members):
            return
        pool_size = len(pool.members)
        index = pool.take_argmin(t, c, scale)
        acc = oracle.query(index, note={"target_metric": t, "target_coeff": c, "pool_size": pool_size})
        with contextlib.redirect_stdout(io.StringIO()):  # bayes_opt prints a notice for duplicates
            optimizer.register(params={"target_metric": t, "target_coeff": c}, target=acc)


def _suggest(optimizer: BayesianOptimization) -> dict[str, float]:
    """The EI maximiser's next (t, c); single-threaded BLAS, as the GP is tiny (threads only contend)."""
    with single_threaded_blas():
        return optimizer.suggest()
