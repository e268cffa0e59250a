"""Discrete decisions taken from floating-point values that do not depend on the BLAS kernel or thread count.

A GP's predictions and log marginal likelihood differ in their last bits between BLAS kernels (SkylakeX,
Haswell, Sandybridge, ...), thread counts and machines. A search only goes astray when such a difference
decides a discrete choice: which candidate has the highest expected improvement, which optimiser restart
wins, where an optimiser stops. Here every such choice compares values rounded to :data:`BITS`
significant bits, breaks ties by position (the first wins), and continuous results that are handed on
(GP hyperparameters, acquisition maximisers) are snapped to a fixed grid. A last-bit difference then
changes a decision only if a value lies within that difference of a rounding boundary: with a relative
difference δ, a chance of about δ·2²⁶ per value (δ = 1e-13 gives 7e-6). The design and its measurements: ``docs/reproducibility.md``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.optimize

BITS = 26
"""Significant bits kept when values are compared (about 7.8 decimal digits; float64 has 53)."""

THETA_STEP = 1e-4
"""Grid step of fitted GP hyperparameters, in sklearn's log space (0.01 % of the hyperparameter)."""


def round_significant(values: np.ndarray | float, bits: int = BITS) -> np.ndarray:
    """``values`` with their mantissas rounded to ``bits`` significant bits (exact; 0, ±inf, NaN unchanged)."""
    mantissa, exponent = np.frexp(np.asarray(values, dtype=np.float64))
    return np.ldexp(np.round(np.ldexp(mantissa, bits)), exponent - bits)


def argmax_first(values: np.ndarray, bits: int = BITS) -> int:
    """Index of the largest value after rounding to ``bits`` significant bits; the first on ties."""
    return int(np.argmax(round_significant(values, bits)))


def descending_order(values: np.ndarray, bits: int = BITS) -> np.ndarray:
    """Indices from the largest rounded value down; equal rounded values keep their positions' order."""
    return np.argsort(-round_significant(values, bits), kind="stable")


def snap(x: np.ndarray, step: float, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """``x`` rounded to the nearest multiple of ``step`` and clipped to ``[lower, upper]``."""
    return np.clip(np.round(np.asarray(x, dtype=np.float64) / step) * step, lower, upper)


def gp_hyperparameter_optimizer(
    obj_func: Callable[..., tuple[float, np.ndarray]], initial_theta: np.ndarray, bounds: np.ndarray
) -> tuple[np.ndarray, float]:
    """sklearn GP ``optimizer``: L-BFGS-B on the negative log marginal likelihood, result snapped to the grid.

    sklearn keeps the restart with the lowest returned value (the first on ties); the value returned is the
    objective at the snapped hyperparameters, rounded to :data:`BITS` significant bits, so restarts that
    reach the same optimum tie and the first one wins on every machine.
    """
    result = scipy.optimize.minimize(obj_func, initial_theta, method="L-BFGS-B", jac=True, bounds=bounds)
    theta = snap(result.x, THETA_STEP, bounds[:, 0], bounds[:, 1])
    value = float(round_significant(obj_func(theta, eval_gradient=False)))
    return theta, value


def pattern_search_max(
    func: Callable[[np.ndarray], np.ndarray],
    starts: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    first_step: float = 2.0**-4,
    last_step: float = 2.0**-20,
) -> tuple[np.ndarray, np.ndarray]:
    """Maximise ``func`` (rows of points → values) in the box by compass search on a dyadic grid, from each start.

    Coordinates are scaled to [0, 1] and snapped to multiples of ``last_step`` (a fraction of each range);
    from the current point, the 2·d moves of ± step along each axis (−e0, +e0, −e1, ...) are evaluated and the
    best is taken if its rounded value beats the current one (the first move on ties), otherwise the step
    halves, from ``first_step`` down to ``last_step``. Every comparison uses rounded values and every point
    lies on the grid, so the path is the same on every machine. The searches from the rows of ``starts`` run
    side by side (one ``func`` call per round for all that are still moving) but each decides on its own.
    Returns the end points (one row per start) and their values.
    """
    width = upper - lower
    units = snap((np.atleast_2d(starts) - lower) / width, last_step, 0.0, 1.0)
    current = np.asarray(func(lower + units * width), dtype=np.float64)
    dims = units.shape[1]
    moves = np.concatenate([-np.eye(dims), np.eye(dims)])[
        np.argsort(np.tile(np.arange(dims), 2), kind="stable")
    ]
    steps = np.full(len(units), first_step)
    while (moving := np.flatnonzero(steps >= last_step)).size:
        trials = np.clip(units[moving, None, :] + steps[moving, None, None] * moves[None], 0.0, 1.0)
        values = np.asarray(func((lower + trials * width).reshape(-1, dims)), dtype=np.float64)
        values = values.reshape(len(moving), len(moves))
        rounded = round_significant(values)
        best = np.argmax(rounded, axis=1)  # per row, as argmax_first: the first of the largest rounded values
        rows = np.arange(len(moving))
        better = rounded[rows, best] > round_significant(current[moving])
        units[moving[better]] = trials[rows[better], best[better]]
        current[moving[better]] = values[rows[better], best[better]]
        steps[moving[~better]] /= 2
    return lower + units * width, current
