"""Fitted estimators survive pickle, joblib and skops, and keep training after loading."""

import pickle
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_dl.callbacks import LambdaCallback, ReduceLROnPlateau
from sklearn_dl.linear_model import LinearRegression, LogisticRegression, Perceptron
from sklearn_dl.losses import Huber
from sklearn_dl.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn_dl.neural_network import (
    Autoencoder,
    MLPClassifier,
    MLPRegressor,
    VariationalAutoencoder,
)
from sklearn_dl.optimizers import Adam, RMSProp
from sklearn_dl.persistence import trusted_types
from sklearn_dl.schedules import CosineAnnealing, WarmUp

try:
    import skops.io as skops_io
except ImportError:  # skops is in the 'test' extra; the other tests run without it
    skops_io = None
needs_skops = pytest.mark.skipif(skops_io is None, reason="skops is not installed")

# (factory, kind): the seven estimators, and variants holding part objects and
# the layers only some configurations build.
FITTED = {
    "LinearRegression": (lambda: LinearRegression(), "reg"),
    "LinearRegression-sgd": (
        lambda: LinearRegression(solver="sgd", max_iter=5, callbacks=[ReduceLROnPlateau()]),
        "reg",
    ),
    "LogisticRegression": (lambda: LogisticRegression(), "clf"),
    "LogisticRegression-parts": (
        lambda: LogisticRegression(
            solver=RMSProp(rho=0.95), learning_rate=CosineAnnealing(), max_iter=5
        ),
        "clf",
    ),
    "Perceptron": (lambda: Perceptron(penalty="elasticnet", max_iter=5), "clf"),
    "MLPRegressor": (
        lambda: MLPRegressor(
            Huber(delta=0.5),
            hidden_layer_sizes=(6, 4),
            batch_norm=True,
            dropout=0.1,
            gaussian_noise=(0.1, 0.05),
            max_iter=5,
            random_state=0,
        ),
        "reg",
    ),
    "MLPClassifier": (
        lambda: MLPClassifier(
            hidden_layer_sizes=(6,),
            solver=Adam(beta_1=0.8),
            learning_rate=WarmUp(),
            early_stopping=True,
            max_iter=5,
            random_state=0,
        ),
        "clf",
    ),
    "MLPClassifier-prelu-maxout": (
        lambda: MLPClassifier(
            hidden_layer_sizes=(6, 4),
            activation=["prelu", "maxout"],
            batch_norm=True,
            micro_batch_size=16,
            max_iter=5,
            random_state=0,
        ),
        "clf",
    ),
    "MLPClassifier-lbfgs": (
        lambda: MLPClassifier(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=5),
        "clf",
    ),
    "Autoencoder": (lambda: Autoencoder(n_components=2, max_iter=5, random_state=0), "ae"),
    "Autoencoder-tied": (
        lambda: Autoencoder(
            n_components=2,
            hidden_layer_sizes=(5,),
            tied_weights=True,
            denoising=("mask", 0.2),
            sparsity=1e-3,
            max_iter=5,
            random_state=0,
        ),
        "ae",
    ),
    "VariationalAutoencoder": (
        lambda: VariationalAutoencoder(
            n_components=2, hidden_layer_sizes=(5,), max_iter=5, random_state=0
        ),
        "ae",
    ),
    "KNeighborsRegressor": (lambda: KNeighborsRegressor(n_neighbors=3), "reg"),
    "KNeighborsClassifier": (lambda: KNeighborsClassifier(n_neighbors=3), "clf"),
    "KNeighborsClassifier-brute": (
        lambda: KNeighborsClassifier(n_neighbors=3, algorithm="brute", weights="distance"),
        "clf",
    ),
    "KNeighborsRegressor-cosine": (lambda: KNeighborsRegressor(metric="cosine"), "reg"),
}


def dataset(seed=0, n_samples=120):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 4))
    y_reg = X @ rng.normal(size=4)
    y_clf = np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5])
    return X, y_reg, y_clf


def fitted(name):
    make, kind = FITTED[name]
    X, y_reg, y_clf = dataset()
    y = {"reg": y_reg, "clf": y_clf, "ae": None}[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return make().fit(X, y), X, y


def outputs(model, X):
    """Every prediction method's output on ``X``."""
    methods = [
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
        "transform",
        "score_samples",
    ]
    found = [getattr(model, m)(X) for m in methods if hasattr(model, m)]
    if hasattr(model, "inverse_transform"):
        found.append(model.inverse_transform(model.transform(X)))
    return found


def assert_same_model(loaded, model, X):
    assert type(loaded) is type(model)
    assert loaded.get_params().keys() == model.get_params().keys()
    for got, want in zip(outputs(loaded, X), outputs(model, X), strict=True):
        np.testing.assert_array_equal(got, want)


def joblib_round_trip(model, path):
    joblib.dump(model, path)
    return joblib.load(path)


@pytest.mark.parametrize("name", FITTED)
@pytest.mark.parametrize("method", ["pickle", "joblib"])
def test_round_trip_predicts_the_same(name, method, tmp_path):
    model, X, _ = fitted(name)
    if method == "pickle":
        loaded = pickle.loads(pickle.dumps(model))
    else:
        loaded = joblib_round_trip(model, tmp_path / "model.joblib")
    assert_same_model(loaded, model, X)


@pytest.mark.parametrize(
    "name",
    [
        "LinearRegression-sgd",
        "MLPRegressor",
        "MLPClassifier",
        "Autoencoder",
        "VariationalAutoencoder",
        "KNeighborsClassifier",
    ],
)
def test_training_goes_on_after_loading_as_without_saving(name):
    # The optimizer's slots, the schedule and the random generator are saved too.
    model, X, y = fitted(name)
    if model.get_params().get("early_stopping"):  # partial_fit refuses it: fit without
        model.set_params(early_stopping=False).fit(X, y)
    loaded = pickle.loads(pickle.dumps(model))
    X_more, y_reg, y_clf = dataset(seed=1, n_samples=40)
    y_more = {"reg": y_reg, "clf": y_clf, "ae": None}[FITTED[name][1]]
    for estimator in (model, loaded):
        if y_more is None:
            estimator.partial_fit(X_more)
        else:
            estimator.partial_fit(X_more, y_more)
    assert_same_model(loaded, model, X)


# -- skops ------------------------------------------------------------------------------


def test_trusted_types_are_sklearn_dl_classes_only():
    names = trusted_types()
    assert names == sorted(set(names))
    assert all(name.startswith("sklearn_dl.") for name in names)
    for make, _ in FITTED.values():
        cls = type(make())
        assert f"{cls.__module__}.{cls.__qualname__}" in names


@needs_skops
@pytest.mark.parametrize("name", sorted(FITTED))
def test_skops_loads_trusting_only_sklearn_dl_types(name, tmp_path):
    model, X, _ = fitted(name)
    path = tmp_path / "model.skops"
    skops_io.dump(model, path)
    untrusted = set(skops_io.get_untrusted_types(file=path))
    assert untrusted <= set(trusted_types()), untrusted - set(trusted_types())
    loaded = skops_io.load(path, trusted=trusted_types())
    assert_same_model(loaded, model, X)


def stop_never(trainer, epoch, logs):
    return False


@needs_skops
def test_skops_still_refuses_a_function_in_the_model(tmp_path):
    # Trusting sklearn_dl's types does not trust the code a callback carries.
    X, y, _ = dataset()
    model = LinearRegression(solver="sgd", max_iter=3, callbacks=[LambdaCallback(stop_never)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    path = tmp_path / "model.skops"
    skops_io.dump(model, path)
    refused = set(skops_io.get_untrusted_types(file=path)) - set(trusted_types())
    assert f"{__name__}.stop_never" in refused
    with pytest.raises(Exception, match="stop_never"):
        skops_io.load(path, trusted=trusted_types())


# -- files saved by an earlier layout of the package ---------------------------------------

# Fitted on the same data by the release before the estimators moved into
# subpackages, with their outputs then; written by pickle and by skops.
SAVED = Path(__file__).parent / "data" / "fitted_models"


def check_saved(saved):
    for name, model in saved["models"].items():
        method = model.transform if name == "Autoencoder" else model.predict
        np.testing.assert_allclose(method(saved["X"]), saved["outputs"][name], rtol=1e-12)
    # Training goes on from the loaded state.
    saved["models"]["MLPClassifier"].partial_fit(saved["X"], saved["outputs"]["MLPClassifier"])


def test_pickles_of_the_earlier_layout_load():
    with open(SAVED.with_suffix(".pkl"), "rb") as file:
        check_saved(pickle.load(file))


@needs_skops
def test_skops_files_of_the_earlier_layout_load():
    path = SAVED.with_suffix(".skops")
    assert set(skops_io.get_untrusted_types(file=path)) <= set(trusted_types())
    check_saved(skops_io.load(path, trusted=trusted_types()))
