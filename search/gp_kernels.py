"""The searchers' GP kernels evaluated with the bits of scikit-learn, without its per-call machinery.

HNAS's GP (``bayes_opt``'s: a Matérn ν = 5/2 kernel with one length scale) and BO's
(``C · Matérn ν = 5/2 + White``) are refitted at every step by L-BFGS-B on the log marginal likelihood: about
50 likelihood evaluations per fit, on a few dozen points. On matrices that small, scikit-learn spends most of
an evaluation setting hyperparameters (``get_params`` / ``set_params`` through ``dir()``) and checking them,
not computing. :func:`kernel_matrix` performs the numerical operations of the pinned scikit-learn (1.9.1)
``Kernel.__call__`` of these kernels, in the same order and on the same intermediate arrays, so it returns the
same bits (``tests/test_gp_kernels.py`` checks it against the library); :class:`LeanGaussianProcessRegressor`
uses it in the log marginal likelihood. Kernels of any other form go through scikit-learn unchanged.
"""

from __future__ import annotations

import contextlib
import functools
import math

import numpy as np
from scipy.linalg import cho_solve, cholesky
from scipy.spatial.distance import cdist, pdist, squareform
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Kernel, Matern, Product, Sum, WhiteKernel
from threadpoolctl import ThreadpoolController


@functools.cache
def _thread_pools() -> ThreadpoolController:
    """The thread pools of the libraries loaded in this process, found once (``threadpool_limits`` searches the
    loaded libraries on every call: 4 ms, 6 % of a HNAS run). Created at the first GP step, after numpy and
    scipy have loaded their BLAS."""
    return ThreadpoolController()


def single_threaded_blas() -> contextlib.AbstractContextManager:
    """Context: BLAS on one thread (a searcher's GP matrices are tiny; more threads only contend)."""
    return _thread_pools().limit(limits=1, user_api="blas")


def _free(bounds: object) -> bool:
    """Whether a hyperparameter with these bounds is fitted (scikit-learn: fixed iff the bounds are "fixed")."""
    return not (isinstance(bounds, str) and bounds == "fixed")


class UnsupportedKernel(Exception):
    """The kernel has a form :func:`kernel_matrix` does not evaluate (scikit-learn's own code is used then)."""


def _matern52_of_distance(dists: np.ndarray) -> np.ndarray:
    """scikit-learn's ``K = dists * sqrt(5); K = (1.0 + K + K**2 / 3.0) * np.exp(-K)``, the same operations in
    the same order, on three arrays instead of eight (HNAS evaluates it on 10,000 x n distances per step)."""
    scaled = dists * math.sqrt(5)
    square = scaled**2
    square /= 3.0
    k = 1.0 + scaled
    k += square
    np.negative(scaled, out=scaled)
    np.exp(scaled, out=scaled)
    k *= scaled
    return k


def _matern52(x: np.ndarray, y: np.ndarray | None, length_scale: float, gradient: bool) -> tuple:
    """``Matern(nu=2.5)`` with one length scale: k(x, y), and with ``gradient`` (y None) d k / d log ℓ."""
    scale = np.squeeze(length_scale).astype(float)
    if np.ndim(scale) != 0:
        raise UnsupportedKernel("anisotropic Matern")
    dists = (
        pdist(x / scale, metric="euclidean") if y is None else cdist(x / scale, y / scale, metric="euclidean")
    )
    k = _matern52_of_distance(dists)
    if y is None:
        k = squareform(k)
        np.fill_diagonal(k, 1)
    if not gradient:
        return k, None
    d = squareform(dists**2)[:, :, np.newaxis]
    tmp = np.sqrt(5 * d.sum(-1))[..., np.newaxis]
    k_gradient = 5.0 / 3.0 * d * (tmp + 1) * np.exp(-tmp)
    return k, k_gradient[:, :].sum(-1)[:, :, np.newaxis]


def _evaluate(
    kernel: Kernel, x: np.ndarray, y: np.ndarray | None, theta: np.ndarray | None, gradient: bool
) -> tuple[np.ndarray, np.ndarray | None, int]:
    """(k(x, y), its gradient or None, entries of ``theta`` used). Hyperparameters are ``exp(theta[i])`` in
    scikit-learn's order when ``theta`` is given (as ``kernel.theta = theta`` would set them), else the kernel's."""
    kind = type(
        kernel
    )  # exact classes: a subclass may compute something else (bayes_opt's wrapper transforms)
    if kind in (Sum, Product):
        k1, g1, used1 = _evaluate(kernel.k1, x, y, theta, gradient)
        k2, g2, used2 = _evaluate(kernel.k2, x, y, None if theta is None else theta[used1:], gradient)
        used = used1 + used2
        if kind is Sum:
            return k1 + k2, (np.dstack((g1, g2)) if gradient else None), used
        if not gradient:
            return k1 * k2, None, used
        return k1 * k2, np.dstack((g1 * k2[:, :, np.newaxis], g2 * k1[:, :, np.newaxis])), used
    rows, cols = x.shape[0], (x if y is None else y).shape[0]
    if kind is Matern and kernel.nu == 2.5 and _free(kernel.length_scale_bounds):
        length_scale = kernel.length_scale if theta is None else np.exp(theta[0])
        k, k_gradient = _matern52(x, y, length_scale, gradient)
        return k, k_gradient, 1
    if kind is ConstantKernel and _free(kernel.constant_value_bounds):
        value = kernel.constant_value if theta is None else np.exp(theta[0])
        dtype = np.array(value).dtype
        k = np.full((rows, cols), value, dtype=dtype)
        return k, (np.full((rows, rows, 1), value, dtype=dtype) if gradient else None), 1
    if kind is WhiteKernel and _free(kernel.noise_level_bounds):
        noise = kernel.noise_level if theta is None else np.exp(theta[0])
        if y is not None:
            return np.zeros((rows, cols)), None, 1
        return noise * np.eye(rows), (noise * np.eye(rows)[:, :, np.newaxis] if gradient else None), 1
    raise UnsupportedKernel(type(kernel).__name__)


def kernel_matrix(
    kernel: Kernel,
    x: np.ndarray,
    y: np.ndarray | None = None,
    theta: np.ndarray | None = None,
    gradient: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """``kernel(x, y)`` (``y`` None: k(x, x)) and, with ``gradient``, its gradient in log hyperparameters, as
    scikit-learn returns them; with ``theta``, for the hyperparameters ``exp(theta)`` instead of the kernel's own.

    Supported: sums and products of ``Matern(nu=2.5)`` with one length scale, ``ConstantKernel`` and
    ``WhiteKernel`` (these classes exactly, not subclasses), none fixed. Raises :class:`UnsupportedKernel` otherwise.
    """
    if gradient and y is not None:
        raise ValueError("the gradient is defined for k(x, x) only")
    k, k_gradient, used = _evaluate(kernel, np.atleast_2d(x), y, theta, gradient)
    if theta is not None and used != len(theta):
        raise UnsupportedKernel(f"theta has {len(theta)} entries, the kernel {used}")
    return k, k_gradient


class LeanGaussianProcessRegressor(GaussianProcessRegressor):
    """scikit-learn's GP regressor whose log marginal likelihood, inside ``fit``'s hyperparameter search, gets
    the kernel from :func:`kernel_matrix`: same bits, without setting the hyperparameters on the kernel for every
    evaluation (``fit`` sets the chosen ones at the end, as before). Other calls and kernels are unchanged."""

    def log_marginal_likelihood(
        self, theta: np.ndarray | None = None, eval_gradient: bool = False, clone_kernel: bool = True
    ) -> float | tuple[float, np.ndarray]:
        """As scikit-learn's, operation for operation (Rasmussen & Williams, Algorithm 2.1, and its gradient)."""
        if theta is None or clone_kernel:
            return super().log_marginal_likelihood(theta, eval_gradient, clone_kernel)
        try:
            k, k_gradient = kernel_matrix(self.kernel_, self.X_train_, theta=theta, gradient=eval_gradient)
        except UnsupportedKernel:
            return super().log_marginal_likelihood(theta, eval_gradient, clone_kernel)
        k[np.diag_indices_from(k)] += self.alpha
        try:
            lower = cholesky(k, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            return (-np.inf, np.zeros_like(theta)) if eval_gradient else -np.inf
        y_train = self.y_train_
        if y_train.ndim == 1:
            y_train = y_train[:, np.newaxis]
        alpha = cho_solve((lower, True), y_train, check_finite=False)
        log_likelihood_dims = -0.5 * np.einsum("ik,ik->k", y_train, alpha)
        log_likelihood_dims -= np.log(np.diag(lower)).sum()
        log_likelihood_dims -= k.shape[0] / 2 * np.log(2 * np.pi)
        log_likelihood = log_likelihood_dims.sum(axis=-1)
        if not eval_gradient:
            return log_likelihood
        inner_term = np.einsum("ik,jk->ijk", alpha, alpha)
        k_inv = cho_solve((lower, True), np.eye(k.shape[0]), check_finite=False)
        inner_term -= k_inv[..., np.newaxis]
        gradient_dims = 0.5 * np.einsum("ijl,jik->kl", inner_term, k_gradient)
        return log_likelihood, gradient_dims.sum(axis=-1)
