"""The Kullback-Leibler divergence loss: its values, and MLPRegressor fitting distributions."""

import numpy as np
import pytest
from scipy.special import softmax

from sklearn_dl.losses import CategoricalCrossEntropy, KLDivergence
from sklearn_dl.neural_network import MLPRegressor


def distributions(n_samples=300, seed=0):
    """``X`` and targets ``softmax(X A + c)``: distributions a linear map gives exactly."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, 4))
    A, c = rng.standard_normal((4, 3)), rng.standard_normal(3)
    return X, softmax(X @ A + c, axis=1)


def kl(P, Q):
    """``Σ_k p_k log(p_k / q_k)`` per row, written out (no zeros in ``P`` here)."""
    return np.sum(P * np.log(P / Q), axis=1)


def test_value_is_the_divergence_with_zero_log_zero():
    Y = np.array([[0.2, 0.8, 0.0], [1.0, 0.0, 0.0]])
    Z = np.array([[1.0, -2.0, 0.5], [300.0, -300.0, 0.0]])  # large logits stay finite
    P = softmax(Z, axis=1)
    value, grad = KLDivergence().loss_gradient(Y, Z)
    expected = 0.2 * np.log(0.2 / P[0, 0]) + 0.8 * np.log(0.8 / P[0, 1])
    assert value == pytest.approx(expected, rel=1e-12)  # the second row is exactly right
    np.testing.assert_allclose(grad, P - Y, atol=1e-15)
    assert KLDivergence().value(Y, np.log(np.where(Y > 0, Y, 1e-300))) == pytest.approx(0)


def test_is_cross_entropy_minus_the_targets_entropy():
    rng = np.random.default_rng(1)
    Y, Z = rng.dirichlet(np.ones(5), 8), rng.standard_normal((8, 5))
    entropy = -np.sum(Y * np.log(Y))
    difference = CategoricalCrossEntropy().value(Y, Z) - KLDivergence().value(Y, Z)
    assert difference == pytest.approx(entropy, rel=1e-12)


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_fit_recovers_the_distributions(solver):
    X, P = distributions()
    settings = dict(hidden_layer_sizes=(), solver=solver, alpha=0.0, random_state=0)
    if solver == "lbfgs":
        settings.update(max_iter=500, tol=1e-10)
    else:
        settings.update(max_iter=400, learning_rate_init=0.05)
    model = MLPRegressor(loss="kl_divergence", **settings).fit(X, P)
    Q = model.predict(X)
    np.testing.assert_allclose(Q.sum(axis=1), 1.0)
    assert model.out_activation_ == "softmax"
    # The mean divergence reached: about 1e-15 with lbfgs, 8e-5 with adam.
    assert kl(P, Q).mean() < (1e-12 if solver == "lbfgs" else 1e-4)
    # The same optimum as the cross-entropy, which differs by a constant.
    settings["loss"] = CategoricalCrossEntropy()
    cross_entropy = MLPRegressor(**settings).fit(X, P)
    np.testing.assert_allclose(cross_entropy.predict(X), Q, atol=1e-6)
    assert model.score(X, P) > 0.999


def test_hidden_layers_fit_distributions_of_a_nonlinear_map():
    rng = np.random.default_rng(2)
    X = rng.uniform(-2, 2, (400, 2))
    P = softmax(np.stack([np.sin(2 * X[:, 0]), X[:, 1] ** 2, X[:, 0] * X[:, 1]], axis=1), axis=1)
    settings = dict(hidden_layer_sizes=(32,), solver="lbfgs", max_iter=2000, random_state=0)
    model = MLPRegressor(loss="kl_divergence", **settings).fit(X, P)
    assert kl(P, model.predict(X)).mean() < 1e-3


@pytest.mark.parametrize(
    "y, message",
    [
        (np.array([[0.5, 0.7], [0.5, 0.5]]), r"summing to 1 .*row 0, summing to 1\.2"),
        (np.array([[1.5, -0.5], [0.5, 0.5]]), r"negative entries \(the first is row 0"),
        (np.array([0.5, 0.5]), "at least 2"),
    ],
)
def test_targets_that_are_not_distributions_are_refused(y, message):
    X = np.zeros((2, 3))
    with pytest.raises(ValueError, match=message):
        MLPRegressor(loss="kl_divergence").fit(X, y)


def test_validation_data_are_checked_too():
    X, P = distributions(40)
    bad = (X[:5], 2 * P[:5])
    model = MLPRegressor(loss="kl_divergence", hidden_layer_sizes=(), max_iter=2)
    with pytest.raises(ValueError, match="summing to 1"):
        model.fit(X, P, validation_data=bad)
