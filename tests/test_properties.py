"""Property-based tests: generated shapes, dtypes, label sets and parameters.

For every estimator hypothesis draws the data (sizes, float32 or float64,
values across magnitudes, duplicated rows and constant columns included), the
labels (integers, strings, booleans) and the parameters, then checks the
invariants: output shapes and dtypes, probabilities in [0, 1] that sum to 1,
predictions among ``classes_``, finite outputs, sorted neighbour distances —
and that the only errors are clear ones of the allowed kinds, raised for a
reason the example itself explains (one class, too few samples for a split
or for the neighbours, a diverging run).
"""

import re
import warnings

import numpy as np
from hypothesis import event, given, note
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning, NotFittedError

from sklearn_dl._engine import DivergenceError
from sklearn_dl.activations import ACTIVATIONS
from sklearn_dl.linear_model import LinearRegression, LogisticRegression
from sklearn_dl.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn_dl.neural_network import Autoencoder, MLPClassifier, MLPRegressor

LABEL_SETS = [
    np.array([0, 1, 2, 3]),
    np.array([-7, 3, 1000, 2**40]),
    np.array(["cat", "dog", "eel", "fox"]),
    np.array([False, True]),
    np.array([0.0, 1.0, 2.0]),
]


@st.composite
def matrices(draw, min_rows=1, max_rows=25, max_columns=4):
    """A finite X, float32 or float64, of any magnitude its dtype can square.

    Values are drawn from [-10, 10] and scaled by a power of ten; rows may
    repeat and columns may be constant.
    """
    n = draw(st.integers(min_rows, max_rows))
    p = draw(st.integers(1, max_columns))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    powers = [-150, -3, 0, 3, 150] if dtype == np.float64 else [-15, -3, 0, 3, 15]
    scale = dtype(10.0 ** draw(st.sampled_from(powers)))
    elements = st.floats(-10, 10, allow_nan=False, width=32)
    X = draw(arrays(dtype, (n, p), elements=elements)) * scale
    if draw(st.booleans()):  # repeat some rows
        X = X[draw(st.lists(st.integers(0, n - 1), min_size=n, max_size=n))]
    if draw(st.booleans()):  # a constant column
        X[:, draw(st.integers(0, p - 1))] = scale
    return X


@st.composite
def classification(draw, min_rows=1):
    X = draw(matrices(min_rows=min_rows))
    labels = draw(st.sampled_from(LABEL_SETS))
    codes = draw(st.lists(st.integers(0, len(labels) - 1), min_size=len(X), max_size=len(X)))
    return X, labels[np.array(codes)]


@st.composite
def regression(draw, min_rows=1):
    X = draw(matrices(min_rows=min_rows))
    n_outputs = draw(st.sampled_from([None, 1, 2]))
    shape = (len(X),) if n_outputs is None else (len(X), n_outputs)
    y = draw(arrays(np.float64, shape, elements=st.floats(-100, 100, allow_nan=False)))
    return X, y


def quietly(method, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", DataConversionWarning)  # a column-vector y
        return method(*args, **kwargs)


def fit_or_explained_error(estimator, args, reasons):
    """Fit; an error must be clear and match one of the ``reasons`` this example has.

    ``reasons`` maps a message pattern to whether the example gives a cause
    for it (e.g. ``{"class": one_class}``). A diverged run must leave finite
    parameters. Returns the fitted estimator or None.
    """
    try:
        model = quietly(estimator.fit, *args)
    except DivergenceError as error:
        event("diverged")  # --hypothesis-show-statistics shows how often
        note(str(error))
        assert np.all(np.isfinite(estimator.network_.params))
        return None
    except (ValueError, TypeError, NotFittedError) as error:
        message = str(error)
        allowed = [pattern for pattern, applies in reasons.items() if applies]
        assert any(re.search(pattern, message) for pattern in allowed), message
        assert "broadcast" not in message and "index" not in message
        event(f"explained error: {[p for p in allowed if re.search(p, message)][0]}")
        return None
    event("fitted")
    return model


def check_classifier(model, X, y):
    classes = np.unique(y)
    np.testing.assert_array_equal(model.classes_, classes)
    prediction = model.predict(X)
    assert prediction.shape == (len(X),)
    assert np.isin(prediction, classes).all()
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), len(classes))
    assert np.all(np.isfinite(proba)) and proba.min() >= 0 and proba.max() <= 1
    tolerance = 1e-4 if proba.dtype == np.float32 else 1e-10
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=tolerance)
    # The predicted class is one of the most probable ones.
    chosen = proba[np.arange(len(X)), np.searchsorted(classes, prediction)]
    np.testing.assert_allclose(chosen, proba.max(axis=1), rtol=0, atol=tolerance)
    if hasattr(model, "predict_log_proba"):
        log_proba = model.predict_log_proba(X)
        assert log_proba.shape == proba.shape and not np.any(np.isnan(log_proba))
        assert np.all(log_proba <= 0)
    if hasattr(model, "decision_function"):
        scores = model.decision_function(X)
        expected = (len(X),) if len(classes) == 2 else (len(X), len(classes))
        assert scores.shape == expected and np.all(np.isfinite(scores))


def check_regressor(model, X, y):
    prediction = model.predict(X)
    assert prediction.shape == np.shape(y)
    assert np.all(np.isfinite(prediction))


def check_network_dtype(model, X):
    assert model.network_.params.dtype == X.dtype
    assert np.all(np.isfinite(model.network_.params))


# -- linear models ------------------------------------------------------------------------

SOLVERS = ["lbfgs", "cg", "newton-cg", "sgd", "adam", "rmsprop", "adagrad"]


@given(
    data=regression(),
    solver=st.sampled_from(SOLVERS),
    loss=st.sampled_from(["squared_error", "absolute_error", "huber"]),
    penalty=st.sampled_from(["l2", "l1", "elasticnet", None]),
    alpha=st.sampled_from([0.0, 1e-3, 1.0]),
    fit_intercept=st.booleans(),
    batch_size=st.sampled_from(["auto", 1, 7]),
)
def test_linear_regression_properties(
    data, solver, loss, penalty, alpha, fit_intercept, batch_size
):
    X, y = data
    model = LinearRegression(
        solver=solver,
        loss=loss,
        penalty=penalty,
        alpha=alpha,
        fit_intercept=fit_intercept,
        batch_size=batch_size,
        max_iter=10,
        learning_rate_init=1e-3,
        random_state=0,
    )
    l1_full_batch = solver in ("cg", "newton-cg") and penalty in ("l1", "elasticnet") and alpha > 0
    model = fit_or_explained_error(model, (X, y), {"L1 part": l1_full_batch})
    if model is not None:
        check_regressor(model, X, y)
        check_network_dtype(model, X)
        assert np.shape(model.coef_) == ((X.shape[1],) if y.ndim == 1 else (y.shape[1], X.shape[1]))


@given(
    data=classification(),
    solver=st.sampled_from(SOLVERS),
    C=st.sampled_from([np.inf, 1e2, 1.0]),  # alpha = 1 / C of 0, 1e-2, 1
    class_weight=st.sampled_from([None, "balanced"]),
    early_stopping=st.booleans(),
)
def test_logistic_regression_properties(data, solver, C, class_weight, early_stopping):
    X, y = data
    model = LogisticRegression(
        solver=solver,
        C=C,
        class_weight=class_weight,
        early_stopping=early_stopping,
        max_iter=10,
        random_state=0,
    )
    one_class = len(np.unique(y)) < 2
    few = early_stopping and solver not in ("lbfgs", "cg", "newton-cg")
    model = fit_or_explained_error(model, (X, y), {"class": one_class, "validation": few})
    if model is not None:
        check_classifier(model, X, y)
        check_network_dtype(model, X)


# -- perceptrons --------------------------------------------------------------------------

hidden_layers = st.lists(st.integers(1, 6), min_size=0, max_size=2).map(tuple)


@given(
    data=classification(),
    hidden=hidden_layers,
    activation=st.sampled_from(sorted(ACTIVATIONS)),
    solver=st.sampled_from(["adam", "sgd", "lbfgs", "rmsprop", "nesterov"]),
    dropout=st.sampled_from([0.0, 0.3]),
    batch_norm=st.booleans(),
    early_stopping=st.booleans(),
    batch_size=st.sampled_from(["auto", 1, 5]),
)
def test_mlp_classifier_properties(
    data, hidden, activation, solver, dropout, batch_norm, early_stopping, batch_size
):
    X, y = data
    model = MLPClassifier(
        hidden_layer_sizes=hidden,
        activation=activation,
        solver=solver,
        dropout=dropout,
        batch_norm=batch_norm,
        early_stopping=early_stopping,
        batch_size=batch_size,
        max_iter=5,
        random_state=0,
    )
    few = early_stopping and solver != "lbfgs"
    model = fit_or_explained_error(model, (X, y), {"validation": few})
    if model is not None:
        check_classifier(model, X, y)
        check_network_dtype(model, X)
        assert model.n_layers_ == len(hidden) + 2


@given(
    data=regression(),
    hidden=hidden_layers,
    activation=st.sampled_from(sorted(ACTIVATIONS)),
    solver=st.sampled_from(["adam", "sgd", "lbfgs", "adagrad", "adadelta"]),
    loss=st.sampled_from(["squared_error", "absolute_error", "huber", "poisson"]),
    gaussian_noise=st.sampled_from([0.0, 0.1, (0.1, 0.2)]),
)
def test_mlp_regressor_properties(data, hidden, activation, solver, loss, gaussian_noise):
    X, y = data
    if loss == "poisson":
        y = np.abs(y)
    model = MLPRegressor(
        hidden_layer_sizes=hidden,
        activation=activation,
        solver=solver,
        loss=loss,
        gaussian_noise=gaussian_noise,
        max_iter=5,
        random_state=0,
    )
    model = fit_or_explained_error(model, (X, y), {})
    if model is not None:
        # scikit-learn's MLPRegressor predicts 1-D for a one-column y.
        expected = y[:, 0] if y.ndim == 2 and y.shape[1] == 1 else y
        check_regressor(model, X, expected)
        check_network_dtype(model, X)


# -- autoencoder --------------------------------------------------------------------------


@given(
    X=matrices(),
    n_components=st.integers(1, 4),
    hidden=hidden_layers,
    activation=st.sampled_from(["relu", "tanh", "elu", "identity"]),
    output_activation=st.sampled_from(["identity", "sigmoid"]),
    tied_weights=st.booleans(),
    denoising=st.sampled_from([None, 0.1, ("mask", 0.3)]),
    sparsity=st.sampled_from([0.0, 1e-3]),
    solver=st.sampled_from(["adam", "lbfgs", "sgd"]),
)
def test_autoencoder_properties(
    X,
    n_components,
    hidden,
    activation,
    output_activation,
    tied_weights,
    denoising,
    sparsity,
    solver,
):
    if output_activation == "sigmoid":  # data in [0, 1], as the sigmoid output needs
        span = X.max() - X.min()
        X = (X - X.min()) / (span if span > 0 else 1)
    model = Autoencoder(
        n_components,
        hidden_layer_sizes=hidden,
        activation=activation,
        output_activation=output_activation,
        tied_weights=tied_weights,
        denoising=denoising,
        sparsity=sparsity,
        solver=solver,
        max_iter=5,
        random_state=0,
    )
    model = fit_or_explained_error(model, (X,), {})
    if model is not None:
        codes = model.transform(X)
        assert codes.shape == (len(X), n_components) and codes.dtype == X.dtype
        reconstruction = model.inverse_transform(codes)
        assert reconstruction.shape == X.shape and reconstruction.dtype == X.dtype
        assert np.all(np.isfinite(codes)) and np.all(np.isfinite(reconstruction))
        if output_activation == "sigmoid":
            assert reconstruction.min() >= 0 and reconstruction.max() <= 1
        assert np.isfinite(model.reconstruction_error_) and model.reconstruction_error_ >= 0
        assert len(model.get_feature_names_out()) == n_components


# -- neighbours ---------------------------------------------------------------------------

METRICS = [
    {"metric": "euclidean"},
    {"metric": "manhattan"},
    {"metric": "chebyshev"},
    {"metric": "cosine"},
    {"metric": "minkowski", "p": 3},
    {"metric": "minkowski", "p": 0.5},
]


def check_neighbours(model, X, k):
    dist, ind = model.kneighbors(X)
    assert dist.shape == ind.shape == (len(X), k)
    assert np.all(np.isfinite(dist)) and np.all(dist >= 0)
    assert np.all(np.diff(dist, axis=1) >= 0)
    assert ind.min() >= 0 and ind.max() < model.n_samples_fit_


@given(
    data=classification(),
    n_neighbors=st.integers(1, 8),
    weights=st.sampled_from(["uniform", "distance"]),
    algorithm=st.sampled_from(["auto", "brute", "kd_tree"]),
    metric=st.sampled_from(METRICS),
)
def test_kneighbors_classifier_properties(data, n_neighbors, weights, algorithm, metric):
    X, y = data
    model = KNeighborsClassifier(n_neighbors, weights=weights, algorithm=algorithm, **metric)
    not_tree = metric["metric"] == "cosine" and algorithm == "kd_tree"
    small_p = metric.get("p", 2) < 1 and algorithm == "kd_tree"
    huge = float(np.abs(X).max()) > 1e100  # powers of such values overflow float64
    reasons = {"not valid for algorithm": not_tree, "p >= 1": small_p, "overflow": huge}
    model = fit_or_explained_error(model, (X, y), reasons)
    if model is None:
        return
    if n_neighbors > len(X):
        try:
            model.predict(X)
        except ValueError as error:
            assert "n_neighbors" in str(error)
            return
        raise AssertionError("more neighbours than samples must be an error")
    check_classifier(model, X, y)
    check_neighbours(model, X, n_neighbors)


@given(
    data=regression(),
    n_neighbors=st.integers(1, 8),
    weights=st.sampled_from(["uniform", "distance"]),
    algorithm=st.sampled_from(["auto", "brute", "kd_tree"]),
    metric=st.sampled_from(METRICS),
)
def test_kneighbors_regressor_properties(data, n_neighbors, weights, algorithm, metric):
    X, y = data
    model = KNeighborsRegressor(n_neighbors, weights=weights, algorithm=algorithm, **metric)
    not_tree = metric["metric"] == "cosine" and algorithm == "kd_tree"
    small_p = metric.get("p", 2) < 1 and algorithm == "kd_tree"
    huge = float(np.abs(X).max()) > 1e100  # powers of such values overflow float64
    reasons = {"not valid for algorithm": not_tree, "p >= 1": small_p, "overflow": huge}
    model = fit_or_explained_error(model, (X, y), reasons)
    if model is None or n_neighbors > len(X):
        return
    check_regressor(model, X, y)
    check_neighbours(model, X, n_neighbors)
    # Every prediction lies within the range of the targets (a weighted mean).
    prediction = model.predict(X)
    assert np.all(prediction <= y.max(axis=0) + 1e-9 * np.abs(y).max())
    assert np.all(prediction >= y.min(axis=0) - 1e-9 * np.abs(y).max())


# -- any parameter value: a working model or a clear error --------------------------------

ANY_VALUE = st.sampled_from(
    [-1, 0, 1, 2, 0.5, 1.5, 1e9, -1e-9, np.nan, np.inf, "bogus", "auto", None, True, (), (3,), [0]]
)
FACTORIES = {
    "LinearRegression": (lambda: LinearRegression(solver="sgd", max_iter=3), "regressor"),
    "LogisticRegression": (lambda: LogisticRegression(max_iter=3), "classifier"),
    "MLPClassifier": (lambda: MLPClassifier(hidden_layer_sizes=(3,), max_iter=3), "classifier"),
    "MLPRegressor": (lambda: MLPRegressor(hidden_layer_sizes=(3,), max_iter=3), "regressor"),
    "Autoencoder": (lambda: Autoencoder(2, max_iter=3), "transformer"),
    "KNeighborsClassifier": (lambda: KNeighborsClassifier(3), "classifier"),
    "KNeighborsRegressor": (lambda: KNeighborsRegressor(3), "regressor"),
}


@given(name=st.sampled_from(sorted(FACTORIES)), data=st.data())
def test_any_parameter_value_gives_a_model_or_a_clear_error(name, data):
    factory, kind = FACTORIES[name]
    estimator = factory()
    params = sorted(set(estimator.get_params()) - {"verbose"})  # verbose prints
    changes = data.draw(st.dictionaries(st.sampled_from(params), ANY_VALUE, min_size=1, max_size=2))
    estimator.set_params(**changes)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    y = {"classifier": np.arange(30) % 3, "regressor": X[:, 0], "transformer": None}[kind]
    try:
        model = quietly(estimator.fit, *((X,) if y is None else (X, y)))
        outputs = [model.transform(X)] if kind == "transformer" else [model.predict(X)]
    except DivergenceError:
        assert np.all(np.isfinite(estimator.network_.params))
        return
    except (ValueError, TypeError) as error:
        message = str(error)
        assert len(message) > 20, message
        assert "broadcast" not in message and "ufunc" not in message, message
        # The message names a parameter that was changed (or a setting it depends on).
        named = [p for p in changes if p in message] or re.findall(r"'(\w+)' parameter", message)
        assert named or "n_neighbors" in message, message
        return
    if kind == "classifier":
        outputs.append(model.predict_proba(X))
    for output in outputs:
        output = np.asarray(output)
        assert output.shape[0] == len(X)
        if output.dtype.kind == "f":
            assert np.all(np.isfinite(output)), changes
