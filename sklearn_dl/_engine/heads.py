"""Classifier and regressor heads: how ``y`` is encoded for the loss and decoded back.

Linear models and MLPs share these; they differ only in their hidden layers.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target

from .._array_api import numpy_like
from .._dask import chunkwise, score_dask
from .._validation import check_classification_targets, column_or_1d
from ..losses import BinaryCrossEntropy, CategoricalCrossEntropy, Poisson, get_loss
from .base import BaseNetwork, Self, is_stochastic
from .chunked import is_dask


class NetworkClassifier(ClassifierMixin, BaseNetwork):
    """A network whose logits score classes: sigmoid for two, softmax for more.

    With an indicator matrix ``y`` (multilabel, when ``_multilabel`` is True)
    each label gets its own sigmoid output.
    """

    _y_numeric = False
    _multilabel = False
    _single_class = False  # whether y with one class is accepted (always predicted)

    @available_if(is_stochastic)
    def partial_fit(
        self: Self,
        X: ArrayLike | sp.spmatrix | sp.sparray,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        classes: ArrayLike | None = None,
    ) -> Self:
        """One epoch of the mini-batch solver over ``X``, ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A batch of training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Its labels (an indicator matrix for multilabel classification,
            where the estimator supports it).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        classes : array-like of shape (n_classes,), default=None
            Every label, required on the first call.

        Returns
        -------
        self : object
            The updated estimator.
        """
        if not hasattr(self, "network_") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if isinstance(self.class_weight, str):
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: each batch "
                "would be balanced on its own. Compute the weights once, e.g. "
                "sklearn.utils.class_weight.compute_class_weight('balanced', "
                "classes=classes, y=y) on a large sample of the targets, and pass "
                "them as a dict."
            )
        return self._partial_fit(X, y, sample_weight, classes=classes)

    def _check_same_targets(self, y, incremental, classes):
        """A continued fit keeps its classes (scikit-learn's rules and messages).

        ``partial_fit`` refuses a ``classes`` other than the first call's, and
        a warm-started ``fit`` a ``y`` whose classes are not those of the
        previous fit; labels outside the classes are refused when encoding.
        """
        if self._is_multilabel:
            return
        if classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"`classes={np.asarray(classes)!r}` is not the same as on last call to "
                f"partial_fit, was: {self.classes_!r}"
            )
        seen = np.unique(column_or_1d(y))  # _encode_targets warns about a column y
        if not incremental and not np.array_equal(seen, self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in the "
                f"previous call to fit. Previously got {self.classes_}, `y` has {seen}"
            )

    def _encode_targets(self, y, dtype, reset, classes=None):
        if reset:
            self._set_classes(y, classes)
        if self._is_multilabel:
            y = np.asarray(y)
            if y.ndim != 2 or y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y must be an indicator matrix with {len(self.classes_)} columns, "
                    f"as during the first fit; got shape {y.shape}."
                )
            return y.astype(dtype)
        y = column_or_1d(y, warn=True)
        # Classes just learned from y hold every label of y.
        learned = reset and classes is None
        unseen = np.zeros(0) if learned else np.setdiff1d(np.unique(y), self.classes_)
        if unseen.size:  # scikit-learn's sentence first, then ours
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has "
                f"{self.classes_}. 'y' has {np.unique(y)}. Its labels "
                f"{unseen.tolist()} are not among the classes given at the first fit "
                "(pass every label to the first partial_fit call with classes=...)."
            )
        codes = np.searchsorted(self.classes_, y)
        if len(self.classes_) == 2:
            return (codes == 1).astype(dtype)[:, None]
        return np.eye(len(self.classes_), dtype=dtype)[codes]

    def _set_classes(self, y, classes):
        check_classification_targets(y)
        # Only a matrix can be a label indicator: a 1-D y is spared a second
        # type_of_target, a third of a small fit's time.
        matrix = np.ndim(y) == 2 and np.shape(y)[1] > 1
        self._is_multilabel = matrix and type_of_target(y) == "multilabel-indicator"
        if self._is_multilabel and not self._multilabel:
            raise ValueError(f"{type(self).__name__} does not support multilabel y.")
        if self._is_multilabel:
            self.classes_ = np.arange(np.asarray(y).shape[1])
            return
        y = column_or_1d(y, warn=True)
        self.classes_ = np.unique(y) if classes is None else np.unique(np.asarray(classes))
        if len(self.classes_) < 2 and not self._single_class:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the "
                f"data, but the data contain only one class: {self.classes_[0]!r}."
            )

    def _class_weights(self, y, dtype):
        if self.class_weight is None or self._is_multilabel:
            return None
        return compute_sample_weight(self.class_weight, y).astype(dtype)

    def _make_loss(self):
        if self._is_multilabel or len(self.classes_) == 2:
            return BinaryCrossEntropy()
        return CategoricalCrossEntropy()

    def _stratify(self, Y):
        # Two classes: the encoded column as booleans, as scikit-learn's MLP
        # stratifies (its errors then name the same classes). More classes:
        # the labels (scikit-learn does not stratify these).
        if self._is_multilabel:
            return None
        return Y > 0.5 if self._binary else self.classes_[Y.argmax(axis=1)]

    def _score_logits(self, Y, Z, sample_weight):
        if self._binary or self._is_multilabel:
            return accuracy_score(Y > 0.5, Z > 0, sample_weight=sample_weight)
        xp = numpy_like(Z)
        true, predicted = xp.argmax(Y, axis=1), xp.argmax(Z, axis=1)
        return accuracy_score(true, predicted, sample_weight=sample_weight)

    @property
    def _binary(self):
        """Two classes in one sigmoid output (one class gets a one-column softmax)."""
        return not self._is_multilabel and len(self.classes_) == 2

    @property
    def n_outputs_(self):
        return self.network_.n_out

    @property
    def out_activation_(self):
        return "softmax" if isinstance(self.loss_function_, CategoricalCrossEntropy) else "logistic"

    @chunkwise
    def decision_function(self, X: ArrayLike | sp.spmatrix | sp.sparray) -> NDArray:
        """Logits: the network's outputs, before the loss's link.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Shape (n_samples,) for two classes (the logit of ``classes_[1]``),
            (n_samples, n_classes) otherwise.
        """
        Z = self._logits(X)
        return Z[:, 0] if self._binary else Z

    @chunkwise
    def predict(self, X: ArrayLike | sp.spmatrix | sp.sparray) -> NDArray:
        """Predicted class labels (an indicator matrix for multilabel ``y``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Labels among ``classes_``; for multilabel ``y``, an indicator
            matrix of 0 and 1.
        """
        Z = self._logits(X)
        xp = numpy_like(Z)
        if self._is_multilabel:
            return xp.astype(Z > 0, int)
        codes = xp.astype(Z[:, 0] > 0, int) if self._binary else xp.argmax(Z, axis=1)
        # Labels are kept on the host; numeric ones follow the logits to their device.
        return xp.asarray(self.classes_)[codes] if xp.on_device else self.classes_[codes]

    @chunkwise
    def predict_proba(self, X: ArrayLike | sp.spmatrix | sp.sparray) -> NDArray:
        """Class probabilities, one column per class in the order of ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The probability of each class; for multilabel ``y``, of each
            label on its own (rows then need not sum to 1).
        """
        Z = self._logits(X)
        P = self.loss_function_.link(Z)
        if self._binary:
            return numpy_like(P).concatenate([1 - P, P], axis=1)
        return P

    @chunkwise
    def predict_log_proba(self, X: ArrayLike | sp.spmatrix | sp.sparray) -> NDArray:
        """Logarithm of :meth:`predict_proba`, computed stably from the logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The log-probability of each class, finite even where the
            probability rounds to 0.
        """
        Z = self._logits(X)
        xp = numpy_like(Z)
        if self._is_multilabel or self._binary:
            log_p = xp.log_expit(Z)
            if self._is_multilabel:
                return log_p
            return xp.concatenate([xp.log_expit(-Z), log_p], axis=1)
        return xp.log_softmax(Z, axis=1)

    def score(self, X, y, sample_weight=None):
        """The accuracy of ``predict(X)`` against ``y``; a number also for dask arrays.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Samples.
        y : array-like or dask array of shape (n_samples,)
            True labels.
        sample_weight : array-like or dask array of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            The accuracy; on dask arrays it is computed from sums over the
            chunks.
        """
        if is_dask(X):
            return score_dask(self, X, y, sample_weight)
        return super().score(X, y, sample_weight)

    def __sklearn_tags__(self):
        # Each head states its tags whole (sparse input included), so that
        # the tags are read without calling back into the base.
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = self._multilabel
        return tags


class NetworkRegressor(RegressorMixin, BaseNetwork):
    """A network whose outputs, through the loss's link, predict ``y``."""

    _y_numeric = True

    @available_if(is_stochastic)
    def partial_fit(
        self: Self,
        X: ArrayLike | sp.spmatrix | sp.sparray,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
    ) -> Self:
        """One epoch of the mini-batch solver over ``X``, ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A batch of training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Its targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._partial_fit(X, y, sample_weight)

    def _encode_targets(self, y, dtype, reset, classes=None):
        y = np.asarray(y)
        if reset:
            self._y_ndim = y.ndim
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if not reset and Y.shape[1] != self.network_.n_out:
            raise ValueError(
                f"y has {Y.shape[1]} outputs, but this model was fitted with {self.network_.n_out}."
            )
        if self._log_link() and np.any(Y < 0):
            raise ValueError("The Poisson loss needs non-negative targets y.")
        with np.errstate(over="ignore", invalid="ignore"):
            Y = Y.astype(dtype)
        if not np.all(np.isfinite(Y)):  # None in an object array, or too large for dtype
            raise ValueError(
                f"y contains NaN or infinity as {Y.dtype.name} (a missing value such as "
                "None, or a value too large for the dtype of X); remove or impute "
                "them, or scale y."
            )
        self._make_loss().check_targets(Y)
        return Y

    def _make_loss(self):
        return get_loss(self.loss)

    def _score_logits(self, Y, Z, sample_weight):
        return r2_score(Y, self.loss_function_.link(Z), sample_weight=sample_weight)

    @property
    def n_outputs_(self):
        return self.network_.n_out

    @property
    def out_activation_(self):
        if isinstance(self.loss_function_, CategoricalCrossEntropy):
            return "softmax"
        return "exp" if self._log_link() else "identity"

    def _log_link(self):
        loss = self.loss
        return isinstance(loss, Poisson) or (isinstance(loss, str) and loss == "poisson")

    @chunkwise
    def predict(self, X: ArrayLike | sp.spmatrix | sp.sparray) -> NDArray:
        """Predicted targets: shape (n_samples,) for 1-D ``y`` at fit time.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The outputs through the loss's link (``exp`` for the Poisson
            loss), in the dtype of the fitted network.
        """
        Z = self._logits(X)
        prediction = self.loss_function_.link(Z)
        return prediction[:, 0] if self._y_ndim == 1 else prediction

    def score(self, X, y, sample_weight=None):
        """R² of ``predict(X)`` against ``y``; a number also for dask arrays.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Samples.
        y : array-like or dask array of shape (n_samples,) or (n_samples, n_outputs)
            True targets.
        sample_weight : array-like or dask array of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            The coefficient of determination; on dask arrays it is computed
            from sums over the chunks.
        """
        if is_dask(X):
            return score_dask(self, X, y, sample_weight)
        return super().score(X, y, sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags
