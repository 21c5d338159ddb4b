"""scikit-learn's callback API (``set_callbacks``) on every iterative estimator."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from sklearn_dl.linear_model import LinearRegression, LogisticRegression
from sklearn_dl.neural_network import Autoencoder, MLPClassifier, MLPRegressor


class Recorder:
    """A callback following scikit-learn's FitCallback protocol that keeps what it sees."""

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.events = []
        self.scores = []

    def setup(self, estimator, context):
        self.events.append("setup")

    def on_fit_task_begin(self, estimator, context, *, X=None, y=None, metadata=None):
        self.events.append(("begin", context.task_name))

    def on_fit_task_end(self, estimator, context, *, X=None, y=None, fitted_estimator=None):
        self.events.append(("end", context.task_name))
        if context.task_name != "epoch":
            return False
        if y is not None and fitted_estimator is not None and hasattr(fitted_estimator, "score"):
            self.scores.append(fitted_estimator.score(X, y))
        epochs = sum(1 for e in self.events if e == ("end", "epoch"))
        return self.stop_after is not None and epochs >= self.stop_after

    def teardown(self, estimator, context):
        self.events.append("teardown")


class PropagatedRecorder(Recorder):
    max_propagation_depth = None  # scikit-learn propagates it to sub-estimators


def data():
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


ESTIMATORS = [
    lambda: LogisticRegression(solver="adam", learning_rate_init=0.05, max_iter=8),
    lambda: LogisticRegression(max_iter=8),
    lambda: LinearRegression(solver="sgd", max_iter=8),
    lambda: MLPClassifier(hidden_layer_sizes=(8,), max_iter=8, random_state=0),
    lambda: MLPRegressor(hidden_layer_sizes=(8,), max_iter=8, random_state=0),
    lambda: Autoencoder(n_components=2, max_iter=8, random_state=0),
]


def fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


@pytest.mark.parametrize("make", ESTIMATORS)
def test_epochs_are_sub_tasks_of_fit(make):
    X, y = data()
    recorder = Recorder()
    model = fit(make().set_callbacks(recorder), X, y)
    assert recorder.events[0] == "setup" and recorder.events[-1] == "teardown"
    assert recorder.events[1] == ("begin", "fit") and recorder.events[-2] == ("end", "fit")
    epochs = [e for e in recorder.events if e == ("end", "epoch")]
    assert len(epochs) == len(model.loss_curve_)


def test_fitted_estimator_predicts_as_training_goes():
    X, y = data()
    recorder = Recorder()
    fit(
        LogisticRegression(solver="adam", learning_rate_init=0.05, max_iter=20).set_callbacks(
            recorder
        ),
        X,
        y,
    )
    assert len(recorder.scores) == 20
    assert recorder.scores[-1] > recorder.scores[0]


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_callback_can_stop_training(solver):
    X, y = data()
    model = fit(
        LogisticRegression(solver=solver, max_iter=50).set_callbacks(Recorder(stop_after=3)), X, y
    )
    assert len(model.loss_curve_) == 3


def test_propagates_through_grid_search():
    X, y = data()
    recorder = PropagatedRecorder()
    grid = GridSearchCV(
        LogisticRegression(solver="adam", max_iter=4), {"C": [10.0, 1.0]}, cv=2
    ).set_callbacks(recorder)
    fit(grid, X, y)
    epochs = [e for e in recorder.events if e == ("end", "epoch")]
    assert len(epochs) == (2 * 2 + 1) * 4  # four fits in the search, one refit
    assert recorder.events.count("setup") == 1


def test_progress_bar_or_a_clear_message():
    from sklearn.callback import ProgressBar

    X, y = data()
    try:
        import rich  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="rich"):
            ProgressBar()
        return
    model = fit(LogisticRegression(solver="adam", max_iter=3).set_callbacks(ProgressBar()), X, y)
    assert model.n_iter_ == 3


def test_no_callbacks_no_context():
    X, y = data()
    model = fit(LogisticRegression(solver="adam", max_iter=2), X, y)
    assert not hasattr(model, "_callback_fit_ctx")
    np.testing.assert_equal(len(model.loss_curve_), 2)
