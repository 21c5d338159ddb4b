"""Tests of sklearn_dl.neighbors.

scikit-learn's contract, exact neighbours against scikit-learn's estimators
and against a direct computation, and the errors on bad input.
"""

import pickle
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.spatial.distance import cdist
from sklearn import config_context
from sklearn import neighbors as sk
from sklearn.exceptions import NotFittedError
from sklearn.metrics import DistanceMetric
from sklearn.neighbors._base import KNeighborsMixin
from sklearn.utils.estimator_checks import parametrize_with_checks

import sklearn_dl.neighbors
from sklearn_dl.neighbors import KNeighborsClassifier, KNeighborsRegressor


@parametrize_with_checks(
    [
        KNeighborsClassifier(),
        KNeighborsRegressor(),
        KNeighborsClassifier(weights="distance", algorithm="brute"),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _data(seed, n=300, n_queries=60, d=5, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    Q = rng.standard_normal((n_queries, d)).astype(dtype)
    return X, Q, rng.integers(0, 3, n)


def _exact(X, Q, k, metric="euclidean", **kwargs):
    """Reference neighbours: every distance by scipy, stable sort."""
    D = cdist(np.asarray(Q, float), np.asarray(X, float), metric, **kwargs)
    ind = np.argsort(D, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(D, ind, axis=1), ind


def _manhattan(a, b):
    return np.abs(a - b).sum()


# (metric, p, metric_params, algorithms scikit-learn accepts for it)
METRICS = [
    ("minkowski", 2, None, ("auto", "kd_tree", "ball_tree", "brute")),
    ("minkowski", 1, None, ("auto", "kd_tree", "ball_tree", "brute")),
    ("minkowski", 3, None, ("auto", "kd_tree", "ball_tree", "brute")),
    ("minkowski", 1.5, {"w": np.array([1, 2, 0.5, 1, 3])}, ("auto", "ball_tree", "brute")),
    ("euclidean", 2, None, ("auto", "kd_tree", "ball_tree", "brute")),
    ("manhattan", 2, None, ("auto", "kd_tree", "ball_tree", "brute")),
    ("chebyshev", 2, None, ("auto", "kd_tree", "ball_tree", "brute")),
    ("minkowski", np.inf, None, ("auto", "kd_tree", "ball_tree", "brute")),
    ("cosine", 2, None, ("auto", "brute")),
    ("sqeuclidean", 2, None, ("auto", "brute")),
    ("canberra", 2, None, ("auto", "ball_tree", "brute")),
    (_manhattan, 2, None, ("auto", "ball_tree", "brute")),
]
CASES = [
    (metric, p, params, algorithm, dtype)
    for metric, p, params, algorithms in METRICS
    for algorithm in algorithms
    for dtype in (np.float64, np.float32)
]


@pytest.mark.parametrize("metric, p, params, algorithm, dtype", CASES)
def test_kneighbors_match_sklearn(metric, p, params, algorithm, dtype):
    X, Q, y = _data(0, dtype=dtype)
    kwargs = dict(n_neighbors=7, algorithm=algorithm, metric=metric, p=p, metric_params=params)
    ours = KNeighborsRegressor(**kwargs).fit(X, y)
    theirs = sk.KNeighborsRegressor(**kwargs).fit(X, y)
    # scikit-learn computes some float32 distances in float32; ours are exact.
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    for queries in (Q, None):
        dist, ind = ours.kneighbors(queries)
        sk_dist, sk_ind = theirs.kneighbors(queries)
        assert_array_equal(ind, sk_ind)
        assert_allclose(dist, sk_dist, **tol)
    assert ours.effective_metric_ == theirs.effective_metric_
    assert str(ours.effective_metric_params_) == str(theirs.effective_metric_params_)


def _inverse_square(dist):
    return 1 / (1 + dist**2)


@pytest.mark.parametrize("weights", ["uniform", "distance", _inverse_square])
@pytest.mark.parametrize(
    "algorithm, metric",
    [
        ("kd_tree", "minkowski"),
        ("brute", "minkowski"),
        ("brute", "cosine"),
        ("brute", "precomputed"),
    ],
)
def test_predictions_match_sklearn(weights, algorithm, metric):
    X, Q, y = _data(1)
    if metric == "precomputed":
        X, Q = cdist(X, X), cdist(Q, X)
    targets = y * 1.5 + X[:, 0]
    kwargs = dict(n_neighbors=6, weights=weights, algorithm=algorithm, metric=metric)
    for ours, theirs, target in [
        (KNeighborsClassifier(**kwargs), sk.KNeighborsClassifier(**kwargs), y),
        (KNeighborsRegressor(**kwargs), sk.KNeighborsRegressor(**kwargs), targets),
    ]:
        ours.fit(X, target), theirs.fit(X, target)
        # Distances (hence weights) may differ by rounding.
        for queries in (Q, None):
            assert_allclose(ours.predict(queries), theirs.predict(queries), rtol=1e-10)
        if hasattr(ours, "predict_proba"):
            assert_allclose(ours.predict_proba(Q), theirs.predict_proba(Q), rtol=1e-10)
        assert ours.score(Q, target[:60]) == pytest.approx(theirs.score(Q, target[:60]))


@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize("metric", ["euclidean", "cosine", "manhattan"])
def test_brute_force_many_tiles_and_chunks(n_jobs, metric):
    # More than one tile of fitted points, a partial last tile, several chunks.
    X, Q, y = _data(2, n=4500, n_queries=700, d=12)
    kwargs = dict(n_neighbors=9, algorithm="brute", metric=metric, n_jobs=n_jobs)
    dist, ind = KNeighborsRegressor(**kwargs).fit(X, y).kneighbors(Q)
    sk_dist, sk_ind = sk.KNeighborsRegressor(**kwargs).fit(X, y).kneighbors(Q)
    assert_array_equal(ind, sk_ind)
    assert_allclose(dist, sk_dist, rtol=1e-12, atol=1e-15)


def test_exact_where_the_dot_product_expansion_loses_precision():
    # A large common offset: |x|^2 - 2 x.y + |y|^2 cancels catastrophically,
    # yet the neighbours and distances stay those of |x - y|.
    rng = np.random.default_rng(3)
    X = 1e6 + rng.standard_normal((2000, 8))
    Q = 1e6 + rng.standard_normal((100, 8))
    dist, ind = KNeighborsRegressor(algorithm="brute").fit(X, X[:, 0]).kneighbors(Q)
    ref_dist, ref_ind = _exact(X, Q, 5)
    assert_array_equal(ind, ref_ind)
    assert_allclose(dist, ref_dist, rtol=1e-12)


def test_exact_with_an_outlier_and_near_ties():
    # One far point makes the single-precision bound loose; a dense cluster of
    # nearly equal distances forces many candidates: both fall back safely.
    rng = np.random.default_rng(4)
    X = np.vstack([rng.standard_normal((3000, 6)) * 1e-3, [[1e9] * 6]])
    Q = rng.standard_normal((50, 6)) * 1e-3
    dist, ind = KNeighborsRegressor(n_neighbors=4, algorithm="brute").fit(X, X[:, 0]).kneighbors(Q)
    ref_dist, ref_ind = _exact(X, Q, 4)
    assert_array_equal(ind, ref_ind)
    assert_allclose(dist, ref_dist, rtol=1e-12)


@pytest.mark.parametrize("seed", range(12))
def test_random_shapes_and_duplicates_against_direct_computation(seed):
    rng = np.random.default_rng(seed)
    n, d = rng.integers(1, 400), rng.integers(1, 12)
    k = int(rng.integers(1, n + 1))
    X = rng.standard_normal((n, d)).round(int(rng.integers(0, 3)))
    Q = np.vstack([X[: n // 3], rng.standard_normal((20, d))])
    metric = ["euclidean", "cityblock", "chebyshev"][seed % 3]
    for algorithm in ("brute", "kd_tree"):
        ours = KNeighborsRegressor(n_neighbors=k, algorithm=algorithm, metric=metric)
        dist, ind = ours.fit(X, X[:, 0]).kneighbors(Q)
        ref_dist = _exact(X, Q, k, metric)[0]
        assert_allclose(dist, ref_dist, rtol=1e-12, atol=1e-12)
        assert_allclose(cdist(Q, X, metric)[np.arange(len(Q))[:, None], ind], dist, atol=1e-12)
        assert all(len(set(row)) == k for row in ind)


@pytest.mark.parametrize("algorithm", ["kd_tree", "brute"])
def test_ties_give_the_same_distances(algorithm):
    rng = np.random.default_rng(5)
    X = rng.integers(0, 3, (400, 3)).astype(float)
    Q = rng.integers(0, 3, (50, 3)).astype(float)
    y = rng.integers(0, 2, 400)
    for queries in (Q, None):
        ours = KNeighborsClassifier(n_neighbors=8, algorithm=algorithm).fit(X, y)
        dist, ind = ours.kneighbors(queries)
        sk_dist, _ = sk.KNeighborsClassifier(n_neighbors=8).fit(X, y).kneighbors(queries)
        assert_allclose(dist, sk_dist, atol=1e-12)
        points = X if queries is None else queries
        assert_allclose(np.linalg.norm(points[:, None] - X[ind], axis=2), dist, atol=1e-12)
        if queries is None:
            assert not np.any(ind == np.arange(400)[:, None])


@pytest.mark.parametrize("metric", ["euclidean", "cosine", "manhattan"])
def test_sparse_input(metric):
    rng = np.random.default_rng(6)
    X = sp.random(500, 30, density=0.2, format="csr", random_state=rng)
    Q = sp.random(40, 30, density=0.2, format="csr", random_state=rng)
    y = rng.integers(0, 2, 500)
    theirs = sk.KNeighborsClassifier(metric=metric).fit(X, y)
    sk_dist, sk_ind = theirs.kneighbors(Q)
    for fit_X, queries in [(X, Q), (X, Q.toarray()), (X.toarray(), Q)]:
        ours = KNeighborsClassifier(metric=metric).fit(fit_X, y)
        dist, ind = ours.kneighbors(queries)
        assert_array_equal(ind, sk_ind)
        assert_allclose(dist, sk_dist, rtol=1e-12, atol=1e-15)
    assert_array_equal(ours.predict(Q), theirs.predict(Q))


def test_sparse_precomputed_graph():
    X, Q, y = _data(7, n=80, n_queries=10)
    graph = sk.NearestNeighbors(n_neighbors=10).fit(X).kneighbors_graph(mode="distance")
    ours = KNeighborsClassifier(n_neighbors=4, metric="precomputed").fit(graph, y)
    theirs = sk.KNeighborsClassifier(n_neighbors=4, metric="precomputed").fit(graph, y)
    assert_allclose(ours.kneighbors(graph)[0], theirs.kneighbors(graph)[0])
    assert_array_equal(ours.predict(graph), theirs.predict(graph))
    with pytest.raises(ValueError, match="12 neighbors per samples are required"):
        ours.kneighbors(graph, n_neighbors=12)


def test_multi_output_and_string_labels():
    X, Q, y = _data(8)
    Y = np.column_stack([np.array(["cat", "dog", "eel"])[y], y % 2])
    ours = KNeighborsClassifier(weights="distance").fit(X, Y)
    theirs = sk.KNeighborsClassifier(weights="distance").fit(X, Y)
    assert_array_equal(ours.predict(Q), theirs.predict(Q))
    for a, b in zip(ours.predict_proba(Q), theirs.predict_proba(Q), strict=True):
        assert_allclose(a, b)
    targets = np.column_stack([X[:, 0], y])
    reg = KNeighborsRegressor().fit(X, targets)
    assert_allclose(reg.predict(Q), sk.KNeighborsRegressor().fit(X, targets).predict(Q))
    assert reg.predict(Q).shape == (60, 2)


def test_distance_weights_take_exact_matches():
    X = np.array([[0.0], [1.0], [1.0], [3.0]])
    clf = KNeighborsClassifier(n_neighbors=3, weights="distance").fit(X, [0, 1, 2, 2])
    assert_allclose(clf.predict_proba([[1.0]]), [[0, 0.5, 0.5]])
    reg = KNeighborsRegressor(n_neighbors=3, weights="distance").fit(X, [0, 1, 2, 4])
    assert_allclose(reg.predict([[1.0], [3.0]]), [1.5, 4.0])


@pytest.mark.parametrize("Estimator", [KNeighborsClassifier, KNeighborsRegressor])
def test_partial_fit_appends(Estimator):
    X, Q, y = _data(9)
    whole = Estimator(algorithm="kd_tree").fit(X, y)
    parts = Estimator(algorithm="kd_tree")
    for start in range(0, 300, 70):
        parts.partial_fit(X[start : start + 70], y[start : start + 70])
    assert parts.n_samples_fit_ == 300
    assert_array_equal(parts.kneighbors(Q)[1], whole.kneighbors(Q)[1])
    assert_allclose(parts.predict(Q), whole.predict(Q))


def test_partial_fit_grows_classes():
    X, Q, _ = _data(10)
    clf = KNeighborsClassifier(n_neighbors=1).partial_fit(X[:100], ["b"] * 100)
    assert_array_equal(clf.classes_, ["b"])
    clf.partial_fit(X[100:], np.where(X[100:, 0] > 0, "a", "c"))
    assert_array_equal(clf.classes_, ["a", "b", "c"])
    reference = KNeighborsClassifier(n_neighbors=1).fit(
        X, np.r_[["b"] * 100, np.where(X[100:, 0] > 0, "a", "c")]
    )
    assert_array_equal(clf.predict(Q), reference.predict(Q))
    declared = KNeighborsClassifier().partial_fit(X, np.zeros(300, int), classes=[0, 1])
    assert declared.predict_proba(Q).shape == (60, 2)


def test_partial_fit_is_absent_for_precomputed():
    estimator = KNeighborsClassifier(metric="precomputed")
    assert not hasattr(estimator, "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit") as error:
        estimator.partial_fit(np.eye(3), [0, 1, 1])
    assert "metric='precomputed'" in str(error.value.__cause__)


@pytest.mark.parametrize("mode", ["connectivity", "distance"])
def test_kneighbors_graph_matches_sklearn(mode):
    X, Q, y = _data(11)
    ours = KNeighborsClassifier(n_neighbors=3).fit(X, y)
    theirs = sk.KNeighborsClassifier(n_neighbors=3).fit(X, y)
    for queries in (Q, None):
        graph = ours.kneighbors_graph(queries, mode=mode)
        assert sp.issparse(graph) and graph.format == "csr"
        assert_allclose(graph.toarray(), theirs.kneighbors_graph(queries, mode=mode).toarray())


def test_other_metrics_and_metric_objects():
    X, Q, y = _data(12)
    X_nan = X.copy()
    X_nan[::7, 1] = np.nan
    for metric, fit_X in [("nan_euclidean", X_nan), (DistanceMetric.get_metric("l1"), X)]:
        dist, ind = KNeighborsRegressor(metric=metric).fit(fit_X, y).kneighbors(Q)
        sk_dist, sk_ind = sk.KNeighborsRegressor(metric=metric).fit(fit_X, y).kneighbors(Q)
        assert_array_equal(ind, sk_ind)
        assert_allclose(dist, sk_dist, rtol=1e-12)


def test_feature_names_and_pickle():
    pd = pytest.importorskip("pandas")
    X, Q, y = _data(13)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    clf = KNeighborsClassifier().fit(frame, y)
    assert_array_equal(clf.feature_names_in_, frame.columns)
    clf.partial_fit(frame.iloc[:10], y[:10])
    restored = pickle.loads(pickle.dumps(clf))
    queries = pd.DataFrame(Q, columns=frame.columns)
    assert_array_equal(restored.predict(queries), clf.predict(queries))


@pytest.mark.parametrize("algorithm", ["brute", "kd_tree"])
def test_extra_memory_stays_within_working_memory(algorithm):
    X, _, y = _data(14, n=12000, d=4)
    ours = KNeighborsRegressor(algorithm=algorithm, n_jobs=2).fit(X, y)
    rng = np.random.default_rng(14)
    for n_queries in (100, 1000):
        Q = rng.standard_normal((n_queries, 4))
        with config_context(working_memory=1):
            tracemalloc.start()
            dist, ind = ours.kneighbors(Q)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        queries_and_results = Q.nbytes + 2 * dist.nbytes + 2 * ind.nbytes
        assert peak - queries_and_results <= 2**20
    assert_array_equal(ind, _exact(X, Q, 5)[1])


def test_bad_input_errors():
    X, Q, y = _data(15, n=20)
    clf = KNeighborsClassifier().fit(X, y)
    with pytest.raises(ValueError, match="n_neighbors <= n_samples_fit"):
        KNeighborsClassifier(n_neighbors=21).fit(X, y).predict(Q)
    with pytest.raises(ValueError, match="n_neighbors < n_samples_fit"):
        clf.kneighbors(n_neighbors=20)
    for bad in (0, -3):
        with pytest.raises(ValueError, match="n_neighbors"):
            KNeighborsClassifier(n_neighbors=bad).fit(X, y)
        with pytest.raises(ValueError, match="n_neighbors must be a positive integer"):
            clf.kneighbors(Q, n_neighbors=bad)
    with pytest.raises(TypeError, match="n_neighbors must be a positive integer"):
        clf.kneighbors(Q, n_neighbors=2.5)
    with pytest.raises(ValueError, match="'metric' parameter"):
        KNeighborsClassifier(metric="no-such-metric").fit(X, y)
    with pytest.raises(ValueError, match="not valid for algorithm='kd_tree'"):
        KNeighborsClassifier(metric="cosine", algorithm="kd_tree").fit(X, y)
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(np.where(Q > 1, np.nan, Q))
    with pytest.raises(ValueError, match="X has 4 features"):
        clf.predict(Q[:, :4])
    with pytest.raises(ValueError, match="zero weights"):
        KNeighborsClassifier(weights=np.zeros_like).fit(X, y).predict(Q)
    with pytest.raises(ValueError, match="zero weights"):
        KNeighborsRegressor(weights=np.zeros_like).fit(X, y).predict(Q)
    with pytest.raises(ValueError, match="does not work with sparse matrices"):
        KNeighborsClassifier(algorithm="kd_tree").fit(X, y).predict(sp.csr_matrix(Q))
    with pytest.raises(ValueError, match="square"):
        KNeighborsClassifier(metric="precomputed").fit(cdist(X, X)[:, :10], y)


SEMIMETRIC_WARNING = (
    "Mind that for 0 < p < 1, Minkowski metrics are not distance metrics. "
    "Continuing the execution with `algorithm='brute'`."
)


@pytest.mark.parametrize("algorithm", ["auto", "brute"])
def test_p_below_one_warns_and_uses_brute_force(algorithm):
    X, Q, y = _data(16)
    with pytest.warns(UserWarning, match=SEMIMETRIC_WARNING):
        theirs = sk.KNeighborsRegressor(p=0.5, algorithm=algorithm).fit(X, y)
    with pytest.warns(UserWarning, match=SEMIMETRIC_WARNING) as record:
        ours = KNeighborsRegressor(p=0.5, algorithm=algorithm).fit(X, y)
    assert record[0].filename == __file__  # points at the caller's line
    assert ours._fit_method == "brute"
    assert_array_equal(ours.kneighbors(Q)[1], theirs.kneighbors(Q)[1])
    with pytest.warns(UserWarning, match=SEMIMETRIC_WARNING):
        KNeighborsRegressor(metric_params={"p": 0.5}, p=None).fit(X, y)


@pytest.mark.parametrize("algorithm", ["kd_tree", "ball_tree"])
def test_p_below_one_with_a_tree_is_scikit_learns_error(algorithm):
    X, _, y = _data(16, n=20)
    message = (
        f'algorithm="{algorithm}" does not support 0 < p < 1 for the Minkowski metric. '
        'To resolve this problem either set p >= 1 or algorithm="brute".'
    )
    for Estimator in (KNeighborsClassifier, KNeighborsRegressor):
        with pytest.raises(ValueError, match=message):
            Estimator(p=0.5, algorithm=algorithm).fit(X, y)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"n_neighbors": 150},
        {"metric": "cosine"},
        {"metric": "canberra"},
        {"metric": _manhattan},
        {"metric": "minkowski", "p": 3, "metric_params": {"w": np.ones(5)}},
        {"metric": "precomputed"},
        {"algorithm": "ball_tree"},
    ],
)
def test_fit_method_means_what_scikit_learn_chose(params):
    X, _, y = _data(17)
    if params.get("metric") == "precomputed":
        X = cdist(X, X)
    ours = KNeighborsClassifier(**params).fit(X, y)
    assert ours._fit_method == sk.KNeighborsClassifier(**params).fit(X, y)._fit_method


def _fitted_sources(X, y):
    """Fitted neighbours estimators and trees of both libraries over ``X``."""
    ours_in_parts = (
        KNeighborsRegressor().partial_fit(X[:100], y[:100]).partial_fit(X[100:], y[100:])
    )
    return [
        sk.NearestNeighbors().fit(X),
        sk.KNeighborsClassifier().fit(X, y),
        sk.RadiusNeighborsRegressor().fit(X, y),
        sk.BallTree(X),
        sk.KDTree(X),
        KNeighborsClassifier(metric="manhattan").fit(X, y),
        ours_in_parts,
    ]


@pytest.mark.parametrize("Estimator", [KNeighborsClassifier, KNeighborsRegressor])
def test_fit_takes_a_fitted_neighbours_estimator_or_tree(Estimator):
    X, Q, y = _data(18)
    reference = Estimator(n_neighbors=4).fit(X, y)
    for source in _fitted_sources(X, y):
        ours = Estimator(n_neighbors=4).fit(source, y)
        assert ours.n_samples_fit_ == 300 and ours.n_features_in_ == 5
        for queries in (Q, None):
            assert_array_equal(ours.kneighbors(queries)[1], reference.kneighbors(queries)[1])
        assert_allclose(ours.predict(Q), reference.predict(Q))
    with pytest.raises(NotFittedError):
        Estimator().fit(sk.NearestNeighbors(), y)


@pytest.mark.parametrize("fmt", ["dok", "bsr"])
def test_sparse_precomputed_formats_that_lose_explicit_zeros_are_refused(fmt):
    X, Q, y = _data(19, n=40, n_queries=10)
    D, DQ = cdist(X, X), cdist(Q, X)
    ours = KNeighborsRegressor(metric="precomputed").fit(D, y)
    message = (
        f"Sparse matrix in '{fmt}' format is not supported due to its handling of explicit zeros"
    )
    with pytest.raises(TypeError, match=message):
        ours.predict(sp.csr_matrix(DQ).asformat(fmt))
    with pytest.raises(TypeError, match=message):
        KNeighborsRegressor(metric="precomputed").fit(sp.csr_matrix(D).asformat(fmt), y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.EfficiencyWarning")
@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "lil"])
def test_sparse_precomputed_queries_are_graphs_whatever_was_fitted(fmt):
    # As in scikit-learn, sparse queries are searched over their stored entries
    # only, also after a dense fit; dense queries after a sparse fit are searched whole.
    X, Q, y = _data(20, n=40, n_queries=10)
    D, DQ = cdist(X, X), cdist(Q, X)
    graph = sp.csr_matrix(np.where(DQ < np.median(DQ), DQ, 0)).asformat(fmt)
    for fitted in (D, sp.csr_matrix(D)):
        ours = KNeighborsRegressor(metric="precomputed").fit(fitted, y)
        theirs = sk.KNeighborsRegressor(metric="precomputed").fit(fitted, y)
        for queries in (graph, DQ):
            assert_allclose(ours.predict(queries), theirs.predict(queries))


def _error(call):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    return type(info.value), str(info.value)


def _bad_calls(lib, X, Q, y):
    """Calls that fail, on the estimators of ``lib`` (ours or scikit-learn's)."""
    clf = lib.KNeighborsClassifier(n_neighbors=3).fit(X, y)
    pre = lib.KNeighborsClassifier(metric="precomputed")
    graph = sk.NearestNeighbors(n_neighbors=3).fit(X).kneighbors_graph(mode="distance")
    D, DQ = cdist(X, X), cdist(Q, X)
    return {
        "zero": lambda: clf.kneighbors(Q, n_neighbors=0),
        "float": lambda: clf.kneighbors(Q, n_neighbors=2.5),
        "too many": lambda: clf.kneighbors(Q, n_neighbors=21),
        "too many, X=None": lambda: clf.kneighbors(n_neighbors=20),
        "mode": lambda: clf.kneighbors_graph(Q, mode="weights"),
        "metric": lambda: lib.KNeighborsClassifier(metric="cosine", algorithm="kd_tree").fit(X, y),
        "sparse": lambda: lib.KNeighborsClassifier(metric="haversine").fit(sp.csr_matrix(X), y),
        "square": lambda: pre.fit(D[:, :10], y),
        "negative": lambda: pre.fit(-D, y),
        "negative sparse": lambda: pre.fit(-sp.csr_matrix(D), y),
        "graph": lambda: pre.fit(graph, y).kneighbors(graph, n_neighbors=4),
        "dok": lambda: pre.fit(D, y).predict(sp.dok_matrix(DQ)),
        "tree": lambda: (
            lib.KNeighborsClassifier(algorithm="kd_tree").fit(X, y).kneighbors(sp.csr_matrix(Q))
        ),
        "weights": lambda: lib.KNeighborsClassifier(weights=np.zeros_like).fit(X, y).predict(Q),
        "callable": lambda: lib.KNeighborsClassifier(metric=_manhattan, algorithm="kd_tree").fit(
            X, y
        ),
    }


def test_error_messages_begin_with_scikit_learns():
    X, Q, y = _data(21, n=20)
    ours = _bad_calls(sklearn_dl.neighbors, X, Q, y)
    theirs = _bad_calls(sk, X, Q, y)
    for name, call in ours.items():
        kind, message = _error(call)
        their_kind, their_message = _error(theirs[name])
        if name == "callable":  # scikit-learn runs on into a second sentence with no space
            their_message = their_message.split("Function call")[0]
        assert kind is their_kind, name
        assert message.startswith(their_message), (name, message, their_message)


def test_sklearn_kneighbors_graph_takes_ours():
    # Ours are KNeighborsMixin for scikit-learn, which overrides none of our methods.
    X, _, y = _data(22)
    ours = KNeighborsClassifier(n_neighbors=3).fit(X, y)
    for include_self in (False, True):
        graph = sk.kneighbors_graph(ours, 3, mode="distance", include_self=include_self)
        expected = sk.kneighbors_graph(X, 3, mode="distance", include_self=include_self)
        assert_allclose(graph.toarray(), expected.toarray())
    for name in dir(KNeighborsMixin):
        if not name.startswith("_"):
            assert getattr(KNeighborsClassifier, name) is not getattr(KNeighborsMixin, name)
