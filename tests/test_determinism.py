"""search.determinism: decisions that last-bit differences (another BLAS kernel) do not change."""

from __future__ import annotations

import numpy as np
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

from search.determinism import (
    argmax_first,
    descending_order,
    gp_hyperparameter_optimizer,
    pattern_search_max,
    round_significant,
)


def last_bit_noise(values: np.ndarray, seed: int, relative: float = 1e-13) -> np.ndarray:
    """``values`` with a relative perturbation of the size two BLAS kernels leave in a GP's outputs."""
    return values * (1.0 + relative * np.random.default_rng(seed).uniform(-1.0, 1.0, np.shape(values)))


def test_round_significant_keeps_26_bits_exactly_and_leaves_special_values() -> None:
    values = np.array([1 / 3, -2 / 3, 1e-320, 0.0, np.inf, -np.inf])
    rounded = round_significant(values)
    assert rounded[0] == np.ldexp(np.round(np.ldexp(2 / 3, 26)), -27)  # 1/3 = (2/3)·2⁻¹
    assert abs(rounded[0] - 1 / 3) <= 2.0**-28
    assert rounded[1] == -2 * rounded[0]
    assert rounded[3] == 0.0 and rounded[4] == np.inf and rounded[5] == -np.inf
    assert np.isnan(round_significant(np.array([np.nan])))[0]
    assert np.array_equal(round_significant(last_bit_noise(values[:2], 0)), rounded[:2])


def test_ties_after_rounding_go_to_the_first_position() -> None:
    values = np.array([1.0, 3.0, 3.0 * (1 + 1e-12), 2.0, 3.0 * (1 - 1e-12)])
    assert argmax_first(values) == 1
    assert descending_order(values).tolist() == [1, 2, 4, 3, 0]
    assert int(np.argmax(values)) == 2  # what an unrounded argmax would pick


def test_compass_search_reaches_the_maximum_and_ignores_last_bit_noise() -> None:
    lower, upper = np.array([0.0, -4.0]), np.array([1.0, 0.0])

    def bump(x: np.ndarray) -> np.ndarray:
        return np.exp(-((x[:, 0] - 0.3) ** 2) / 0.02 - (x[:, 1] + 1.7) ** 2 / 0.5)

    starts = np.array([[0.9, -3.9], [0.1, -0.2], [0.55, -2.2]])
    ends, values = pattern_search_max(bump, starts, lower, upper)
    # the maximum to the resolution of the rounded comparisons (2⁻²⁶ relative), so within ~1e-4 of its place
    assert np.all(np.abs(values - 1.0) <= 2.0**-25)
    assert np.allclose(ends, [0.3, -1.7], atol=1e-4)
    for seed in range(5):  # the same grid path with noisy evaluations
        calls = iter(range(10_000))
        noisy_ends, _ = pattern_search_max(
            lambda x, calls=calls, seed=seed: last_bit_noise(bump(x), seed * 10_000 + next(calls)),
            starts,
            lower,
            upper,
        )
        assert np.array_equal(noisy_ends, ends)


def test_gp_hyperparameters_do_not_move_with_last_bit_noise_of_the_data() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 1.0, size=(30, 2))
    y = np.sin(6 * x[:, 0]) + 0.5 * x[:, 1] + 0.05 * rng.standard_normal(30)

    def fitted_theta(targets: np.ndarray) -> np.ndarray:
        kernel = ConstantKernel(1.0, (1e-2, 1e2)) * Matern(1.0, (1e-1, 1e2), nu=2.5) + WhiteKernel(
            1e-2, (1e-6, 1)
        )
        gp = GaussianProcessRegressor(
            kernel,
            normalize_y=True,
            optimizer=gp_hyperparameter_optimizer,
            n_restarts_optimizer=3,
            random_state=1,
        )
        return gp.fit(x, targets).kernel_.theta

    theta = fitted_theta(y)
    assert np.allclose(theta / 1e-4, np.round(theta / 1e-4))  # on the grid
    for seed in range(5):
        assert np.array_equal(fitted_theta(last_bit_noise(y, seed)), theta)
