"""A fitted scikit-learn GP's predictive distribution and the normal cdf/pdf, without the per-call overhead.

HNAS's acquisition maximiser evaluates the GP and its expected improvement about 60 times per suggestion on a
few dozen points each; ``GaussianProcessRegressor.predict`` spends most of such a call validating its input,
and ``scipy.stats.norm`` its generic argument handling. :func:`posterior` performs the same operations in the
same order as ``predict(x, return_std=True)`` of the pinned scikit-learn (1.9.1), and :func:`standard_normal`
those of ``norm.cdf`` and ``norm.pdf`` of the pinned SciPy, so both return the same bits
(``tests/test_gp_posterior.py`` checks it).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular
from scipy.special import ndtr
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import Kernel

from search.gp_kernels import UnsupportedKernel, kernel_matrix


def cross_kernel(kernel: Kernel, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``kernel(x, y)``: from :func:`~search.gp_kernels.kernel_matrix` where it evaluates the kernel, else scikit-learn."""
    try:
        return kernel_matrix(kernel, x, y)[0]
    except UnsupportedKernel:
        return kernel(x, y)


def posterior(gp: GaussianProcessRegressor, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Predictive mean and standard deviation (units of the GP's targets) of the fitted ``gp`` at the rows of
    the float64 array ``x``; negative variances (round-off) become 0, as in scikit-learn."""
    k_trans = cross_kernel(gp.kernel_, x, gp.X_train_)
    mean = gp._y_train_std * (k_trans @ gp.alpha_) + gp._y_train_mean
    if mean.ndim > 1 and mean.shape[1] == 1:
        mean = np.squeeze(mean, axis=1)
    v = solve_triangular(gp.L_, k_trans.T, lower=True, check_finite=False)
    var = gp.kernel_.diag(x).copy()
    var -= np.einsum("ij,ji->i", v.T, v)
    var[var < 0] = 0.0
    var = np.outer(var, gp._y_train_std**2).reshape(*var.shape, -1)
    if var.shape[1] == 1:
        var = np.squeeze(var, axis=1)
    return mean, np.sqrt(var)


_SQRT_2PI = np.sqrt(2 * np.pi)


def standard_normal(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.stats.norm.cdf(z)`` and ``norm.pdf(z)`` (float64; 0 and 1 at ∓inf, NaN at NaN)."""
    z = np.asarray(z, dtype=np.float64)
    return ndtr(z), np.exp(-(z**2) / 2.0) / _SQRT_2PI
