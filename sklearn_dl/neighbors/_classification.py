"""k-nearest-neighbours classification: a weighted vote of the neighbours' labels."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.neighbors import BallTree, KDTree
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets

from .._array_api import bincount, float_dtype, namespace, take_rows, to_numpy
from .._dask import chunkwise
from .._validation import check_is_fitted
from ._base import _appendable, _KNeighborsBase, _training_samples, _warn

__all__ = ["KNeighborsClassifier"]


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

    def fit(
        self,
        X: ArrayLike | sp.spmatrix | sp.sparray | BaseEstimator | BallTree | KDTree,
        y: ArrayLike,
    ) -> KNeighborsClassifier:
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
    def partial_fit(
        self,
        X: ArrayLike | sp.spmatrix | sp.sparray,
        y: ArrayLike,
        classes: ArrayLike | list[ArrayLike] | None = None,
    ) -> KNeighborsClassifier:
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
        self._check_host(X, "partial_fit")
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
        # Under array API dispatch the fitted labels move to the device of X.
        self._y = self._like_fit(self._y, "The label codes")
        classes = [self._like_fit(column, "Class labels") for column in self._classes]
        self.classes_ = classes if self.outputs_2d_ else classes[0]
        return self

    def _label_columns(self, y, first=False):
        """Labels as a 2-D array, one column per output."""
        y = np.asarray(to_numpy(y))
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
        xp, device = namespace(ind)
        if weights is None:
            weights = xp.ones(ind.shape, dtype=float_dtype(xp, device), device=device)
        n_queries, k = ind.shape
        rows = xp.repeat(xp.arange(n_queries, device=device), k)
        labels = take_rows(xp, self._y, xp.reshape(ind, (-1,)))
        weights = xp.reshape(weights, (-1,))
        scores = []
        for j, classes in enumerate(self._classes):
            flat = rows * len(classes) + labels[:, j]
            counts = bincount(flat, weights, minlength=n_queries * len(classes), xp=xp)
            scores.append(xp.reshape(counts, (n_queries, len(classes))))
        return scores

    @chunkwise
    def predict(self, X: ArrayLike | sp.spmatrix | sp.sparray | None) -> NDArray:
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
        self._check_namespace(X, "predict")
        scores = self._scores(X)
        xp, _ = namespace(scores[0])
        fitted = self.classes_ if self.outputs_2d_ else [self.classes_]
        columns = [
            xp.take(classes, xp.argmax(score, axis=1))
            for classes, score in zip(fitted, scores, strict=True)
        ]
        return xp.stack(columns, axis=1) if self.outputs_2d_ else columns[0]

    @chunkwise
    def predict_proba(
        self, X: ArrayLike | sp.spmatrix | sp.sparray | None
    ) -> NDArray | list[NDArray]:
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
        self._check_namespace(X, "predict_proba")
        scores = self._scores(X)
        xp, _ = namespace(scores[0])
        probas = [score / xp.sum(score, axis=1, keepdims=True) for score in scores]
        return probas if self.outputs_2d_ else probas[0]
