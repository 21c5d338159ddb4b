"""Linear and logistic regression: the networks with zero hidden layers.

Both minimise the engine's objective

    F(w, b) = (Σ_i s_i loss(y_i, x_i·w + b) + alpha R(w)) / Σ_i s_i

with the training parameters every sklearn_dl estimator shares, and accept
scikit-learn's own parameters with their meanings, so that code written for
scikit-learn's ``LinearRegression`` and ``LogisticRegression`` runs unchanged.
``LogisticRegression`` spells the strength as scikit-learn does, ``C = 1 / alpha``.
By default (``solver="auto"``) ``fit`` reaches the exact optimum with a
full-batch method and ``partial_fit`` trains by mini-batches.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from ._array_api import numpy_like
from ._engine.base import TRAINING_CONSTRAINTS
from ._engine.heads import NetworkClassifier, NetworkRegressor
from ._validation import Integral, Interval, Real, StrOptions
from .layers import Dense
from .losses import get_loss
from .optimizers import OPTIMIZERS, SGD, BaseOptimizer, Newton
from .penalties import L1, L2, ElasticNet

# Linear models also accept learning_rate_init="auto" (a curvature-safe SGD step).
_LEARNING_RATE_INIT = [*TRAINING_CONSTRAINTS["learning_rate_init"], StrOptions({"auto"})]

# solver="auto" in LogisticRegression.fit: Newton up to this many parameters,
# and while a Hessian (rows × parameters² multiply-adds) costs at most this.
_NEWTON_MAX_PARAMETERS = 64
_NEWTON_MAX_HESSIAN = 2**21

# solver="auto" in partial_fit (and with early_stopping): SGD with Nesterov
# momentum and the curvature-safe step 1 / L of learning_rate_init="auto",
# which cannot diverge and converges in a few passes over standardised data.
_MINI_BATCH = "nesterov"

# scikit-learn's LogisticRegression solvers, each mapped to the engine method
# that reaches the same optimum (see the user guide's table).
_SCIKIT_LEARN_SOLVERS = {
    "lbfgs": "lbfgs",
    "newton-cg": "newton-cg",
    "newton-cholesky": "newton",
    "sag": "lbfgs",
    "saga": "lbfgs",
    "liblinear": "lbfgs",
}


class _NonNegativeDense(Dense):
    """A linear layer whose weights the full-batch solvers keep ``>= 0`` (``positive=True``)."""

    nonnegative = True


class _LinearMixin:
    """Fitted ``coef_`` and ``intercept_`` in scikit-learn's shapes, and the "auto" choices."""

    def _layers(self, n_outputs):
        """One linear map: the network with zero hidden layers."""
        return [Dense(n_outputs, use_bias=self.fit_intercept)]

    def _solver_choice(self, incremental, n_parameters=None, n_samples=None):
        """The solver to train with; ``"auto"`` is resolved here.

        ``"auto"``: SGD with Nesterov momentum when training by mini-batches
        (``partial_fit``, ``early_stopping``), else ``_full_batch_solver()``
        (L-BFGS for a model on a device, whose data stay there).
        scikit-learn's solver names stand for the engine's method that reaches
        the same optimum (``_SCIKIT_LEARN_SOLVERS``).
        """
        solver = self.solver
        if isinstance(solver, str) and solver == "auto":
            by_batches = incremental or self.early_stopping
            if by_batches:
                solver = _MINI_BATCH
            elif "network_" in self.__dict__ and self.network_.xp.on_device:
                solver = "lbfgs"  # Newton factors its matrices on the host
            else:
                solver = self._full_batch_solver(n_parameters, n_samples)
        elif isinstance(solver, str):
            solver = _SCIKIT_LEARN_SOLVERS.get(solver, solver)
        self._check_solver(solver, incremental)
        return Newton() if isinstance(solver, str) and solver == "newton" else solver

    def _check_solver(self, solver, incremental):
        """Refuse a solver that cannot honour the other settings (none by default)."""

    def _initial_learning_rate(self, X, sample_weight, solver):
        if self.learning_rate_init != "auto":
            return self.learning_rate_init
        if not isinstance(solver, SGD):
            return 0.01  # adaptive methods scale their steps to the gradients themselves
        xp = numpy_like(X)
        if sp.issparse(X):
            squared_norms = np.ravel(X.multiply(X).sum(axis=1))
        else:
            squared_norms = xp.einsum("ij,ij->i", X, X)
        if sample_weight is not None:  # rows of weight zero are not in the objective
            squared_norms = squared_norms[sample_weight > 0]
        largest = float(xp.max(squared_norms)) if squared_norms.shape[0] else 0.0
        curvature = self._curvature() * (largest + self.fit_intercept)
        penalty, alpha = self._penalty()
        if penalty is not None:  # the penalty is divided by the total sample weight
            total = X.shape[0] if sample_weight is None else float(xp.sum(sample_weight))
            curvature += alpha * penalty.l2 / max(total, np.finfo(float).tiny)
        return 1.0 / max(curvature, np.finfo(float).tiny)

    @property
    def coef_(self):
        W = self.network_.xp.copy(self.network_.dense_layers()[-1].W_.T)
        return W[0] if self._flat_coef() else W

    @property
    def intercept_(self):
        layer = self.network_.dense_layers()[-1]
        if not layer.use_bias:
            return self._no_intercept(layer)
        b = self.network_.xp.copy(layer.b_)
        return b[0] if self._flat_coef() else b

    def _no_intercept(self, layer):
        return self.network_.xp.zeros(layer.units, self.network_.dtype)


class LinearRegression(_LinearMixin, NetworkRegressor):
    """Linear regression trained by gradient methods: squared, absolute or Huber loss.

    Minimises ``(Σ s_i loss(y_i, x_i·w + b) + alpha R(w)) / Σ s_i``. With the
    squared error ``½ (y - x·w - b)²`` and ``alpha=0`` (the default) it is
    scikit-learn's ``LinearRegression``, solved exactly; with the L2 penalty
    ``½‖w‖²`` it is ``Ridge(alpha)``.

    Parameters
    ----------
    fit_intercept : bool, default=True
        Whether to learn the bias ``b``.
    copy_X : bool, default=True
        Accepted for scikit-learn's sake: ``X`` is never modified, whatever
        its value.
    tol : float, default=1e-6
        Precision of the solution, as in scikit-learn. The exact least-squares
        solver (``"newton"`` with the squared error) treats singular values
        below ``tol`` times the largest as zero (dense ``X``), or stops
        ``lsqr`` at ``atol = btol = tol`` (sparse ``X``); ``"lbfgs"`` and
        ``"cg"`` stop at a largest gradient entry of ``tol``, ``"newton-cg"``
        at a relative step of ``tol``; the mini-batch solvers count a loss
        decrease of ``tol`` as progress.
    n_jobs : int or None, default=None
        Accepted for scikit-learn's sake; no effect.
    positive : bool, default=False
        Constrain the weights to be non-negative. Needs a full-batch solver
        that keeps bounds: ``"auto"``, ``"newton"`` (least squares, by NNLS) or
        ``"lbfgs"`` (bounded L-BFGS), so no ``partial_fit``.
    loss : {"squared_error", "absolute_error", "huber"}, default="squared_error"
        Per-sample loss of the residual ``r = x·w + b - y``.
    epsilon : float, default=1.35
        Residual size where the Huber loss turns from quadratic to linear.
    solver : str or optimizer, default="auto"
        ``"auto"``: in ``fit``, ``"newton"`` (one exact least-squares step)
        for the squared error without an L1 part, ``"lbfgs"`` otherwise; in
        ``partial_fit`` and with ``early_stopping``, ``"nesterov"`` (SGD with
        Nesterov momentum) with the step ``1 / L`` (see
        ``learning_rate_init``). The one chosen is ``solver_``. Full batch:
        ``"newton"`` (Newton's method with the exact Hessian), ``"lbfgs"``,
        ``"cg"``, ``"newton-cg"``. Mini-batch:
        ``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adagrad"``,
        ``"adadelta"``, ``"rmsprop"``, ``"adam"``, ``"adamw"``; or an
        optimizer object such as ``Adam(beta_1=0.8)``. Only the mini-batch
        solvers (and ``"auto"``) offer ``partial_fit``.
    learning_rate : str or schedule, default="constant"
        Learning-rate schedule of the mini-batch solvers, every one of them
        (``"adam"`` included): ``"constant"``; ``"invscaling"``,
        ``learning_rate_init / (t + 1)^0.5`` after ``t`` samples;
        ``"adaptive"``, a constant rate divided by 5 each time the loss (the
        validation score with ``early_stopping``) has not improved by ``tol``
        for more than ``n_iter_no_change`` epochs; a plateau with the rate
        at or below 1e-6 stops training (a
        :class:`~sklearn_dl.callbacks.ReduceLROnPlateau` callback that ``fit``
        adds); ``"step"``, ``"exponential"``, ``"cosine"``, ``"warmup"``; or a
        schedule object.
    learning_rate_init : float or "auto", default="auto"
        Initial learning rate of the mini-batch solvers. ``"auto"`` gives the
        SGD family (``"sgd"``, ``"momentum"``, ``"nesterov"``) the step
        ``1 / L``, with ``L = c (max_i ‖x_i‖² + fit_intercept) + alpha_l2 / n``
        a bound on the curvature of the loss (``c`` = 1 for regression, ¼ for
        the binary and ½ for the multinomial log loss), so that they cannot
        diverge even on unscaled data; the adaptive solvers get 0.01.
    batch_size : int or "auto", default="auto"
        Mini-batch size; ``"auto"`` means ``min(200, n_samples)``.
    max_iter : int, default=200
        Epochs (mini-batch solvers) or iterations (full-batch solvers).
    penalty : {"l2", "l1", "elasticnet"}, penalty object or None, default="l2"
        The regulariser ``R(w)``; biases are never penalised.
    alpha : float, default=0.0
        Strength of the penalty (``Ridge``'s alpha for ``penalty="l2"``).
    l1_ratio : float, default=0.5
        Share of the L1 term for ``penalty="elasticnet"``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when the
        validation score stops improving (mini-batch solvers: the full-batch
        ones ignore it, and with ``solver="auto"``, ``fit`` then trains by
        mini-batches). ``partial_fit`` refuses it (raises ``ValueError``), as
        a call holds nothing out.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without progress of at least ``tol`` before stopping.
    shuffle : bool, default=True
        Shuffle the samples at every epoch.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution.
    random_state : int, RandomState instance or None, default=None
        Seed for shuffling and validation splits.
    verbose : bool, default=False
        Print the loss after every epoch.
    callbacks : list of Callback or None, default=None
        Extra callbacks, e.g. ``EarlyStopping`` or ``ReduceLROnPlateau``.
    scoring : str, callable or None, default=None
        The validation score (``validation_scores_``, early stopping, callbacks
        monitoring ``"val_score"``): a scikit-learn scorer name such as
        ``"neg_mean_absolute_error"`` or a callable ``scorer(estimator, X, y)``;
        ``None`` means the estimator's ``score``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Learned weights, in the dtype of ``X``.
    intercept_ : float or ndarray of shape (n_targets,)
        Learned bias.
    rank_ : int
        Rank of the (centred) ``X``, from the exact least-squares solver on
        dense ``X`` without penalty or ``positive``, as in scikit-learn.
    singular_ : ndarray of shape (min(n_samples, n_features),)
        Singular values of the (centred) ``X``, with ``rank_``.
    solver_ : optimizer
        The solver used (the choice of ``"auto"``).
    n_iter_ : int
        Iterations (full batch) or epochs (mini-batch) run.
    loss_curve_ : list of float
        Objective after each iteration or epoch.
    history_ : dict of lists
        ``loss``, ``lr`` and, with validation data, ``val_loss`` and ``val_score``.
    solver_ : Optimizer
        The fitted optimizer, with its slots (the method a name stands for).
    callbacks_ : list of Callback
        The fitted callbacks: the user's (cloned), then those that
        ``early_stopping``, ``learning_rate="adaptive"`` and ``verbose`` build;
        e.g. the early-stopping callback's ``stopped_epoch_``.

    See Also
    --------
    LogisticRegression : The classifier on the same network with no hidden layer.
    sklearn_dl.neural_network.MLPRegressor : The regressor with hidden layers.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.linear_model import LinearRegression
    >>> X = np.array([[1.0, 1.0], [1.0, 2.0], [2.0, 2.0], [2.0, 3.0]])
    >>> y = X @ np.array([1.0, 2.0]) + 3.0
    >>> model = LinearRegression().fit(X, y)
    >>> np.round(model.coef_, 6), round(float(model.intercept_), 6)
    (array([1., 2.]), 3.0)
    >>> type(model.solver_).__name__, model.n_iter_
    ('Newton', 1)
    """

    _parameter_constraints = {
        **NetworkRegressor._parameter_constraints,
        "copy_X": ["boolean"],
        "n_jobs": [None, Integral],
        "positive": ["boolean"],
        "solver": [StrOptions({"auto", "newton", *OPTIMIZERS}), BaseOptimizer],
        "learning_rate_init": _LEARNING_RATE_INIT,
        "loss": [StrOptions({"squared_error", "absolute_error", "huber"})],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "fit_intercept": ["boolean"],
    }
    _default_initializer = "zeros"

    def __init__(
        self,
        *,
        fit_intercept=True,
        copy_X=True,
        tol=1e-6,
        n_jobs=None,
        positive=False,
        loss="squared_error",
        epsilon=1.35,
        solver="auto",
        learning_rate="constant",
        learning_rate_init="auto",
        batch_size="auto",
        max_iter=200,
        penalty="l2",
        alpha=0.0,
        l1_ratio=0.5,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        shuffle=True,
        warm_start=False,
        random_state=None,
        verbose=False,
        callbacks=None,
        scoring=None,
    ):
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.tol = tol
        self.n_jobs = n_jobs
        self.positive = positive
        self.loss = loss
        self.epsilon = epsilon
        self.solver = solver
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.scoring = scoring

    def _layers(self, n_outputs):
        layer = _NonNegativeDense if self.positive else Dense
        return [layer(n_outputs, use_bias=self.fit_intercept)]

    def _make_loss(self):
        if self.loss == "huber":
            return get_loss("huber").set_params(delta=self.epsilon)
        return get_loss(self.loss)

    def _full_batch_solver(self, n_parameters, n_samples):
        """Exact least squares for the squared error; bounded L-BFGS for the rest and L1."""
        penalty, _ = self._penalty()
        smooth = penalty is None or not penalty.l1
        return "newton" if self.loss == "squared_error" and smooth else "lbfgs"

    def _check_solver(self, solver, incremental):
        newton = solver == "newton" if isinstance(solver, str) else isinstance(solver, Newton)
        if newton and self.loss != "squared_error":
            raise ValueError(
                f"solver='newton' needs second derivatives, which loss={self.loss!r} "
                "does not have; use solver='lbfgs' (or 'auto')."
            )
        if not self.positive:
            return
        if incremental:
            raise ValueError(
                "positive=True keeps the weights non-negative with a full-batch solver, "
                "so partial_fit is not available; call fit, or set positive=False."
            )
        if isinstance(solver, str):
            bounded = solver == "lbfgs"
        else:
            bounded = getattr(solver, "supports_bounds", False)
        if not (newton or bounded):
            raise ValueError(
                f"positive=True needs a solver that keeps the weights non-negative: "
                f"'auto', 'newton' or 'lbfgs'; got solver={self.solver!r}."
            )

    @property
    def rank_(self):
        return self._least_squares_fact("rank_")

    @property
    def singular_(self):
        return self._least_squares_fact("singular_")

    def _least_squares_fact(self, name):
        value = getattr(getattr(self, "solver_", None), name, None)
        if value is None:
            raise AttributeError(
                f"{name} is known only after an exact least-squares fit (the 'newton' "
                "solver with the squared error) on dense X without penalty or positive."
            )
        return value

    def _flat_coef(self):
        return self._y_ndim == 1

    def _no_intercept(self, layer):
        return 0.0  # scikit-learn's, whatever the number of targets

    def _curvature(self):
        """Bound on the loss's second derivative in the logit (1 for these losses)."""
        return 1.0


class LogisticRegression(_LinearMixin, NetworkClassifier):
    """Logistic regression trained by gradient methods: sigmoid for two classes, softmax for more.

    Minimises ``(Σ s_i log_loss(y_i, x_i·W + b) + R(W) / C) / Σ s_i``, with
    ``R(W) = l1_ratio ‖W‖₁ + (1 - l1_ratio) ½‖W‖²``: scikit-learn's
    ``LogisticRegression`` problem, with its parameters and their meanings
    (``alpha = 1 / C`` in the engine's terms). With more than two classes it
    is the multinomial model.

    Parameters
    ----------
    penalty : {"l1", "l2", "elasticnet"} or None, default="deprecated"
        Deprecated in scikit-learn 1.8, and still honoured as there, with the
        same ``FutureWarning``: use ``l1_ratio`` (0 for ``"l2"``, 1 for
        ``"l1"``) and ``C=np.inf`` (for ``None``) instead.
    C : float, default=1.0
        Inverse of the penalty's strength; ``np.inf`` means no penalty.
    l1_ratio : float, default=0.0
        The L1 share of the penalty: 0 is the L2 penalty, 1 the L1 penalty
        (exact zeros among the weights), values between the elastic net.
        ``None`` is deprecated (it means 0, with a ``FutureWarning``).
    dual : bool, default=False
        Liblinear's dual formulation in scikit-learn: it solves the same
        problem, so ``True`` is accepted with ``solver="liblinear"`` and the
        L2 penalty, and refused otherwise, as in scikit-learn.
    tol : float or "auto", default="auto"
        Full batch: the largest gradient entry at which to stop
        (scikit-learn's ``tol`` for ``"lbfgs"``). Mini-batch: the smallest
        loss decrease that counts as progress. ``"auto"`` means 1e-8 for
        full-batch solvers, which leaves relative errors near 1e-6 in the
        coefficients of standardised data (scikit-learn's default of 1e-4 can
        leave 1e-2), and 1e-4 for mini-batch ones.
    fit_intercept : bool, default=True
        Whether to learn the biases.
    intercept_scaling : float, default=1
        Accepted for scikit-learn's sake; no effect: the biases are never
        penalised (liblinear's limit of a large ``intercept_scaling``).
    class_weight : dict, "balanced" or None, default=None
        Weights multiplying the sample weights of each class.
    random_state : int, RandomState instance or None, default=None
        Seed for shuffling and validation splits.
    solver : str or optimizer, default="auto"
        ``"auto"``: in ``fit``, ``"newton"`` for at most 64 parameters
        (``d = (n_features + 1) × n_outputs``) and ``n_samples × d² <= 2**21``
        without an L1 part, else ``"lbfgs"``; in ``partial_fit`` and with
        ``early_stopping``, ``"nesterov"`` (SGD with Nesterov momentum) with
        the step ``1 / L`` (see ``learning_rate_init``). The one chosen is
        ``solver_``. scikit-learn's
        names stand for the method here that reaches the same optimum:
        ``"lbfgs"``, ``"sag"``, ``"saga"`` and ``"liblinear"`` for
        ``"lbfgs"`` (bounded L-BFGS, which handles every ``l1_ratio``),
        ``"newton-cg"`` for ``"newton-cg"`` and ``"newton-cholesky"`` for
        ``"newton"`` (Newton's method with the exact Hessian); ``"cg"`` is
        full batch too. Mini-batch: ``"sgd"``, ``"momentum"``, ``"nesterov"``,
        ``"adagrad"``, ``"adadelta"``, ``"rmsprop"``, ``"adam"``, ``"adamw"``;
        or an optimizer object such as ``Adam(beta_1=0.8)``. Only the
        mini-batch solvers (and ``"auto"``) offer ``partial_fit``.
    max_iter : int, default=500
        Iterations (full-batch solvers) or epochs (mini-batch solvers).
        scikit-learn's default is 100, for its looser ``tol``: L-BFGS needs
        about twice as many iterations for ``tol=1e-6``, and more with an L1
        part.
    verbose : int, default=0
        Print the loss after every iteration or epoch.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution.
    n_jobs : int or None, default=None
        No effect (deprecated in scikit-learn 1.8: a value other than None
        gives the same ``FutureWarning``).
    learning_rate : str or schedule, default="constant"
        Learning-rate schedule of the mini-batch solvers, every one of them
        (``"adam"`` included): ``"constant"``; ``"invscaling"``,
        ``learning_rate_init / (t + 1)^0.5`` after ``t`` samples;
        ``"adaptive"``, a constant rate divided by 5 each time the loss (the
        validation score with ``early_stopping``) has not improved by ``tol``
        for more than ``n_iter_no_change`` epochs; a plateau with the rate
        at or below 1e-6 stops training (a
        :class:`~sklearn_dl.callbacks.ReduceLROnPlateau` callback that ``fit``
        adds); ``"step"``, ``"exponential"``, ``"cosine"``, ``"warmup"``; or a
        schedule object.
    learning_rate_init : float or "auto", default="auto"
        Initial learning rate of the mini-batch solvers. ``"auto"`` gives the
        SGD family (``"sgd"``, ``"momentum"``, ``"nesterov"``) the step
        ``1 / L``, with ``L = c (max_i ‖x_i‖² + fit_intercept) + alpha_l2 / n``
        a bound on the curvature of the loss (``c`` = 1 for regression, ¼ for
        the binary and ½ for the multinomial log loss), so that they cannot
        diverge even on unscaled data; the adaptive solvers get 0.01.
    batch_size : int or "auto", default="auto"
        Mini-batch size; ``"auto"`` means ``min(200, n_samples)``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when the
        validation score stops improving (mini-batch solvers: the full-batch
        ones ignore it, and with ``solver="auto"``, ``fit`` then trains by
        mini-batches). ``partial_fit`` refuses it (raises ``ValueError``), as
        a call holds nothing out.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without progress of at least ``tol`` before stopping.
    shuffle : bool, default=True
        Shuffle the samples at every epoch.
    callbacks : list of Callback or None, default=None
        Extra callbacks, e.g. ``EarlyStopping`` or ``ReduceLROnPlateau``.
    scoring : str, callable or None, default=None
        The validation score (``validation_scores_``, early stopping, callbacks
        monitoring ``"val_score"``): a scikit-learn scorer name such as
        ``"neg_log_loss"`` or a callable ``scorer(estimator, X, y)``; ``None``
        means the estimator's ``score``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Learned weights, in the dtype of ``X``.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Learned biases.
    n_iter_ : ndarray of shape (1,)
        Iterations (full batch) or epochs (mini-batch) run, as an int32 array
        as in scikit-learn.
    solver_ : optimizer
        The solver used (the choice of ``"auto"``, or the method a
        scikit-learn name stands for).
    loss_curve_ : list of float
        Objective after each iteration or epoch.
    history_ : dict of lists
        ``loss``, ``lr`` and, with validation data, ``val_loss`` and ``val_score``.
    solver_ : Optimizer
        The fitted optimizer, with its slots (the method a name stands for).
    callbacks_ : list of Callback
        The fitted callbacks: the user's (cloned), then those that
        ``early_stopping``, ``learning_rate="adaptive"`` and ``verbose`` build;
        e.g. the early-stopping callback's ``stopped_epoch_``.

    See Also
    --------
    LinearRegression : The regressor on the same network with no hidden layer.
    sklearn_dl.neural_network.MLPClassifier : The classifier with hidden layers.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_dl.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> model = LogisticRegression().fit(X, y)
    >>> model.coef_.shape, round(model.score(X, y), 2)
    ((3, 4), 0.97)
    """

    _parameter_constraints = {
        **{k: v for k, v in NetworkClassifier._parameter_constraints.items() if k != "alpha"},
        "penalty": [StrOptions({"l1", "l2", "elasticnet", "deprecated"}), None],
        "C": [Interval(Real, 0, None, closed="right")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "dual": ["boolean"],
        "fit_intercept": ["boolean"],
        "intercept_scaling": [Interval(Real, 0, None, closed="neither")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "solver": [
            StrOptions({"auto", "newton", *OPTIMIZERS, *_SCIKIT_LEARN_SOLVERS}),
            BaseOptimizer,
        ],
        "n_jobs": [None, Integral],
        "learning_rate_init": _LEARNING_RATE_INIT,
    }
    _default_initializer = "zeros"
    # A largest gradient entry of 1e-8 leaves relative errors near 1e-6 in the
    # coefficients on standardised data (1e-6 can leave 1e-4, and
    # scikit-learn's 1e-4 leaves 1e-2).
    _full_batch_tol = 1e-8

    def __init__(
        self,
        penalty="deprecated",
        *,
        C=1.0,
        l1_ratio=0.0,
        dual=False,
        tol="auto",
        fit_intercept=True,
        intercept_scaling=1,
        class_weight=None,
        random_state=None,
        solver="auto",
        max_iter=500,
        verbose=0,
        warm_start=False,
        n_jobs=None,
        learning_rate="constant",
        learning_rate_init="auto",
        batch_size="auto",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        shuffle=True,
        callbacks=None,
        scoring=None,
    ):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.dual = dual
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.callbacks = callbacks
        self.scoring = scoring

    def fit(
        self,
        X: ArrayLike | sp.spmatrix | sp.sparray,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        validation_data: tuple | None = None,
    ) -> LogisticRegression:
        """Fit the model to ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Training data. A dask array or DataFrame stays on its cluster: the
            objective is summed over its chunks where they live (see
            :ref:`scaling_out`).
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the objective.
        validation_data : tuple (X_val, y_val) or (X_val, y_val, w_val), default=None
            Data to evaluate after every epoch (``val_loss``, ``val_score``),
            used instead of a split when ``early_stopping=True``. Dask
            arrays, with a dask ``X``, are evaluated where their chunks live.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._warn_as_scikit_learn()
        return super().fit(X, y, sample_weight, validation_data)

    def _warn_as_scikit_learn(self):
        """scikit-learn 1.9's warnings for its deprecated and ignored settings."""
        penalty, ratio = self.penalty, self.l1_ratio
        if not (isinstance(penalty, str) and penalty == "deprecated"):
            self._warn_penalty_name(penalty, ratio)
        elif ratio is None:
            warnings.warn(
                "l1_ratio=None is deprecated (since scikit-learn 1.8): it means "
                "l1_ratio=0; pass a number between 0 and 1.",
                FutureWarning,
                stacklevel=3,
            )
        if self.n_jobs is not None:
            warnings.warn(
                f"'n_jobs' has no effect (scikit-learn deprecated it in 1.8); got "
                f"n_jobs={self.n_jobs}, leave it unspecified.",
                FutureWarning,
                stacklevel=3,
            )

    def _warn_penalty_name(self, penalty, ratio):
        """scikit-learn's warnings for a ``penalty`` name and what it overrides."""
        warnings.warn(
            "'penalty' is deprecated (since scikit-learn 1.8): leave it at its "
            "default and use l1_ratio and C instead: l1_ratio=0 for penalty='l2', "
            "l1_ratio=1 for penalty='l1', 0 < l1_ratio < 1 for "
            "penalty='elasticnet', and C=np.inf for penalty=None.",
            FutureWarning,
            stacklevel=4,
        )
        if penalty != "elasticnet" and ratio is not None and 0 < ratio < 1:
            warnings.warn(
                f"l1_ratio is only used when penalty is 'elasticnet'; got "
                f"penalty={penalty!r}, so l1_ratio={ratio} is ignored.",
                stacklevel=4,
            )
        if (penalty == "l2" and ratio != 0) or (penalty == "l1" and ratio != 1):
            warnings.warn(
                f"Inconsistent values: penalty={penalty!r} with l1_ratio={ratio}; "
                "penalty wins. penalty is deprecated: use l1_ratio alone.",
                stacklevel=4,
            )
        if penalty is None and self.C != 1.0:
            warnings.warn(
                "Setting penalty=None ignores the C and l1_ratio parameters.",
                stacklevel=4,
            )

    def _penalty(self):
        """The penalty scikit-learn's settings describe, and ``alpha = 1 / C``."""
        penalty, ratio = self.penalty, self.l1_ratio
        if isinstance(penalty, str) and penalty == "deprecated":
            ratio = 0.0 if ratio is None else ratio
            penalty = "l2" if ratio == 0 else "l1" if ratio == 1 else "elasticnet"
        if penalty == "elasticnet" and ratio is None:
            raise ValueError("l1_ratio must be specified when penalty is 'elasticnet'.")
        if penalty is None or math.isinf(self.C):
            return None, 0.0
        kinds = {"l2": L2, "l1": L1}
        penalty = kinds[penalty]() if penalty in kinds else ElasticNet(l1_ratio=ratio)
        return penalty, 1.0 / self.C

    def _full_batch_solver(self, n_parameters, n_samples):
        """Newton for small smooth problems, L-BFGS for the rest (and before the size is known).

        A Newton step costs ``n d²`` for ``d`` parameters and ``n`` rows, and
        Newton converges in a handful of steps where L-BFGS takes 30-50
        cheaper ones (``n d`` each): on standardised iris, wine and breast
        cancer (d = 15 to 42, n d² up to 550,000) Newton took 0.6-0.95 of
        L-BFGS's time. Past ``_NEWTON_MAX_PARAMETERS`` parameters or
        ``_NEWTON_MAX_HESSIAN`` multiply-adds per Hessian, its cost grows
        faster than the iterations saved: on Gaussian data with 50 features
        and two classes Newton took 1.2-1.6 of L-BFGS's time on 500 to 2,000
        rows, and 2-5 times it on 10,000 to 100,000.
        """
        penalty, _ = self._penalty()
        smooth = penalty is None or not penalty.l1
        small = n_parameters is not None and n_parameters <= _NEWTON_MAX_PARAMETERS
        cheap = small and n_samples is not None
        cheap = cheap and n_samples * n_parameters**2 <= _NEWTON_MAX_HESSIAN
        return "newton" if smooth and cheap else "lbfgs"

    def _check_solver(self, solver, incremental):
        if not self.dual:
            return
        name = self.solver if isinstance(self.solver, str) else type(self.solver).__name__
        if name != "liblinear":
            raise ValueError(f"Solver {name} supports only dual=False, got dual=True")
        penalty, _ = self._penalty()
        if penalty is not None and penalty.l1:
            raise ValueError(
                "The combination of an L1 penalty (l1_ratio > 0) and dual=True is not "
                "supported by liblinear; set dual=False."
            )

    @property
    def n_iter_(self):
        """Iterations run, as scikit-learn's int32 array of shape (1,)."""
        return np.array([self._n_iter], dtype=np.int32)

    @n_iter_.setter
    def n_iter_(self, value):
        self._n_iter = int(value)

    def _flat_coef(self):
        return False

    def _curvature(self):
        """Bound on the log loss's second derivative in the logits: ¼ binary, ½ softmax."""
        return 0.25 if len(self.classes_) == 2 else 0.5


# The perceptron has a module of its own, built on the classes above.
from ._perceptron import Perceptron  # noqa: E402, F401
