"""sklearn_dl on dask: searches on a cluster, and out-of-core training over dask arrays.

One local cluster of two worker processes serves the whole module; it listens
on 127.0.0.1 only and is closed at the end.
"""

import contextlib
import os
import re
import signal
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

_REASON = "the 'dask' extra is not installed (pip install 'sklearn_dl[dask]')"
da = pytest.importorskip("dask.array", reason=_REASON)
distributed = pytest.importorskip("distributed", reason=_REASON)
wrappers = pytest.importorskip("dask_ml.wrappers", reason=_REASON)

import joblib  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, cross_validate  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sklearn_dl import _dask, get_config, set_config  # noqa: E402
from sklearn_dl._engine.data import Data  # noqa: E402
from sklearn_dl.callbacks import Callback  # noqa: E402
from sklearn_dl.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn_dl.neighbors import KNeighborsClassifier, KNeighborsRegressor  # noqa: E402
from sklearn_dl.neural_network import (  # noqa: E402
    Autoencoder,
    MLPClassifier,
    MLPRegressor,
    VariationalAutoencoder,
)
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


@contextlib.contextmanager
def on_the_numpy_path(client):
    """Every fit, here and on the workers, on the numpy path, inside the block.

    A process that has loaded numba computes even small fits with its kernels,
    which agree with numpy to 1e-12, not bit for bit (see the user guide's
    "Faster steps"); this test process may have loaded it and the workers may
    not have. The comparisons below are about the cluster, so both sides take
    the same path.
    """
    before = set_config_everywhere(client, False)
    try:
        yield
    finally:
        set_config_everywhere(client, before)


def set_config_everywhere(client, kernels):
    """Set ``kernels`` here and on every worker; return the setting it had here."""
    before = get_config()["kernels"]
    set_config(kernels=kernels)
    client.run(set_config, kernels=kernels)
    return before


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
    with on_the_numpy_path(client):
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
    with on_the_numpy_path(client):
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


# -- fit on dask arrays: the objective summed where the chunks live ------------------------

ROWS = 60  # rows per chunk: four chunks of the 240 rows of ``dataset``


def on_dask(*arrays):
    """Each array as a dask array of ``ROWS``-row chunks (None stays None)."""
    return [None if a is None else da.from_array(a, chunks=(ROWS, *a.shape[1:])) for a in arrays]


def five_classes(seed):
    X, _, _ = dataset(seed)
    return X, np.digitize(X[:, 0] - X[:, 2] + 0.5 * X[:, 1], [-1.2, -0.4, 0.4, 1.2])


FULL_BATCH = {
    "LinearRegression": (lambda: LinearRegression(), "reg"),
    "LogisticRegression-binary": (
        lambda: LogisticRegression(class_weight="balanced", max_iter=25),
        "binary",
    ),
    "LogisticRegression-5": (
        lambda: LogisticRegression(class_weight={0: 2.0, 4: 0.5}, max_iter=25),
        "five",
    ),
    "LogisticRegression-newton": (lambda: LogisticRegression(solver="newton-cholesky"), "five"),
    "MLPClassifier": (
        lambda: MLPClassifier(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=25, random_state=0),
        "clf",
    ),
    "MLPRegressor": (
        lambda: MLPRegressor(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=25, random_state=0),
        "reg",
    ),
    "Autoencoder": (
        lambda: Autoencoder(n_components=2, solver="lbfgs", max_iter=25, random_state=0),
        "ae",
    ),
}


def training_data(kind):
    X, y_reg, y_clf = dataset(5)
    weight = np.random.default_rng(6).uniform(0.2, 3.0, size=X.shape[0])
    if kind == "five":
        X, y = five_classes(5)
    else:
        y = {"reg": y_reg, "clf": y_clf, "binary": (y_clf == 1).astype(int), "ae": None}[kind]
    return X, y, None if kind == "ae" else weight


def fit(model, X, y, weight):
    if y is None:
        return quietly(model.fit, X)
    return quietly(model.fit, X, y, sample_weight=weight)


@pytest.mark.parametrize("name", list(FULL_BATCH))
def test_a_full_batch_fit_on_a_dask_array_is_the_fit_in_memory(client, name):
    make, kind = FULL_BATCH[name]
    X, y, weight = training_data(kind)
    here = fit(make(), X, y, weight)
    there = fit(make(), *on_dask(X, y, weight))
    again = fit(make(), *on_dask(X, y, weight))

    scale = np.abs(here.network_.params).max()
    np.testing.assert_allclose(
        there.network_.params, here.network_.params, rtol=1e-8, atol=1e-8 * scale
    )
    np.testing.assert_array_equal(again.network_.params, there.network_.params)
    assert there.n_iter_ == here.n_iter_
    (X_dask,) = on_dask(X)
    for got, want in zip(outputs(there, X_dask), outputs(here, X), strict=True):
        assert isinstance(got, da.Array)
        np.testing.assert_allclose(got.compute(), want, rtol=1e-7, atol=1e-9)


def test_a_fit_whitened_by_a_sketch_on_a_dask_array_is_the_fit_in_memory(client, monkeypatch):
    from sklearn_dl._engine.full_batch import FullBatch

    sketches, sketch = [], FullBatch.sketch

    def kept_sketch(self):
        sketches.append(sketch(self))
        return sketches[-1]

    monkeypatch.setattr(FullBatch, "sketch", kept_sketch)
    # 16,000 rows: enough for a sketch of 5,000 (every third row), on correlated features.
    rng = np.random.default_rng(16)
    X = rng.normal(size=(16_000, 5)) @ rng.normal(size=(5, 5))
    y = (X @ rng.normal(size=(5, 3)) + rng.gumbel(size=(16_000, 3))).argmax(axis=1)
    weight = rng.uniform(0.2, 3.0, size=16_000)
    arrays = [da.from_array(a, chunks=(4000, *a.shape[1:])) for a in (X, y, weight)]

    def make():
        return LogisticRegression(class_weight="balanced")

    here = fit(make(), X, y, weight)
    there = fit(make(), *arrays)
    again = fit(make(), *arrays)

    assert len(sketches) == 3 and all(s is not None for s in sketches)
    assert not any(_dask.is_dask(s.train.X) for s in sketches)  # computed to the client
    np.testing.assert_array_equal(sketches[1].train.X, sketches[0].train.X)
    np.testing.assert_array_equal(sketches[1].train.sample_weight, sketches[0].train.sample_weight)
    scale = np.abs(here.network_.params).max()
    np.testing.assert_allclose(
        there.network_.params, here.network_.params, rtol=1e-8, atol=1e-8 * scale
    )
    np.testing.assert_array_equal(again.network_.params, there.network_.params)
    assert there.n_iter_ == here.n_iter_


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_dask_array_with_values_that_are_not_finite_is_refused(client, bad):
    X, _, y = dataset(17)
    X[130, 2] = bad
    with pytest.raises(ValueError, match="Input X contains NaN or infinity"):
        LogisticRegression().fit(*on_dask(X, y))
    X_sparse, y_dask = on_dask(X, y)
    meta = sp.csr_matrix((0, 0), dtype=X.dtype)
    X_sparse = X_sparse.map_blocks(sp.csr_matrix, dtype=X.dtype, meta=meta)
    with pytest.raises(ValueError, match="Input X contains NaN or infinity"):
        LogisticRegression().fit(X_sparse, y_dask)


def test_finite_values_whose_sum_overflows_are_finite(client):
    X = np.full((8, 2), 1e308)
    assert np.isinf(X.sum())
    assert _dask._all_finite(da.from_array(X, chunks=(2, 2)))
    X[5, 1] = np.nan
    assert not _dask._all_finite(da.from_array(X, chunks=(2, 2)))


def sparse_chunks(X):
    """``X`` with most entries zero, as a CSR matrix and as a dask array of CSR chunks."""
    X = np.where(np.random.default_rng(14).random(X.shape) < 0.6, 0.0, X)
    (X_dask,) = on_dask(X)
    meta = sp.csr_matrix((0, 0), dtype=X.dtype)
    return sp.csr_matrix(X), X_dask.map_blocks(sp.csr_matrix, dtype=X.dtype, meta=meta)


@pytest.mark.parametrize("name", ["LogisticRegression-5", "Autoencoder"])
def test_a_dask_array_of_sparse_chunks_fits_as_the_sparse_matrix_in_memory(client, name):
    make, kind = FULL_BATCH[name]
    X, y, weight = training_data(kind)
    X_sparse, X_dask = sparse_chunks(X)
    y_dask, weight_dask = on_dask(y, weight)
    here = fit(make().set_params(max_iter=10), X_sparse, y, weight)
    there = fit(make().set_params(max_iter=10), X_dask, y_dask, weight_dask)

    scale = np.abs(here.network_.params).max()
    np.testing.assert_allclose(
        there.network_.params, here.network_.params, rtol=1e-8, atol=1e-8 * scale
    )
    for got, want in zip(outputs(there, X_dask), outputs(here, X_sparse), strict=True):
        assert isinstance(got, da.Array)
        np.testing.assert_allclose(got.compute(), want, rtol=1e-7, atol=1e-9)


def test_the_chunks_are_evaluated_on_the_workers(client):
    X, y, weight = training_data("binary")
    before = executed_on_workers(client)
    model = quietly(LogisticRegression(max_iter=5).fit, *on_dask(X, y, weight))
    # Every evaluation of F is one task per worker (two), at least once per iteration.
    assert executed_on_workers(client) >= before + 2 * model.n_iter_[0]


def chunk_facts(X, Y, sample_weight):
    return os.getpid(), X.shape[0], float(X[0, 0])


def test_a_run_is_one_task_per_worker_thread_over_about_as_many_chunks(client):
    X = np.arange(40.0).reshape(10, 4)
    runner = _dask.ChunkRunner(da.from_array(X, chunks=(1, 4)))
    numbers = sorted(i for _, chunks in runner.groups for i in chunks)
    assert numbers == list(range(10))
    assert sorted(len(chunks) for _, chunks in runner.groups) == [5, 5]
    before = executed_on_workers(client)
    results = runner.run(chunk_facts)
    assert executed_on_workers(client) == before + 2
    assert [first for _, _, first in results] == X[:, 0].tolist()  # in the order of the chunks
    assert {pid for pid, _, _ in results} == set(client.run(os.getpid).values())


def test_chunks_beyond_a_workers_share_run_on_a_copy_kept_by_another(client):
    first, second = sorted(client.nthreads())
    X = np.arange(80.0).reshape(20, 4)
    # Every chunk on one worker; the last one has 4 rows of the 20.
    X_dask = client.persist(da.from_array(X, chunks=((2,) * 8 + (4,), 4)), workers=[first])
    runner = _dask.ChunkRunner(X_dask)
    where = {i: worker for worker, chunks in runner.groups for i in chunks}
    rows = {worker: 0 for worker in (first, second)}
    for i, n in enumerate(X_dask.chunks[0]):
        rows[where[i]] += n
    assert rows == {first: 10, second: 10}
    for _ in range(2):
        results = runner.run(chunk_facts)
        # The cluster's memory manager drops redundant replicas every 2 s: a
        # chunk fetched for a task alone would be fetched again on the next.
        time.sleep(2.5)
    # Each chunk is held where its task runs: the moved ones are copies under
    # keys of their own, which the memory manager does not take as replicas.
    holders = client.who_has(runner.blocks[0])
    assert all(where[i] in holders[block.key] for i, block in enumerate(runner.blocks[0]))
    pids = client.run(os.getpid)
    assert [pid for pid, _, _ in results] == [pids[where[i]] for i in range(9)]
    assert [first for _, _, first in results] == X[::2, 0][:9].tolist()


def test_a_dask_dataframe_fits_as_the_pandas_one(client):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, y = five_classes(7)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    here = LogisticRegression().fit(frame, y)
    there = LogisticRegression().fit(
        dd.from_pandas(frame, npartitions=4), dd.from_pandas(pd.Series(y), npartitions=4)
    )
    np.testing.assert_allclose(there.coef_, here.coef_, rtol=1e-8, atol=1e-10)
    assert list(there.feature_names_in_) == list(frame.columns)
    predicted = there.predict(dd.from_pandas(frame, npartitions=4))
    np.testing.assert_array_equal(predicted.compute(), here.predict(frame))
    assert there.score(dd.from_pandas(frame, npartitions=4), y) == here.score(frame, y)


def test_scores_on_dask_arrays_are_the_scores_in_memory(client):
    X, y_reg, y_clf = dataset(8)
    weight = np.random.default_rng(8).uniform(0.5, 2.0, size=X.shape[0])
    X_dask, y_reg_dask, y_clf_dask, weight_dask = on_dask(X, y_reg, y_clf, weight)
    regressor = LinearRegression().fit(X, y_reg)
    classifier = LogisticRegression().fit(X, y_clf)
    autoencoder = quietly(Autoencoder(n_components=2, max_iter=10, random_state=0).fit, X)
    for model, y, y_dask in [(regressor, y_reg, y_reg_dask), (classifier, y_clf, y_clf_dask)]:
        np.testing.assert_allclose(model.score(X_dask, y_dask), model.score(X, y), rtol=1e-12)
        np.testing.assert_allclose(
            model.score(X_dask, y_dask, weight_dask),
            model.score(X, y, sample_weight=weight),
            rtol=1e-12,
        )
    np.testing.assert_allclose(autoencoder.score(X_dask), autoencoder.score(X), rtol=1e-12)


@pytest.mark.parametrize("make", [KNeighborsClassifier, KNeighborsRegressor])
def test_nearest_neighbours_search_a_dask_array_chunk_by_chunk(client, make):
    X, y_reg, y_clf = dataset(9)
    y = y_clf if make is KNeighborsClassifier else y_reg
    model = make(n_neighbors=4).fit(X[:150], y[:150])
    (queries,) = on_dask(X[150:])
    for got, want in zip(outputs(model, queries), outputs(model, X[150:]), strict=True):
        assert isinstance(got, da.Array)
        np.testing.assert_array_equal(got.compute(), want)
    distances, indices = model.kneighbors(queries, n_neighbors=3)
    want_distances, want_indices = model.kneighbors(X[150:], n_neighbors=3)
    for got, want in [(distances, want_distances), (indices, want_indices)]:
        assert isinstance(got, da.Array) and got.chunks == ((ROWS, 30), (3,))
        np.testing.assert_array_equal(got.compute(), want)
    only = model.kneighbors(X=queries, return_distance=False)
    np.testing.assert_array_equal(only.compute(), model.kneighbors(X[150:])[1])
    graph = model.kneighbors_graph(queries, mode="distance")
    np.testing.assert_array_equal(
        graph.toarray(), model.kneighbors_graph(X[150:], mode="distance").toarray()
    )


def test_a_variational_autoencoder_scores_a_dask_array_chunk_by_chunk(client):
    X, _, _ = dataset(13)
    model = quietly(VariationalAutoencoder(n_components=2, max_iter=5, random_state=0).fit, X)
    (X_dask,) = on_dask(X)
    elbo = model.score_samples(X_dask)
    assert isinstance(elbo, da.Array) and elbo.chunks == ((ROWS,) * 4,)
    np.testing.assert_array_equal(elbo.compute(), model.score_samples(X))
    np.testing.assert_allclose(model.score(X_dask), model.score(X), rtol=1e-12)


def test_the_client_never_holds_X(client):
    tracemalloc = pytest.importorskip("tracemalloc")
    # 32 MB of X, generated and kept on the workers.
    X = da.random.default_rng(10).normal(size=(400_000, 10), chunks=(100_000, 10))
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    tracemalloc.start()
    try:
        quietly(LogisticRegression(max_iter=5).fit, X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < X.nbytes / 10, f"peak {peak / 2**20:.1f} MiB"


def in_chunks(rows, *arrays):
    """Each array as a dask array of ``rows``-row chunks (None stays None)."""
    return [None if a is None else da.from_array(a, chunks=(rows, *a.shape[1:])) for a in arrays]


def validated_fit(model, X, y, weight, validation):
    if y is None:  # the autoencoder takes its validation rows alone
        return quietly(model.fit, X, validation_data=validation[0])
    return quietly(model.fit, X, y, sample_weight=weight, validation_data=validation)


def assert_same_history(got, want, rtol):
    assert list(got.history_) == list(want.history_) == ["loss", "lr", "val_loss", "val_score"]
    for key, values in want.history_.items():
        np.testing.assert_allclose(got.history_[key], values, rtol=rtol, atol=0, err_msg=key)


@pytest.mark.parametrize("name", ["LogisticRegression-binary", "MLPRegressor", "Autoencoder"])
def test_a_full_batch_fit_on_a_dask_array_validates_on_dask_arrays_as_in_memory(client, name):
    make, kind = FULL_BATCH[name]
    X, y, weight = training_data(kind)
    train = [None if a is None else a[:180] for a in (X, y, weight)]
    validation = [None if a is None else a[180:] for a in (X, y, weight)]

    def make_short():
        return make().set_params(max_iter=8)

    here = validated_fit(make_short(), *train, validation)
    # The validation rows in three chunks of their own: 25, 25 and 10 rows.
    there = validated_fit(make_short(), *on_dask(*train), in_chunks(25, *validation))
    again = validated_fit(make_short(), *on_dask(*train), in_chunks(25, *validation))
    in_memory = validated_fit(make_short(), *on_dask(*train), validation)

    assert there.n_iter_ == here.n_iter_
    assert_same_history(there, here, rtol=1e-8)
    assert_same_history(in_memory, here, rtol=1e-8)
    np.testing.assert_allclose(there.validation_scores_, here.validation_scores_, rtol=1e-8)
    np.testing.assert_allclose(there.best_validation_score_, here.best_validation_score_)
    assert again.history_ == there.history_  # the same bits


def test_the_client_never_holds_the_validation_data(client):
    tracemalloc = pytest.importorskip("tracemalloc")
    X, _, _ = dataset(15, n_features=10)
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    # 128 MB of validation rows, generated and kept on the workers. (The
    # scheduler, in this process, allocates 2-3 MB of its own during a fit:
    # the data must dwarf that.)
    X_val = da.random.default_rng(15).normal(size=(1_600_000, 10), chunks=(400_000, 10))
    y_val = (X_val[:, 0] - X_val[:, 1] > 0).astype(int)
    tracemalloc.start()
    try:
        model = quietly(
            LogisticRegression(max_iter=3).fit, *on_dask(X, y), validation_data=(X_val, y_val)
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < X_val.nbytes / 10, f"peak {peak / 2**20:.1f} MiB"
    assert len(model.history_["val_loss"]) == len(model.history_["loss"])
    assert model.validation_scores_[-1] > 0.9


# -- mini-batch fit on dask arrays: passes over the chunks ---------------------------------


@pytest.mark.parametrize("shuffle", [True, False])
def test_a_mini_batch_fit_on_a_dask_array_is_partial_fit_over_the_chunks(client, shuffle):
    from sklearn_dl._dask import chunk_orders

    X, _, y = dataset(11)
    weight = np.random.default_rng(11).uniform(0.5, 2.0, size=X.shape[0])
    X_dask, y_dask, weight_dask = on_dask(X, y, weight)

    def make():
        return MLPClassifier(
            hidden_layer_sizes=(6,), batch_size=25, max_iter=3, shuffle=shuffle, random_state=0
        )

    streamed = make().fit(X_dask, y_dask, sample_weight=weight_dask)
    loop = make()
    for order in chunk_orders(make(), X_dask.numblocks[0]):
        rows = np.concatenate([np.arange(i * ROWS, (i + 1) * ROWS) for i in order])
        partial_fit_blocks(
            loop, X[rows], y[rows], sample_weight=weight[rows], block_size=ROWS, classes=[0, 1, 2]
        )
    np.testing.assert_array_equal(streamed.network_.params, loop.network_.params)
    assert streamed.n_iter_ == 3


def early_stopping_fit(seed=12, **settings):
    X, _, y = dataset(seed)
    weight = np.random.default_rng(seed).uniform(0.5, 2.0, size=X.shape[0])
    model = LogisticRegression(
        solver="adam",
        learning_rate_init=0.05,
        batch_size=20,
        early_stopping=True,
        n_iter_no_change=1,
        tol=0.01,
        max_iter=40,
        random_state=0,
    )
    return X, y, weight, model.set_params(**settings)


def test_a_mini_batch_fit_on_a_dask_array_stops_early_on_rows_held_out_by_class(client):
    from sklearn_dl._dask import chunk_orders, held_out

    X, y, _, model = early_stopping_fit()
    X_dask, y_dask = on_dask(X, y)
    first = model.fit(X_dask, y_dask)
    again = clone(model).fit(X_dask, y_dask)

    assert 1 < first.n_iter_ < 40
    assert len(first.validation_scores_) == first.n_iter_
    np.testing.assert_array_equal(again.network_.params, first.network_.params)
    assert again.validation_scores_ == first.validation_scores_
    held, per_chunk = held_out(model, X_dask, y_dask, first.classes_)
    held = held.compute()
    assert held.sum() == per_chunk.sum() == 24  # ceil(0.1 * 240)
    assert list(per_chunk) == [held[i : i + ROWS].sum() for i in range(0, 240, ROWS)]
    # Stratified: each class keeps its share of the held-out rows.
    np.testing.assert_allclose(np.bincount(y[held]), 0.1 * np.bincount(y), atol=1)
    # The best pass's parameters are put back; they score that pass's score.
    assert first.score(X[held], y[held]) == first.best_validation_score_

    # One pass trains partial_fit steps on the rows of each chunk not held out.
    one_pass = clone(model).set_params(max_iter=1).fit(X_dask, y_dask)
    loop = clone(model).set_params(early_stopping=False)
    for i in next(chunk_orders(one_pass, 4)):
        kept = np.arange(i * ROWS, (i + 1) * ROWS)[~held[i * ROWS : (i + 1) * ROWS]]
        loop.partial_fit(X[kept], y[kept], classes=[0, 1, 2])
    np.testing.assert_array_equal(one_pass.network_.params, loop.network_.params)


def test_balanced_class_weights_of_a_mini_batch_fit_on_a_dask_array_are_counted_once(client):
    X, y, weight, model = early_stopping_fit(class_weight="balanced", max_iter=4)
    X_dask, y_dask, weight_dask = on_dask(X, y, weight)
    balanced = model.fit(X_dask, y_dask, sample_weight=weight_dask)
    counts = np.bincount(y)
    as_dict = dict(enumerate(len(y) / (len(counts) * counts)))
    given = clone(model).set_params(class_weight=as_dict)
    given.fit(X_dask, y_dask, sample_weight=weight_dask)

    assert balanced.class_weight == "balanced" and balanced.early_stopping
    np.testing.assert_array_equal(balanced.network_.params, given.network_.params)
    assert balanced.validation_scores_ == given.validation_scores_


def test_a_mini_batch_fit_on_a_dask_array_scores_the_validation_data_each_pass(client):
    X, y, _, model = early_stopping_fit(early_stopping=False, max_iter=3)
    X_dask, y_dask = on_dask(X[:180], y[:180])
    fitted = model.fit(X_dask, y_dask, validation_data=(X[180:], y[180:]))
    assert len(fitted.validation_scores_) == fitted.n_iter_ == 3
    assert fitted.validation_scores_[-1] == fitted.score(X[180:], y[180:])
    sparse = clone(model).fit(X_dask, y_dask, validation_data=(sp.csr_matrix(X[180:]), y[180:]))
    assert sparse.validation_scores_ == fitted.validation_scores_


def validation_loss(model, train, validation):
    """The validation loss as a fit in memory logs it: the training rows scale the penalty."""
    objective = model._objective()
    (X, y, weight), (X_val, y_val, weight_val) = train, validation
    weight = model._sample_weight(weight, X, y)
    weight_val = model._sample_weight(weight_val, X_val, y_val)
    Y_val = model._encode_targets(y_val, X_val.dtype, reset=False)
    loss = objective.evaluate(Data(X_val, Y_val, weight_val))
    loss /= len(y_val) if weight_val is None else weight_val.sum()
    return loss + objective.penalty_value() / (len(y) if weight is None else weight.sum())


def test_a_mini_batch_fit_on_a_dask_array_logs_the_validation_loss_each_pass(client):
    X, y, weight, model = early_stopping_fit(
        early_stopping=False, max_iter=3, n_iter_no_change=10, class_weight={0: 2.0, 2: 0.5}
    )
    train, validation = (X[:180], y[:180], weight[:180]), (X[180:], y[180:], weight[180:])
    fitted = model.fit(*on_dask(*train), validation_data=in_chunks(25, *validation))
    again = clone(model).fit(*on_dask(*train), validation_data=in_chunks(25, *validation))
    in_memory = clone(model).fit(*train, validation_data=validation)

    assert list(fitted.history_) == list(in_memory.history_)
    assert len(fitted.history_["val_loss"]) == fitted.n_iter_ == 3
    np.testing.assert_allclose(
        fitted.history_["val_loss"][-1], validation_loss(fitted, train, validation), rtol=1e-8
    )
    assert fitted.history_["val_loss"][0] > fitted.history_["val_loss"][-1]
    assert again.history_ == fitted.history_  # the same bits


def test_a_mini_batch_fit_on_a_dask_array_logs_the_loss_of_the_rows_held_out(client):
    from sklearn_dl._dask import held_out

    X, y, _, model = early_stopping_fit(max_iter=3, n_iter_no_change=10)
    X_dask, y_dask = on_dask(X, y)
    fitted = clone(model).fit(X_dask, y_dask)
    assert len(fitted.history_["val_loss"]) == len(fitted.validation_scores_) == 3
    # One pass: its parameters are the best, those of the fitted model.
    one = clone(model).set_params(max_iter=1).fit(X_dask, y_dask)
    held = held_out(model, X_dask, y_dask, one.classes_)[0].compute()
    train, validation = (X[~held], y[~held], None), (X[held], y[held], None)
    assert one.history_["val_loss"] == fitted.history_["val_loss"][:1]
    np.testing.assert_allclose(
        one.history_["val_loss"][0], validation_loss(one, train, validation), rtol=1e-8
    )


# -- faults ----------------------------------------------------------------------------


class _KillAWorker(Callback):
    """Kill the worker process ``pid`` at the end of epoch ``epoch``."""

    def __init__(self, pid=None, epoch=2):
        self.pid = pid
        self.epoch = epoch

    def on_epoch_end(self, trainer, epoch, logs):
        if epoch == self.epoch:
            os.kill(self.pid, signal.SIGKILL)
        return False


def test_a_worker_dying_mid_fit_costs_a_recomputation_not_the_fit(client):
    X, y, weight = training_data("five")
    data = on_dask(X, y, weight)
    undisturbed = quietly(LogisticRegression(max_iter=12).fit, *data)
    victim = next(iter(client.run(os.getpid).values()))
    disturbed = quietly(
        LogisticRegression(max_iter=12, callbacks=[_KillAWorker(victim)]).fit, *data
    )
    np.testing.assert_array_equal(disturbed.network_.params, undisturbed.network_.params)
    assert victim not in client.run(os.getpid).values()
    client.wait_for_workers(2, timeout=60)  # the nanny restarts it, for tests that follow


def test_the_scaling_out_page_runs_as_written(capsys):
    page = Path(__file__).resolve().parents[1] / "docs" / "user_guide" / "scaling_out.rst"
    block = re.search(r"^\.\. code-block:: python\n\n((?:(?:    .*)?\n)+)", page.read_text(), re.M)
    exec(textwrap.dedent(block.group(1)), {"__name__": "__main__"})
    printed = capsys.readouterr().out.split("\n")
    assert printed[0].startswith("[[") and 0.5 < float(printed[-2]) <= 1.0
