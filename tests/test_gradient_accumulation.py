"""Gradient accumulation: a batch computed in micro-batches takes the one-batch step."""

import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_dl._engine.data import Data
from sklearn_dl._engine.network import Network
from sklearn_dl._engine.objective import Objective
from sklearn_dl.initializers import get_initializer
from sklearn_dl.layers import ActivityL1, BatchNorm, Dense
from sklearn_dl.losses import get_loss
from sklearn_dl.neural_network import Autoencoder, MLPClassifier, MLPRegressor
from sklearn_dl.penalties import get_penalty


@pytest.fixture(autouse=True)
def _no_convergence_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def classification(seed=0, n=230, n_features=6):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int) + (X[:, 2] > 1)
    return X, y


def params_after(model, X, y, **fit_kwargs):
    return model.fit(X, y, **fit_kwargs).network_.params.copy()


# -- the objective ------------------------------------------------------------------------


def network_and_objective(layers, alpha=0.5):
    network = Network(layers).build(
        5, np.float64, np.random.default_rng(0), get_initializer("glorot_normal")
    )
    return network, Objective(network, get_loss("multinomial"), get_penalty("l2"), alpha)


@pytest.mark.parametrize(
    "weights",
    [
        None,
        "random",
        "some parts weigh nothing",
    ],
)
def test_the_accumulated_gradient_is_the_one_batch_gradient(weights):
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(23, 5)), np.eye(3)[rng.integers(0, 3, 23)]
    sample_weight = {
        None: None,
        "random": rng.uniform(0.1, 3.0, 23),
        "some parts weigh nothing": np.r_[np.zeros(12), rng.uniform(0.5, 2, 11)],
    }[weights]
    # The autoencoder's code penalty, the one layer adding to the loss, takes no sample weights.
    activity = [ActivityL1(0.1)] if sample_weight is None else []
    network, objective = network_and_objective([Dense(4, "tanh"), *activity, Dense(3)], alpha=0.7)
    data = Data(X, Y, sample_weight)
    whole = objective.gradient(X, Y, sample_weight, 40.0)
    expected = network.grads.copy()
    network.grads[...] = np.nan  # nothing of the whole-batch gradient is reused
    parts = objective.accumulated_gradient(data.micro_batches(slice(0, 23), 6), 40.0)
    np.testing.assert_allclose(network.grads, expected, rtol=1e-12, atol=1e-15)
    assert parts == pytest.approx(whole, rel=1e-12)


def test_a_batch_of_weight_zero_gets_the_penalty_gradient_alone():
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(10, 5)), np.eye(3)[rng.integers(0, 3, 10)]
    network, objective = network_and_objective([Dense(4, "relu"), Dense(3)])
    data = Data(X, Y, np.zeros(10))
    objective.accumulated_gradient(data.micro_batches(slice(0, 10), 4), 20.0)
    expected = np.zeros_like(network.params)
    expected[: network.n_weights] = 0.5 / 20.0 * network.weights
    np.testing.assert_allclose(network.grads, expected)


def test_batch_norm_statistics_are_those_of_each_part():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(8, 5)), np.eye(3)[rng.integers(0, 3, 8)]
    network, objective = network_and_objective([Dense(4), BatchNorm(momentum=0.5), Dense(3)])
    dense, norm = network.layers[0], network.layers[1]
    means = [(X[part] @ dense.W_ + dense.b_).mean(axis=0) for part in (slice(0, 4), slice(4, 8))]
    objective.accumulated_gradient(Data(X, Y).micro_batches(slice(0, 8), 4), 8.0)
    # Two updates of the running mean, one per part: m ← ½ m + ½ μ_part, from 0.
    np.testing.assert_allclose(norm.running_mean_, 0.25 * means[0] + 0.5 * means[1])


# -- the estimators -----------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_an_epoch_in_micro_batches_takes_the_one_batch_steps(solver, dtype):
    X, y = classification()
    X = X.astype(dtype)
    weight = np.random.default_rng(4).uniform(0.2, 2.0, len(y))
    settings = dict(
        hidden_layer_sizes=(7, 5),
        solver=solver,
        batch_size=64,
        alpha=0.3,
        max_iter=1,
        random_state=0,
    )
    plain = params_after(MLPClassifier(**settings), X, y, sample_weight=weight)
    parts = params_after(MLPClassifier(**settings, micro_batch_size=10), X, y, sample_weight=weight)
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(parts, plain, rtol=tolerance, atol=tolerance)
    assert np.abs(parts - plain).max() < 1e-3 * np.abs(plain).max()


def test_regressor_and_autoencoder_take_the_same_steps_too():
    X, y = classification(5)
    settings = dict(hidden_layer_sizes=(6,), batch_size=50, max_iter=2, random_state=0)
    plain = params_after(MLPRegressor(**settings), X, y.astype(float))
    parts = params_after(MLPRegressor(**settings, micro_batch_size=16), X, y.astype(float))
    np.testing.assert_allclose(parts, plain, rtol=1e-12, atol=1e-14)
    coder = dict(n_components=2, sparsity=0.01, solver="adam", **settings)
    plain = params_after(Autoencoder(**coder), X, None)
    parts = params_after(Autoencoder(**coder, micro_batch_size=16), X, None)
    np.testing.assert_allclose(parts, plain, rtol=1e-12, atol=1e-14)


def test_batch_norm_with_micro_batches_normalises_each_part():
    X, y = classification(6)
    settings = dict(hidden_layer_sizes=(6,), batch_norm=True, batch_size=64, max_iter=1)
    plain = params_after(MLPClassifier(**settings, random_state=0), X, y)
    parts = params_after(MLPClassifier(**settings, micro_batch_size=16, random_state=0), X, y)
    assert np.all(np.isfinite(parts))
    assert not np.allclose(parts, plain)


@pytest.mark.parametrize("micro", [60, 500])
def test_a_micro_batch_size_of_at_least_the_batch_size_is_clipped(micro, monkeypatch):
    X, y = classification()

    def refuse(*args, **kwargs):
        raise AssertionError("the batch was split")

    monkeypatch.setattr(Objective, "accumulated_gradient", refuse)
    settings = dict(hidden_layer_sizes=(5,), batch_size=60, max_iter=1, random_state=0)
    # Bit for bit: the batch is computed in one piece, by the same code as without.
    np.testing.assert_array_equal(
        params_after(MLPClassifier(**settings, micro_batch_size=micro), X, y),
        params_after(MLPClassifier(**settings), X, y),
    )


def test_full_batch_solvers_ignore_micro_batch_size():
    X, y = classification()
    settings = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=5, random_state=0)
    np.testing.assert_array_equal(
        params_after(MLPClassifier(**settings, micro_batch_size=8), X, y),
        params_after(MLPClassifier(**settings), X, y),
    )


@pytest.mark.parametrize("micro", [0, -3, 2.5, "auto"])
def test_micro_batch_size_must_be_a_positive_integer(micro):
    X, y = classification()
    with pytest.raises(InvalidParameterError, match="micro_batch_size"):
        MLPClassifier(micro_batch_size=micro).fit(X, y)


def fit_peak(model, X, y):
    """The largest memory traced while ``fit`` runs, in bytes."""
    tracemalloc.start()
    try:
        model.fit(X, y)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_grows_with_the_micro_batch_not_the_batch():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(4096, 64))
    y = (X[:, 0] > 0).astype(int)
    settings = dict(hidden_layer_sizes=(256,), batch_size=4096, max_iter=1, random_state=0)
    whole = fit_peak(MLPClassifier(**settings), X, y)
    parts = fit_peak(MLPClassifier(**settings, micro_batch_size=256), X, y)
    # The whole batch keeps a 4096-row copy of X and activations of 4096 x 256
    # (8 MB each); a part keeps 256 rows of each.
    assert whole > 8 * 2**20
    assert parts < whole / 4
