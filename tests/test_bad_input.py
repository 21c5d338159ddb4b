"""Every bad input gets a clear error: the right type, and a sentence naming the problem.

Each estimator meets the same table of bad inputs at ``fit`` and at
prediction time. An error is acceptable only when it is a ``ValueError``,
``TypeError`` or ``NotFittedError`` whose message matches what went wrong —
never an ``IndexError``, ``ZeroDivisionError``, ``LinAlgError``,
``FloatingPointError`` or a numpy broadcasting message.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from sklearn_dl.linear_model import LinearRegression, LogisticRegression

# (factory, kind): kind is "classifier", "regressor" or "transformer".
ESTIMATORS = {
    "LinearRegression": (LinearRegression, "regressor"),
    "LinearRegression-sgd": (lambda: LinearRegression(solver="sgd", max_iter=5), "regressor"),
    "LogisticRegression": (LogisticRegression, "classifier"),
    "LogisticRegression-adam": (
        lambda: LogisticRegression(solver="adam", max_iter=5),
        "classifier",
    ),
}


def good_data(kind, n=40, p=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if kind == "classifier":
        return X, np.arange(n) % 3
    return X, X @ rng.standard_normal(p)


def _with(X, row, col, value):
    X = X.astype(object if isinstance(value, str) else X.dtype).copy()
    X[row, col] = value
    return X


# name -> (function of (X, y) giving fit arguments, message pattern)
FIT_CASES = {
    "nan_in_X": (lambda X, y: (_with(X, 2, 1, np.nan), y), "NaN"),
    "inf_in_X": (lambda X, y: (_with(X, 0, 0, np.inf), y), "infinity"),
    "empty_X": (lambda X, y: (X[:0], y[:0]), "0 sample"),
    "one_dimensional_X": (lambda X, y: (X[:, 0], y), "2D array"),
    "three_dimensional_X": (lambda X, y: (X[:, :, None], y), "dim 3"),
    "string_X": (lambda X, y: (_with(X, 1, 1, "a"), y), "could not convert|string"),
    "complex_X": (lambda X, y: (X + 1j, y), "[Cc]omplex"),
    "zero_features": (lambda X, y: (X[:, :0], y), "0 feature"),
    "y_wrong_length": (lambda X, y: (X, y[:-3]), "inconsistent numbers of samples"),
    "y_three_dimensional": (lambda X, y: (X, y[:, None, None]), "y|dim"),
    "nan_in_y": (lambda X, y: (X, _with(y.astype(float)[:, None], 3, 0, np.nan)[:, 0]), "NaN"),
    "y_none": (lambda X, y: (X, None), "requires y"),
}


def _accepted(error):
    return isinstance(error, (ValueError, TypeError, NotFittedError)) and not isinstance(
        error, (IndexError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError)
    )


@pytest.mark.parametrize("case", sorted(FIT_CASES))
@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_bad_fit_input(name, case):
    factory, kind = ESTIMATORS[name]
    make_args, pattern = FIT_CASES[case]
    X, y = good_data(kind)
    args = make_args(X, y)
    with pytest.raises(Exception) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        factory().fit(*args)
    assert _accepted(info.value), repr(info.value)
    assert "broadcast" not in str(info.value)
    assert len(str(info.value)) > 20
    assert __import__("re").search(pattern, str(info.value)), str(info.value)


def fitted(name):
    factory, kind = ESTIMATORS[name]
    X, y = good_data(kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return factory().fit(X, y), X


def _predictors(estimator):
    names = ["predict", "predict_proba", "predict_log_proba", "decision_function", "transform"]
    return [getattr(estimator, m) for m in names if hasattr(estimator, m)]


PREDICT_CASES = {
    "wrong_width": (lambda X: X[:, :2], "features"),
    "nan": (lambda X: _with(X, 0, 0, np.nan), "NaN"),
    "one_dimensional": (lambda X: X[0], "2D array"),
    "empty": (lambda X: X[:0], "0 sample"),
}


@pytest.mark.parametrize("case", sorted(PREDICT_CASES))
@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_bad_predict_input(name, case):
    estimator, X = fitted(name)
    make, pattern = PREDICT_CASES[case]
    for method in _predictors(estimator):
        with pytest.raises(ValueError, match=pattern):
            method(make(X))


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_unfitted_estimator(name):
    factory, kind = ESTIMATORS[name]
    X, _ = good_data(kind)
    for method in _predictors(factory()):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            method(X)


@pytest.mark.parametrize("name", [n for n in ESTIMATORS if ESTIMATORS[n][1] == "classifier"])
def test_single_class(name):
    factory, _ = ESTIMATORS[name]
    X, _ = good_data("classifier")
    with pytest.raises(ValueError, match="class"):
        factory().fit(X, np.ones(len(X)))


@pytest.mark.parametrize("name", [n for n in ESTIMATORS if ESTIMATORS[n][1] == "regressor"])
@pytest.mark.parametrize("scale", [1e150, 1e-150])
def test_extreme_scales_give_finite_output_or_a_clear_error(name, scale):
    factory, kind = ESTIMATORS[name]
    X, y = good_data(kind)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = factory().fit(X * scale, y * scale)
    except ValueError as error:
        assert "scale" in str(error) or "learning rate" in str(error)
        return
    assert np.all(np.isfinite(model.predict(X * scale)))
