"""Multi-layer perceptrons: the engine's network with hidden layers.

Each hidden layer is ``Dense(units, activation)``, or with batch normalisation
``Dense(units) → BatchNorm → Activation``; a maxout one is ``Dense(k units)
→ Maxout(k)``, with the batch normalisation between them. Gaussian noise and
dropout may follow; the output layer is linear and the loss owns the output
nonlinearity. Every parameter of scikit-learn's ``MLPClassifier`` and
``MLPRegressor`` keeps its name, default and meaning; the others are additions.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import column_or_1d

from .._engine.heads import NetworkClassifier, NetworkRegressor
from .._validation import Interval, StrOptions
from ..activations import ACTIVATIONS, Activation
from ..initializers import INITIALIZERS, Initializer, ScikitLearnUniform, get_initializer
from ..layers import Activation as ActivationLayer
from ..layers import BatchNorm, Dense, Dropout, GaussianNoise, Maxout
from ..losses import Loss
from ._shared import MICRO_BATCH_CONSTRAINTS, SHARED_CONSTRAINTS, NetworkSettings, per_layer

_MLP_CONSTRAINTS = {
    **SHARED_CONSTRAINTS,
    # A closed float interval, so that np.inf (never stop) is accepted as in scikit-learn.
    "n_iter_no_change": [Interval(Real, 1, np.inf, closed="both")],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "dropout": [Interval(Real, 0, 1, closed="left"), list, tuple],
    "gaussian_noise": [Interval(Real, 0, None, closed="left"), list, tuple],
    "batch_norm": ["boolean"],
    "weight_init": [StrOptions({"auto", *INITIALIZERS}), Initializer],
    # "maxout" is a layer of its own (Dense with k times the units, then Maxout).
    "activation": [StrOptions({*ACTIVATIONS, "maxout"}), Activation, list, tuple],
    "maxout_pieces": [Interval(Integral, 1, None, closed="left")],
    **MICRO_BATCH_CONSTRAINTS,
}

# scikit-learn ignores these schedule names unless solver="sgd" (adam keeps a
# constant rate); so does our "adam", to keep the meaning of existing code and
# grids. The other mini-batch solvers, which scikit-learn lacks, apply them.
_SGD_ONLY_SCHEDULES = ("invscaling", "adaptive")


class _BaseMLP(NetworkSettings):
    """What both perceptrons share: the hidden layers and scikit-learn's attributes."""

    # The default for estimators saved before the parameter existed.
    maxout_pieces = 2

    # -- the network ----------------------------------------------------------------

    def _hidden_layers(self):
        sizes = self._layer_sizes()
        activations = per_layer(self.activation, len(sizes), "activation")
        rates = per_layer(self.dropout, len(sizes), "dropout")
        if any(not 0 <= rate < 1 for rate in rates):
            raise ValueError(f"dropout rates must be in [0, 1); got {self.dropout!r}.")
        input_std, hidden_std = self._noise_levels()
        layers = [GaussianNoise(input_std)] if input_std else []
        for units, activation, rate in zip(sizes, activations, rates, strict=True):
            if _is_name(activation, "maxout"):
                pieces = self.maxout_pieces
                norm = [BatchNorm(momentum=0.9)] if self.batch_norm else []
                layers += [Dense(units * pieces), *norm, Maxout(pieces)]
            elif self.batch_norm:
                # momentum 0.9: running statistics settle within tens of steps, as
                # short fits with one batch per epoch need.
                layers += [Dense(units), BatchNorm(momentum=0.9), ActivationLayer(activation)]
            else:
                layers.append(Dense(units, activation))
            if hidden_std:
                layers.append(GaussianNoise(hidden_std))
            if rate:
                layers.append(Dropout(rate))
        return layers

    def _noise_levels(self):
        """``(input std, hidden std)`` from ``gaussian_noise``."""
        noise = self.gaussian_noise
        if np.ndim(noise) == 0:
            return float(noise), 0.0
        if len(noise) != 2 or not all(isinstance(s, Real) for s in noise) or min(noise) < 0:
            raise ValueError(
                "gaussian_noise must be a non-negative float (input noise) or a pair "
                f"(input std, hidden std); got {noise!r}."
            )
        return float(noise[0]), float(noise[1])

    def _initializer(self):
        if self.weight_init != "auto":
            return get_initializer(self.weight_init)
        logistic = isinstance(self.activation, str) and self.activation in ("logistic", "sigmoid")
        return ScikitLearnUniform(scale=1 / 3 if logistic else 1.0)

    # -- the solver -----------------------------------------------------------------

    def _learning_rate(self):
        if _is_name(self.solver, "adam") and _is_name(self.learning_rate, *_SGD_ONLY_SCHEDULES):
            return "constant"
        return self.learning_rate

    # -- scikit-learn's fitted attributes ----------------------------------------------

    @property
    def coefs_(self):
        """Weight matrices, shape (n_in, n_out) per layer: views into the parameters."""
        return [layer.W_ for layer in self.network_.dense_layers()]

    @coefs_.setter
    def coefs_(self, values):
        _assign([layer.W_ for layer in self.network_.dense_layers()], values, "coefs_")

    @property
    def intercepts_(self):
        """Bias vectors, shape (n_out,) per layer: views into the parameters."""
        return [layer.b_ for layer in self.network_.dense_layers()]

    @intercepts_.setter
    def intercepts_(self, values):
        _assign([layer.b_ for layer in self.network_.dense_layers()], values, "intercepts_")

    @property
    def n_layers_(self):
        """Input layer, hidden layers and output layer."""
        return len(self.network_.dense_layers()) + 1


def _is_name(value, *names):
    return isinstance(value, str) and value in names


def _assign(arrays, values, name):
    values = list(values)
    shapes = [a.shape for a in arrays]
    if [np.shape(v) for v in values] != shapes:
        raise ValueError(
            f"{name} must be a list of arrays of shapes {shapes}; got "
            f"{[np.shape(v) for v in values]}."
        )
    for array, value in zip(arrays, values, strict=True):
        array[...] = value


class MLPClassifier(_BaseMLP, NetworkClassifier):
    """Multi-layer perceptron classifier, a drop-in for scikit-learn's ``MLPClassifier``.

    Minimises ``(Σ s_i log_loss(y_i, f(x_i)) + alpha R(W)) / Σ s_i``: a
    sigmoid output for two classes and per label for multilabel ``y``
    (indicator matrix), a softmax for more classes.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,) or int, default=(100,)
        Width of each hidden layer. ``()`` gives no hidden layer: the logistic
        model.
    activation : str, Activation or list, default="relu"
        Nonlinearity of the hidden layers: ``"identity"``, ``"logistic"``,
        ``"tanh"``, ``"relu"`` (scikit-learn's), ``"leaky_relu"``, ``"elu"``,
        ``"selu"``, ``"gelu"``, ``"softplus"``, ``"swish"``, ``"prelu"`` (a
        negative slope per unit, learned and never penalised), ``"maxout"``
        (units ``max(w₁ᵀx + b₁, …, w_kᵀx + b_k)`` of ``k = maxout_pieces``
        pieces), an :class:`~sklearn_dl.activations.Activation` object, or a
        list with one per hidden layer.
    solver : str or optimizer, default="adam"
        ``"adam"``, ``"sgd"`` (with ``momentum`` and ``nesterovs_momentum``),
        ``"lbfgs"`` as in scikit-learn; also ``"momentum"``, ``"nesterov"``,
        ``"adagrad"``, ``"adadelta"``, ``"rmsprop"``, ``"adamw"`` (mini-batch),
        ``"cg"``, ``"newton-cg"`` (full batch), or an optimizer object such as
        ``RMSProp(rho=0.95)``, whose own settings then apply.
    alpha : float, default=0.0001
        Strength of the penalty. The objective is
        ``(Σ s_i loss_i + alpha R(W)) / Σ s_i`` whatever the solver and the
        batch size: with ``R = ½‖W‖²`` it is scikit-learn's documented "L2
        term divided by the sample size". (scikit-learn's mini-batch solvers
        divide it by the batch size instead, which regularises more).
    batch_size : int or "auto", default="auto"
        Mini-batch size; ``"auto"`` means ``min(200, n_samples)``.
    learning_rate : str or schedule, default="constant"
        Learning-rate schedule of the mini-batch solvers (full-batch solvers
        have none): ``"constant"``; ``"invscaling"``,
        ``learning_rate_init / (t + 1)^power_t`` after ``t`` samples;
        ``"adaptive"``, a constant rate divided by 5 each time the loss (the
        validation score with ``early_stopping``) has not improved by ``tol``
        for more than ``n_iter_no_change`` epochs; a plateau with the rate
        at or below 1e-6 stops training (a
        :class:`~sklearn_dl.callbacks.ReduceLROnPlateau` callback that ``fit``
        adds); ``"step"``, ``"exponential"``, ``"cosine"``, ``"warmup"``; or a
        schedule object. scikit-learn applies ``"invscaling"`` and
        ``"adaptive"`` only with ``solver="sgd"``, and ``"adam"`` keeps a
        constant rate; here too ``solver="adam"`` keeps a constant rate with
        them, while the other mini-batch solvers (and optimizer objects,
        ``Adam()`` included) apply them.
    learning_rate_init : float, default=0.001
        Initial learning rate of the mini-batch solvers.
    power_t : float, default=0.5
        Exponent of ``learning_rate="invscaling"``.
    max_iter : int, default=200
        Epochs (mini-batch solvers) or iterations (full-batch solvers).
    shuffle : bool, default=True
        Shuffle the samples at every epoch.
    random_state : int, RandomState instance or None, default=None
        Seed for the initial weights, shuffling, the validation split, dropout
        and noise.
    tol : float, default=1e-4
        Mini-batch: the smallest decrease of the loss (or increase of the
        validation score with ``early_stopping``) that counts as progress.
        Full batch: the gradient tolerance.
    verbose : bool, default=False
        Print the loss after every epoch.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution.
    momentum : float, default=0.9
        Momentum of ``solver="sgd"`` (and ``"momentum"``, ``"nesterov"``).
    nesterovs_momentum : bool, default=True
        Nesterov's form for ``solver="sgd"``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified for
        single-label classification), stop when the validation score has not
        improved by ``tol`` for ``n_iter_no_change`` epochs, and restore the
        best weights. Mini-batch solvers only: the full-batch solvers ignore
        it, and ``partial_fit`` refuses it (raises ``ValueError``), as a call
        holds nothing out.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    beta_1, beta_2 : float, default=0.9, 0.999
        Moment decays of ``solver="adam"`` (and ``"adamw"``).
    epsilon : float, default=1e-8
        Stability constant of ``solver="adam"`` (and ``"adamw"``).
    n_iter_no_change : int, default=10
        Epochs without progress of at least ``tol`` before stopping.
    max_fun : int, default=15000
        Budget of loss evaluations of the full-batch solvers.
    dropout : float or list of float, default=0.0
        Probability of dropping each hidden unit while training; one rate, or
        one per hidden layer.
    gaussian_noise : float or (float, float), default=0.0
        Standard deviation of Gaussian noise added while training to the
        inputs, or a pair ``(input std, hidden std)`` to also add noise after
        every hidden layer.
    batch_norm : bool, default=False
        Batch-normalise every hidden layer before its activation; running
        statistics are used at predict time.
    weight_init : str or Initializer, default="auto"
        Initial weights: ``"glorot"``, ``"he"``, ``"lecun"`` (uniform; also
        ``"*_normal"``), an initializer object, or ``"auto"``, scikit-learn's
        scale (Glorot uniform; ``sqrt(2 / (fan_in + fan_out))`` bounds for the
        logistic activation). Biases start at zero, except with ``"auto"``,
        which draws them from the same uniform distribution as the weights,
        as scikit-learn does.
    penalty : {"l2", "l1", "elasticnet"}, Penalty or None, default="l2"
        The regulariser ``R(W)`` of the weights (never the biases).
    l1_ratio : float, default=0.5
        Share of the L1 term for ``penalty="elasticnet"``.
    class_weight : dict, "balanced" or None, default=None
        Weights multiplying the sample weights of each class (single-label ``y``).
    callbacks : list of Callback or None, default=None
        Extra callbacks, e.g. ``EarlyStopping(monitor="val_loss", patience=5)``
        or ``ReduceLROnPlateau()``; cloned at every ``fit``.
    scoring : str, callable or None, default=None
        The validation score (``validation_scores_``, early stopping, callbacks
        monitoring ``"val_score"``): a scikit-learn scorer name such as
        ``"neg_log_loss"`` or a callable ``scorer(estimator, X, y)``; ``None``
        means the estimator's ``score``.

    maxout_pieces : int, default=2
        The number ``k`` of affine pieces of each ``"maxout"`` unit: the dense
        layer before a maxout layer has ``k`` times its units (``coefs_`` has
        ``k * units`` columns, piece ``p`` of unit ``j`` in column ``j k + p``).
    micro_batch_size : int or None, default=None
        Gradient accumulation for the mini-batch solvers: each batch is
        computed in parts of ``micro_batch_size`` rows whose gradients are
        added up before the one step of the batch, which is the step of the
        whole batch (batch normalisation excepted: its statistics are those of
        each part). Memory during ``fit`` then grows with
        ``micro_batch_size``, not ``batch_size``. ``None``, or a value of at
        least the batch size, computes each batch in one piece; the
        full-batch solvers ignore it.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (column indices for multilabel ``y``).
    loss_ : float
        Objective at the last epoch (or iteration).
    best_loss_ : float or None
        Smallest objective reached; ``None`` with ``early_stopping``.
    loss_curve_ : list of float
        Objective after each epoch (or iteration).
    validation_scores_ : list of float or None
        Validation score after each epoch with ``early_stopping`` (or
        ``validation_data``), else ``None``.
    best_validation_score_ : float or None
        Best validation score, or ``None``.
    t_ : int
        Training samples seen by the solver.
    coefs_ : list of ndarray of shape (n_in, n_out)
        Weight matrix of each layer (views: writing into them changes the model).
    intercepts_ : list of ndarray of shape (n_out,)
        Bias vector of each layer.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.
    n_iter_ : int
        Epochs (or iterations) run.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of outputs.
    out_activation_ : str
        Output nonlinearity, owned by the loss.
    history_ : dict of lists
        ``loss`` and ``lr`` per epoch and, with validation data, ``val_loss``
        and ``val_score``.
    solver_ : Optimizer
        The fitted optimizer, with its slots (the method a name stands for).
    callbacks_ : list of Callback
        The fitted callbacks: the user's (cloned), then those that
        ``early_stopping``, ``learning_rate="adaptive"`` and ``verbose`` build;
        e.g. the early-stopping callback's ``stopped_epoch_``.

    See Also
    --------
    MLPRegressor : The regressor on the same network.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn_dl.neural_network import MLPClassifier
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> clf = MLPClassifier(hidden_layer_sizes=(32,), dropout=0.1, learning_rate_init=0.01,
    ...                     random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape, [c.shape for c in clf.coefs_]
    ((2, 2), [(20, 32), (32, 1)])
    >>> bool(clf.score(X, y) > 0.95), len(clf.history_["loss"]) == clf.n_iter_
    (True, True)
    """

    _parameter_constraints = {
        **NetworkClassifier._parameter_constraints,
        **_MLP_CONSTRAINTS,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }
    _multilabel = True
    _single_class = True  # scikit-learn's MLP predicts the one class it saw

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        gaussian_noise=0.0,
        batch_norm=False,
        weight_init="auto",
        penalty="l2",
        l1_ratio=0.5,
        class_weight=None,
        callbacks=None,
        scoring=None,
        maxout_pieces=2,
        micro_batch_size=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.gaussian_noise = gaussian_noise
        self.batch_norm = batch_norm
        self.weight_init = weight_init
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.class_weight = class_weight
        self.callbacks = callbacks
        self.scoring = scoring
        self.maxout_pieces = maxout_pieces
        self.micro_batch_size = micro_batch_size


class MLPRegressor(_BaseMLP, NetworkRegressor):
    """Multi-layer perceptron regressor, a drop-in for scikit-learn's ``MLPRegressor``.

    Minimises ``(Σ s_i loss(y_i, f(x_i)) + alpha R(W)) / Σ s_i``, the loss
    summed over the outputs of multi-output ``y``.

    Parameters
    ----------
    loss : {"squared_error", "poisson", "absolute_error", "huber", "kl_divergence"} \
or Loss, default="squared_error"
        ``½ r²`` (scikit-learn's), the Poisson deviance with a log link
        (scikit-learn's), ``|r|``, Huber's loss with ``delta=1``, or the
        Kullback-Leibler divergence ``Σ_k y_k log(y_k / p_k)`` of a softmax
        output ``p`` from targets whose rows are probability distributions
        (``predict`` then returns distributions); a loss object such as
        ``Huber(delta=0.5)`` sets its own parameters.
    hidden_layer_sizes : array-like of shape (n_layers - 2,) or int, default=(100,)
        Width of each hidden layer. ``()`` gives no hidden layer: the linear
        model.
    activation : str, Activation or list, default="relu"
        Nonlinearity of the hidden layers: ``"identity"``, ``"logistic"``,
        ``"tanh"``, ``"relu"`` (scikit-learn's), ``"leaky_relu"``, ``"elu"``,
        ``"selu"``, ``"gelu"``, ``"softplus"``, ``"swish"``, ``"prelu"`` (a
        negative slope per unit, learned and never penalised), ``"maxout"``
        (units ``max(w₁ᵀx + b₁, …, w_kᵀx + b_k)`` of ``k = maxout_pieces``
        pieces), an :class:`~sklearn_dl.activations.Activation` object, or a
        list with one per hidden layer.
    solver : str or optimizer, default="adam"
        ``"adam"``, ``"sgd"`` (with ``momentum`` and ``nesterovs_momentum``),
        ``"lbfgs"`` as in scikit-learn; also ``"momentum"``, ``"nesterov"``,
        ``"adagrad"``, ``"adadelta"``, ``"rmsprop"``, ``"adamw"`` (mini-batch),
        ``"cg"``, ``"newton-cg"`` (full batch), or an optimizer object such as
        ``RMSProp(rho=0.95)``, whose own settings then apply.
    alpha : float, default=0.0001
        Strength of the penalty. The objective is
        ``(Σ s_i loss_i + alpha R(W)) / Σ s_i`` whatever the solver and the
        batch size: with ``R = ½‖W‖²`` it is scikit-learn's documented "L2
        term divided by the sample size". (scikit-learn's mini-batch solvers
        divide it by the batch size instead, which regularises more).
    batch_size : int or "auto", default="auto"
        Mini-batch size; ``"auto"`` means ``min(200, n_samples)``.
    learning_rate : str or schedule, default="constant"
        Learning-rate schedule of the mini-batch solvers (full-batch solvers
        have none): ``"constant"``; ``"invscaling"``,
        ``learning_rate_init / (t + 1)^power_t`` after ``t`` samples;
        ``"adaptive"``, a constant rate divided by 5 each time the loss (the
        validation score with ``early_stopping``) has not improved by ``tol``
        for more than ``n_iter_no_change`` epochs; a plateau with the rate
        at or below 1e-6 stops training (a
        :class:`~sklearn_dl.callbacks.ReduceLROnPlateau` callback that ``fit``
        adds); ``"step"``, ``"exponential"``, ``"cosine"``, ``"warmup"``; or a
        schedule object. scikit-learn applies ``"invscaling"`` and
        ``"adaptive"`` only with ``solver="sgd"``, and ``"adam"`` keeps a
        constant rate; here too ``solver="adam"`` keeps a constant rate with
        them, while the other mini-batch solvers (and optimizer objects,
        ``Adam()`` included) apply them.
    learning_rate_init : float, default=0.001
        Initial learning rate of the mini-batch solvers.
    power_t : float, default=0.5
        Exponent of ``learning_rate="invscaling"``.
    max_iter : int, default=200
        Epochs (mini-batch solvers) or iterations (full-batch solvers).
    shuffle : bool, default=True
        Shuffle the samples at every epoch.
    random_state : int, RandomState instance or None, default=None
        Seed for the initial weights, shuffling, the validation split, dropout
        and noise.
    tol : float, default=1e-4
        Mini-batch: the smallest decrease of the loss (or increase of the
        validation score with ``early_stopping``) that counts as progress.
        Full batch: the gradient tolerance.
    verbose : bool, default=False
        Print the loss after every epoch.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution.
    momentum : float, default=0.9
        Momentum of ``solver="sgd"`` (and ``"momentum"``, ``"nesterov"``).
    nesterovs_momentum : bool, default=True
        Nesterov's form for ``solver="sgd"``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, stop when the validation
        score has not improved by ``tol`` for ``n_iter_no_change`` epochs, and
        restore the best weights. Mini-batch solvers only: the full-batch
        solvers ignore it, and ``partial_fit`` refuses it (raises
        ``ValueError``), as a call holds nothing out.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    beta_1, beta_2 : float, default=0.9, 0.999
        Moment decays of ``solver="adam"`` (and ``"adamw"``).
    epsilon : float, default=1e-8
        Stability constant of ``solver="adam"`` (and ``"adamw"``).
    n_iter_no_change : int, default=10
        Epochs without progress of at least ``tol`` before stopping.
    max_fun : int, default=15000
        Budget of loss evaluations of the full-batch solvers.
    dropout : float or list of float, default=0.0
        Probability of dropping each hidden unit while training; one rate, or
        one per hidden layer.
    gaussian_noise : float or (float, float), default=0.0
        Standard deviation of Gaussian noise added while training to the
        inputs, or a pair ``(input std, hidden std)`` to also add noise after
        every hidden layer.
    batch_norm : bool, default=False
        Batch-normalise every hidden layer before its activation; running
        statistics are used at predict time.
    weight_init : str or Initializer, default="auto"
        Initial weights: ``"glorot"``, ``"he"``, ``"lecun"`` (uniform; also
        ``"*_normal"``), an initializer object, or ``"auto"``, scikit-learn's
        scale (Glorot uniform; ``sqrt(2 / (fan_in + fan_out))`` bounds for the
        logistic activation). Biases start at zero, except with ``"auto"``,
        which draws them from the same uniform distribution as the weights,
        as scikit-learn does.
    penalty : {"l2", "l1", "elasticnet"}, Penalty or None, default="l2"
        The regulariser ``R(W)`` of the weights (never the biases).
    l1_ratio : float, default=0.5
        Share of the L1 term for ``penalty="elasticnet"``.
    callbacks : list of Callback or None, default=None
        Extra callbacks, e.g. ``EarlyStopping(monitor="val_loss", patience=5)``
        or ``ReduceLROnPlateau()``; cloned at every ``fit``.
    scoring : str, callable or None, default=None
        The validation score (``validation_scores_``, early stopping, callbacks
        monitoring ``"val_score"``): a scikit-learn scorer name such as
        ``"neg_mean_absolute_error"`` or a callable ``scorer(estimator, X, y)``;
        ``None`` means the estimator's ``score``.

    maxout_pieces : int, default=2
        The number ``k`` of affine pieces of each ``"maxout"`` unit: the dense
        layer before a maxout layer has ``k`` times its units (``coefs_`` has
        ``k * units`` columns, piece ``p`` of unit ``j`` in column ``j k + p``).
    micro_batch_size : int or None, default=None
        Gradient accumulation for the mini-batch solvers: each batch is
        computed in parts of ``micro_batch_size`` rows whose gradients are
        added up before the one step of the batch, which is the step of the
        whole batch (batch normalisation excepted: its statistics are those of
        each part). Memory during ``fit`` then grows with
        ``micro_batch_size``, not ``batch_size``. ``None``, or a value of at
        least the batch size, computes each batch in one piece; the
        full-batch solvers ignore it.

    Attributes
    ----------
    loss_ : float
        Objective at the last epoch (or iteration).
    best_loss_ : float or None
        Smallest objective reached; ``None`` with ``early_stopping``.
    loss_curve_ : list of float
        Objective after each epoch (or iteration).
    validation_scores_ : list of float or None
        Validation score after each epoch with ``early_stopping`` (or
        ``validation_data``), else ``None``.
    best_validation_score_ : float or None
        Best validation score, or ``None``.
    t_ : int
        Training samples seen by the solver.
    coefs_ : list of ndarray of shape (n_in, n_out)
        Weight matrix of each layer (views: writing into them changes the model).
    intercepts_ : list of ndarray of shape (n_out,)
        Bias vector of each layer.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names.
    n_iter_ : int
        Epochs (or iterations) run.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of outputs.
    out_activation_ : str
        Output nonlinearity, owned by the loss.
    history_ : dict of lists
        ``loss`` and ``lr`` per epoch and, with validation data, ``val_loss``
        and ``val_score``.
    solver_ : Optimizer
        The fitted optimizer, with its slots (the method a name stands for).
    callbacks_ : list of Callback
        The fitted callbacks: the user's (cloned), then those that
        ``early_stopping``, ``learning_rate="adaptive"`` and ``verbose`` build;
        e.g. the early-stopping callback's ``stopped_epoch_``.

    See Also
    --------
    MLPClassifier : The classifier on the same network.

    Notes
    -----
    For several outputs the losses are summed over outputs, which is the
    gradient scikit-learn follows; its reported ``loss_`` is the mean over
    outputs instead (smaller by the number of outputs). Its Poisson ``loss_``
    also includes the constant ``y log y - y``, which ours leaves out.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.neural_network import MLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-2, 2, size=(200, 2))
    >>> y = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2
    >>> reg = MLPRegressor(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=1000,
    ...                    random_state=0).fit(X, y)
    >>> bool(reg.score(X, y) > 0.99)
    True
    """

    _parameter_constraints = {
        **NetworkRegressor._parameter_constraints,
        **_MLP_CONSTRAINTS,
        "loss": [
            StrOptions({"squared_error", "poisson", "absolute_error", "huber", "kl_divergence"}),
            Loss,
        ],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        gaussian_noise=0.0,
        batch_norm=False,
        weight_init="auto",
        penalty="l2",
        l1_ratio=0.5,
        callbacks=None,
        scoring=None,
        maxout_pieces=2,
        micro_batch_size=None,
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.gaussian_noise = gaussian_noise
        self.batch_norm = batch_norm
        self.weight_init = weight_init
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.callbacks = callbacks
        self.scoring = scoring
        self.maxout_pieces = maxout_pieces
        self.micro_batch_size = micro_batch_size

    def _encode_targets(self, y, dtype, reset, classes=None):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)  # scikit-learn's MLP predicts 1-D then
        return super()._encode_targets(y, dtype, reset, classes)
