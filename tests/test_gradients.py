"""Finite-difference checks of every activation, loss, penalty and layer (float64)."""

import numpy as np
import pytest

from sklearn_dl._engine.network import Network
from sklearn_dl._engine.objective import Objective
from sklearn_dl.activations import ACTIVATIONS, get_activation
from sklearn_dl.initializers import get_initializer
from sklearn_dl.layers import Activation, BatchNorm, Dense, Dropout, GaussianNoise, Maxout
from sklearn_dl.losses import LOSSES, get_loss
from sklearn_dl.penalties import PENALTIES, get_penalty

STEP = 1e-6


def numeric_gradient(f, x):
    """Central differences of the scalar function ``f`` at ``x``."""
    grad = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = STEP
        grad.flat[i] = (f(x + e) - f(x - e)) / (2 * STEP)
    return grad


def assert_gradient_close(analytic, numeric, rtol=1e-6):
    scale = max(np.abs(numeric).max(), 1e-12)
    assert np.abs(analytic - numeric).max() / scale < rtol


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivative(name):
    rng = np.random.default_rng(0)
    # Keep clear of the kinks at 0 where one-sided derivatives differ.
    Z = rng.uniform(0.1, 3, (4, 5)) * rng.choice([-1, 1], (4, 5))
    activation = get_activation(name)
    weights = rng.standard_normal(Z.shape)

    def f(z):
        return float((activation.forward(z.copy()) * weights).sum())

    A = activation.forward(Z.copy())
    analytic = activation.backward(Z, A, weights.copy())
    assert_gradient_close(analytic, numeric_gradient(f, Z))


def _targets(name, rng, shape):
    if name in ("multinomial", "categorical_crossentropy"):
        return np.eye(shape[1])[rng.integers(0, shape[1], shape[0])]
    if name == "hinge":
        return np.eye(shape[1])[rng.integers(0, shape[1], shape[0])]
    if name in ("log_loss", "binary_crossentropy"):
        return rng.integers(0, 2, shape).astype(float)
    if name == "perceptron":
        return rng.integers(0, 2, shape).astype(float)
    if name == "kl_divergence":
        return rng.dirichlet(np.ones(shape[1]), shape[0])
    if name == "poisson":
        return rng.poisson(2.0, shape).astype(float)
    return rng.standard_normal(shape)


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_loss_gradient(name, n_outputs):
    rng = np.random.default_rng(1)
    Y = _targets(name, rng, (6, n_outputs))
    Z = rng.standard_normal((6, n_outputs)) * 2
    if name in ("absolute_error", "huber", "hinge"):
        Z = Y + rng.uniform(0.2, 0.8, Z.shape) * rng.choice([-1, 1], Z.shape)
        if name == "huber":
            Z = Y + rng.uniform(0.1, 3, Z.shape) * rng.choice([-1, 1], Z.shape)
            Z[np.abs(np.abs(Z - Y) - 1) < 0.05] += 0.2
    weight = rng.uniform(0.5, 2.0, 6)
    loss = get_loss(name)
    value, grad = loss.loss_gradient(Y, Z.copy(), weight)
    numeric = numeric_gradient(lambda z: loss.value(Y, z, weight), Z)
    assert_gradient_close(grad, numeric)
    assert value == pytest.approx(loss.value(Y, Z, weight))


@pytest.mark.parametrize("name", sorted(PENALTIES))
def test_penalty_smooth_gradient(name):
    rng = np.random.default_rng(2)
    W = rng.uniform(0.1, 2, 12) * rng.choice([-1, 1], 12)
    penalty = get_penalty(name, l1_ratio=0.3)
    grad = np.zeros_like(W)
    penalty.add_smooth_gradient(W, grad, 1.0)
    l1_part = penalty.l1 * np.sign(W)  # the L1 part is handled by the proximal step
    assert_gradient_close(grad + l1_part, numeric_gradient(penalty.value, W))


LAYER_STACKS = {
    "dense": lambda: [Dense(5, "tanh"), Dense(3)],
    "deep": lambda: [Dense(6, "gelu"), Dense(4, "softplus"), Dense(3)],
    "batch_norm": lambda: [Dense(5), BatchNorm(), Activation("elu"), Dense(3)],
    "no_bias": lambda: [Dense(5, "swish", use_bias=False), Dense(3, use_bias=False)],
    # PReLU's slopes are parameters; maxout routes the gradient to each unit's winning piece.
    "prelu": lambda: [Dense(5, "prelu"), Dense(3)],
    "prelu_batch_norm": lambda: [Dense(5), BatchNorm(), Activation("prelu"), Dense(3)],
    "maxout": lambda: [Dense(6), Maxout(2), Dense(3)],
    "maxout_batch_norm": lambda: [Dense(9, "tanh"), BatchNorm(), Maxout(3), Dense(3)],
    "maxout_then_prelu": lambda: [Dense(8), Maxout(2), Dense(4, "prelu", use_bias=False), Dense(3)],
}


@pytest.mark.parametrize("stack", sorted(LAYER_STACKS))
def test_network_gradient(stack):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((7, 4))
    Y = np.eye(3)[rng.integers(0, 3, 7)]
    weight = rng.uniform(0.5, 2.0, 7)
    network = Network(LAYER_STACKS[stack]()).build(
        4, np.float64, rng, get_initializer("glorot_normal")
    )
    loss = get_loss("multinomial")
    penalty = get_penalty("l2")
    trainer = Objective(network, loss, penalty, 0.3)

    def objective(params):
        network.params[...] = params
        Z = network.forward(X, training=True)
        return (loss.value(Y, Z, weight) + 0.3 * penalty.value(network.weights)) / weight.sum()

    start = network.params.copy()
    trainer.gradient(X, Y, weight, weight.sum())
    analytic = network.grads.copy()
    assert_gradient_close(analytic, numeric_gradient(objective, start))


@pytest.mark.parametrize("layer", [Dropout(0.4), GaussianNoise(0.5)])
def test_stochastic_layers_gradient_with_fixed_noise(layer):
    # With the random draw fixed by the seed, the layer is a fixed map of its input.
    X = np.random.default_rng(4).standard_normal((6, 4))
    network = Network([Dense(5, "tanh"), layer, Dense(2)]).build(
        4, np.float64, np.random.default_rng(5), get_initializer("glorot_normal")
    )
    Y = np.random.default_rng(6).standard_normal((6, 2))
    loss = get_loss("squared_error")

    def objective(params):
        network.params[...] = params
        Z = network.forward(X, training=True, rng=np.random.default_rng(7))
        return loss.value(Y, Z)

    start = network.params.copy()
    Z = network.forward(X, training=True, rng=np.random.default_rng(7))
    network.backward(loss.loss_gradient(Y, Z)[1])
    assert_gradient_close(network.grads.copy(), numeric_gradient(objective, start))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_engines_matmul_is_numpys_to_the_bit(dtype):
    # The layers' products go through NUMPY.matmul, which takes numpy.dot's
    # shorter path where that is the same product: every layout a layer
    # uses must give numpy.matmul's bits, and anything else numpy.matmul's result.
    from sklearn_dl._array_api import NUMPY

    rng = np.random.default_rng(0)
    A, W = rng.standard_normal((37, 19)).astype(dtype), rng.standard_normal((19, 23)).astype(dtype)
    dZ = rng.standard_normal((37, 23)).astype(dtype)
    products = [(A, W), (A.T, dZ), (np.ones(37, dtype), dZ), (dZ, W.T)]
    for a, b in products:
        shape = np.matmul(a, b).shape
        expected, out = np.matmul(a, b, out=np.empty(shape, dtype)), np.empty(shape, dtype)
        assert NUMPY.matmul(a, b, out=out) is out
        np.testing.assert_array_equal(out, expected)
    # Outputs numpy.dot refuses (transposed, another dtype), stacks and no out.
    other = np.float64 if dtype == np.float32 else np.float32
    for out_dtype, transposed in [(dtype, True), (other, True), (other, False)]:
        outs = [np.empty((23, 37) if transposed else (37, 23), out_dtype) for _ in range(2)]
        out, expected = [array.T if transposed else array for array in outs]
        np.matmul(A, W, out=expected)
        np.testing.assert_array_equal(NUMPY.matmul(A, W, out=out), expected)
    stack = np.stack([A, A])
    np.testing.assert_array_equal(NUMPY.matmul(stack, W), np.matmul(stack, W))
    with pytest.raises(ValueError):  # numpy.dot would scale W by a 0-d a
        NUMPY.matmul(np.array(2.0, dtype), W, out=np.empty(W.shape, dtype))
    np.testing.assert_array_equal(NUMPY.matmul(A, W), np.matmul(A, W))
