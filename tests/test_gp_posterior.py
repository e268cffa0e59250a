"""search.gp_posterior.posterior returns the bits of scikit-learn's GaussianProcessRegressor.predict."""

import numpy as np
from scipy.stats import norm
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import Matern

from search.gp_posterior import posterior, standard_normal


def test_posterior_equals_predict_bit_for_bit():
    rng = np.random.default_rng(0)
    x_train = rng.uniform([0.0, -4.0], [1.0, 0.0], size=(12, 2))
    y_train = 80.0 + 10.0 * np.sin(3.0 * x_train[:, 0]) + x_train[:, 1]
    gp = GaussianProcessRegressor(
        Matern(length_scale=0.5, nu=2.5), alpha=1e-6, normalize_y=True, optimizer=None
    )
    gp.fit(x_train, y_train)
    x = np.vstack([rng.uniform([0.0, -4.0], [1.0, 0.0], size=(40, 2)), x_train[:3]])
    mean, std = gp.predict(x, return_std=True)
    ours_mean, ours_std = posterior(gp, x)
    assert np.array_equal(ours_mean, mean)
    assert np.array_equal(ours_std, std)
    assert std[-3:].max() < 1e-2 * std[:40].mean()  # at training points the posterior is nearly certain


def test_standard_normal_equals_scipy_norm_bit_for_bit():
    rng = np.random.default_rng(1)
    z = np.concatenate(
        [rng.normal(0.0, 3.0, 500), [-40.0, -8.5, -0.0, 0.0, 8.5, 40.0, -np.inf, np.inf, np.nan]]
    )
    cdf, pdf = standard_normal(z)
    np.testing.assert_array_equal(cdf, norm.cdf(z))
    np.testing.assert_array_equal(pdf, norm.pdf(z))
