"""The path of ``fit`` through the package's modules goes down and comes back up.

From the public class to the first batch, control passes through five levels:
the estimator (its public class, the head and the estimator base, which call
each other's declared hooks), the trainer, the objective and data, the
network, and the parts (layers, activations, losses, optimizers, schedules,
penalties, initializers, callbacks and their helpers); a full-batch solver
runs between the trainer and the objective, which it evaluates. Every call
goes to the same level or a lower one, and no module of the engine is called
back while it waits. ``docs/architecture.rst`` states the path;
this test measures it with ``sys.setprofile``.
"""

import sys

import numpy as np
import pytest

from sklearn_dl.linear_model import LinearRegression, LogisticRegression, Perceptron
from sklearn_dl.neural_network import (
    Autoencoder,
    MLPClassifier,
    MLPRegressor,
    VariationalAutoencoder,
)

ESTIMATORS = [
    MLPClassifier(max_iter=1),
    MLPClassifier(max_iter=1, solver="lbfgs", early_stopping=True, batch_norm=True),
    MLPRegressor(max_iter=1, dropout=0.1),
    MLPClassifier(max_iter=1, activation=["prelu", "maxout"], hidden_layer_sizes=(8, 8)),
    MLPRegressor(max_iter=1, batch_size=16, micro_batch_size=4),
    LogisticRegression(max_iter=1),
    LinearRegression(),
    LinearRegression(solver="sgd", max_iter=1),
    Autoencoder(max_iter=1, tied_weights=True, sparsity=0.1),
    VariationalAutoencoder(max_iter=1),
    Perceptron(max_iter=1),
]


# A full-batch solver runs its own loop and calls the objective it is given:
# the optimizers sit between the trainer and the objective, and so do the
# full-batch objective and its evaluators over row chunks, which sum what the
# per-batch objective computes.
LEVELS = {
    "sklearn_dl._engine.trainer": 1,
    "sklearn_dl.optimizers": 1.5,
    "sklearn_dl._engine.full_batch": 1.75,
    "sklearn_dl._engine.chunked": 1.8,
    "sklearn_dl._engine.objective": 2,
    "sklearn_dl._engine.data": 2,
    "sklearn_dl._engine.network": 3,
}
ESTIMATOR_MODULES = (
    "sklearn_dl.linear_model",
    "sklearn_dl._perceptron",
    "sklearn_dl.neural_network",
    "sklearn_dl._engine.base",
    "sklearn_dl._engine.heads",
    "sklearn_dl._dask",
)


# Where the first batch starts: the objective's gradient (its data part for
# the full-batch solvers), or for the
# perceptron's per-sample steps the loss of the first sample (numpy) or the
# epoch's kernel (numba).
FIRST_BATCH = {
    ("sklearn_dl._engine.objective", "gradient"),
    ("sklearn_dl._engine.objective", "data_gradient"),
    ("sklearn_dl.losses", "loss_gradient"),
    ("sklearn_dl._kernels", "call"),
}


def level(module):
    """0 for the estimator's modules, 4 for the parts; the engine's in between."""
    if module.startswith(ESTIMATOR_MODULES):
        return 0
    return LEVELS.get(module, 4)


def _module(frame):
    name = frame.f_globals.get("__name__", "")
    return name if name.startswith("sklearn_dl.") else None


def module_path_to_first_batch(fit):
    """Run ``fit()``; return the module changes and the calls back up before the first batch.

    A call goes back up when it enters a higher level, or a module of the
    engine (trainer, optimizers, objective, network) that is already on the
    stack. Within the estimator, the base calls the hooks its subclasses
    declare; among the parts, the registry helper builds the part it is asked for.
    """
    stack, changes, reentries, done = [], [], [], []

    def profile(frame, event, arg):
        if done:
            return
        if event == "call":
            module = _module(frame)
            ours = [m for m in stack if m is not None]
            if module is not None and ours and module != ours[-1]:
                changes.append((ours[-1], module, frame.f_code.co_name))
                up = level(module) < level(ours[-1])
                if up or (module in ours and 0 < level(module) < 4):
                    reentries.append(changes[-1])
            if (module, frame.f_code.co_name) in FIRST_BATCH:
                done.append(True)
            stack.append(module)
        elif event == "return" and stack:
            stack.pop()

    sys.setprofile(profile)
    try:
        fit()
    finally:
        sys.setprofile(None)
    assert done, "the fit never reached the objective's gradient"
    return changes, reentries


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_fit_never_calls_back_up(estimator):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 4))
    classifier = hasattr(estimator, "predict") and not hasattr(estimator, "transform")
    y = (X[:, 0] > 0).astype(int) if classifier else X[:, 0]
    estimator.fit(X, y)  # imports and caches out of the way
    changes, reentries = module_path_to_first_batch(lambda: estimator.fit(X, y))
    assert changes  # the profile did see the package's modules
    assert reentries == []
