"""Every bad input gets a clear error: the right type, and a sentence naming the problem.

Each estimator meets the same tables of bad inputs at ``fit``, ``partial_fit``
and every prediction method (``predict``, ``predict_proba``,
``predict_log_proba``, ``decision_function``, ``transform``,
``inverse_transform``, ``kneighbors``, ``kneighbors_graph``). An error is
acceptable only when it is a ``ValueError``, ``TypeError`` or
``NotFittedError`` whose message matches what went wrong — never an
``IndexError``, ``ZeroDivisionError``, ``LinAlgError``, ``FloatingPointError``
or a numpy broadcasting or ufunc message. Legal but extreme data (values near
1e±150, constant features, duplicated rows, separable or imbalanced classes)
gives finite outputs or a clear error saying why; a training run that
diverges stops with an error and leaves finite parameters.
"""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from sklearn_dl import activations, callbacks, initializers, optimizers, penalties, schedules
from sklearn_dl._engine import DivergenceError
from sklearn_dl.linear_model import LinearRegression, LogisticRegression
from sklearn_dl.losses import Huber
from sklearn_dl.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn_dl.neural_network import Autoencoder, MLPClassifier, MLPRegressor

# name -> (factory, kind): kind is "classifier", "regressor" or "transformer".
ESTIMATORS = {
    "LinearRegression": (LinearRegression, "regressor"),
    "LinearRegression-sgd": (
        lambda: LinearRegression(solver="sgd", max_iter=5, random_state=0),
        "regressor",
    ),
    "LogisticRegression": (LogisticRegression, "classifier"),
    "LogisticRegression-adam": (
        lambda: LogisticRegression(solver="adam", max_iter=5, random_state=0),
        "classifier",
    ),
    "MLPClassifier": (
        lambda: MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0),
        "classifier",
    ),
    "MLPClassifier-lbfgs": (
        lambda: MLPClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=5, random_state=0),
        "classifier",
    ),
    "MLPRegressor": (
        lambda: MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0),
        "regressor",
    ),
    "Autoencoder": (lambda: Autoencoder(n_components=2, max_iter=5, random_state=0), "transformer"),
    "Autoencoder-tied-lbfgs": (
        lambda: Autoencoder(
            2, hidden_layer_sizes=(3,), tied_weights=True, solver="lbfgs", random_state=0
        ),
        "transformer",
    ),
    "KNeighborsClassifier": (lambda: KNeighborsClassifier(n_neighbors=3), "classifier"),
    "KNeighborsClassifier-brute": (
        lambda: KNeighborsClassifier(n_neighbors=3, algorithm="brute", weights="distance"),
        "classifier",
    ),
    "KNeighborsRegressor": (lambda: KNeighborsRegressor(n_neighbors=3), "regressor"),
}
GRADIENT = [name for name in ESTIMATORS if not name.startswith("KNeighbors")]
CLASSIFIERS = [name for name in ESTIMATORS if ESTIMATORS[name][1] == "classifier"]
ALL, SUPERVISED = {"classifier", "regressor", "transformer"}, {"classifier", "regressor"}


def good_data(kind, n=40, p=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if kind == "classifier":
        return X, np.arange(n) % 3
    if kind == "regressor":
        return X, X @ rng.standard_normal(p)
    return X, None


def _with(X, row, col, value):
    X = X.astype(object if value is None or isinstance(value, str) else X.dtype).copy()
    X[row, col] = value
    return X


def _y_with(y, value):
    """``y`` with its fourth entry replaced (as floats, or objects for None)."""
    y = y.astype(object if value is None else float)
    y[3] = value
    return y


def _sparse_nan(X):
    X = sp.csr_matrix(X)
    X.data[1] = np.nan
    return X


def _ragged(X):
    rows = X.tolist()
    rows[1] = rows[1][:-1]
    return rows


def quietly(method, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return method(*args, **kwargs)


def assert_clear_error(error, pattern):
    """A ValueError, TypeError or NotFittedError with a sentence matching ``pattern``."""
    forbidden = (IndexError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError)
    assert isinstance(error, (ValueError, TypeError, NotFittedError)), repr(error)
    assert not isinstance(error, forbidden), repr(error)
    message = str(error)
    for numpy_internal in ("broadcast", "ufunc", "unpack", "index"):
        assert numpy_internal not in message, message
    assert len(message) > 20 and " " in message.strip(), message
    assert re.search(pattern, message), message


def raises_clearly(pattern, method, *args, **kwargs):
    with pytest.raises(Exception) as info:
        quietly(method, *args, **kwargs)
    assert_clear_error(info.value, pattern)
    return info.value


def fit_args(kind, X, y):
    return (X,) if kind == "transformer" else (X, y)


def partial_fit_kwargs(estimator, kind):
    """``classes`` for the first ``partial_fit`` of a classifier."""
    if kind != "classifier":
        return {}
    return {"classes": np.arange(3)}


# -- bad data at fit and partial_fit ----------------------------------------------------

# name -> (function of (X, y) giving (X, y), message pattern, kinds it applies to)
FIT_CASES = {
    "nan_in_X": (lambda X, y: (_with(X, 2, 1, np.nan), y), "NaN", ALL),
    "inf_in_X": (lambda X, y: (_with(X, 0, 0, np.inf), y), "infinity", ALL),
    "minus_inf_in_X": (lambda X, y: (_with(X, 0, 2, -np.inf), y), "infinity", ALL),
    "none_in_object_X": (lambda X, y: (_with(X, 3, 0, None), y), "NaN", ALL),
    "nan_in_sparse_X": (lambda X, y: (_sparse_nan(X), y), "NaN", ALL),
    "X_none": (lambda X, y: (None, y), "2D array", ALL),
    "empty_X": (lambda X, y: (X[:0], None if y is None else y[:0]), "0 sample", ALL),
    "one_dimensional_X": (lambda X, y: (X[:, 0], y), "2D array", ALL),
    "scalar_X": (lambda X, y: (3.0, y), "2D array", ALL),
    "three_dimensional_X": (lambda X, y: (X[:, :, None], y), "dim 3", ALL),
    "string_X": (lambda X, y: (_with(X, 1, 1, "a"), y), "could not convert|string", ALL),
    "ragged_X": (lambda X, y: (_ragged(X), y), "inhomogeneous|sequence", ALL),
    "complex_X": (lambda X, y: (X + 1j, y), "[Cc]omplex", ALL),
    "zero_features": (lambda X, y: (X[:, :0], y), "0 feature", ALL),
    "y_wrong_length": (lambda X, y: (X, y[:-3]), "inconsistent numbers of samples", SUPERVISED),
    "y_three_dimensional": (lambda X, y: (X, y[:, None, None]), "dim 3", SUPERVISED),
    "nan_in_y": (lambda X, y: (X, _y_with(y, np.nan)), "NaN", SUPERVISED),
    "inf_in_y": (lambda X, y: (X, _y_with(y, np.inf)), "infinity", SUPERVISED),
    "none_in_y": (lambda X, y: (X, _y_with(y, None)), "NaN|[Uu]nknown label", SUPERVISED),
    "complex_y": (lambda X, y: (X, y + 1j), "[Cc]omplex", SUPERVISED),
    "y_none": (lambda X, y: (X, None), "requires y", SUPERVISED),
    "string_y_for_regression": (
        lambda X, y: (X, np.array(["low", "high"])[np.arange(len(y)) % 2]),
        "could not convert|numbers",
        {"regressor"},
    ),
    "continuous_y_for_classification": (
        lambda X, y: (X, X[:, 0]),
        "[Uu]nknown label type|continuous",
        {"classifier"},
    ),
}


def _fit_combinations():
    for name, (factory, kind) in ESTIMATORS.items():
        methods = ["fit", "partial_fit"] if hasattr(factory(), "partial_fit") else ["fit"]
        for case, (_, _, kinds) in FIT_CASES.items():
            if kind in kinds:
                yield from ((name, case, method) for method in methods)


@pytest.mark.parametrize("name, case, method", sorted(_fit_combinations()))
def test_bad_fit_input(name, case, method):
    factory, kind = ESTIMATORS[name]
    make_args, pattern, _ = FIT_CASES[case]
    X, y = good_data(kind)
    estimator = factory()
    kwargs = partial_fit_kwargs(estimator, kind) if method == "partial_fit" else {}
    raises_clearly(pattern, getattr(estimator, method), *fit_args(kind, *make_args(X, y)), **kwargs)


def fitted(name, n=40):
    factory, kind = ESTIMATORS[name]
    X, y = good_data(kind, n=n)
    return quietly(factory().fit, *fit_args(kind, X, y)), X, y


# Sample weights: the gradient estimators' fit and partial_fit take them.
SAMPLE_WEIGHT_CASES = {
    "negative": (lambda n: -np.ones(n), "[Nn]egative"),
    "nan": (lambda n: np.full(n, np.nan), "NaN"),
    "all_zero": (lambda n: np.zeros(n), "non-zero"),
    "wrong_length": (lambda n: np.ones(n - 1), r"shape|length|\(39,\)"),
    "two_dimensional": (lambda n: np.ones((n, 2)), "1D"),
    "strings": (lambda n: np.array(["a"] * n), "could not convert|string"),
}


@pytest.mark.parametrize("case", sorted(SAMPLE_WEIGHT_CASES))
@pytest.mark.parametrize("name", [n for n in GRADIENT if ESTIMATORS[n][1] != "transformer"])
def test_bad_sample_weight(name, case):
    factory, kind = ESTIMATORS[name]
    X, y = good_data(kind)
    make, pattern = SAMPLE_WEIGHT_CASES[case]
    raises_clearly(pattern, factory().fit, X, y, sample_weight=make(len(X)))
    estimator = factory()
    if hasattr(estimator, "partial_fit"):
        kwargs = partial_fit_kwargs(estimator, kind)
        raises_clearly(pattern, estimator.partial_fit, X, y, sample_weight=make(len(X)), **kwargs)


VALIDATION_CASES = {
    "one_item": (lambda X, y: (X,), "tuple"),
    "not_a_tuple": (lambda X, y: X, "tuple"),
    "wrong_width": (lambda X, y: (X[:, :2], y), "features"),
    "nan": (lambda X, y: (_with(X, 0, 0, np.nan), y), "NaN"),
    "wrong_y_length": (lambda X, y: (X, y[:3]), "inconsistent numbers of samples"),
}


@pytest.mark.parametrize("case", sorted(VALIDATION_CASES))
@pytest.mark.parametrize("name", [n for n in GRADIENT if ESTIMATORS[n][1] != "transformer"])
def test_bad_validation_data(name, case):
    factory, kind = ESTIMATORS[name]
    X, y = good_data(kind)
    make, pattern = VALIDATION_CASES[case]
    raises_clearly(pattern, factory().fit, X, y, validation_data=make(X, y))


@pytest.mark.parametrize("name", [n for n in GRADIENT if ESTIMATORS[n][1] == "transformer"])
def test_bad_validation_data_autoencoder(name):
    X, _ = good_data("transformer")
    raises_clearly("features", ESTIMATORS[name][0]().fit, X, validation_data=X[:, :2])


# -- bad data at prediction time ---------------------------------------------------------

PREDICTORS = [
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "transform",
    "kneighbors",
    "kneighbors_graph",
]

PREDICT_CASES = {
    "wrong_width": (lambda X: X[:, :2], "features"),
    "nan": (lambda X: _with(X, 0, 0, np.nan), "NaN"),
    "inf": (lambda X: _with(X, 1, 2, np.inf), "infinity"),
    "none_in_object_X": (lambda X: _with(X, 1, 1, None), "NaN"),
    "one_dimensional": (lambda X: X[0], "2D array"),
    "three_dimensional": (lambda X: X[:, :, None], "dim 3"),
    "empty": (lambda X: X[:0], "0 sample"),
    "zero_features": (lambda X: X[:, :0], "0 feature"),
    "string": (lambda X: _with(X, 1, 1, "a"), "could not convert|string"),
    "complex": (lambda X: X + 1j, "[Cc]omplex"),
}


def _predictors(estimator):
    return [getattr(estimator, m) for m in PREDICTORS if hasattr(estimator, m)]


@pytest.mark.parametrize("case", sorted(PREDICT_CASES))
@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_bad_predict_input(name, case):
    estimator, X, _ = fitted(name)
    make, pattern = PREDICT_CASES[case]
    methods = _predictors(estimator)
    assert methods
    for method in methods:
        raises_clearly(pattern, method, make(X))


INVERSE_CASES = {
    "wrong_width": (lambda Z: Z[:, :1], "components"),
    "nan": (lambda Z: _with(Z, 0, 0, np.nan), "NaN"),
    "inf": (lambda Z: _with(Z, 0, 1, -np.inf), "infinity"),
    "one_dimensional": (lambda Z: Z[0], "2D array"),
    "three_dimensional": (lambda Z: Z[:, :, None], "dim 3"),
    "empty": (lambda Z: Z[:0], "0 sample"),
    "zero_columns": (lambda Z: Z[:, :0], "0 feature"),
    "string": (lambda Z: _with(Z, 1, 1, "a"), "could not convert|string"),
    "complex": (lambda Z: Z + 1j, "[Cc]omplex"),
}


@pytest.mark.parametrize("case", sorted(INVERSE_CASES))
@pytest.mark.parametrize("name", [n for n in ESTIMATORS if ESTIMATORS[n][1] == "transformer"])
def test_bad_inverse_transform_input(name, case):
    estimator, X, _ = fitted(name)
    make, pattern = INVERSE_CASES[case]
    raises_clearly(pattern, estimator.inverse_transform, make(estimator.transform(X)))


UNFITTED_METHODS = [*PREDICTORS, "inverse_transform", "score"]


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_unfitted_estimator(name):
    factory, kind = ESTIMATORS[name]
    X, y = good_data(kind)
    estimator = factory()
    methods = [m for m in UNFITTED_METHODS if hasattr(estimator, m)]
    assert len(methods) >= 2
    for method in methods:
        args = (
            (X, y) if method == "score" else (X[:, :2],) if method == "inverse_transform" else (X,)
        )
        error = raises_clearly("not fitted", getattr(estimator, method), *args)
        assert isinstance(error, NotFittedError)


@pytest.mark.parametrize("name", [n for n in ESTIMATORS if n.startswith("KNeighbors")])
def test_kneighbors_bad_arguments(name):
    estimator, X, _ = fitted(name)
    raises_clearly("positive integer", estimator.kneighbors, X, n_neighbors=0)
    raises_clearly("positive integer", estimator.kneighbors, X, n_neighbors=2.5)
    raises_clearly("n_neighbors", estimator.kneighbors, X, n_neighbors=len(X) + 1)
    raises_clearly("n_neighbors", estimator.kneighbors, None, n_neighbors=len(X))
    raises_clearly("mode", estimator.kneighbors_graph, X, mode="weights")


# -- partial_fit after a first fit -------------------------------------------------------


@pytest.mark.parametrize(
    "name", [n for n in ESTIMATORS if hasattr(ESTIMATORS[n][0](), "partial_fit")]
)
def test_partial_fit_rejects_a_change_of_shape(name):
    estimator, X, y = fitted(name)
    kind = ESTIMATORS[name][1]
    raises_clearly("features", estimator.partial_fit, *fit_args(kind, X[:, :2], y))
    if kind != "transformer":
        raises_clearly("output|1d array|dimension", estimator.partial_fit, X, np.c_[y, y])


# -- labels ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["LogisticRegression", "LogisticRegression-adam"])
def test_single_class_is_an_error_for_logistic_regression(name):
    X, _ = good_data("classifier")
    raises_clearly("class", ESTIMATORS[name][0]().fit, X, np.ones(len(X)))
    estimator = ESTIMATORS[name][0]()
    if hasattr(estimator, "partial_fit"):
        raises_clearly("class", estimator.partial_fit, X, np.zeros(len(X)), classes=[0])


@pytest.mark.parametrize("name", ["MLPClassifier", "MLPClassifier-lbfgs", "KNeighborsClassifier"])
def test_single_class_is_always_predicted(name):
    # scikit-learn's MLPClassifier and KNeighborsClassifier accept one class.
    X, _ = good_data("classifier")
    model = quietly(ESTIMATORS[name][0]().fit, X, np.full(len(X), "only"))
    assert list(model.predict(X)) == ["only"] * len(X)
    np.testing.assert_allclose(model.predict_proba(X), 1.0)


@pytest.mark.parametrize("name", ["LogisticRegression-adam", "MLPClassifier"])
def test_unseen_labels_are_an_error(name):
    factory, _ = ESTIMATORS[name]
    X, y = good_data("classifier")
    raises_clearly(
        r"labels \[2\] .*not among the classes", factory().partial_fit, X, y, classes=[0, 1]
    )
    raises_clearly("classes must be passed", factory().partial_fit, X, y)
    model = quietly(factory().partial_fit, X, y, classes=[0, 1, 2])
    raises_clearly(r"labels \[7\]", model.partial_fit, X, np.where(y == 0, 7, y))
    raises_clearly(r"labels \[5\]", factory().fit, X, y, validation_data=(X, np.full(len(X), 5)))


@pytest.mark.parametrize("name", ["KNeighborsClassifier", "KNeighborsClassifier-brute"])
def test_unseen_labels_extend_the_neighbour_classes(name):
    # Documented: partial_fit adds labels it has not seen, with a column of their own.
    model, X, y = fitted(name)
    model.partial_fit(X[:4] + 100, [9] * 4)
    assert list(model.classes_) == [0, 1, 2, 9]
    proba = model.predict_proba(X[:4] + 100)
    assert proba.shape == (4, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(model.predict(X[:4] + 100)) == [9] * 4


# -- too few samples ---------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 4])
@pytest.mark.parametrize(
    "factory",
    [
        lambda: LinearRegression(solver="sgd", early_stopping=True),
        lambda: MLPRegressor(hidden_layer_sizes=(3,), early_stopping=True),
        lambda: Autoencoder(2, early_stopping=True),
    ],
    ids=["LinearRegression", "MLPRegressor", "Autoencoder"],
)
def test_too_few_samples_for_the_validation_split(factory, n):
    X, y = good_data("regressor", n=n)
    estimator = factory()
    fit = estimator.fit
    args = (X,) if isinstance(estimator, Autoencoder) else (X, y)
    raises_clearly("validation", fit, *args)


@pytest.mark.parametrize("name", ["LogisticRegression-adam", "MLPClassifier"])
def test_too_few_samples_per_class_for_the_validation_split(name):
    X, _ = good_data("classifier", n=4)
    estimator = ESTIMATORS[name][0]().set_params(early_stopping=True)
    raises_clearly("validation", estimator.fit, X, [0, 1, 0, 1])


@pytest.mark.parametrize("name", [n for n in ESTIMATORS if n.startswith("KNeighbors")])
def test_too_few_samples_for_the_neighbours(name):
    factory, kind = ESTIMATORS[name]
    X, y = good_data(kind, n=2)
    model = factory().fit(X, y)  # n_neighbors=3 > 2 samples: an error at prediction
    for method in _predictors(model):
        raises_clearly("n_neighbors", method, X)


@pytest.mark.parametrize("name", [n for n in GRADIENT if ESTIMATORS[n][1] == "regressor"])
def test_one_sample_fits_and_predicts_finite_values(name):
    X, y = good_data("regressor", n=1)
    model = quietly(ESTIMATORS[name][0]().fit, X, y)
    assert np.all(np.isfinite(model.predict(X)))


# -- bad parameters ----------------------------------------------------------------------

TRAINING_PARAMS = {
    "solver": ["bogus", 3, optimizers.Adam],
    "learning_rate": ["bogus", 0.1],
    "learning_rate_init": [-1.0, 0.0, "fast"],
    "batch_size": [0, -5, "big", 2.5],
    "max_iter": [0, -1, 1.5],
    "tol": [-1.0, "tight"],
    "penalty": ["l3", 2],
    "alpha": [-1.0, "strong", None],
    "l1_ratio": [1.5, -0.1],
    "early_stopping": ["yes", 2],
    "validation_fraction": [1.0, -0.1, 1.5],
    "n_iter_no_change": [0, -2],
    "shuffle": ["no"],
    "warm_start": ["no"],
    "random_state": ["seed", -1, 1.5],
    "callbacks": ["print", [1], callbacks.EarlyStopping()],
}
MLP_PARAMS = {
    "hidden_layer_sizes": [0, (0,), (-3,), (5, 0), "big", (2.5,), [4, None]],
    "activation": ["bogus", ["relu", "tanh"], [3]],
    "power_t": [-1.0],
    "momentum": [-0.1, 1.5],
    "nesterovs_momentum": ["yes"],
    "beta_1": [1.0, -0.1],
    "beta_2": [1.0],
    "epsilon": [0.0, -1.0],
    "max_fun": [0],
    "dropout": [1.0, -0.1, [0.5, 0.5], [1.2]],
    "gaussian_noise": [-1.0, (1.0, -1.0), (2.0, "a"), (1.0, 2.0, 3.0)],
    "batch_norm": ["yes"],
    "weight_init": ["bogus"],
}
PARAMS = {
    "LinearRegression": {
        **TRAINING_PARAMS,
        "loss": ["bogus", "poisson"],
        "epsilon": [0.0, -1.0],
        "fit_intercept": ["yes"],
        "copy_X": ["yes"],
        "n_jobs": ["all", 1.5],
        "positive": ["yes"],
    },
    "LogisticRegression": {
        # The strength is C = 1 / alpha, as in scikit-learn.
        **{name: values for name, values in TRAINING_PARAMS.items() if name != "alpha"},
        "C": [-1.0, "strong", None, 0.0],
        "dual": ["yes"],
        "intercept_scaling": [0.0, -1.0],
        "n_jobs": ["all", 1.5],
        "class_weight": ["auto", {7: 2.0}],
    },
    "MLPClassifier": {**TRAINING_PARAMS, **MLP_PARAMS, "class_weight": ["auto"]},
    "MLPRegressor": {**TRAINING_PARAMS, **MLP_PARAMS, "loss": ["bogus", "log_loss"]},
    "Autoencoder": {
        **TRAINING_PARAMS,
        "n_components": [0, -1, 2.5, "two"],
        "hidden_layer_sizes": [(0,), (-3,), "big", (2.5,)],
        "activation": ["bogus", ["relu"]],
        "code_activation": ["bogus"],
        "output_activation": ["softmax"],
        "tied_weights": ["yes"],
        "denoising": [-1.0, ("salt", 0.1), ("mask", 1.0), ("gaussian", -1.0), "noise"],
        "sparsity": [-1.0],
        "momentum": [1.0, -0.5],
        "beta_1": [1.0],
        "epsilon": [0.0],
        "max_fun": [0],
        "weight_init": ["bogus"],
    },
    "KNeighborsClassifier": {
        "n_neighbors": [0, -1, 2.5, "five"],
        "weights": ["bogus", 3],
        "algorithm": ["bogus"],
        "leaf_size": [0, -1],
        "p": [0, -1.0, "two"],
        "metric": ["bogus", 3],
        "metric_params": ["w", {"w": [1.0, 2.0]}, {"w": [1.0, -1.0, 1.0]}],
        "n_jobs": [0, "all", 1.5],
    },
}
PARAMS["KNeighborsRegressor"] = PARAMS["KNeighborsClassifier"]
# Small, quick settings; a parameter under test overrides them.
FACTORIES = {
    "LinearRegression": (LinearRegression, "regressor", {"solver": "sgd", "max_iter": 3}),
    "LogisticRegression": (LogisticRegression, "classifier", {"max_iter": 3}),
    "MLPClassifier": (MLPClassifier, "classifier", {"hidden_layer_sizes": (3,), "max_iter": 3}),
    "MLPRegressor": (MLPRegressor, "regressor", {"hidden_layer_sizes": (3,), "max_iter": 3}),
    "Autoencoder": (Autoencoder, "transformer", {"max_iter": 3, "random_state": 0}),
    "KNeighborsClassifier": (KNeighborsClassifier, "classifier", {}),
    "KNeighborsRegressor": (KNeighborsRegressor, "regressor", {}),
}
# Parameters that need a setting to matter (e.g. validation_fraction with early_stopping).
CONTEXT = {
    "validation_fraction": {"early_stopping": True},
    "n_iter_no_change": {"early_stopping": True},
    "momentum": {"solver": "sgd"},
    "nesterovs_momentum": {"solver": "sgd"},
    "power_t": {"solver": "sgd", "learning_rate": "invscaling"},
    "max_fun": {"solver": "lbfgs"},
    "l1_ratio": {"penalty": "elasticnet"},
}


def _param_cases():
    for name, table in PARAMS.items():
        for param, values in table.items():
            for index, value in enumerate(values):
                yield name, param, index, value


@pytest.mark.parametrize(
    "name, param, index, value",
    list(_param_cases()),
    ids=[f"{n}-{p}-{i}" for n, p, i, _ in _param_cases()],
)
def test_bad_parameter_is_rejected_at_fit(name, param, index, value):
    cls, kind, quick = FACTORIES[name]
    settings = {**quick, **CONTEXT.get(param, {})}
    if name == "Autoencoder" and param == "activation":
        settings["hidden_layer_sizes"] = (3, 3)
    estimator = cls(**{**settings, param: value})  # __init__ stores, never checks
    X, y = good_data(kind)
    raises_clearly(re.escape(param), estimator.fit, *fit_args(kind, X, y))


# An unknown name gets the list of valid names.
UNKNOWN_NAMES = [
    (lambda: LinearRegression(solver="adamm"), ["'adam'", "'lbfgs'", "'sgd'"]),
    (lambda: LogisticRegression(learning_rate="cosin"), ["'cosine'", "'constant'"]),
    (lambda: LogisticRegression(penalty="l3"), ["'l1'", "'l2'", "'elasticnet'"]),
    (lambda: MLPClassifier(activation="rellu"), ["'relu'", "'tanh'"]),
    (lambda: MLPClassifier(activation=["rellu"]), ["'relu'", "'tanh'"]),
    (lambda: MLPRegressor(loss="squared"), ["'squared_error'", "'huber'"]),
    (lambda: MLPRegressor(weight_init="glorott"), ["'glorot'", "'he'"]),
    (lambda: Autoencoder(code_activation="rellu"), ["'relu'", "'identity'"]),
    (lambda: Autoencoder(output_activation="softmax"), ["'identity'", "'sigmoid'"]),
    (lambda: KNeighborsClassifier(metric="euclidian"), ["'euclidean'", "'manhattan'"]),
    (lambda: KNeighborsRegressor(algorithm="kdtree"), ["'kd_tree'", "'brute'"]),
    (lambda: KNeighborsRegressor(weights="uniformly"), ["'uniform'", "'distance'"]),
    (lambda: MLPClassifier(learning_rate=schedules.WarmUp(then="cosin")), ["'cosine'"]),
]


@pytest.mark.parametrize("case", range(len(UNKNOWN_NAMES)))
def test_unknown_names_list_the_valid_names(case):
    make, valid = UNKNOWN_NAMES[case]
    estimator = make()
    kind = "transformer" if isinstance(estimator, Autoencoder) else "regressor"
    kind = "classifier" if is_classifier(estimator) else kind
    X, y = good_data(kind)
    error = raises_clearly("|".join(valid), estimator.fit, *fit_args(kind, X, y))
    for name in valid:
        assert name in str(error), str(error)


# Parts passed as objects: their own hyper-parameters are checked at fit.
PART_CASES = [
    (dict(solver=optimizers.Adam(beta_1=2.0)), "beta_1"),
    (dict(solver=optimizers.SGD(momentum=-1.0)), "momentum"),
    (dict(solver=optimizers.SGD(momentum="a")), "momentum"),
    (dict(solver="sgd", momentum=1.0), "momentum"),
    (dict(solver=optimizers.RMSProp(rho=1.5)), "rho"),
    (dict(solver=optimizers.Adagrad(epsilon=0.0)), "epsilon"),
    (dict(solver=optimizers.Adadelta(rho=-0.5)), "rho"),
    (dict(solver=optimizers.AdamW(weight_decay=-1.0)), "weight_decay"),
    (dict(solver=optimizers.LBFGS(memory=0)), "memory"),
    (dict(solver="sgd", learning_rate=schedules.StepDecay(step_size=0)), "step_size"),
    (dict(solver="sgd", learning_rate=schedules.ExponentialDecay(gamma=-1.0)), "gamma"),
    (dict(solver="sgd", learning_rate=schedules.CosineAnnealing(period=0)), "period"),
    (dict(solver="sgd", learning_rate=schedules.InvScaling(power_t=-1.0)), "power_t"),
    (dict(solver="sgd", learning_rate=schedules.WarmUp(epochs=-1)), "epochs"),
    (dict(penalty=penalties.ElasticNet(l1_ratio=2.0)), "l1_ratio"),
    (dict(weight_init=initializers.VarianceScaling(mode="bogus")), "mode"),
    (dict(weight_init=initializers.VarianceScaling(scale=np.nan)), "scale"),
    (dict(weight_init=initializers.VarianceScaling(scale=-1.0)), "scale"),
    (dict(activation=activations.LeakyReLU(negative_slope=np.nan)), "negative_slope"),
    (dict(activation=[activations.ELU(alpha=-1.0)]), "alpha"),
    (dict(callbacks=[callbacks.EarlyStopping(monitor="loss", patience=-1)]), "patience"),
    (dict(callbacks=[callbacks.ReduceLROnPlateau(factor=2.0)]), "factor"),
    (dict(callbacks=[callbacks.LambdaCallback(func=3)]), "func"),
    (dict(callbacks=[callbacks.EarlyStopping(monitor="val_loss")]), "val_loss"),
]


@pytest.mark.parametrize("case", range(len(PART_CASES)))
def test_bad_part_parameter_is_rejected_at_fit(case):
    params, param = PART_CASES[case]
    X, y = good_data("classifier")
    raises_clearly(param, MLPClassifier(hidden_layer_sizes=(3,), max_iter=3, **params).fit, X, y)


def test_bad_loss_parameter_is_rejected_at_fit():
    X, y = good_data("regressor")
    raises_clearly("delta", MLPRegressor(loss=Huber(delta=0.0), max_iter=3).fit, X, y)
    raises_clearly("non-negative", MLPRegressor(loss="poisson", max_iter=3).fit, X, y - 10)


def test_incompatible_settings_are_explained():
    X, y = good_data("regressor")
    raises_clearly(
        "L1 part.*lbfgs", LinearRegression(penalty="l1", alpha=1.0, solver="cg").fit, X, y
    )
    X01 = np.abs(X) / np.abs(X).max()
    ae = Autoencoder(2, output_activation="sigmoid", max_iter=3)
    raises_clearly(r"\[0, 1\].*MinMaxScaler", ae.fit, X)
    ae = quietly(ae.partial_fit, X01)
    raises_clearly(r"\[0, 1\]", ae.partial_fit, X)
    knn = KNeighborsRegressor(algorithm="kd_tree", metric="cosine")
    raises_clearly("not valid for algorithm", knn.fit, X, y)
    raises_clearly(
        "square distance matrix", KNeighborsRegressor(metric="precomputed").fit, np.abs(X), y
    )
    raises_clearly(
        "[Nn]egative", KNeighborsRegressor(metric="precomputed").fit, -np.ones((40, 40)), y
    )
    raises_clearly(
        "sparse", KNeighborsRegressor(algorithm="kd_tree").fit(X, y).predict, sp.csr_matrix(X)
    )


def test_bad_neighbour_weights_callable():
    X, y = good_data("regressor")

    def fit_predict(weights):
        return KNeighborsRegressor(n_neighbors=3, weights=weights).fit(X, y).predict(X)

    raises_clearly("shape", fit_predict, lambda d: d[:, :1])
    raises_clearly("zero weight", fit_predict, np.zeros_like)
    raises_clearly("finite, non-negative", fit_predict, lambda d: np.full_like(d, np.nan))
    raises_clearly("finite, non-negative", fit_predict, lambda d: -np.ones_like(d))


# -- extreme but legal data --------------------------------------------------------------


def assert_finite_outputs(model, X, kind):
    """Finite predictions; classifier probabilities that sum to 1 over classes_."""
    if kind == "transformer":
        codes = model.transform(X)
        assert np.all(np.isfinite(codes)) and np.all(np.isfinite(model.inverse_transform(codes)))
        return
    prediction = model.predict(X)
    if kind == "regressor":
        assert np.all(np.isfinite(prediction))
        return
    assert np.isin(prediction, model.classes_).all()
    proba = model.predict_proba(X)
    assert np.all(np.isfinite(proba)) and np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    if hasattr(model, "predict_log_proba"):
        assert not np.any(np.isnan(model.predict_log_proba(X)))


def finite_or_clear_error(name, X, y, pattern="scal|learning rate|overflow"):
    """Fit and check the outputs, or accept a clear error matching ``pattern``."""
    factory, kind = ESTIMATORS[name]
    try:
        model = quietly(factory().fit, *fit_args(kind, X, y))
    except Exception as error:  # noqa: BLE001 - judged just below
        assert_clear_error(error, pattern)
        return None
    assert_finite_outputs(model, X, kind)
    return model


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale", [1e150, 1e-150, 1e300, 1e-300, 1e30, 1e-30])
@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_extreme_scales_give_finite_output_or_a_clear_error(name, scale, dtype):
    if dtype == np.float32 and not 1e-38 < scale < 1e38:
        return  # not representable in float32: such X is an overflow, tested with NaN/inf
    kind = ESTIMATORS[name][1]
    X, y = good_data(kind)
    X = (X * scale).astype(dtype)
    if kind == "regressor":
        y = (y * scale).astype(dtype)
    finite_or_clear_error(name, X, y)


def test_extreme_scale_errors_suggest_scaling():
    X, y = good_data("regressor")
    with pytest.raises(DivergenceError, match="LBFGS solver.*not scaled"):
        LinearRegression(solver="lbfgs").fit(X * 1e200, y * 1e200)
    with pytest.raises(DivergenceError, match="Newton solver.*not scaled"):
        LinearRegression().fit(X * 1e200, y * 1e200)  # the exact solver of solver="auto"
    with pytest.raises(ValueError, match="overflow float64.*Scale the features"):
        KNeighborsRegressor().fit(X * 1e300, y)
    with pytest.raises(ValueError, match=r"minkowski \(p=1e\+300\).*smaller p"):
        KNeighborsRegressor(p=1e300).fit(X, y)
    with pytest.raises(ValueError, match="too large for the dtype of X"):
        MLPRegressor(max_iter=2).fit(X.astype(np.float32), y * 1e300)


def _constant(X, y):
    return np.ones_like(X), y


def _duplicated_rows(X, y):
    return np.repeat(X[:5], 8, axis=0), np.repeat(y[:5], 8, axis=0) if y is not None else None


def _one_constant_feature(X, y):
    X = X.copy()
    X[:, 1] = 7.0
    return X, y


@pytest.mark.parametrize("transform", [_constant, _duplicated_rows, _one_constant_feature])
@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_degenerate_data_gives_finite_outputs(name, transform):
    kind = ESTIMATORS[name][1]
    X, y = transform(*good_data(kind))
    factory = ESTIMATORS[name][0]
    model = quietly(factory().fit, *fit_args(kind, X, y))
    assert_finite_outputs(model, X, kind)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_perfectly_separable_classes(name):
    X, _ = good_data("classifier", n=60)
    y = (X[:, 0] > 0).astype(int)
    X[:, 0] += np.where(y == 1, 10.0, -10.0)  # a wide margin: logits grow without bound
    estimator = ESTIMATORS[name][0]()
    if "alpha" in estimator.get_params():
        # No penalty, so that nothing keeps the logits bounded; time to separate.
        estimator.set_params(alpha=0.0, max_iter=200)
    model = quietly(estimator.fit, X, y)
    assert_finite_outputs(model, X, "classifier")
    assert np.mean(model.predict(X) == y) > 0.9


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_very_imbalanced_classes(name):
    X, _ = good_data("classifier", n=200)
    y = np.zeros(200, dtype=int)
    y[:2] = 1
    model = quietly(ESTIMATORS[name][0]().fit, X, y)
    assert_finite_outputs(model, X, "classifier")
    assert list(model.classes_) == [0, 1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(activations.ACTIVATIONS))
def test_activations_are_finite_for_huge_inputs(name, dtype):
    Z = np.array([[-1e4, -50.0, 0.0, 50.0, 1e4]], dtype=dtype)
    activation = activations.get_activation(name)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        A = activation.forward(Z.copy(), np.empty_like(Z))
        dZ = activation.backward(Z.copy(), A.copy(), np.ones_like(Z))
    assert A.dtype == dtype and dZ.dtype == dtype
    assert np.all(np.isfinite(A)) and np.all(np.isfinite(dZ))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("name", ["LogisticRegression", "MLPClassifier"])
def test_class_probabilities_are_stable_for_huge_logits(name, n_classes, dtype):
    X, _ = good_data("classifier", n=30)
    y = np.arange(30) % n_classes
    model = quietly(ESTIMATORS[name][0]().fit, X.astype(dtype), y)
    layers = model.network_.dense_layers()
    for layer in layers:
        layer.W_[...] = 0.0
    # Logits v * x_0 with v spread over [-1, 1]: ±1e4 for the inputs x_0 = ±1e4.
    v = np.linspace(-1.0, 1.0, layers[-1].W_.shape[1])
    if len(layers) == 1:
        layers[0].W_[0] = v
    else:  # a ReLU pair passes x_0 on: relu(x_0) - relu(-x_0) = x_0
        layers[0].b_[...] = 0.0
        layers[0].W_[0, :2] = [1.0, -1.0]
        layers[1].W_[0], layers[1].W_[1] = v, -v
    Xb = np.zeros((2, 3), dtype=dtype)
    Xb[:, 0] = [1e4, -1e4]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        Z = model.decision_function(Xb)
        proba, log_proba = model.predict_proba(Xb), model.predict_log_proba(Xb)
    assert np.abs(Z).max() >= 5e3
    assert np.all(np.isfinite(proba)) and np.all(np.isfinite(log_proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert proba.dtype == dtype


# -- numerical faults during training ----------------------------------------------------

# name -> (class, settings, kind): learning rates far too large for the data.
DIVERGING = {
    "LinearRegression-sgd": (
        LinearRegression,
        {"solver": "sgd", "learning_rate_init": 1e3},
        "regressor",
    ),
    "LinearRegression-finite-growth": (
        LinearRegression,
        {"solver": "sgd", "learning_rate_init": 10.0},
        "regressor",
    ),
    "LogisticRegression-sgd": (
        LogisticRegression,
        {"solver": "sgd", "C": np.inf, "learning_rate_init": 1e12},
        "classifier",
    ),
    "MLPClassifier-sgd": (
        MLPClassifier,
        {"solver": "sgd", "learning_rate_init": 1e6},
        "classifier",
    ),
    "MLPRegressor-sgd": (MLPRegressor, {"solver": "sgd", "learning_rate_init": 10.0}, "regressor"),
    "MLPRegressor-momentum": (
        MLPRegressor,
        {"solver": "momentum", "learning_rate_init": 1.0},
        "regressor",
    ),
    "MLPRegressor-poisson": (
        MLPRegressor,
        {"loss": "poisson", "solver": "sgd", "learning_rate_init": 10.0},
        "regressor",
    ),
    "Autoencoder-sgd": (Autoencoder, {"solver": "sgd", "learning_rate_init": 10.0}, "transformer"),
}


@pytest.mark.parametrize("name", sorted(DIVERGING))
def test_divergence_stops_with_a_clear_error_and_finite_parameters(name):
    cls, settings, kind = DIVERGING[name]
    X, y = good_data(kind)
    if kind == "regressor":
        y = np.abs(y) * 10 if "poisson" in name else y * 10
    if cls in (MLPClassifier, MLPRegressor):
        settings = {"hidden_layer_sizes": (4,), **settings}
    model = cls(**settings, random_state=0)
    with pytest.raises(DivergenceError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(*fit_args(kind, X * 10, y))
    assert_clear_error(info.value, "diverged.*learning rate.*(scale|standardise)")
    assert isinstance(info.value, ValueError)
    assert np.all(np.isfinite(model.network_.params))  # restored, never NaN
    assert_finite_outputs(model, X, kind)


def test_finite_divergence_reports_the_growth():
    X, y = good_data("regressor")
    with pytest.raises(DivergenceError, match=r"loss grew from .* to .*learning rate of 10"):
        quietly(LinearRegression(solver="sgd", learning_rate_init=10.0, random_state=0).fit, X, y)


def test_partial_fit_divergence_leaves_finite_parameters():
    X, y = good_data("regressor")
    model = LinearRegression(solver="sgd", learning_rate_init=1e6, random_state=0)
    with pytest.raises(DivergenceError):
        for _ in range(50):
            model.partial_fit(X * 10, y * 10)
    assert np.all(np.isfinite(model.network_.params))
    assert np.all(np.isfinite(model.predict(X)))


def test_divergence_error_is_public_and_a_value_error():
    import sklearn_dl
    from sklearn_dl._engine import DivergenceError

    assert sklearn_dl.DivergenceError is DivergenceError
    assert issubclass(sklearn_dl.DivergenceError, ValueError)


@pytest.mark.parametrize(
    "y",
    [
        np.arange(20) % 3,  # integers: always classes
        np.arange(40),  # more labels than half of 40 samples: scikit-learn warns
        np.array([True, False] * 15),
        np.linspace(0.0, 1.0, 30),  # continuous: an error
        np.array(["a", "b"] * 15, dtype=object),
    ],
)
def test_the_quick_target_checks_say_what_scikit_learn_s_say(y):
    from sklearn.utils import multiclass, validation

    from sklearn_dl import _validation

    def outcome(check):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = check(y)
            except ValueError as error:
                return "error", str(error)
        return [str(w.message) for w in caught], result

    ours, theirs = (
        outcome(_validation.check_classification_targets),
        outcome(multiclass.check_classification_targets),
    )
    assert ours == theirs
    ours, theirs = outcome(_validation.column_or_1d), outcome(validation.column_or_1d)
    np.testing.assert_array_equal(ours[1], theirs[1])
    assert ours[1].flags.c_contiguous
