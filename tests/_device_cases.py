"""Fits shared by the array API tests of every device library (PyTorch, CuPy).

A case fits on numpy and on the device from the same ``random_state`` and
must end at the same parameters, within :data:`TOLERANCE` of the largest.
"""

import numpy as np

from sklearn_dl.linear_model import LinearRegression, LogisticRegression
from sklearn_dl.neural_network import (
    Autoencoder,
    MLPClassifier,
    MLPRegressor,
    VariationalAutoencoder,
)
from sklearn_dl.optimizers import OPTIMIZERS

# The bounds on the parameters after three epochs.
TOLERANCE = {np.float64: 1e-10, np.float32: 1e-4}
STOCHASTIC = sorted(name for name, solver in OPTIMIZERS.items() if not solver.full_batch)


def make_data(dtype=np.float64, n=240, d=6, seed=0):
    """``X``, ``X`` squashed into [0, 1], and binary, 3-class and real targets."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    y_binary = (X[:, 0] + X[:, 1] > 0).astype(int)
    y_classes = rng.integers(0, 3, n)
    y_real = X @ rng.standard_normal(d) + 0.1 * rng.standard_normal(n)
    X_unit = 1.0 / (1.0 + np.exp(-X))  # in [0, 1], for a Bernoulli autoencoder
    return X, X_unit.astype(dtype), y_binary, y_classes, y_real


def estimators(solver):
    """Every engine estimator with ``solver`` for three epochs; its target's name."""
    small = dict(max_iter=3, random_state=0, solver=solver)
    mlp = dict(hidden_layer_sizes=(7, 5), batch_size=50, **small)
    return [
        (MLPClassifier(**mlp), "y_binary"),
        (MLPClassifier(**mlp, activation="tanh"), "y_classes"),
        (MLPRegressor(**mlp), "y_real"),
        (LinearRegression(**small, learning_rate_init=0.01), "y_real"),
        (LogisticRegression(**small), "y_classes"),
        (Autoencoder(hidden_layer_sizes=(4,), batch_size=50, **small), "X_unit"),
        (VariationalAutoencoder(hidden_layer_sizes=(5,), n_components=2, **small), "X_unit"),
    ]


PARTS = [
    *[
        (MLPRegressor, dict(activation=name))
        for name in [
            "logistic",
            "leaky_relu",
            "elu",
            "selu",
            "gelu",
            "softplus",
            "swish",
            "prelu",
            "maxout",
        ]
    ],
    (MLPRegressor, dict(gaussian_noise=0.1, micro_batch_size=20)),
    (MLPRegressor, dict(penalty="l1", alpha=0.01, solver="sgd")),
    (MLPRegressor, dict(penalty="elasticnet", alpha=0.01, solver="adagrad")),
    (MLPRegressor, dict(loss="huber")),
    (MLPRegressor, dict(loss="absolute_error", solver="rmsprop")),
    (MLPClassifier, dict(class_weight="balanced")),
    (Autoencoder, dict(tied_weights=True, sparsity=0.01, solver="adam")),
]
