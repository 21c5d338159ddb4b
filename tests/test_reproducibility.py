"""Reproducibility and thread safety.

The same ``random_state`` gives bit-identical parameters and predictions
across repeated fits, after ``clone``, after pickling, and whatever
``n_jobs``; nothing draws from numpy's (or Python's) global random state; and
predictions made from 8 threads at once equal sequential ones.
"""

import pickle
import random
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from joblib import parallel_backend
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, cross_validate

from sklearn_dl.linear_model import LinearRegression, LogisticRegression, Perceptron
from sklearn_dl.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn_dl.neural_network import Autoencoder, MLPClassifier, MLPRegressor

# Settings that use every source of randomness: initial weights, shuffling,
# the early-stopping split, dropout, Gaussian and masking noise.
ESTIMATORS = {
    "LinearRegression-sgd": (
        lambda rs: LinearRegression(solver="sgd", batch_size=16, max_iter=15, random_state=rs),
        "regressor",
    ),
    "LogisticRegression-adam": (
        lambda rs: LogisticRegression(
            solver="adam", early_stopping=True, batch_size=16, max_iter=15, random_state=rs
        ),
        "classifier",
    ),
    "Perceptron": (
        lambda rs: Perceptron(early_stopping=True, max_iter=15, random_state=rs),
        "classifier",
    ),
    "MLPClassifier": (
        lambda rs: MLPClassifier(
            hidden_layer_sizes=(8, 6),
            dropout=0.2,
            gaussian_noise=(0.1, 0.05),
            early_stopping=True,
            batch_size=16,
            max_iter=15,
            random_state=rs,
        ),
        "classifier",
    ),
    "MLPClassifier-lbfgs": (
        lambda rs: MLPClassifier(
            hidden_layer_sizes=(6,), solver="lbfgs", max_iter=30, random_state=rs
        ),
        "classifier",
    ),
    "MLPRegressor-batchnorm": (
        lambda rs: MLPRegressor(
            hidden_layer_sizes=(8,),
            batch_norm=True,
            solver="sgd",
            batch_size=8,
            max_iter=10,
            random_state=rs,
        ),
        "regressor",
    ),
    "Autoencoder-denoising": (
        lambda rs: Autoencoder(
            2,
            hidden_layer_sizes=(4,),
            denoising=("mask", 0.2),
            sparsity=1e-3,
            batch_size=8,
            max_iter=10,
            random_state=rs,
        ),
        "transformer",
    ),
    "Autoencoder-tied-lbfgs": (
        lambda rs: Autoencoder(2, tied_weights=True, solver="lbfgs", max_iter=30, random_state=rs),
        "transformer",
    ),
    "KNeighborsClassifier": (lambda rs: KNeighborsClassifier(n_neighbors=4), "classifier"),
    "KNeighborsRegressor-brute": (
        lambda rs: KNeighborsRegressor(n_neighbors=4, algorithm="brute", weights="distance"),
        "regressor",
    ),
}
GRADIENT = [name for name in ESTIMATORS if not name.startswith("KNeighbors")]


def data(kind, n=80, p=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if kind == "classifier":
        return X, np.where(X[:, 0] + 0.5 * rng.standard_normal(n) > 0, "yes", "no")
    if kind == "regressor":
        return X, X @ rng.standard_normal(p) + 0.1 * rng.standard_normal(n)
    return X, None


def fit(estimator, kind, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X) if kind == "transformer" else estimator.fit(X, y)


def fit_args(kind, X, y):
    return (X,) if kind == "transformer" else (X, y)


def outputs(model, X):
    """Every prediction-time output of ``model`` on ``X``, by method name."""
    names = ["predict", "predict_proba", "predict_log_proba", "decision_function", "transform"]
    result = {name: getattr(model, name)(X) for name in names if hasattr(model, name)}
    if hasattr(model, "inverse_transform"):
        result["inverse_transform"] = model.inverse_transform(result["transform"])
    if hasattr(model, "kneighbors"):
        result["kneighbors"] = np.concatenate(model.kneighbors(X[:10]), axis=1)
    return result


def assert_identical_models(first, second, X):
    """Bit-identical parameters (for networks) and outputs."""
    if hasattr(first, "network_"):
        assert first.network_.params.dtype == second.network_.params.dtype
        assert first.network_.params.tobytes() == second.network_.params.tobytes()
    a, b = outputs(first, X), outputs(second, X)
    assert a.keys() == b.keys() and a
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_same_random_state_gives_bit_identical_fits(name):
    factory, kind = ESTIMATORS[name]
    X, y = data(kind)
    first = fit(factory(0), kind, X, y)
    assert_identical_models(first, fit(factory(0), kind, X, y), X)
    # Refitting the same instance starts afresh: no state leaks from the last fit.
    assert_identical_models(first, fit(fit(factory(0), kind, X, y), kind, X, y), X)
    assert_identical_models(first, fit(clone(factory(0)), kind, X, y), X)
    assert_identical_models(first, fit(clone(first), kind, X, y), X)


@pytest.mark.parametrize("name", GRADIENT)
def test_different_random_states_differ(name):
    # The seed reaches the randomness: otherwise the test above proves nothing.
    factory, kind = ESTIMATORS[name]
    X, y = data(kind)
    a, b = fit(factory(0), kind, X, y), fit(factory(1), kind, X, y)
    assert a.network_.params.tobytes() != b.network_.params.tobytes()


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_pickling_keeps_the_model_and_the_recipe(name):
    factory, kind = ESTIMATORS[name]
    X, y = data(kind)
    model = fit(factory(0), kind, X, y)
    restored = pickle.loads(pickle.dumps(model))
    assert_identical_models(model, restored, X)
    # An unfitted estimator pickled and refitted, and a fitted one refitted.
    refitted = fit(pickle.loads(pickle.dumps(factory(0))), kind, X, y)
    assert_identical_models(model, refitted, X)
    assert_identical_models(model, fit(restored, kind, X, y), X)


@pytest.mark.parametrize("name", ["LinearRegression-sgd", "MLPClassifier", "Autoencoder-denoising"])
def test_partial_fit_sequences_are_reproducible(name):
    factory, kind = ESTIMATORS[name]
    X, y = data(kind)

    def run():
        model = factory(3)
        kwargs = {"classes": np.unique(y)} if kind == "classifier" else {}
        if "early_stopping" in model.get_params():  # partial_fit holds nothing out
            model.set_params(early_stopping=False)
        for rows in np.array_split(np.arange(len(X)), 4):
            args = (X[rows],) if kind == "transformer" else (X[rows], y[rows])
            model.partial_fit(*args, **kwargs)
        return model

    assert_identical_models(run(), run(), X)


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "cosine", "minkowski"])
@pytest.mark.parametrize("algorithm", ["brute", "kd_tree"])
def test_neighbours_do_not_depend_on_n_jobs(algorithm, metric):
    if algorithm == "kd_tree" and metric == "cosine":
        return  # not a kd-tree metric
    X, y = data("regressor", n=600, p=6)
    Q = data("regressor", n=300, p=6, seed=1)[0]
    kwargs = dict(n_neighbors=5, algorithm=algorithm, metric=metric, p=3, weights="distance")
    reference = KNeighborsRegressor(**kwargs, n_jobs=1).fit(X, y)
    dist, ind = reference.kneighbors(Q)
    for n_jobs in (None, 2, 4, -1):
        model = KNeighborsRegressor(**kwargs, n_jobs=n_jobs).fit(X, y)
        other_dist, other_ind = model.kneighbors(Q)
        np.testing.assert_array_equal(other_ind, ind)
        np.testing.assert_array_equal(other_dist, dist)
        np.testing.assert_array_equal(model.predict(Q), reference.predict(Q))


@pytest.mark.parametrize("name", ["MLPClassifier", "LinearRegression-sgd", "KNeighborsClassifier"])
def test_cross_validation_is_the_same_whatever_n_jobs(name):
    factory, kind = ESTIMATORS[name]
    X, y = data(kind)
    cv = KFold(3, shuffle=True, random_state=0)

    def run(n_jobs):
        with warnings.catch_warnings(), parallel_backend("threading", n_jobs=n_jobs):
            warnings.simplefilter("ignore", ConvergenceWarning)
            return cross_validate(factory(0), X, y, cv=cv, n_jobs=n_jobs, return_estimator=True)

    serial, parallel = run(1), run(2)
    np.testing.assert_array_equal(serial["test_score"], parallel["test_score"])
    for a, b in zip(serial["estimator"], parallel["estimator"], strict=True):
        assert_identical_models(a, b, X)


def _global_states():
    return pickle.dumps(np.random.get_state()), random.getstate()


@pytest.mark.parametrize("random_state", [None, 0, np.random.RandomState(7)])
@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_global_random_state_is_untouched(name, random_state):
    factory, kind = ESTIMATORS[name]
    X, y = data(kind)
    np.random.seed(12345)  # a known global state, restored after the test by re-seeding
    random.seed(12345)
    before = _global_states()
    estimator = factory(random_state)
    model = fit(estimator, kind, X, y)
    outputs(model, X)
    model.score(X, y)
    if hasattr(model, "partial_fit"):
        kwargs = {"classes": np.unique(y)} if kind == "classifier" and name in GRADIENT else {}
        if "early_stopping" in model.get_params():  # partial_fit holds nothing out
            model.set_params(early_stopping=False)
        model.partial_fit(*fit_args(kind, X, y), **kwargs)
    clone(model)
    assert _global_states() == before


# -- concurrency -------------------------------------------------------------------------

THREADED = {
    **ESTIMATORS,
    "KNeighborsClassifier-brute-n_jobs": (
        lambda rs: KNeighborsClassifier(n_neighbors=4, algorithm="brute", n_jobs=2),
        "classifier",
    ),
    "KNeighborsRegressor-kd_tree-n_jobs": (
        lambda rs: KNeighborsRegressor(n_neighbors=4, algorithm="kd_tree", n_jobs=2),
        "regressor",
    ),
}


@pytest.mark.parametrize("name", sorted(THREADED))
def test_predict_from_eight_threads_equals_sequential_calls(name):
    factory, kind = THREADED[name]
    X, y = data(kind, n=400)
    model = fit(factory(0), kind, X, y)
    # Chunks big enough that numpy releases the GIL and the threads truly overlap.
    queries = [data(kind, n=500, seed=seed)[0] for seed in range(16)]
    expected = [outputs(model, Q) for Q in queries]
    start = threading.Barrier(8)

    def work(index):
        if index < 8:
            start.wait(timeout=30)  # the first eight calls all run at once
        return outputs(model, queries[index])

    for _ in range(3):
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(work, range(len(queries))))
        for got, want in zip(results, expected, strict=True):
            assert got.keys() == want.keys()
            for method in want:
                np.testing.assert_array_equal(got[method], want[method], err_msg=method)


def test_concurrent_searches_leave_blas_threads_as_they_were():
    from concurrent.futures import ThreadPoolExecutor

    from sklearn_dl._threads import blas_controller

    def counts():
        return [lib["num_threads"] for lib in blas_controller().select(user_api="blas").info()]

    before = counts()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 40))
    model = KNeighborsClassifier(algorithm="brute").fit(X, rng.integers(0, 2, 3000))
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: model.predict(X[:500]), range(16)))
    assert counts() == before


def test_full_batch_fits_leave_every_blas_library_as_it_was():
    from sklearn_dl._threads import blas_controller

    def counts():
        return [lib["num_threads"] for lib in blas_controller().select(user_api="blas").info()]

    before = counts()
    X = np.random.default_rng(0).standard_normal((500, 5))
    LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
    assert counts() == before


def test_an_integer_random_state_is_the_first_draw_of_its_random_state(monkeypatch):
    from sklearn.utils import check_random_state

    from sklearn_dl._engine import base

    seed = np.random.RandomState(1234).randint(np.iinfo(np.int32).max)
    expected = np.random.default_rng(seed).random(4)
    np.testing.assert_array_equal(base.make_rng(1234).random(4), expected)
    np.testing.assert_array_equal(base.make_rng(np.int64(1234)).random(4), expected)
    # A RandomState instance is drawn from (and advances) each time.
    state = np.random.RandomState(1234)
    np.testing.assert_array_equal(base.make_rng(state).random(4), expected)
    assert not np.array_equal(base.make_rng(state).random(4), expected)
    # The integer's seed is remembered: a refit builds no RandomState.
    built = []

    def counted(random_state):
        built.append(random_state)
        return check_random_state(random_state)

    monkeypatch.setattr(base, "check_random_state", counted)
    base.make_rng(1234)
    assert built == []
    with pytest.raises(ValueError):
        base.make_rng(-1)
