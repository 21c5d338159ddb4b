"""The worked backpropagation example of the course notes, to three decimals.

A 3-2-1 network of sigmoid units, input x = (1, 0, 1), target 1, squared
error, one gradient step with learning rate 0.9. The notes give every
output, error term and updated weight.
"""

import numpy as np
import pytest

from sklearn_dl._engine.network import Network
from sklearn_dl._engine.objective import Objective
from sklearn_dl.initializers import get_initializer
from sklearn_dl.layers import Dense
from sklearn_dl.losses import get_loss
from sklearn_dl.optimizers import SGD


@pytest.fixture
def network():
    net = Network([Dense(2, "logistic"), Dense(1, "logistic")]).build(
        3, np.float64, np.random.default_rng(0), get_initializer("zeros")
    )
    hidden, output = net.dense_layers()
    hidden.W_[...] = [[0.2, -0.3], [0.4, 0.1], [-0.5, 0.2]]  # w14 w15 / w24 w25 / w34 w35
    hidden.b_[...] = [-0.4, 0.2]  # θ4 θ5
    output.W_[...] = [[-0.3], [-0.2]]  # w46 w56
    output.b_[...] = [0.1]  # θ6
    return net


X = np.array([[1.0, 0.0, 1.0]])
TARGET = np.array([[1.0]])


def test_forward_outputs(network):
    hidden, output = network.dense_layers()
    network.forward(X, training=True)
    np.testing.assert_allclose(hidden._A[0], [0.332, 0.525], atol=5e-4)
    np.testing.assert_allclose(output._A[0], [0.474], atol=5e-4)


def test_one_step_updates(network):
    trainer = Objective(network, get_loss("squared_error"))
    trainer.gradient(X, TARGET, None, 1.0)
    SGD().step(network.params, network.grads, 0.9)
    hidden, output = network.dense_layers()
    np.testing.assert_allclose(output.W_[:, 0], [-0.261, -0.138], atol=5e-4)
    np.testing.assert_allclose(hidden.W_, [[0.192, -0.306], [0.4, 0.1], [-0.508, 0.194]], atol=5e-4)
    np.testing.assert_allclose(output.b_, [0.218], atol=5e-4)
    np.testing.assert_allclose(hidden.b_, [-0.408, 0.194], atol=5e-4)
