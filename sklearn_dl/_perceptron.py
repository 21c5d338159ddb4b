"""The perceptron: the network with zero hidden layers, the perceptron loss, per-sample SGD.

Rosenblatt's learning rule, ``w ← w + η t x`` for a sample ``x`` with label
``t ∈ {-1, +1}`` that the model gets wrong (``t (x·w + b) <= 0``), is one
step of stochastic gradient descent on the perceptron loss
``max(0, -t (x·w + b))`` (:class:`~sklearn_dl.losses.PerceptronLoss`), taken
one sample at a time. :class:`Perceptron` trains the engine's linear network
with those steps and scikit-learn's ``Perceptron`` parameters; it is exported
from :mod:`sklearn_dl.linear_model`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from sklearn.utils.metaestimators import available_if

from ._array_api import NUMPY
from ._engine.heads import NetworkClassifier
from ._engine.trainer import PerSampleTrainer
from ._validation import Integral, Interval, Real, StrOptions
from .callbacks import EarlyStopping, ProgressPrinter
from .linear_model import _LinearMixin
from .losses import PerceptronLoss


def _no_probabilities(estimator):
    """The perceptron loss scores classes without probabilities: no ``predict_proba``."""
    return False


class Perceptron(_LinearMixin, NetworkClassifier):
    """The perceptron, a drop-in for scikit-learn's ``Perceptron``.

    A linear model ``z = x·w + b`` (one output per class, one-vs-rest, or a
    single output for two classes) trained on the perceptron loss
    ``max(0, -t z)``, ``t ∈ {-1, +1}``, by stochastic gradient descent one
    sample at a time with the constant rate ``eta0``. Its subgradient
    ``-t x`` where ``t z <= 0`` gives the perceptron learning rule: on a
    mistake, ``w ← w + eta0 s t x`` and ``b ← b + eta0 s t`` (``s`` the
    sample's weight); a sample on the right side changes nothing but the
    penalty's shrinkage. With a penalty ``R`` each step minimises
    ``s max(0, -t z) + alpha R(w)`` (scikit-learn's rule): the L2 part
    decays the weights by ``eta0 alpha (1 - l1_ratio) w``, the L1 part
    soft-thresholds them by ``eta0 alpha l1_ratio``. On linearly separable
    data with ``penalty=None`` the rule stops making mistakes after finitely
    many updates (Novikoff's theorem).

    Parameters
    ----------
    penalty : {"l2", "l1", "elasticnet"} or None, default=None
        The penalty ``R(w)``: ``½‖w‖²``, ``‖w‖₁`` or their mix (biases are
        never penalised).
    alpha : float, default=0.0001
        Strength of the penalty, applied at every step.
    l1_ratio : float, default=0.15
        Share of the L1 term for ``penalty="elasticnet"``.
    fit_intercept : bool, default=True
        Whether to learn the biases.
    max_iter : int, default=1000
        Most epochs (passes over the training data) ``fit`` runs.
    tol : float or None, default=1e-3
        Training stops when the epoch's mean loss (the validation accuracy
        with ``early_stopping``) has not improved by ``tol`` for
        ``n_iter_no_change`` epochs in a row. ``None``: run ``max_iter``
        epochs.
    shuffle : bool, default=True
        Shuffle the samples at every epoch.
    verbose : int, default=0
        Print the loss after every epoch.
    eta0 : float, default=1.0
        The constant learning rate ``η``.
    n_jobs : int or None, default=None
        Accepted for scikit-learn's sake; the classes train together in one
        network, on one core.
    random_state : int, RandomState instance or None, default=0
        Seed for shuffling and the validation split.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified) and stop
        when the validation accuracy stops improving; the last weights are
        kept, as in scikit-learn. ``partial_fit`` refuses it.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=5
        Epochs without an improvement of ``tol`` before stopping.
    class_weight : dict, "balanced" or None, default=None
        Weights multiplying the sample weights of each class.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Weights, in the dtype of ``X``.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Biases.
    n_iter_ : int
        Epochs run by the last ``fit`` (1 for ``partial_fit``).
    t_ : float
        Weight updates made, plus one, as in scikit-learn.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.
    loss_curve_ : list of float
        Mean loss (plus ``alpha R(w)``) over each epoch's steps.
    history_ : dict of lists
        ``loss``, ``lr`` and, with early stopping, ``val_loss`` and ``val_score``.

    See Also
    --------
    LogisticRegression : The same network with the log loss and probabilities.
    sklearn_dl.losses.PerceptronLoss : The loss, on its own.

    Examples
    --------
    The notes' OR function, learnt from its truth table:

    >>> import numpy as np
    >>> from sklearn_dl.linear_model import Perceptron
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> y = np.array([0, 1, 1, 1])
    >>> model = Perceptron(shuffle=False).fit(X, y)
    >>> model.predict(X)
    array([0, 1, 1, 1])
    >>> model.coef_, model.intercept_
    (array([[2., 2.]]), array([-1.]))
    """

    _parameter_constraints = {
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "shuffle": ["boolean"],
        "verbose": ["verbose"],
        "eta0": [Interval(Real, 0, None, closed="neither")],
        "n_jobs": [None, Integral],
        "random_state": ["random_state"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
    }
    _default_initializer = "zeros"
    # The engine's settings that scikit-learn's Perceptron fixes: plain SGD on
    # one sample at a time at a constant rate, accuracy as validation score.
    solver = "sgd"
    batch_size = 1
    learning_rate = "constant"
    callbacks = None
    scoring = None

    def __init__(
        self,
        *,
        penalty=None,
        alpha=0.0001,
        l1_ratio=0.15,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-3,
        shuffle=True,
        verbose=0,
        eta0=1.0,
        n_jobs=None,
        random_state=0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        class_weight=None,
        warm_start=False,
    ):
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.eta0 = eta0
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.warm_start = warm_start

    def fit(
        self,
        X: ArrayLike | sp.spmatrix | sp.sparray,
        y: ArrayLike,
        coef_init: ArrayLike | None = None,
        intercept_init: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> Perceptron:
        """Fit the model by per-sample steps over ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        coef_init : array-like of shape (n_classes, n_features), default=None
            Initial weights (one row for two classes); by default zeros, or
            the previous fit's with ``warm_start``.
        intercept_init : array-like of shape (n_classes,), default=None
            Initial biases.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample: it multiplies the sample's steps.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._initial = (coef_init, intercept_init)
        try:
            return super().fit(X, y, sample_weight)
        finally:
            del self._initial

    def partial_fit(
        self,
        X: ArrayLike | sp.spmatrix | sp.sparray,
        y: ArrayLike,
        classes: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> Perceptron:
        """One epoch of per-sample steps over ``X``, ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A batch of training data.
        y : array-like of shape (n_samples,)
            Its labels.
        classes : array-like of shape (n_classes,), default=None
            Every label, required on the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return super().partial_fit(X, y, sample_weight=sample_weight, classes=classes)

    predict_proba = available_if(_no_probabilities)(NetworkClassifier.predict_proba)
    predict_log_proba = available_if(_no_probabilities)(NetworkClassifier.predict_log_proba)

    # -- the engine's hooks -------------------------------------------------------------

    def _make_loss(self):
        return PerceptronLoss()

    def _penalty(self):
        if self.penalty is None:
            return None, 0.0
        return super()._penalty()

    def _initial_learning_rate(self, X, sample_weight, solver):
        return float(self.eta0)

    def _build(self, n_features, n_outputs, dtype, rng, xp=NUMPY):
        if xp.on_device:
            raise ValueError(
                "The Perceptron takes one step per sample, on the host, so it does not "
                "run under array API dispatch; pass numpy arrays, or train "
                "sklearn_dl.linear_model.LogisticRegression on the device."
            )
        super()._build(n_features, n_outputs, dtype, rng)
        self._load_initial()

    def _follow_settings(self, n_outputs):
        super()._follow_settings(n_outputs)
        self._load_initial()

    def _load_initial(self):
        """Write ``fit``'s ``coef_init`` and ``intercept_init`` into the network."""
        coef, intercept = getattr(self, "_initial", (None, None))
        layer = self.network_.dense_layers()[-1]
        if coef is not None:
            layer.W_[...] = _checked_init(coef, layer.W_.T.shape, "coef_init").T
        if intercept is not None:
            if not layer.use_bias:
                raise ValueError("intercept_init needs fit_intercept=True.")
            layer.b_[...] = _checked_init(intercept, layer.b_.shape, "intercept_init")

    def _make_callbacks(self, solver):
        """scikit-learn's SGD stopping rule, and the progress printer with ``verbose``.

        It stops after ``n_iter_no_change`` epochs without a gain of ``tol``
        in the loss (the validation accuracy with ``early_stopping``), and
        keeps the last weights.
        """
        callbacks = []
        if self.tol is not None:
            monitor = "val_score" if self.early_stopping else "loss"
            callbacks.append(
                EarlyStopping(
                    monitor=monitor,
                    patience=self.n_iter_no_change,
                    min_delta=self.tol,
                    restore_best=False,
                )
            )
        if self.verbose:
            callbacks.append(ProgressPrinter())
        return callbacks

    def _trainer(self, n_samples):
        return PerSampleTrainer(**vars(super()._trainer(n_samples)))

    def _flat_coef(self):
        return False

    @property
    def t_(self):
        return float(self._state.t + 1)


def _checked_init(value, shape, name):
    value = np.asarray(value, dtype=float)
    if value.shape != shape:
        raise ValueError(f"{name} must have shape {shape}; got {value.shape}.")
    return value
