"""search.gp_kernels evaluates the searchers' GP kernels, and fits, with the bits of scikit-learn."""

import warnings

import numpy as np
import pytest
from bayes_opt import BayesianOptimization
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Matern, WhiteKernel

from search.determinism import gp_hyperparameter_optimizer
from search.gp_kernels import LeanGaussianProcessRegressor, UnsupportedKernel, kernel_matrix


def _bayes_opt_gp() -> GaussianProcessRegressor:
    """The GP bayes_opt builds for HNAS's two float parameters (its kernel wrapped in the input transform)."""
    optimizer = BayesianOptimization(
        f=None, pbounds={"t": (0.0, 1.0), "c": (-4.0, 0.0)}, random_state=1, verbose=0
    )
    return optimizer._gp


def _bo_kernel():
    """search.bo's kernel."""
    return ConstantKernel(1.0, (1e-2, 1e2)) * Matern(2.0, (1e-1, 1e2), nu=2.5) + WhiteKernel(
        1e-2, (1e-6, 1.0)
    )


KERNELS = {
    "hnas": (lambda: Matern(nu=2.5), 2),
    "bo": (_bo_kernel, 30),
    "matern": (lambda: Matern(0.7, nu=2.5), 3),
}


def _points(rng: np.random.Generator, n: int, dims: int) -> np.ndarray:
    return (rng.random((n, dims)) < 0.3).astype(float) if dims == 30 else rng.random((n, dims))


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_kernel_matrix_equals_scikit_learn_bit_for_bit(name: str) -> None:
    make, dims = KERNELS[name]
    kernel = make()
    rng = np.random.default_rng(3)
    x, y = _points(rng, 25, dims), _points(rng, 40, dims)
    theta = kernel.theta + rng.normal(0.0, 0.5, size=kernel.theta.shape)
    ours, ours_gradient = kernel_matrix(kernel, x, theta=theta, gradient=True)
    reference = kernel.clone_with_theta(theta)
    expected, expected_gradient = reference(x, eval_gradient=True)
    assert np.array_equal(ours, expected) and np.array_equal(ours_gradient, expected_gradient)
    assert np.array_equal(kernel_matrix(reference, x, y)[0], reference(x, y))  # its own hyperparameters
    assert np.array_equal(kernel_matrix(reference, x)[0], reference(x))


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_lean_fit_equals_scikit_learn_fit_bit_for_bit(name: str) -> None:
    make, dims = KERNELS[name]
    rng = np.random.default_rng(4)
    x = _points(rng, 30, dims)
    y = 80.0 + 5.0 * np.sin(4.0 * x[:, 0]) + x[:, 1] + rng.normal(0.0, 0.1, 30)
    settings = dict(
        normalize_y=True, n_restarts_optimizer=3, random_state=5, optimizer=gp_hyperparameter_optimizer
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bounds reached on random data
        lean = LeanGaussianProcessRegressor(make(), **settings).fit(x, y)
        reference = GaussianProcessRegressor(make(), **settings).fit(x, y)
    assert np.array_equal(lean.kernel_.theta, reference.kernel_.theta)
    assert lean.log_marginal_likelihood_value_ == reference.log_marginal_likelihood_value_
    assert np.array_equal(lean.L_, reference.L_) and np.array_equal(lean.alpha_, reference.alpha_)
    theta = reference.kernel_.theta + 0.2
    value, gradient = lean.log_marginal_likelihood(theta, eval_gradient=True, clone_kernel=False)
    expected, expected_gradient = reference.log_marginal_likelihood(
        theta, eval_gradient=True, clone_kernel=False
    )
    assert value == expected and np.array_equal(gradient, expected_gradient)


def test_hnas_gp_equals_bayes_opt_gp_bit_for_bit() -> None:
    """search.hnas replaces bayes_opt's GP by a lean one with a plain Matern: its input transform is the identity
    for float parameters, so fits and predictions are the same bits."""
    rng = np.random.default_rng(7)
    x = rng.uniform([-4.0, 0.0], [0.0, 1.0], size=(25, 2))  # bayes_opt orders the parameters c, t
    y = 90.0 + np.sin(3.0 * x[:, 1]) + 0.1 * x[:, 0]
    library = _bayes_opt_gp().set_params(optimizer=gp_hyperparameter_optimizer)
    lean = LeanGaussianProcessRegressor(
        kernel=Matern(nu=2.5),
        alpha=1e-6,
        normalize_y=True,
        n_restarts_optimizer=5,
        random_state=np.random.RandomState(1),
        optimizer=gp_hyperparameter_optimizer,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        library.fit(x, y)
        lean.fit(x, y)
    assert np.array_equal(lean.kernel_.theta, library.kernel_.theta)
    assert np.array_equal(lean.alpha_, library.alpha_) and np.array_equal(lean.L_, library.L_)
    points = rng.uniform([-4.0, 0.0], [0.0, 1.0], size=(50, 2))
    for ours, theirs in zip(
        lean.predict(points, return_std=True), library.predict(points, return_std=True), strict=True
    ):
        assert np.array_equal(ours, theirs)


def test_other_kernels_are_left_to_scikit_learn() -> None:
    rng = np.random.default_rng(6)
    x, y = rng.random((12, 2)), rng.random(12)
    wrapped = _bayes_opt_gp().kernel  # a subclass of Matern that transforms its input first
    for kernel in (
        RBF(0.5),
        Matern([0.5, 1.0], nu=2.5),
        Matern(0.5, "fixed", nu=2.5),
        Matern(0.5, nu=1.5),
        wrapped,
    ):
        with pytest.raises(UnsupportedKernel):
            kernel_matrix(kernel, x)
        lean = LeanGaussianProcessRegressor(kernel, optimizer=None).fit(x, y)
        reference = GaussianProcessRegressor(kernel, optimizer=None).fit(x, y)
        theta = reference.kernel_.theta
        assert lean.log_marginal_likelihood(theta, clone_kernel=False) == reference.log_marginal_likelihood(
            theta, clone_kernel=False
        )
    with pytest.raises(ValueError, match="k\\(x, x\\) only"):
        kernel_matrix(Matern(nu=2.5), x, x, gradient=True)


def test_single_threaded_blas_limits_and_restores() -> None:
    from threadpoolctl import threadpool_info

    from search.gp_kernels import single_threaded_blas

    def blas_threads() -> list[int]:
        return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

    before = blas_threads()
    assert before, "numpy's BLAS is loaded"
    with single_threaded_blas():
        assert set(blas_threads()) == {1}
    assert blas_threads() == before
