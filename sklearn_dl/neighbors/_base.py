"""The base of the k-nearest-neighbour estimators: parameters, fitting and search.

:class:`_KNeighborsBase` validates the data, resolves the metric, chooses the
algorithm as scikit-learn does, keeps the training samples and their search
index (see :mod:`._search`), and answers ``kneighbors`` and
``kneighbors_graph``. The classifier and the regressor add only what they do
with the neighbours' targets.
"""

from __future__ import annotations

import math
import sys
import warnings

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from sklearn import get_config
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.metrics import DistanceMetric
from sklearn.neighbors import VALID_METRICS, VALID_METRICS_SPARSE, BallTree, KDTree

from .._array_api import namespace, namespace_name, on_device, to_numpy
from .._dask import chunkwise
from .._validation import (
    Integral,
    Interval,
    KNeighborsMixin,
    NeighborsBase,
    QuickParams,
    Real,
    StrOptions,
    check_is_fitted,
    check_same_namespace,
    convert_arrays,
    validate_data,
)
from . import _search as search
from ._device_search import DEVICE_METRICS, DeviceBruteIndex

_ALL_METRICS = set().union(*VALID_METRICS.values())
# Sparse formats whose stored entries are the graph's edges: a DOK matrix
# drops explicit zeros (a distance of zero), a BSR matrix stores implicit ones.
_GRAPH_FORMATS = ("csr", "csc", "coo", "lil")


def _warn(message, category=UserWarning):
    """Warn at the caller's line: the first frame outside this package."""
    frame, level = sys._getframe(0), 1
    while frame is not None and _in_package(frame.f_globals.get("__name__", "")):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def _in_package(module):
    """Whether ``module`` is sklearn_dl.neighbors or one of its modules."""
    return module == __package__ or module.startswith(__package__ + ".")


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
    The weights are in the namespace of ``dist``.
    """
    if weights is None or (isinstance(weights, str) and weights == "uniform"):
        return None
    xp, device = namespace(dist)
    if isinstance(weights, str):
        with np.errstate(divide="ignore"):
            w = 1.0 / dist
        exact = dist == 0
        hit = xp.any(exact, axis=1, keepdims=True)
        return xp.where(hit, xp.astype(exact, dist.dtype), w)
    w = xp.asarray(weights(dist), dtype=dist.dtype, device=device)
    if w.shape != dist.shape:
        raise ValueError(
            f"The weights callable returned an array of shape {w.shape}; it must "
            f"return one weight per neighbour, shape {dist.shape}."
        )
    if not bool(xp.all(xp.isfinite(w))) or bool(xp.any(w < 0)):
        raise ValueError(
            "The weights callable must return finite, non-negative weights; it "
            "returned NaN, infinite or negative values."
        )
    if bool(xp.any(xp.all(w == 0, axis=1))):
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
    if callable(metric) or math.prod(data.shape) == 0:
        return
    xp, _ = namespace(data)
    largest = max(float(xp.max(data)), -float(xp.min(data)))
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


class _KNeighborsBase(KNeighborsMixin, QuickParams, BaseEstimator):
    """The training samples and the search over them, shared by both estimators.

    Its one job is to answer "which fitted samples are nearest to these
    queries": it validates the data, resolves the metric and the algorithm,
    keeps the samples (appended to by ``partial_fit``) with their search
    index, and implements ``kneighbors`` and ``kneighbors_graph``. What the
    neighbours' targets give is the subclasses' business.

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
        tags.array_api_support = True
        return tags

    # -- fitting -------------------------------------------------------------

    def _validate_X(self, X, y="no_validation", reset=True):
        """Validate ``X`` (and ``y`` when given) as scikit-learn's estimators do."""
        precomputed = self.metric == "precomputed"
        if precomputed:
            _check_graph_format(X)
        xp, _ = namespace(X)
        if on_device(xp) and reset:
            self._check_device_support(xp)
        kwargs = dict(
            accept_sparse="csr",
            dtype=xp.float64 if precomputed else (xp.float64, xp.float32),
            ensure_all_finite="allow-nan" if self.metric == "nan_euclidean" else True,
            reset=reset,
        )
        no_y = isinstance(y, str) and y == "no_validation"
        if no_y:
            X = validate_data(self, X, **kwargs)
        else:
            numeric = isinstance(self, RegressorMixin)
            X, y = validate_data(self, X, y, multi_output=True, y_numeric=numeric, **kwargs)
            # Targets are checked and encoded on the host; _like_fit moves them back.
            y = to_numpy(y) if on_device(xp) else y
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

    def _check_device_support(self, xp):
        """Refuse what the search cannot do in ``xp``, naming the alternative."""
        where = f"under array API dispatch (X from {namespace_name(xp)})"
        if self.algorithm not in ("auto", "brute"):
            raise ValueError(
                f"algorithm={self.algorithm!r} does not run {where}: the trees work "
                "on the host with scipy. Use algorithm='brute' or 'auto', which "
                "search on the device, or pass numpy arrays."
            )
        metric, _ = _effective_metric(self.metric, self.p, self.metric_params)
        if not (isinstance(metric, str) and metric in DEVICE_METRICS):
            raise ValueError(
                f"Metric {metric!r} does not run {where}: the device search supports "
                f"{sorted(DEVICE_METRICS)} and 'minkowski' with p=2 and no weights. "
                "Pass numpy arrays for other metrics."
            )

    def _like_fit(self, array, what):
        """A host array of fitted values, in the namespace and on the device of ``X``.

        Numbers only: there are no strings on a device.
        """
        xp, device = namespace(self._fit_X)
        if not on_device(xp):
            return array
        array = np.asarray(to_numpy(array))
        if array.dtype.kind not in "biuf":
            raise ValueError(
                f"{what} must be numbers under array API dispatch: {namespace_name(xp)} "
                "arrays hold no strings or objects. Encode them first (e.g. with "
                "sklearn.preprocessing.LabelEncoder), or pass numpy arrays."
            )
        return xp.asarray(array, device=device)

    def _check_namespace(self, X, method):
        """Refuse queries of another namespace or device than the fitted samples'."""
        if X is not None:
            check_same_namespace(X, self, attribute="_fit_X", method=method)

    def _check_host(self, X, method):
        """Refuse ``method`` for arrays of another namespace than numpy's."""
        arrays = [X, *getattr(self, "_fit_parts", [])]
        xp = next((xp for xp, _ in map(namespace, arrays) if on_device(xp)), None)
        if xp is not None:
            raise ValueError(
                f"{type(self).__name__}.{method} does not run under array API "
                f"dispatch ({namespace_name(xp)} arrays): call fit once with all the "
                "samples, or pass numpy arrays."
            )

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
        if on_device(namespace(X)[0]):
            return "brute"  # _check_device_support allowed only 'auto' and 'brute'
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

    def __sklearn_array_api_convert__(self, converter):
        """A clone whose fitted arrays ``converter`` moved; the index is rebuilt.

        ``sklearn.utils._array_api.move_estimator_to`` calls it: the search
        index holds arrays of the old namespace, so the first search after
        the move builds a new one, as after loading a pickle.
        """
        moved = clone(self)
        for key, value in vars(self).items():
            if key != "_index":
                setattr(moved, key, convert_arrays(value, converter))
        moved._index = None
        return moved

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
        if on_device(namespace(X)[0]):
            return DeviceBruteIndex(X, metric)
        if self._fit_method != "brute" and search.tree_supports(metric, params):
            p = search.minkowski_p(metric, params)
            return search.TreeIndex(X, p, self.leaf_size, params.get("w"))
        return search.brute_index(X, metric, params)

    def _append(self, X):
        """Add fitted samples; the index is rebuilt at the next search."""
        if sp.issparse(X) != sp.issparse(self._fit_parts[0]):
            X = sp.csr_array(X) if sp.issparse(self._fit_parts[0]) else X.toarray()
        self._fit_parts.append(X)
        self.n_samples_fit_ += X.shape[0]
        self._index = None

    # -- searching -----------------------------------------------------------

    @chunkwise
    def kneighbors(
        self,
        X: ArrayLike | sp.spmatrix | sp.sparray | None = None,
        n_neighbors: int | None = None,
        return_distance: bool = True,
    ) -> tuple[NDArray, NDArray] | NDArray:
        """Find the k nearest fitted samples of each query.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), or \
(n_queries, n_samples_fit) if metric='precomputed', default=None
            The queries. If None, the neighbours of every fitted sample,
            which is then not its own neighbour. A dask array of queries is
            searched chunk by chunk, lazily: the results are dask arrays with
            its row chunks.
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
            self._check_namespace(X, "kneighbors")
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

    def kneighbors_graph(
        self,
        X: ArrayLike | sp.spmatrix | sp.sparray | None = None,
        n_neighbors: int | None = None,
        mode: str = "connectivity",
    ) -> sp.csr_array | sp.csr_matrix:
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
        # A sparse graph lives on the host: device results are copied there.
        dist, ind = (to_numpy(a) for a in self.kneighbors(X, n_neighbors))
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
