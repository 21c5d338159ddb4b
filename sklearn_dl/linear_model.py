"""Linear and logistic regression: the networks with zero hidden layers.

Both minimise the engine's objective

    F(w, b) = (Σ_i s_i loss(y_i, x_i·w + b) + alpha R(w)) / Σ_i s_i

with the training parameters every sklearn_dl estimator shares. The defaults
reach the exact optimum: a full-batch L-BFGS from zero weights.
"""

import numpy as np
import scipy.sparse as sp

from ._base import TRAINING_CONSTRAINTS
from ._supervised import NetworkClassifier, NetworkRegressor
from ._validation import Interval, Real, StrOptions
from .optimizers import SGD
from .penalties import get_penalty

# Linear models also accept learning_rate_init="auto" (a curvature-safe SGD step).
_LEARNING_RATE_INIT = [*TRAINING_CONSTRAINTS["learning_rate_init"], StrOptions({"auto"})]

_TRAINING_DOC = """
    solver : str or optimizer, default="lbfgs"
        ``"lbfgs"``, ``"cg"``, ``"newton-cg"`` (full batch) or ``"sgd"``,
        ``"momentum"``, ``"nesterov"``, ``"adagrad"``, ``"adadelta"``,
        ``"rmsprop"``, ``"adam"``, ``"adamw"`` (mini-batch), or an optimizer
        object such as ``Adam(beta_1=0.8)``.
    learning_rate : str or schedule, default="constant"
        Learning-rate schedule of the mini-batch solvers: ``"constant"``,
        ``"invscaling"``, ``"adaptive"``, ``"step"``, ``"exponential"``,
        ``"cosine"``, ``"warmup"``, or a schedule object.
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
    tol : float or "auto", default="auto"
        Full batch: the largest gradient entry at which to stop. Mini-batch:
        the smallest decrease of the loss (or increase of the validation
        score) that counts as progress. ``"auto"`` means 1e-6 for full-batch
        solvers (near-exact optima) and 1e-4 for mini-batch ones.
    penalty : {"l2", "l1", "elasticnet"}, penalty object or None, default="l2"
        The regulariser ``R(w)``; biases are never penalised.
    alpha : float
        Strength of the penalty.
    l1_ratio : float, default=0.5
        Share of the L1 term for ``penalty="elasticnet"``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when the
        validation score stops improving (mini-batch solvers).
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
        Extra callbacks, e.g. ``EarlyStopping`` or ``ReduceLROnPlateau``."""


class _LinearMixin:
    """Fitted ``coef_`` and ``intercept_`` in scikit-learn's shapes, and the "auto" rate."""

    def _initial_learning_rate(self, X, sample_weight=None):
        if self.learning_rate_init != "auto":
            return self.learning_rate_init
        if not isinstance(self.solver_, SGD):
            return 0.01  # adaptive methods scale their steps to the gradients themselves
        squared_norms = X.multiply(X).sum(axis=1) if sp.issparse(X) else np.einsum("ij,ij->i", X, X)
        squared_norms = np.ravel(squared_norms)
        if sample_weight is not None:  # rows of weight zero are not in the objective
            squared_norms = squared_norms[sample_weight > 0]
        largest = float(np.max(squared_norms, initial=0.0))
        curvature = self._curvature() * (largest + self.fit_intercept)
        penalty = get_penalty(self.penalty, self.l1_ratio)
        if penalty is not None:  # the penalty is divided by the total sample weight
            total = X.shape[0] if sample_weight is None else float(np.sum(sample_weight))
            curvature += self.alpha * penalty.l2 / max(total, np.finfo(float).tiny)
        return 1.0 / max(curvature, np.finfo(float).tiny)

    @property
    def coef_(self):
        W = self.network_.dense_layers()[-1].W_.T.copy()
        return W[0] if self._flat_coef() else W

    @property
    def intercept_(self):
        layer = self.network_.dense_layers()[-1]
        b = layer.b_.copy() if self.fit_intercept else np.zeros(layer.units, layer.W_.dtype)
        return b[0] if self._flat_coef() else b


class LinearRegression(_LinearMixin, NetworkRegressor):
    """Linear regression trained by gradient methods: squared, absolute or Huber loss.

    Minimises ``(Σ s_i loss(y_i, x_i·w + b) + alpha R(w)) / Σ s_i``. With the
    squared error ``½ (y - x·w - b)²`` and the L2 penalty ``½‖w‖²`` this is
    scikit-learn's ``Ridge(alpha)``; with ``alpha=0`` (the default) it is
    ordinary least squares.

    Parameters
    ----------
    loss : {"squared_error", "absolute_error", "huber"}, default="squared_error"
        Per-sample loss of the residual ``r = x·w + b - y``.
    epsilon : float, default=1.35
        Residual size where the Huber loss turns from quadratic to linear.
    fit_intercept : bool, default=True
        Whether to learn the bias ``b``.
    alpha : float, default=0.0
        Strength of the penalty (``Ridge``'s alpha for ``penalty="l2"``).
    """

    __doc__ += (
        _TRAINING_DOC
        + """

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Learned weights.
    intercept_ : float or ndarray of shape (n_targets,)
        Learned bias.
    n_iter_ : int
        Iterations (full batch) or epochs (mini-batch) run.
    loss_curve_ : list of float
        Objective after each iteration or epoch.
    history_ : dict of lists
        ``loss``, ``lr`` and, with validation data, ``val_loss`` and ``val_score``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.linear_model import LinearRegression
    >>> X = np.array([[1.0, 1.0], [1.0, 2.0], [2.0, 2.0], [2.0, 3.0]])
    >>> y = X @ np.array([1.0, 2.0]) + 3.0
    >>> model = LinearRegression().fit(X, y)
    >>> np.round(model.coef_, 6), round(float(model.intercept_), 6)
    (array([1., 2.]), 3.0)
    """
    )

    _parameter_constraints = {
        **NetworkRegressor._parameter_constraints,
        "learning_rate_init": _LEARNING_RATE_INIT,
        "loss": [StrOptions({"squared_error", "absolute_error", "huber"})],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "fit_intercept": ["boolean"],
    }
    _default_initializer = "zeros"

    def __init__(
        self,
        *,
        loss="squared_error",
        epsilon=1.35,
        fit_intercept=True,
        solver="lbfgs",
        learning_rate="constant",
        learning_rate_init="auto",
        batch_size="auto",
        max_iter=200,
        tol="auto",
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
    ):
        self.loss = loss
        self.epsilon = epsilon
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
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

    def _flat_coef(self):
        return self._y_ndim == 1

    def _curvature(self):
        """Bound on the loss's second derivative in the logit (1 for these losses)."""
        return 1.0


class LogisticRegression(_LinearMixin, NetworkClassifier):
    """Logistic regression trained by gradient methods: sigmoid for two classes, softmax for more.

    Minimises ``(Σ s_i log_loss(y_i, x_i·W + b) + alpha R(W)) / Σ s_i``. With
    the default ``alpha=1.0`` and the L2 penalty ``½‖W‖²`` this is exactly
    scikit-learn's default ``LogisticRegression()`` problem (``alpha = 1/C``);
    with more than two classes it is the multinomial model.

    Parameters
    ----------
    fit_intercept : bool, default=True
        Whether to learn the biases.
    alpha : float, default=1.0
        Strength of the penalty, ``1 / C`` in scikit-learn's terms.
    class_weight : dict, "balanced" or None, default=None
        Weights multiplying the sample weights of each class.
    """

    __doc__ += (
        _TRAINING_DOC
        + """

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Learned weights.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Learned biases.
    n_iter_ : int
        Iterations (full batch) or epochs (mini-batch) run.
    loss_curve_ : list of float
        Objective after each iteration or epoch.
    history_ : dict of lists
        ``loss``, ``lr`` and, with validation data, ``val_loss`` and ``val_score``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_dl.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> model = LogisticRegression(max_iter=500).fit(X, y)
    >>> model.coef_.shape, round(model.score(X, y), 2)
    ((3, 4), 0.97)
    """
    )

    _parameter_constraints = {
        **NetworkClassifier._parameter_constraints,
        "learning_rate_init": _LEARNING_RATE_INIT,
        "fit_intercept": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }
    _default_initializer = "zeros"

    def __init__(
        self,
        *,
        fit_intercept=True,
        solver="lbfgs",
        learning_rate="constant",
        learning_rate_init="auto",
        batch_size="auto",
        max_iter=200,
        tol="auto",
        penalty="l2",
        alpha=1.0,
        l1_ratio=0.5,
        class_weight=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        shuffle=True,
        warm_start=False,
        random_state=None,
        verbose=False,
        callbacks=None,
    ):
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.class_weight = class_weight
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    def _flat_coef(self):
        return False

    def _curvature(self):
        """Bound on the log loss's second derivative in the logits: ¼ binary, ½ softmax."""
        return 0.25 if len(self.classes_) == 2 else 0.5
