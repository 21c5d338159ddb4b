"""PReLU (an activation with learned slopes) and maxout units (k affine pieces per unit)."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_dl._engine.network import Network
from sklearn_dl._engine.objective import Objective
from sklearn_dl.activations import LeakyReLU, PReLU
from sklearn_dl.initializers import get_initializer
from sklearn_dl.layers import Dense, Maxout
from sklearn_dl.losses import get_loss
from sklearn_dl.neural_network import Autoencoder, MLPClassifier, MLPRegressor
from sklearn_dl.penalties import get_penalty
from tests.test_gradients import assert_gradient_close, numeric_gradient


@pytest.fixture(autouse=True)
def _no_convergence_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def blobs(seed=0, n=90):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(3, 4))
    y = np.arange(n) % 3
    return centers[y] + rng.normal(size=(n, 4)), y


def build(layers, n_in=4, seed=0):
    return Network(layers).build(
        n_in, np.float64, np.random.default_rng(seed), get_initializer("glorot_normal")
    )


# -- PReLU --------------------------------------------------------------------------------


def test_prelu_slope_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    Z = rng.uniform(0.1, 3, (6, 4)) * rng.choice([-1, 1], (6, 4))
    weights = rng.standard_normal(Z.shape)
    act = PReLU()
    slope, dslope = rng.uniform(0.05, 0.5, 4), np.zeros(4)
    act.bind([slope], [dslope])

    def f(s):
        slope[...] = s
        return float((act.forward(Z) * weights).sum())

    start = slope.copy()
    numeric = numeric_gradient(f, start)
    slope[...] = start
    dZ = act.backward(Z, act.forward(Z), weights.copy())
    assert_gradient_close(dslope, numeric)
    np.testing.assert_allclose(dZ, weights * np.where(Z > 0, 1, start))


def test_prelu_unbound_is_a_leaky_relu_of_the_initial_slope():
    Z = np.array([[-2.0, 3.0]])
    np.testing.assert_array_equal(PReLU(0.1).forward(Z), [[-0.2, 3.0]])


def test_prelu_slopes_are_unpenalised_parameters_initialised_to_the_initial_slope():
    network = build([Dense(5, PReLU(0.3)), Dense(3)])
    slope = network.layers[0].activation_.slope_
    assert np.all(slope == 0.3)
    assert np.shares_memory(slope, network.params[network.n_weights :])
    X = np.random.default_rng(1).standard_normal((8, 4))
    Y = np.eye(3)[np.arange(8) % 3]
    grads = []
    for alpha in (0.0, 100.0):
        Objective(network, get_loss("multinomial"), get_penalty("l2"), alpha).gradient(
            X, Y, None, 8.0
        )
        grads.append(network.layers[0].activation_.dslope_.copy())
    np.testing.assert_array_equal(grads[0], grads[1])


@pytest.mark.parametrize("solver", ["sgd", "adam", "rmsprop", "lbfgs"])
def test_prelu_slopes_are_trained_by_every_solver(solver):
    X, y = blobs()
    model = MLPClassifier((6,), activation="prelu", solver=solver, max_iter=20, random_state=0)
    model.fit(X, y)
    slope = model.network_.dense_layers()[0].activation_.slope_
    assert slope.shape == (6,)
    assert not np.allclose(slope, 0.25)


def test_prelu_adds_one_parameter_per_unit():
    X, y = blobs()
    counts = {
        name: MLPClassifier((6, 5), activation=name, max_iter=1, random_state=0)
        .fit(X, y)
        .network_.params.size
        for name in ("relu", "prelu")
    }
    assert counts["prelu"] == counts["relu"] + 6 + 5


# -- maxout -------------------------------------------------------------------------------


def test_maxout_routes_the_gradient_to_the_winning_piece():
    layer = Maxout(pieces=3)
    assert layer.build(6, np.float64) == 2
    X = np.array([[0.0, 5.0, 1.0, -3.0, -4.0, -1.0], [2.0, 1.0, 0.0, 7.0, 8.0, 9.0]])
    A = layer.forward(X, training=True)
    np.testing.assert_array_equal(A, [[5.0, -1.0], [2.0, 9.0]])
    np.testing.assert_array_equal(layer.forward(X), A)
    dX = layer.backward(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(dX, [[0, 1, 0, 0, 0, 2], [3, 0, 0, 0, 0, 4]])


def test_maxout_needs_a_multiple_of_its_pieces():
    with pytest.raises(ValueError, match="multiple"):
        Maxout(pieces=2).build(5, np.float64)


def test_maxout_multiplies_the_dense_parameters_by_its_pieces():
    X, y = blobs()
    sizes = {}
    for name, pieces in (("relu", 2), ("maxout", 2), ("maxout", 3)):
        model = MLPClassifier(
            (6, 5), activation=name, maxout_pieces=pieces, max_iter=1, random_state=0
        ).fit(X, y)
        sizes[name, pieces] = model.network_.params.size
        assert model.n_layers_ == 4
    hidden = [(4 + 1) * 6, (6 + 1) * 5]  # weights and biases of each hidden layer
    output = (5 + 1) * 3
    assert sizes["relu", 2] == sum(hidden) + output
    assert sizes["maxout", 2] == 2 * sum(hidden) + output
    assert sizes["maxout", 3] == 3 * sum(hidden) + output
    assert [c.shape for c in model.coefs_] == [(4, 18), (6, 15), (5, 3)]


def test_maxout_generalises_relu_and_leaky_relu():
    # Pieces (w, b) and (c w, c b): max(z, c z) is ReLU for c = 0, leaky ReLU for 0 < c < 1.
    X, y = blobs()
    for c, other in ((0.0, "relu"), (0.2, LeakyReLU(negative_slope=0.2))):
        plain = MLPClassifier((5,), activation=other, max_iter=3, random_state=0).fit(X, y)
        maxout = MLPClassifier((5,), activation="maxout", max_iter=1, random_state=0).fit(X, y)
        W, b = plain.coefs_[0], plain.intercepts_[0]
        maxout.coefs_ = [np.stack([W, c * W], axis=2).reshape(4, 10), plain.coefs_[1]]
        maxout.intercepts_ = [np.stack([b, c * b], axis=1).ravel(), plain.intercepts_[1]]
        np.testing.assert_allclose(maxout.predict_proba(X), plain.predict_proba(X), rtol=1e-12)


# -- both ---------------------------------------------------------------------------------


def test_one_activation_per_layer_with_prelu_and_maxout():
    X, y = blobs()
    model = MLPClassifier(
        (6, 5, 4), activation=["prelu", "maxout", "tanh"], maxout_pieces=3, **{"max_iter": 2}
    ).fit(X, y)
    kinds = [type(layer).__name__ for layer in model.network_.layers]
    assert kinds == ["Dense", "Dense", "Maxout", "Dense", "Dense"]
    assert isinstance(model.network_.layers[0].activation_, PReLU)
    assert [c.shape for c in model.coefs_] == [(4, 6), (6, 15), (5, 4), (4, 3)]


@pytest.mark.parametrize("activation", ["prelu", "maxout"])
def test_pickle_keeps_the_slopes_and_pieces_bound(activation):
    X, y = blobs()
    model = MLPRegressor(hidden_layer_sizes=(5,), activation=activation, batch_norm=True)
    model.set_params(max_iter=3, random_state=0)
    model.fit(X, y.astype(float))
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    loaded.network_.params[...] = 0  # the layers still read the loaded flat vector
    assert np.all(loaded.predict(X) == 0)


@pytest.mark.parametrize(
    "change",
    [
        {"activation": "prelu"},
        {"activation": "maxout"},
        {"maxout_pieces": 3},
    ],
)
def test_a_warm_start_refuses_settings_that_change_the_parameters(change):
    X, y = blobs()
    start = "maxout" if "maxout_pieces" in change else "relu"
    model = MLPClassifier((5,), activation=start, warm_start=True, max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="other shapes"):
        model.set_params(**change).fit(X, y)


def test_a_warm_start_continues_the_learned_slopes():
    X, y = blobs()
    model = MLPClassifier((5,), activation="prelu", warm_start=True, max_iter=5, random_state=0)
    slope = model.fit(X, y).network_.layers[0].activation_.slope_.copy()
    model.set_params(max_iter=1, learning_rate_init=1e-12).fit(X, y)
    np.testing.assert_allclose(model.network_.layers[0].activation_.slope_, slope, atol=1e-9)


def test_maxout_pieces_must_be_positive():
    X, y = blobs()
    with pytest.raises(InvalidParameterError, match="maxout_pieces"):
        MLPClassifier(activation="maxout", maxout_pieces=0).fit(X, y)


def test_autoencoder_with_prelu_and_tied_weights():
    X, _ = blobs()
    model = Autoencoder(2, hidden_layer_sizes=(3,), activation="prelu", tied_weights=True)
    model.set_params(solver="lbfgs", max_iter=30, random_state=0).fit(X)
    linear = Autoencoder(2, hidden_layer_sizes=(3,), activation="relu", tied_weights=True)
    linear.set_params(max_iter=1, random_state=0).fit(X)
    # One slope per unit of the encoder's hidden layer and of the decoder's mirror of it.
    assert model.network_.params.size == linear.network_.params.size + 3 + 3
    assert model.network_.layers[-2].activation_.slope_.shape == (3,)
