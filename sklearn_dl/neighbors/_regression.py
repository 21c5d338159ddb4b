"""k-nearest-neighbours regression: a weighted mean of the neighbours' targets."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.neighbors import BallTree, KDTree
from sklearn.utils.metaestimators import available_if

from .._array_api import float_dtype, namespace, take_rows
from .._dask import chunkwise
from .._validation import check_is_fitted
from ._base import _appendable, _KNeighborsBase, _training_samples

__all__ = ["KNeighborsRegressor"]


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

    def fit(
        self,
        X: ArrayLike | sp.spmatrix | sp.sparray | BaseEstimator | BallTree | KDTree,
        y: ArrayLike,
    ) -> KNeighborsRegressor:
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
        X, y = self._validate_X(_training_samples(X), y)
        self._fit_data(X)
        # Under array API dispatch the targets move to the device of X.
        self._y = self._like_fit(y, "Targets")
        return self

    @available_if(_appendable)
    def partial_fit(
        self,
        X: ArrayLike | sp.spmatrix | sp.sparray,
        y: ArrayLike,
    ) -> KNeighborsRegressor:
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
        self._check_host(X, "partial_fit")
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

    @chunkwise
    def predict(self, X: ArrayLike | sp.spmatrix | sp.sparray | None) -> NDArray:
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
        self._check_namespace(X, "predict")
        ind, weights = self._neighbors_and_weights(X)
        xp, device = namespace(ind)
        targets = take_rows(xp, self._y, ind)
        if not xp.isdtype(targets.dtype, "real floating"):  # integer targets
            targets = xp.astype(targets, float_dtype(xp, device))
        if weights is None:
            return xp.mean(targets, axis=1)
        if targets.ndim == 3:
            weights = weights[:, :, None]
        return xp.sum(weights * targets, axis=1) / xp.sum(weights, axis=1)
