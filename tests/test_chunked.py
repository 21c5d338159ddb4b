"""The full-batch objective summed over row chunks of data in memory.

Beyond one chunk of scikit-learn's ``working_memory``, F and ∇F of an
L-BFGS fit are evaluated chunk by chunk, so that the activations of a
network take memory in proportion to a chunk, not to the data.
"""

import subprocess
import sys
import textwrap
import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning

from sklearn_dl._engine import chunked
from sklearn_dl.linear_model import LinearRegression, LogisticRegression
from sklearn_dl.neural_network import MLPClassifier, MLPRegressor


def quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return function(*args, **kwargs)


def regression(n_samples, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 5))
    return X, np.tanh(X @ rng.normal(size=5)) + 0.1 * rng.normal(size=n_samples)


@pytest.mark.parametrize("make", [MLPRegressor, MLPClassifier])
def test_a_fit_by_chunks_is_the_fit_in_one_piece(make):
    X, y = regression(3000)
    if make is MLPClassifier:
        y = np.digitize(y, [-0.3, 0.3])
    model = make(hidden_layer_sizes=(8,), solver="lbfgs", alpha=1e-3, max_iter=30, random_state=0)
    whole = quietly(model.fit, X, y).network_.params.copy()
    with config_context(working_memory=0.1):  # chunks of a few hundred rows
        chunked = quietly(model.fit, X, y).network_.params.copy()
    np.testing.assert_allclose(chunked, whole, rtol=1e-8, atol=1e-10 * np.abs(whole).max())


@pytest.mark.parametrize(
    "make, task",
    [
        (LogisticRegression, "classes"),
        (lambda: LogisticRegression(fit_intercept=False, l1_ratio=0.5), "binary"),
        (lambda: LinearRegression(loss="huber"), "regression"),
        (lambda: LinearRegression(solver="lbfgs"), "two targets"),
    ],
)
def test_a_linear_network_s_column_layout_is_the_fit_in_one_piece(make, task, monkeypatch):
    rng = np.random.default_rng(0)
    X, weight = rng.normal(size=(3000, 12)), rng.random(3000)
    y = {
        "classes": rng.integers(0, 5, 3000),
        "binary": rng.integers(0, 2, 3000),
        "regression": X @ rng.normal(size=12) + rng.normal(size=3000),
        "two targets": X @ rng.normal(size=(12, 2)),
    }[task]
    by_columns = make().fit(X, y, sample_weight=weight)
    with monkeypatch.context() as patch:
        patch.setattr(chunked, "LinearPiece", lambda *args: chunked.OnePiece(*args))
        whole = make().fit(X, y, sample_weight=weight)
    assert type(by_columns.solver_).__name__ == "LBFGS"
    np.testing.assert_allclose(by_columns.coef_, whole.coef_, rtol=1e-10, atol=1e-12)


def fit_peak(n_samples, working_memory):
    """Peak memory allocated during an L-BFGS fit on ``n_samples`` rows (X is not counted)."""
    X, y = regression(n_samples)
    model = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=3, random_state=0)
    with config_context(working_memory=working_memory):
        tracemalloc.start()
        try:
            quietly(model.fit, X, y)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def test_an_lbfgs_fit_takes_the_data_plus_a_bound_independent_of_the_rows():
    budget = 2**20  # one MiB of working memory: chunks of about 3,000 rows
    for n_samples in (100_000, 200_000):
        encoded_targets = 8 * n_samples  # y as a float64 column: the data's share
        extra = fit_peak(n_samples, budget / 2**20) - encoded_targets
        # The activations of all 200,000 rows alone would take 50 MiB.
        assert extra < 4 * budget, f"{n_samples} rows: {extra / 2**20:.1f} MiB beyond the data"


def test_fitting_numpy_data_never_imports_dask():
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        from sklearn_dl.linear_model import LinearRegression, LogisticRegression
        from sklearn_dl.neural_network import Autoencoder, MLPClassifier
        X = np.random.default_rng(0).normal(size=(200, 3))
        y = (X[:, 0] > 0).astype(int)
        LogisticRegression().fit(X, y).predict(X)
        LinearRegression().fit(X, X[:, 1]).score(X, X[:, 1])
        model = MLPClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=20)
        model.fit(X, y).predict_proba(X)
        Autoencoder(n_components=2, max_iter=20).fit(X).transform(X)
        loaded = sorted(name for name in sys.modules if name.split(".")[0] == "dask")
        assert not loaded, loaded
        """
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
