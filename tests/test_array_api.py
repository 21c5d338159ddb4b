"""The k-nearest-neighbour estimators under scikit-learn's array API dispatch.

PyTorch on the CPU stands for every device: a fit on a tensor must give the
numpy fit's neighbours, distances and predictions, keep its fitted arrays in
PyTorch on the input's device, and refuse what the device search cannot do.
Tests marked ``cuda`` run the same on a GPU where there is one.
"""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context

from sklearn_dl.neighbors import KNeighborsClassifier, KNeighborsRegressor

torch = pytest.importorskip("torch")
pytest.importorskip("array_api_compat")

TOLERANCE = {np.float64: 1e-12, np.float32: 1e-5}


pytestmark = pytest.mark.usefixtures("array_api_dispatch")  # see conftest.py


def _data(seed, n=400, n_queries=70, d=12, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    Q = rng.standard_normal((n_queries, d)).astype(dtype)
    return X, Q, rng.integers(0, 3, n)


def _host(array):
    return array.cpu().numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("metric", ["minkowski", "euclidean", "sqeuclidean"])
@pytest.mark.parametrize("algorithm", ["brute", "auto"])
def test_kneighbors_equal_the_numpy_search(device, dtype, metric, algorithm):
    X, Q, y = _data(0, dtype=dtype)
    params = dict(n_neighbors=6, metric=metric, algorithm=algorithm)
    ours = KNeighborsRegressor(**params).fit(torch.asarray(X, device=device), y)
    ref = KNeighborsRegressor(**params).fit(X, y)
    for queries in (Q, None):
        dist, ind = ours.kneighbors(
            None if queries is None else torch.asarray(queries, device=device)
        )
        ref_dist, ref_ind = ref.kneighbors(queries)
        assert dist.device.type == ind.device.type == device
        assert_array_equal(_host(ind), ref_ind)
        assert_allclose(_host(dist), ref_dist, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])
    assert ours._fit_method == "brute"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weights", ["uniform", "distance", lambda d: np.exp(-d)])
def test_predictions_equal_the_numpy_fit(device, dtype, weights):
    X, Q, y = _data(1, dtype=dtype)
    Q[:3] = X[:3]  # exact matches: "distance" weights take them only
    Xt, Qt = (torch.asarray(a, device=device) for a in (X, Q))
    weights = (lambda d: torch.exp(-d)) if callable(weights) else weights
    ref_weights = (lambda d: np.exp(-d)) if callable(weights) else weights
    tol = TOLERANCE[dtype]
    clf = KNeighborsClassifier(7, weights=weights).fit(Xt, torch.asarray(y, device=device))
    ref = KNeighborsClassifier(7, weights=ref_weights).fit(X, y)
    assert_array_equal(_host(clf.predict(Qt)), ref.predict(Q))
    assert_allclose(_host(clf.predict_proba(Qt)), ref.predict_proba(Q), rtol=tol, atol=tol)
    y_t = torch.asarray(ref.predict(Q), device=device)
    assert clf.score(Qt, y_t) == pytest.approx(1.0)
    targets = np.stack([y * 1.5, X[:, 0].astype(np.float64)], axis=1)
    reg = KNeighborsRegressor(4, weights=weights).fit(Xt, torch.asarray(targets, device=device))
    ref = KNeighborsRegressor(4, weights=ref_weights).fit(X, targets)
    assert_allclose(_host(reg.predict(Qt)), ref.predict(Q), rtol=tol, atol=tol)
    score = reg.score(Qt, torch.asarray(targets[:70], device=device))
    assert score == pytest.approx(ref.score(Q, targets[:70]), rel=tol)


def test_fitted_arrays_stay_on_the_input_device(device):
    X, Q, y = _data(2)
    Xt = torch.asarray(X, device=device)
    clf = KNeighborsClassifier(3).fit(Xt, torch.asarray(y, device=device))
    reg = KNeighborsRegressor(3).fit(Xt, torch.asarray(y, device=device))
    for array in (clf.classes_, clf._y, clf._fit_X, reg._y, reg._fit_X):
        assert isinstance(array, torch.Tensor)
        assert array.device == Xt.device
    assert_array_equal(_host(clf.classes_), [0, 1, 2])
    assert reg.predict(torch.asarray(Q, device=device)).dtype == torch.float64
    y2 = torch.asarray(np.stack([y, y % 2], axis=1), device=device)
    multi = KNeighborsClassifier(3).fit(Xt, y2)
    assert all(isinstance(c, torch.Tensor) for c in multi.classes_)
    assert multi.predict(torch.asarray(Q, device=device)).shape == (len(Q), 2)


def test_integer_targets_and_labels_from_numpy():
    X, Q, y = _data(3)
    Xt, Qt = torch.asarray(X), torch.asarray(Q)
    reg = KNeighborsRegressor(5).fit(Xt, y)  # integer numpy targets
    assert_allclose(_host(reg.predict(Qt)), KNeighborsRegressor(5).fit(X, y).predict(Q))
    clf = KNeighborsClassifier(5).fit(Xt, y + 10)
    assert_array_equal(_host(clf.predict(Qt)), KNeighborsClassifier(5).fit(X, y + 10).predict(Q))


def test_many_tiles_chunks_and_near_ties():
    # Triplets of points 1e-9 apart, far below float32's resolution: only the
    # exact ranking of the screened candidates orders them. 1 MiB of working
    # memory forces several tiles and chunks.
    rng = np.random.default_rng(4)
    X = np.repeat(rng.standard_normal((700, 8)), 3, axis=0)
    X += 1e-9 * rng.standard_normal(X.shape)
    Q = X[::7] + 1e-7
    with config_context(working_memory=1):
        ours = KNeighborsRegressor(10).fit(torch.asarray(X), np.zeros(len(X)))
        dist, ind = ours.kneighbors(torch.asarray(Q))
        ref_dist, ref_ind = KNeighborsRegressor(10).fit(X, np.zeros(len(X))).kneighbors(Q)
    assert_array_equal(_host(ind), ref_ind)
    assert_allclose(_host(dist), ref_dist, rtol=1e-12, atol=1e-12)


def test_identical_points_keep_every_point_as_a_candidate():
    # Every value ties, so no number of kept points short of all of them is
    # proven enough: the queries are searched again until all are kept, in
    # smaller chunks as they keep more (1 MiB of working memory).
    X = np.zeros((120, 64))
    y = np.arange(120) % 2
    ours = KNeighborsRegressor(5).fit(torch.asarray(X), y)
    ref = KNeighborsRegressor(5, algorithm="brute").fit(X, y)  # ties by index
    for queries in (np.zeros((40, 64)), None):
        with config_context(working_memory=1):
            dist, ind = ours.kneighbors(None if queries is None else torch.asarray(queries))
        ref_dist, ref_ind = ref.kneighbors(queries)
        assert_array_equal(_host(ind), ref_ind)
        assert_array_equal(_host(dist), ref_dist)


def test_huge_values_and_far_queries():
    # Values of 1e20 are centred and scaled; queries 1e20 times farther than
    # the data's radius overflow float32 and are screened in float64. At that
    # distance every point is equally near to float64's precision, so only
    # the distances are compared for them.
    X, Q, y = _data(5, n=200)
    X *= 1e20
    Q = np.vstack([Q * 1e20, Q[:5] * 1e40])
    dist, ind = KNeighborsRegressor(3).fit(torch.asarray(X), y).kneighbors(torch.asarray(Q))
    ref_dist, ref_ind = KNeighborsRegressor(3).fit(X, y).kneighbors(Q)
    assert_array_equal(_host(ind)[:-5], ref_ind[:-5])
    assert_allclose(_host(dist), ref_dist, rtol=1e-12)


def test_kneighbors_graph_is_a_host_sparse_matrix():
    X, Q, y = _data(6)
    ours = KNeighborsClassifier(4).fit(torch.asarray(X), y)
    graph = ours.kneighbors_graph(torch.asarray(Q), mode="distance")
    ref = KNeighborsClassifier(4).fit(X, y).kneighbors_graph(Q, mode="distance")
    assert_allclose(graph.toarray(), ref.toarray(), rtol=1e-12)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"algorithm": "kd_tree"}, "algorithm='kd_tree' does not run under array API"),
        ({"algorithm": "ball_tree"}, "Use algorithm='brute' or 'auto'"),
        ({"metric": "manhattan"}, "Metric 'manhattan' does not run under array API"),
        ({"metric": "cosine"}, "the device search supports"),
        ({"p": 3}, "Metric 'minkowski' does not run"),
        ({"metric": "precomputed"}, "Pass numpy arrays for other metrics"),
    ],
)
def test_unsupported_parts_name_the_alternative(params, match):
    X, _, y = _data(7, n=30)
    with pytest.raises(ValueError, match=match):
        KNeighborsClassifier(3, **params).fit(torch.asarray(X), y)


def test_queries_of_another_namespace_are_refused():
    X, Q, y = _data(8)
    clf = KNeighborsClassifier(3).fit(torch.asarray(X), y)
    for method in ("kneighbors", "predict", "predict_proba"):
        with pytest.raises(ValueError, match=f"{method}\\(\\) must use the same namespace"):
            getattr(clf, method)(Q)
    with pytest.raises(ValueError, match="move_estimator_to"):
        KNeighborsClassifier(3).fit(X, y).predict(torch.asarray(Q))


def test_string_labels_and_partial_fit_are_refused():
    X, _, y = _data(9, n=30)
    Xt = torch.asarray(X)
    with pytest.raises(ValueError, match="Class labels must be numbers under array API"):
        KNeighborsClassifier(3).fit(Xt, np.array(["a", "b", "c"])[y])
    for estimator in (KNeighborsClassifier(3), KNeighborsRegressor(3)):
        with pytest.raises(ValueError, match="partial_fit does not run under array API"):
            estimator.partial_fit(Xt, y)
        estimator.fit(X, y)
        with pytest.raises(ValueError, match="call fit once with all the samples"):
            estimator.partial_fit(Xt, y)


def test_sparse_queries_after_a_device_fit_are_refused():
    sp = pytest.importorskip("scipy.sparse")
    X, Q, y = _data(10)
    clf = KNeighborsClassifier(3).fit(torch.asarray(X), y)
    with pytest.raises(ValueError, match="not compatible with the sparse array input"):
        clf.predict(sp.csr_array(Q))


def test_without_dispatch_a_device_fit_asks_for_it():
    X, Q, y = _data(11)
    clf = KNeighborsClassifier(3).fit(torch.asarray(X), y)
    with config_context(array_api_dispatch=False):
        with pytest.raises(ValueError, match="query it with such arrays and dispatch on"):
            clf.predict(torch.asarray(Q))
        # Tensors are plain array-likes without dispatch: numpy in, numpy out.
        fitted = KNeighborsClassifier(3).fit(torch.asarray(X), y)
        assert isinstance(fitted._fit_X, np.ndarray)
        expected = KNeighborsClassifier(3).fit(X, y).predict(Q)
        assert_array_equal(fitted.predict(torch.asarray(Q)), expected)


def test_move_estimator_to_and_pickle_rebuild_the_index():
    from sklearn.utils._array_api import get_namespace_and_device, move_estimator_to

    X, Q, y = _data(12)
    Qt = torch.asarray(Q)
    ref = KNeighborsClassifier(5).fit(X, y)
    xp, _, device = get_namespace_and_device(Qt)
    on_torch = move_estimator_to(ref, xp, device)
    assert isinstance(on_torch._fit_X, torch.Tensor)
    assert_array_equal(_host(on_torch.predict(Qt)), ref.predict(Q))
    fitted = KNeighborsClassifier(5).fit(torch.asarray(X), torch.asarray(y))
    on_host = move_estimator_to(fitted, np, "cpu")
    assert isinstance(on_host._fit_X, np.ndarray)
    assert_array_equal(on_host.predict(Q), ref.predict(Q))
    loaded = pickle.loads(pickle.dumps(fitted))
    assert_array_equal(_host(loaded.predict(Qt)), ref.predict(Q))


def test_array_api_strict_gives_the_numpy_results():
    # The standard alone, without PyTorch's top-k: a sort takes its place.
    xps = pytest.importorskip("array_api_strict")
    X, Q, y = _data(13)
    ref = KNeighborsClassifier(5, weights="distance").fit(X, y)
    ours = KNeighborsClassifier(5, weights="distance").fit(xps.asarray(X), xps.asarray(y))
    dist, ind = ours.kneighbors(xps.asarray(Q))
    ref_dist, ref_ind = ref.kneighbors(Q)
    assert_array_equal(np.asarray(ind), ref_ind)
    assert_allclose(np.asarray(dist), ref_dist, rtol=1e-12)
    assert_allclose(np.asarray(ours.predict_proba(xps.asarray(Q))), ref.predict_proba(Q))
