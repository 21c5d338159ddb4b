"""k-nearest-neighbours classification and regression.

:class:`KNeighborsClassifier` and :class:`KNeighborsRegressor` take the
parameters of scikit-learn's estimators of the same names, with the same
meanings, and return the same neighbours. Low-dimensional Minkowski searches
use :class:`scipy.spatial.cKDTree`; the others compare every query with every
fitted point, in chunks, by a single-precision matrix product whose rounding
error is bounded, followed by an exact re-ranking of the few candidates (see
``sklearn_dl._knn_search``).
"""

import sys
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import DistanceMetric
from sklearn.neighbors import VALID_METRICS, VALID_METRICS_SPARSE, BallTree, KDTree

# Not in _validation: these are class markers, not helpers. KNeighborsMixin
# makes scikit-learn's own checks (kneighbors_graph(estimator, ...)) accept
# ours; NeighborsBase recognises scikit-learn's fitted estimators as training data.
from sklearn.neighbors._base import KNeighborsMixin, NeighborsBase
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets

from sklearn_dl import _knn_search as search
from sklearn_dl._validation import (
    Integral,
    Interval,
    Real,
    StrOptions,
    check_is_fitted,
    validate_data,
)

__all__ = ["KNeighborsClassifier", "KNeighborsRegressor"]

_ALL_METRICS = set().union(*VALID_METRICS.values())
# Sparse formats whose stored entries are the graph's edges: a DOK matrix
# drops explicit zeros (a distance of zero), a BSR matrix stores implicit ones.
_GRAPH_FORMATS = ("csr", "csc", "coo", "lil")


def _warn(message, category=UserWarning):
    """Warn at the caller's line: the first frame outside this module."""
    frame, level = sys._getframe(0), 1
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def _effective_metric(metric, p, metric_params):
    """The metric and keyword arguments a search uses, named as scikit-learn does.

    ``minkowski`` becomes ``manhattan``, ``euclidean`` or ``chebyshev`` for
    ``p`` of 1, 2 or infinity without weights ``w``; a ``p`` in
    ``metric_params`` overrides the ``p`` parameter.
    """
    params = dict(metric_params or {})
    if metric != "minkowski":
        return metric, params
    p = params.pop("p", 2 if p is None else p)
    w = params.pop("w", None)
    if w is None and p in (1, 2, np.inf):
        return {1: "manhattan", 2: "euclidean", np.inf: "chebyshev"}[p], params
    return "minkowski", {**params, "p": p, "w": w}


def _neighbor_weights(dist, weights):
    """Weights of each query's neighbours, or None when they are uniform.

    ``"distance"`` weighs a neighbour by ``1 / d``; a query at distance zero
    from some fitted points takes those exact matches only, each with weight 1.
    """
    if weights is None or (isinstance(weights, str) and weights == "uniform"):
        return None
    if isinstance(weights, str):
        with np.errstate(divide="ignore"):
            w = 1.0 / dist
        exact = dist == 0
        hit = exact.any(axis=1)
        w[hit] = exact[hit]
        return w
    w = np.asarray(weights(dist), dtype=np.float64)
    if w.shape != dist.shape:
        raise ValueError(
            f"The weights callable returned an array of shape {w.shape}; it must "
            f"return one weight per neighbour, shape {dist.shape}."
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError(
            "The weights callable must return finite, non-negative weights; it "
            "returned NaN, infinite or negative values."
        )
    if np.any(np.all(w == 0, axis=1)):
        raise ValueError(
            "All neighbors of some sample is getting zero weights. Please modify "
            "'weights' to avoid this case if you are using a user-defined function."
        )
    return w


def _check_magnitude(X, metric, p, metric_params):
    """Reject data so large that distances between its points overflow float64.

    A Minkowski distance of power ``q`` sums ``|x_i - y_i|^q <= (2 max|X|)^q``
    over the features; names other than the Minkowski family count as ``q = 2``
    (squared norms). Callable metrics are the caller's business.
    """
    data = X.data if sp.issparse(X) else X
    if callable(metric) or data.size == 0:
        return
    largest = max(float(data.max()), -float(data.min()))
    if not largest > 0:  # all zeros, or NaN with metric="nan_euclidean"
        return
    name, params = (
        ("", {}) if not isinstance(metric, str) else _effective_metric(metric, p, metric_params)
    )
    q = {"manhattan": 1, "cityblock": 1, "l1": 1, "chebyshev": 1, "infinity": 1}.get(name, 2)
    if name == "minkowski":
        q = float(params["p"]) if np.isfinite(params["p"]) else 1.0
    # Python floats: a huge p gives an infinite bound without a warning.
    log_span, log_n = float(np.log(2 * largest)), float(np.log(X.shape[1]))
    w = params.get("w")
    if w is not None and np.max(w, initial=0) > 0:
        log_n += float(np.log(np.max(w)))
    if max(q * log_span + log_n, log_span + log_n / q) < np.log(np.finfo(np.float64).max):
        return
    minkowski = name == "minkowski"
    kind = f"minkowski (p={params['p']:g})" if minkowski else name or "metric"
    raise ValueError(
        f"X has values as large as {largest:.3g}: {kind} distances between such "
        "points overflow float64. Scale the features first (e.g. "
        "sklearn.preprocessing.StandardScaler or MaxAbsScaler)"
        + (", or use a smaller p." if minkowski else ".")
    )


def _training_samples(X):
    """``X``, or the training samples of a fitted neighbours estimator or tree.

    As in scikit-learn, ``fit`` accepts a fitted NearestNeighbors,
    KNeighbors* or RadiusNeighbors* estimator (ours or scikit-learn's), a
    BallTree or a KDTree in place of ``X``; its samples are fitted again with
    this estimator's own metric and algorithm.
    """
    if isinstance(X, (_KNeighborsBase, NeighborsBase)):
        check_is_fitted(X)
        return X._fit_X
    if isinstance(X, (BallTree, KDTree)):
        return np.asarray(X.data)
    return X


def _check_graph_format(X):
    """Refuse sparse precomputed distances whose stored entries are not the edges."""
    if sp.issparse(X) and X.format not in _GRAPH_FORMATS:
        raise TypeError(
            f"Sparse matrix in {X.format!r} format is not supported due to its "
            "handling of explicit zeros. Pass precomputed distances in CSR, CSC, "
            "COO or LIL format."
        )


def _appendable(estimator):
    """``partial_fit`` exists unless the data is a precomputed distance matrix."""
    if estimator.metric == "precomputed":
        raise AttributeError(
            "partial_fit is not available with metric='precomputed': new rows "
            "would need distances to every sample; call fit with the whole matrix."
        )
    return True


class _KNeighborsBase(KNeighborsMixin, BaseEstimator):
    """Fitting, validation and neighbour search shared by both estimators.

    ``KNeighborsMixin`` only marks the estimators as k-neighbours searchers for
    scikit-learn: both of its public methods are overridden here.
    """

    _parameter_constraints: dict = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "weights": [StrOptions({"uniform", "distance"}), callable, None],
        "algorithm": [StrOptions({"auto", "ball_tree", "kd_tree", "brute"})],
        "leaf_size": [Interval(Integral, 1, None, closed="left")],
        "p": [Interval(Real, 0, None, closed="right"), None],
        "metric": [StrOptions(_ALL_METRICS), callable, DistanceMetric],
        "metric_params": [dict, None],
        "n_jobs": [
            Interval(Integral, None, -1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
            None,
        ],
    }

    def __init__(
        self,
        n_neighbors=5,
        *,
        weights="uniform",
        algorithm="auto",
        leaf_size=30,
        p=2,
        metric="minkowski",
        metric_params=None,
        n_jobs=None,
    ):
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.p = p
        self.metric = metric
        self.metric_params = metric_params
        self.n_jobs = n_jobs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.pairwise = self.metric == "precomputed"
        tags.input_tags.positive_only = tags.input_tags.pairwise
        tags.input_tags.allow_nan = self.metric == "nan_euclidean"
        tags.target_tags.multi_output = True
        return tags

    # -- fitting -------------------------------------------------------------

    def _validate_X(self, X, y="no_validation", reset=True):
        """Validate ``X`` (and ``y`` when given) as scikit-learn's estimators do."""
        precomputed = self.metric == "precomputed"
        if precomputed:
            _check_graph_format(X)
        kwargs = dict(
            accept_sparse="csr",
            dtype=np.float64 if precomputed else (np.float64, np.float32),
            ensure_all_finite="allow-nan" if self.metric == "nan_euclidean" else True,
            reset=reset,
        )
        no_y = isinstance(y, str) and y == "no_validation"
        if no_y:
            X = validate_data(self, X, **kwargs)
        else:
            numeric = isinstance(self, RegressorMixin)
            X, y = validate_data(self, X, y, multi_output=True, y_numeric=numeric, **kwargs)
            if numeric and y.dtype.kind not in "biuf":
                try:
                    y = y.astype(np.float64)
                except ValueError as error:
                    raise ValueError(f"y must hold numbers for a regressor: {error}.") from None
            if numeric and not np.all(np.isfinite(y)):  # None in an object array
                raise ValueError("Input y contains NaN. A missing value such as None is NaN.")
        if not precomputed:
            _check_magnitude(X, self.metric, self.p, self.metric_params)
        if precomputed and (X.data if sp.issparse(X) else X).min(initial=0) < 0:
            whom = "precomputed distance matrix" if sp.issparse(X) else "X"
            raise ValueError(
                f"Negative values in data passed to {whom}. With metric='precomputed', "
                "X holds distances, which are non-negative."
            )
        return X if no_y else (X, y)

    def _fit_data(self, X):
        """Resolve the metric, then store ``X`` and build the search index."""
        if self.metric == "precomputed" and X.shape[0] != X.shape[1]:
            raise ValueError(
                f"Precomputed matrix must be square. Input is a {X.shape[0]}x"
                f"{X.shape[1]} matrix. With metric='precomputed', X must be the "
                "square distance matrix between the training samples."
            )
        self.effective_metric_, self.effective_metric_params_ = _effective_metric(
            self.metric, self.p, self.metric_params
        )
        if self.metric_params and "p" in self.metric_params and self.p is not None:
            _warn(
                "Parameter p is found in metric_params. The corresponding "
                "parameter from __init__ is ignored.",
                SyntaxWarning,
            )
        self._check_metric(X)
        self._fit_parts = [X]
        self.n_samples_fit_ = X.shape[0]
        self._fit_method = self._choose_algorithm(X, warn=True)
        self._index = self._new_index()

    def _check_metric(self, X):
        """Reject a metric the chosen algorithm or sparse input cannot take."""
        algorithm, metric = self.algorithm, self.metric
        if algorithm == "kd_tree" and callable(metric):
            raise ValueError(
                f"kd_tree does not support callable metric '{metric}'. Calling it for "
                "every pair would be very slow; use algorithm='ball_tree' or 'brute'."
            )
        valid = VALID_METRICS.get(algorithm, _ALL_METRICS)
        if isinstance(metric, str) and metric not in valid:
            raise ValueError(
                f"Metric '{metric}' not valid. Use sorted(sklearn.neighbors."
                f"VALID_METRICS['{algorithm}']) to get valid options. Metric can also "
                f"be a callable function. It is not valid for algorithm={algorithm!r}; "
                f"valid metrics are {sorted(valid)}."
            )
        w = self.effective_metric_params_.get("w")
        if w is not None:
            w = np.asarray(w)
            if w.shape != (X.shape[1],) or not np.all(np.isfinite(w)) or np.any(w < 0):
                raise ValueError(
                    "metric_params['w'] must hold one finite, non-negative weight per "
                    f"feature ({X.shape[1]} here); got {w!r}."
                )
        name = self.effective_metric_
        valid = VALID_METRICS_SPARSE["brute"]
        if sp.issparse(X) and isinstance(name, str) and name not in valid:
            raise ValueError(
                f"Metric '{name}' not valid for sparse input. Use sorted(sklearn."
                "neighbors.VALID_METRICS_SPARSE['brute']) to get valid options. "
                f"Metric can also be a callable function. Valid metrics: {sorted(valid)}."
            )

    def _choose_algorithm(self, X, warn):
        """scikit-learn's ``_fit_method`` for this data: kd_tree, ball_tree or brute.

        ``warn`` is False when the index is rebuilt after ``partial_fit`` or
        loading: ``fit`` gave the warnings already.
        """
        metric, params = self.effective_metric_, self.effective_metric_params_
        if sp.issparse(X):
            if warn and self.algorithm in ("kd_tree", "ball_tree"):
                _warn("cannot use tree with sparse input: using brute force")
            return "brute"
        algorithm = self._auto_algorithm(X) if self.algorithm == "auto" else self.algorithm
        if metric == "minkowski" and params["p"] < 1:
            # Not a metric (no triangle inequality): a tree would prune wrongly.
            if algorithm != "brute":
                raise ValueError(
                    f'algorithm="{algorithm}" does not support 0 < p < 1 for the '
                    "Minkowski metric. To resolve this problem either set p >= 1 "
                    'or algorithm="brute".'
                )
            if warn:
                _warn(
                    "Mind that for 0 < p < 1, Minkowski metrics are not distance "
                    "metrics. Continuing the execution with `algorithm='brute'`."
                )
        return algorithm

    def _auto_algorithm(self, X):
        """What ``algorithm='auto'`` means for this data, as in scikit-learn."""
        metric, params = self.effective_metric_, self.effective_metric_params_
        if metric == "precomputed" or X.shape[1] > 15 or self.n_neighbors >= X.shape[0] // 2:
            return "brute"
        if metric == "minkowski" and params["p"] < 1:
            return "brute"
        if metric == "minkowski" and params.get("w") is not None:
            return "ball_tree"
        if isinstance(metric, str) and metric in VALID_METRICS["kd_tree"]:
            return "kd_tree"
        if callable(metric) or (isinstance(metric, str) and metric in VALID_METRICS["ball_tree"]):
            return "ball_tree"
        return "brute"

    def __getstate__(self):
        # The search index (a scipy tree or cached float32 copies) is rebuilt at
        # the first search after loading: pickles stay small, and skops can
        # save them with no foreign types to trust.
        state = dict(super().__getstate__())
        if "_index" in state:
            state["_index"] = None
        return state

    @property
    def _fit_X(self):
        """The training samples; parts appended by ``partial_fit`` are joined once."""
        parts = self._fit_parts
        if len(parts) > 1:
            sparse = sp.issparse(parts[0])
            self._fit_parts = [sp.csr_array(sp.vstack(parts)) if sparse else np.concatenate(parts)]
        return self._fit_parts[0]

    def _new_index(self):
        """The search index of the training samples for ``_fit_method``."""
        X = self._fit_X
        metric, params = self.effective_metric_, self.effective_metric_params_
        if self._fit_method != "brute" and search.tree_supports(metric, params):
            p = search.minkowski_p(metric, params)
            return search.TreeIndex(X, p, self.leaf_size, params.get("w"))
        return _brute_index(X, metric, params)

    def _append(self, X):
        """Add fitted samples; the index is rebuilt at the next search."""
        if sp.issparse(X) != sp.issparse(self._fit_parts[0]):
            X = sp.csr_array(X) if sp.issparse(self._fit_parts[0]) else X.toarray()
        self._fit_parts.append(X)
        self.n_samples_fit_ += X.shape[0]
        self._index = None

    # -- searching -----------------------------------------------------------

    def kneighbors(self, X=None, n_neighbors=None, return_distance=True):
        """Find the k nearest fitted samples of each query.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), or \
(n_queries, n_samples_fit) if metric='precomputed', default=None
            The queries. If None, the neighbours of every fitted sample,
            which is then not its own neighbour.
        n_neighbors : int, default=None
            Number of neighbours; defaults to the ``n_neighbors`` parameter.
        return_distance : bool, default=True
            Whether to return the distances.

        Returns
        -------
        neigh_dist : ndarray of shape (n_queries, n_neighbors)
            Distances to the neighbours, nearest first. Only returned if
            ``return_distance=True``.
        neigh_ind : ndarray of shape (n_queries, n_neighbors)
            Indices of the neighbours among the fitted samples.

        Examples
        --------
        >>> from sklearn_dl.neighbors import KNeighborsRegressor
        >>> knn = KNeighborsRegressor(n_neighbors=1).fit([[0.0], [1.0], [3.0]], [0, 1, 2])
        >>> knn.kneighbors([[2.6]])
        (array([[0.4]]), array([[2]]))
        """
        check_is_fitted(self)
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        _check_n_neighbors(k)
        if X is not None:
            X = self._validate_X(X, reset=False)
        available = self.n_samples_fit_ - (X is None)
        if k > available:
            rule = "n_neighbors < n_samples_fit" if X is None else ("n_neighbors <= n_samples_fit")
            raise ValueError(
                f"Expected {rule}, but n_neighbors = {k}, n_samples_fit = "
                f"{self.n_samples_fit_}, n_samples = "
                f"{self.n_samples_fit_ if X is None else X.shape[0]}."
            )
        dist, ind = self._search(X, k)
        return (dist, ind) if return_distance else ind

    def _search(self, X, k):
        if self._index is None:  # after partial_fit, or loaded from a pickle
            self._fit_method = self._choose_algorithm(self._fit_X, warn=False)
            self._index = self._new_index()
        if sp.issparse(X) and isinstance(self._index, search.TreeIndex):
            raise ValueError(
                f"{self._fit_method} does not work with sparse matrices. Densify the "
                "data, or set algorithm='brute'."
            )
        return self._index.query(X, k, n_jobs=self.n_jobs, exclude_self=X is None)

    def kneighbors_graph(self, X=None, n_neighbors=None, mode="connectivity"):
        """Sparse graph linking each query to its k nearest fitted samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), \
default=None
            The queries; None for the fitted samples (each not its own
            neighbour).
        n_neighbors : int, default=None
            Number of neighbours; defaults to the ``n_neighbors`` parameter.
        mode : {'connectivity', 'distance'}, default='connectivity'
            Edge values: ones, or the distances.

        Returns
        -------
        graph : sparse matrix of shape (n_queries, n_samples_fit)
            CSR matrix; ``graph[i, j]`` is the edge from query ``i`` to fitted
            sample ``j``.

        Examples
        --------
        >>> from sklearn_dl.neighbors import KNeighborsRegressor
        >>> knn = KNeighborsRegressor(n_neighbors=1).fit([[0.0], [1.0], [3.0]], [0, 1, 2])
        >>> knn.kneighbors_graph([[0.2], [2.9]], mode="distance").toarray().round(2)
        array([[0.2, 0. , 0. ],
               [0. , 0. , 0.1]])
        """
        if mode not in ("connectivity", "distance"):
            raise ValueError(
                'Unsupported mode, must be one of "connectivity", or "distance" but '
                f'got "{mode}" instead.'
            )
        dist, ind = self.kneighbors(X, n_neighbors)
        n_queries, k = ind.shape
        data = dist.ravel() if mode == "distance" else np.ones(n_queries * k)
        indptr = np.arange(0, n_queries * k + 1, k)
        graph = sp.csr_array((data, ind.ravel(), indptr), shape=(n_queries, self.n_samples_fit_))
        return graph if get_config()["sparse_interface"] == "sparray" else sp.csr_matrix(graph)

    def _neighbors_and_weights(self, X):
        """Neighbour indices of the queries and their weights (None: uniform)."""
        dist, ind = self.kneighbors(X)
        return ind, _neighbor_weights(dist, self.weights)


def _check_n_neighbors(k):
    """Refuse a number of neighbours that is not a positive integer."""
    rule = "n_neighbors must be a positive integer."
    if isinstance(k, Real) and not isinstance(k, bool) and k <= 0:
        raise ValueError(f"Expected n_neighbors > 0. Got {k}. {rule}")
    if not isinstance(k, Integral) or isinstance(k, bool):
        raise TypeError(f"n_neighbors does not take {type(k)} value, enter integer value. {rule}")


def _brute_index(X, metric, params):
    """The brute-force index (or sparse graph) for this metric and data."""
    if metric == "precomputed":
        return search.PrecomputedIndex(X)
    kinds = {
        "euclidean": "euclidean",
        "l2": "euclidean",
        "sqeuclidean": "sqeuclidean",
        "cosine": "cosine",
    }
    if isinstance(metric, str) and metric in kinds:
        return search.BruteIndex(search.DotSource(X, kinds[metric]))
    p = search.minkowski_p(metric, params) if isinstance(metric, str) else None
    if p is not None and not sp.issparse(X):
        return search.BruteIndex(search.CdistSource(X, p, params.get("w")))
    return search.BruteIndex(search.PairwiseSource(X, metric, params))


class KNeighborsClassifier(ClassifierMixin, _KNeighborsBase):
    """Classifier by a vote among the k nearest training samples.

    A query's class scores are the summed weights of its neighbours in each
    class; :meth:`predict_proba` normalises them and :meth:`predict` takes
    the largest (ties go to the first class in ``classes_``).

    Parameters
    ----------
    n_neighbors : int, default=5
        Number of neighbours that vote.
    weights : {'uniform', 'distance'}, callable or None, default='uniform'
        ``'uniform'`` (or None): equal votes. ``'distance'``: votes weighted
        by ``1 / d``; a query at distance zero from some training samples
        takes the votes of those exact matches only. A callable maps the
        array of distances of shape (n_queries, n_neighbors) to weights of
        the same shape.
    algorithm : {'auto', 'ball_tree', 'kd_tree', 'brute'}, default='auto'
        Search method; every choice returns the exact neighbours.
        ``'kd_tree'`` and ``'ball_tree'`` use a kd-tree for Minkowski
        metrics with ``p >= 1`` and an exact brute-force search otherwise;
        ``'auto'`` picks a tree for at most 15 features and
        ``n_neighbors < n_samples / 2``, and brute force otherwise.
    leaf_size : int, default=30
        Number of points in a leaf of the tree.
    p : float, default=2
        Power of the Minkowski metric: 1 is manhattan, 2 euclidean. Below 1
        it is not a metric: brute force only, with a warning.
    metric : str, callable or DistanceMetric, default='minkowski'
        Distance: 'minkowski', 'euclidean', 'manhattan', 'chebyshev',
        'cosine', any other name scikit-learn's neighbours accept, a callable
        on two 1-D arrays, or 'precomputed' (``X`` is then a distance
        matrix, dense or a sparse graph).
    metric_params : dict, default=None
        Extra keyword arguments of the metric (such as ``w`` for weighted
        Minkowski).
    n_jobs : int, default=None
        Threads of a search. For the tree, None means one. For brute force,
        None means as many as the BLAS library uses.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,) or list of such arrays
        Class labels, one array per output.
    effective_metric_ : str or callable
        The metric used, e.g. 'euclidean' for 'minkowski' with ``p=2``.
    effective_metric_params_ : dict
        Its keyword arguments.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during fit, when ``X`` has string column names.
    n_samples_fit_ : int
        Number of training samples.
    outputs_2d_ : bool
        Whether ``y`` had several columns.

    See Also
    --------
    KNeighborsRegressor : Regression by the k nearest neighbours.

    Examples
    --------
    >>> from sklearn_dl.neighbors import KNeighborsClassifier
    >>> X, y = [[0], [1], [2], [3]], [0, 0, 1, 1]
    >>> clf = KNeighborsClassifier(n_neighbors=3).fit(X, y)
    >>> clf.predict([[1.1]])
    array([0])
    >>> clf.predict_proba([[0.9]]).round(3)
    array([[0.667, 0.333]])
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def fit(self, X, y):
        """Store the training samples and their labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), or \
(n_samples, n_samples) if metric='precomputed'
            Training samples; or a fitted neighbours estimator (ours or
            scikit-learn's), BallTree or KDTree, whose samples are taken.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (numbers or strings).

        Returns
        -------
        self : KNeighborsClassifier
            The fitted classifier.

        Examples
        --------
        >>> from sklearn_dl.neighbors import KNeighborsClassifier
        >>> KNeighborsClassifier(n_neighbors=1).fit([[0], [1]], ["a", "b"]).classes_
        array(['a', 'b'], dtype='<U1')
        """
        return self._fit(X, y, classes=None)

    @available_if(_appendable)
    def partial_fit(self, X, y, classes=None):
        """Append training samples; the first call fits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            New training samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Their labels.
        classes : array-like of shape (n_classes,) or list of them, default=None
            Every label that may appear (one array per output), so that
            ``classes_`` and the columns of :meth:`predict_proba` are complete
            from the first call. Labels seen later are added otherwise.

        Returns
        -------
        self : KNeighborsClassifier
            The updated classifier.

        Examples
        --------
        >>> from sklearn_dl.neighbors import KNeighborsClassifier
        >>> clf = KNeighborsClassifier(n_neighbors=1)
        >>> clf = clf.partial_fit([[0], [1]], [0, 0], classes=[0, 1])
        >>> clf.partial_fit([[5]], [1]).predict([[4]])
        array([1])
        """
        if not hasattr(self, "n_samples_fit_"):
            return self._fit(X, y, classes=classes)
        X, y = self._validate_X(_training_samples(X), y, reset=False)
        codes = self._add_labels(self._label_columns(y), classes)
        self._y = np.concatenate([self._y, codes])
        self._append(X)
        return self

    def _fit(self, X, y, classes):
        self._validate_params()
        X, y = self._validate_X(_training_samples(X), y)
        labels = self._label_columns(y, first=True)
        self._classes = [np.unique(column) for column in labels.T]
        self._y = np.empty((0, labels.shape[1]), dtype=np.intp)
        self._y = self._add_labels(labels, classes)
        self._fit_data(X)
        return self

    def _label_columns(self, y, first=False):
        """Labels as a 2-D array, one column per output."""
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            if first:
                _warn(
                    "A column-vector y was passed when a 1d array was expected. Please "
                    "change the shape of y to (n_samples,), for example using ravel().",
                    DataConversionWarning,
                )
            y = y.ravel()
        check_classification_targets(y)
        if first:
            self.outputs_2d_ = y.ndim == 2
        labels = y.reshape(len(y), -1)
        if not first and labels.shape[1] != len(self._classes):
            raise ValueError(
                f"y has {labels.shape[1]} output(s) but the classifier was fitted "
                f"with {len(self._classes)}."
            )
        return labels

    def _add_labels(self, labels, classes):
        """Codes of ``labels`` in ``classes_``, first adding any new label.

        Labels in ``classes`` (one array per output) join ``classes_`` too;
        the stored codes are re-mapped when ``classes_`` grows.
        """
        given = (
            [None] * labels.shape[1]
            if classes is None
            else (classes if self.outputs_2d_ else [classes])
        )
        codes = np.empty(labels.shape, dtype=np.intp)
        for j, extra in enumerate(given):
            old = self._classes[j]
            new = np.union1d(
                old, labels[:, j] if extra is None else np.union1d(labels[:, j], extra)
            )
            if len(new) > len(old):
                self._y[:, j] = np.searchsorted(new, old)[self._y[:, j]]
            self._classes[j] = new
            codes[:, j] = np.searchsorted(new, labels[:, j])
        self.classes_ = self._classes if self.outputs_2d_ else self._classes[0]
        return codes

    def _scores(self, X):
        """Summed neighbour weights per class: one array per output."""
        ind, weights = self._neighbors_and_weights(X)
        if weights is None:
            weights = np.ones(ind.shape)
        n_queries = ind.shape[0]
        rows = np.repeat(np.arange(n_queries), ind.shape[1])
        labels = self._y[ind.ravel()]
        scores = []
        for j, classes in enumerate(self._classes):
            flat = rows * len(classes) + labels[:, j]
            counts = np.bincount(flat, weights.ravel(), minlength=n_queries * len(classes))
            scores.append(counts.reshape(n_queries, len(classes)))
        return scores

    def predict(self, X):
        """Predict the class of each query.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), or \
(n_queries, n_samples_fit) if metric='precomputed', or None
            Queries; None for the training samples (each not its own
            neighbour).

        Returns
        -------
        y : ndarray of shape (n_queries,) or (n_queries, n_outputs)
            Predicted labels.

        Examples
        --------
        >>> from sklearn_dl.neighbors import KNeighborsClassifier
        >>> clf = KNeighborsClassifier(n_neighbors=1).fit([[0], [4]], ["low", "high"])
        >>> clf.predict([[1], [3]])
        array(['low', 'high'], dtype='<U4')
        """
        check_is_fitted(self)
        columns = [
            classes[np.argmax(score, axis=1)]
            for classes, score in zip(self._classes, self._scores(X), strict=True)
        ]
        return np.stack(columns, axis=1) if self.outputs_2d_ else columns[0]

    def predict_proba(self, X):
        """Class probabilities of each query: its neighbours' weighted vote.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), or \
(n_queries, n_samples_fit) if metric='precomputed', or None
            Queries; None for the training samples (each not its own
            neighbour).

        Returns
        -------
        proba : ndarray of shape (n_queries, n_classes) or list of them
            Probabilities, columns in the order of ``classes_``; one array per
            output for multi-output ``y``.

        Examples
        --------
        >>> from sklearn_dl.neighbors import KNeighborsClassifier
        >>> clf = KNeighborsClassifier(n_neighbors=2).fit([[0], [1], [5]], [0, 1, 1])
        >>> clf.predict_proba([[0.2]])
        array([[0.5, 0.5]])
        """
        check_is_fitted(self)
        probas = [score / score.sum(axis=1, keepdims=True) for score in self._scores(X)]
        return probas if self.outputs_2d_ else probas[0]


class KNeighborsRegressor(RegressorMixin, _KNeighborsBase):
    """Regressor averaging the targets of the k nearest training samples.

    The prediction is ``sum_j w_j y_j / sum_j w_j`` over the neighbours ``j``
    of a query.

    Parameters
    ----------
    n_neighbors : int, default=5
        Number of neighbours averaged.
    weights : {'uniform', 'distance'}, callable or None, default='uniform'
        ``'uniform'`` (or None): a plain mean. ``'distance'``: weights
        ``1 / d``; a query at distance zero from some training samples takes
        the mean of those exact matches. A callable maps the array of
        distances of shape (n_queries, n_neighbors) to weights of the same
        shape.
    algorithm : {'auto', 'ball_tree', 'kd_tree', 'brute'}, default='auto'
        Search method; every choice returns the exact neighbours.
        ``'kd_tree'`` and ``'ball_tree'`` use a kd-tree for Minkowski
        metrics with ``p >= 1`` and an exact brute-force search otherwise;
        ``'auto'`` picks a tree for at most 15 features and
        ``n_neighbors < n_samples / 2``, and brute force otherwise.
    leaf_size : int, default=30
        Number of points in a leaf of the tree.
    p : float, default=2
        Power of the Minkowski metric: 1 is manhattan, 2 euclidean. Below 1
        it is not a metric: brute force only, with a warning.
    metric : str, callable or DistanceMetric, default='minkowski'
        Distance: 'minkowski', 'euclidean', 'manhattan', 'chebyshev',
        'cosine', any other name scikit-learn's neighbours accept, a callable
        on two 1-D arrays, or 'precomputed' (``X`` is then a distance
        matrix, dense or a sparse graph).
    metric_params : dict, default=None
        Extra keyword arguments of the metric (such as ``w`` for weighted
        Minkowski).
    n_jobs : int, default=None
        Threads of a search. For the tree, None means one. For brute force,
        None means as many as the BLAS library uses.

    Attributes
    ----------
    effective_metric_ : str or callable
        The metric used, e.g. 'euclidean' for 'minkowski' with ``p=2``.
    effective_metric_params_ : dict
        Its keyword arguments.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during fit, when ``X`` has string column names.
    n_samples_fit_ : int
        Number of training samples.

    See Also
    --------
    KNeighborsClassifier : Classification by the k nearest neighbours.

    Examples
    --------
    >>> from sklearn_dl.neighbors import KNeighborsRegressor
    >>> X, y = [[0], [1], [2], [3]], [0, 0, 1, 1]
    >>> reg = KNeighborsRegressor(n_neighbors=2).fit(X, y)
    >>> reg.predict([[1.5]])
    array([0.5])
    """

    def fit(self, X, y):
        """Store the training samples and their targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), or \
(n_samples, n_samples) if metric='precomputed'
            Training samples; or a fitted neighbours estimator (ours or
            scikit-learn's), BallTree or KDTree, whose samples are taken.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.

        Returns
        -------
        self : KNeighborsRegressor
            The fitted regressor.

        Examples
        --------
        >>> from sklearn_dl.neighbors import KNeighborsRegressor
        >>> KNeighborsRegressor(n_neighbors=1).fit([[0], [1]], [3.0, 4.0]).n_samples_fit_
        2
        """
        self._validate_params()
        X, self._y = self._validate_X(_training_samples(X), y)
        self._fit_data(X)
        return self

    @available_if(_appendable)
    def partial_fit(self, X, y):
        """Append training samples; the first call fits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            New training samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Their targets.

        Returns
        -------
        self : KNeighborsRegressor
            The updated regressor.

        Examples
        --------
        >>> from sklearn_dl.neighbors import KNeighborsRegressor
        >>> reg = KNeighborsRegressor(n_neighbors=1).partial_fit([[0]], [1.0])
        >>> reg.partial_fit([[10]], [2.0]).predict([[9]])
        array([2.])
        """
        if not hasattr(self, "n_samples_fit_"):
            return self.fit(X, y)
        X, y = self._validate_X(_training_samples(X), y, reset=False)
        if y.ndim != self._y.ndim:
            raise ValueError(
                f"y has {y.ndim} dimension(s) but the fitted targets have "
                f"{self._y.ndim}; partial_fit needs the same shape of targets."
            )
        self._y = np.concatenate([self._y, y])
        self._append(X)
        return self

    def predict(self, X):
        """Predict the target of each query.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), or \
(n_queries, n_samples_fit) if metric='precomputed', or None
            Queries; None for the training samples (each not its own
            neighbour).

        Returns
        -------
        y : ndarray of shape (n_queries,) or (n_queries, n_outputs)
            Predicted targets.

        Examples
        --------
        >>> from sklearn_dl.neighbors import KNeighborsRegressor
        >>> reg = KNeighborsRegressor(n_neighbors=2, weights="distance")
        >>> reg.fit([[0], [1], [4]], [0.0, 1.0, 4.0]).predict([[0.25]])
        array([0.25])
        """
        check_is_fitted(self)
        ind, weights = self._neighbors_and_weights(X)
        targets = self._y[ind]
        if weights is None:
            return targets.mean(axis=1)
        if targets.ndim == 3:
            weights = weights[:, :, None]
        return (weights * targets).sum(axis=1) / weights.sum(axis=1)
