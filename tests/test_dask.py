"""sklearn_dl on dask: searches on a cluster, and out-of-core training over dask arrays.

One local cluster of two worker processes serves the whole module; it listens
on 127.0.0.1 only and is closed at the end.
"""

import warnings

import numpy as np
import pytest

_REASON = "the 'dask' extra is not installed (pip install 'sklearn_dl[dask]')"
da = pytest.importorskip("dask.array", reason=_REASON)
distributed = pytest.importorskip("distributed", reason=_REASON)
wrappers = pytest.importorskip("dask_ml.wrappers", reason=_REASON)

import joblib  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, cross_validate  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sklearn_dl.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn_dl.neighbors import KNeighborsClassifier, KNeighborsRegressor  # noqa: E402
from sklearn_dl.neural_network import Autoencoder, MLPClassifier, MLPRegressor  # noqa: E402
from sklearn_dl.streaming import partial_fit_blocks  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    with cluster, distributed.Client(cluster) as connected:
        yield connected


def dataset(seed, n_samples=240, n_features=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    y_reg = X @ rng.normal(size=n_features) + 0.1 * rng.normal(size=n_samples)
    y_clf = np.digitize(X[:, 0] - X[:, 2], [-0.5, 0.5])  # three classes
    return X, y_reg, y_clf


def quietly(function, *args, **kwargs):
    """Call ``function``; short test fits may stop before converging."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return function(*args, **kwargs)


# -- searches on the cluster ----------------------------------------------------------

SEARCHED = [
    (lambda: LinearRegression(solver="sgd", max_iter=20, random_state=0), "reg"),
    (lambda: LogisticRegression(), "clf"),
    (lambda: MLPRegressor(hidden_layer_sizes=(6,), max_iter=20, random_state=0), "reg"),
    (lambda: MLPClassifier(hidden_layer_sizes=(6,), max_iter=20, random_state=0), "clf"),
    (lambda: Autoencoder(n_components=2, max_iter=20, random_state=0), "ae"),
    (lambda: KNeighborsRegressor(n_neighbors=4), "reg"),
    (lambda: KNeighborsClassifier(n_neighbors=4), "clf"),
]
IDS = [
    "LinearRegression",
    "LogisticRegression",
    "MLPRegressor",
    "MLPClassifier",
    "Autoencoder",
    "KNeighborsRegressor",
    "KNeighborsClassifier",
]


def target(kind, y_reg, y_clf):
    return {"reg": y_reg, "clf": y_clf, "ae": None}[kind]


@pytest.mark.parametrize(("make", "kind"), SEARCHED, ids=IDS)
def test_cross_validate_on_the_cluster_matches_the_sequential_run(client, make, kind):
    X, y_reg, y_clf = dataset(0)
    y = target(kind, y_reg, y_clf)
    cv = KFold(3, shuffle=True, random_state=0)
    sequential = quietly(cross_validate, make(), X, y, cv=cv, return_estimator=True)
    with joblib.parallel_config(backend="dask"):
        distributed_run = quietly(
            cross_validate, make(), X, y, cv=cv, n_jobs=-1, return_estimator=True
        )
    np.testing.assert_array_equal(distributed_run["test_score"], sequential["test_score"])
    for here, there in zip(sequential["estimator"], distributed_run["estimator"], strict=True):
        if kind == "ae":
            np.testing.assert_array_equal(there.transform(X), here.transform(X))
        else:
            np.testing.assert_array_equal(there.predict(X), here.predict(X))


def test_grid_search_on_the_cluster_matches_the_sequential_run(client):
    X, _, y = dataset(1)
    pipeline = make_pipeline(
        StandardScaler(), MLPClassifier(hidden_layer_sizes=(6,), max_iter=30, random_state=0)
    )
    grid = {
        "mlpclassifier__alpha": [1e-4, 1e-1],
        "mlpclassifier__solver": ["adam", "lbfgs"],
        "mlpclassifier__batch_norm": [False, True],
    }
    sequential = quietly(GridSearchCV(pipeline, grid, cv=3).fit, X, y)
    with joblib.parallel_config(backend="dask"):
        search = quietly(GridSearchCV(pipeline, grid, cv=3, n_jobs=-1).fit, X, y)
    for key in [f"split{i}_test_score" for i in range(3)] + ["rank_test_score", "params"]:
        assert list(search.cv_results_[key]) == list(sequential.cv_results_[key]), key
    assert search.best_params_ == sequential.best_params_
    np.testing.assert_array_equal(
        search.best_estimator_.predict_proba(X), sequential.best_estimator_.predict_proba(X)
    )


def executed_on_workers(client):
    counts = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert len(counts) == 2
    return sum(counts.values())


def test_the_fits_run_on_the_workers(client):
    X, _, y = dataset(2)
    before = executed_on_workers(client)
    with joblib.parallel_config(backend="dask"):
        cross_validate(LogisticRegression(), X, y, cv=4, n_jobs=-1)
    assert executed_on_workers(client) >= before + 4


# -- dask-ml's Incremental ------------------------------------------------------------

INCREMENTAL = [
    (lambda: LinearRegression(solver="sgd", random_state=0), "reg", {}),
    (lambda: LogisticRegression(solver="adam", random_state=0), "clf", {"classes": [0, 1, 2]}),
    (lambda: MLPRegressor(hidden_layer_sizes=(6,), random_state=0), "reg", {}),
    (lambda: MLPClassifier(hidden_layer_sizes=(6,), random_state=0), "clf", {"classes": [0, 1, 2]}),
    (lambda: Autoencoder(n_components=2, random_state=0), "ae", {}),
    (lambda: KNeighborsRegressor(n_neighbors=3), "reg", {}),
    (lambda: KNeighborsClassifier(n_neighbors=3), "clf", {"classes": [0, 1, 2]}),
]


def outputs(model, X):
    if isinstance(model, Autoencoder):
        return [model.transform(X), model.inverse_transform(model.transform(X))]
    found = [model.predict(X)]
    if hasattr(model, "predict_proba"):
        found.append(model.predict_proba(X))
    return found


@pytest.mark.parametrize(("make", "kind", "fit_params"), INCREMENTAL, ids=IDS)
def test_incremental_gives_the_model_of_a_partial_fit_loop(client, make, kind, fit_params):
    X, y_reg, y_clf = dataset(3, n_samples=300)
    y = target(kind, y_reg, y_clf)
    X_dask = da.from_array(X, chunks=(75, X.shape[1]))
    y_dask = None if y is None else da.from_array(y, chunks=75)

    incremental = wrappers.Incremental(make(), shuffle_blocks=False).fit(
        X_dask, y_dask, **fit_params
    )

    loop = make()
    for start in range(0, 300, 75):
        rows = slice(start, start + 75)
        if y is None:
            loop.partial_fit(X[rows], **fit_params)
        else:
            loop.partial_fit(X[rows], y[rows], **fit_params)
    streamed = partial_fit_blocks(make(), X_dask, y_dask)  # the dask array's own chunks

    for got, want, also in zip(
        outputs(incremental.estimator_, X), outputs(loop, X), outputs(streamed, X), strict=True
    ):
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(also, want)


def test_streaming_a_dask_array_larger_than_a_block(client):
    # A lazily generated array: each block is computed on the cluster when it is needed.
    X = da.random.default_rng(4).normal(size=(4000, 6), chunks=(1000, 6))
    y = X @ da.from_array(np.arange(1.0, 7.0)) + 2.0
    model = partial_fit_blocks(
        LinearRegression(solver="adam", learning_rate_init=0.1, random_state=0), X, y, epochs=8
    )
    assert len(model.loss_curve_) == 4 * 8
    np.testing.assert_allclose(model.coef_, np.arange(1.0, 7.0), atol=0.05)
    np.testing.assert_allclose(model.intercept_, 2.0, atol=0.05)
