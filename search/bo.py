"""Gaussian-process Bayesian optimisation over architectures (one-hot encoding, EI acquisition).

* Features: one-hot per position (NB201: 6 edges × 5 ops = 30 dims, see :mod:`search.encoding`).
* Surrogate: scikit-learn GP, ``C · Matern(ν = 2.5, one shared length scale) + White`` on the
  validation accuracies (normalised), hyperparameters refitted by marginal likelihood every step.
* Machine-independent decisions (:mod:`search.determinism`): the fitted hyperparameters lie on a fixed grid,
  restarts and candidates are compared on values rounded to 8 significant digits, ties go to the first.
* Start: ``n_init`` uniformly random architectures (default 10).
* Each step: a candidate pool of ``n_candidates`` unqueried archs, half drawn uniformly from the
  unqueried archs and half one-edge mutations of the ``n_parents`` best queried archs; query the
  candidate with the highest expected improvement over the best validation accuracy so far.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

from bench.core.space import Space
from search.determinism import argmax_first, gp_hyperparameter_optimizer
from search.encoding import Categorical
from search.gp_kernels import LeanGaussianProcessRegressor, single_threaded_blas
from search.gp_posterior import standard_normal
from search.oracle import Oracle
from search.scores import ZCScores


def run(
    space: Space,
    oracle: Oracle,
    scores: ZCScores,
    rng: np.random.Generator,
    n_init: int = 10,
    n_candidates: int = 1000,
    n_parents: int = 10,
    xi: float = 0.0,
) -> None:
    """BO until the budget ends; ``xi`` is EI's improvement margin (accuracy points, %)."""
    enc = Categorical(space)
    gp_seed = int(rng.integers(2**31))
    queried = [int(i) for i in space.sample(rng, min(n_init, len(space)))]
    accs = [oracle.query(i) for i in queried]
    while len(queried) < len(space):
        pool = _candidates(space, rng, queried, accs, n_candidates, n_parents)
        with single_threaded_blas():  # tiny matrices: threads only add contention
            gp = _fit(enc.one_hot(np.array(queried)), np.array(accs), gp_seed)
            mean, std = gp.predict(enc.one_hot(pool), return_std=True)
        pick = int(pool[argmax_first(expected_improvement(mean, std, max(accs), xi))])
        accs.append(oracle.query(pick))
        queried.append(pick)


def expected_improvement(mean: np.ndarray, std: np.ndarray, best: float, xi: float) -> np.ndarray:
    """EI of a maximisation problem: E[max(f − best − xi, 0)] under N(mean, std²)."""
    std = np.maximum(std, 1e-12)
    gain = mean - best - xi
    cdf, pdf = standard_normal(gain / std)
    return gain * cdf + std * pdf


def _fit(x: np.ndarray, y: np.ndarray, seed: int) -> LeanGaussianProcessRegressor:
    kernel = ConstantKernel(1.0, (1e-2, 1e2)) * Matern(2.0, (1e-1, 1e2), nu=2.5) + WhiteKernel(
        1e-2, (1e-6, 1.0)
    )
    gp = LeanGaussianProcessRegressor(
        kernel,
        normalize_y=True,
        optimizer=gp_hyperparameter_optimizer,
        n_restarts_optimizer=2,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return gp.fit(x, y)


def _candidates(
    space: Space,
    rng: np.random.Generator,
    queried: list[int],
    accs: list[float],
    n_candidates: int,
    n_parents: int,
) -> np.ndarray:
    """Unqueried candidates: uniform draws from the unqueried archs plus mutations of the best."""
    unqueried = np.setdiff1d(np.arange(len(space)), queried)
    uniform = rng.choice(unqueried, size=min(n_candidates // 2, len(unqueried)), replace=False)
    parents = [queried[i] for i in np.argsort(accs, kind="stable")[::-1][:n_parents]]
    mutants = [space.mutate(parents[int(rng.integers(len(parents)))], rng) for _ in range(n_candidates // 2)]
    pool = np.union1d(uniform, mutants)
    return np.setdiff1d(pool, queried)
