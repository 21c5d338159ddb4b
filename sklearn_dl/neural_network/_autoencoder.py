"""The autoencoder: a network trained to reproduce its input through a narrow code.

The encoder maps ``x`` to the code ``c = g(x)`` (``n_features → *hidden_layer_sizes →
n_components``), the decoder maps it back, ``x̂ = h(c)``, through the mirrored
layers. Training minimises the engine's objective with the input as its own
target::

    F(θ) = (Σ_i [loss(x_i, h(g(x̃_i))) + sparsity ‖g(x̃_i)‖₁] + alpha R(W)) / n

where ``x̃_i`` is ``x_i`` itself, or a corrupted copy of it (denoising), and the
loss is the squared error ``½ ‖x̂ - x‖²`` (identity output) or the binary
cross-entropy on the logits (sigmoid output, for data in [0, 1]).

Its own layers (a decoder tied to the encoder's weights, input masking, the
L1 penalty on the code) are in :mod:`sklearn_dl.layers` with the others.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, clone
from sklearn.utils import check_array
from sklearn.utils.metaestimators import available_if

from .. import _array_api
from .._dask import chunkwise, score_dask
from .._engine.base import TRAINING_CONSTRAINTS, BaseNetwork, is_stochastic
from .._engine.chunked import is_dask
from .._validation import (
    Integral,
    Interval,
    Real,
    StrOptions,
    check_is_fitted,
    fit_context,
    validate_data,
)
from ..activations import ACTIVATIONS, Activation
from ..layers import ActivityL1, Dense, GaussianNoise, Layer, MaskingNoise, TiedDense
from ..losses import BinaryCrossEntropy, SquaredError
from ..optimizers import OPTIMIZERS, BaseOptimizer
from ._shared import MICRO_BATCH_CONSTRAINTS, SHARED_CONSTRAINTS, NetworkSettings, per_layer

_DENOISING_KINDS = {"gaussian": GaussianNoise, "mask": MaskingNoise}
# Rows per inference pass in score: small enough that each layer's output (2 MiB
# for 256 float64 units) stays in the cache: 1024 rows took 0.87 of the time of
# 4096 on the wide benchmark network, and still make efficient products.
_CHUNK = 1024


class Autoencoder(NetworkSettings, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseNetwork):
    """Autoencoder: a nonlinear, learned alternative to :class:`~sklearn.decomposition.PCA`.

    The encoder maps ``X`` through ``hidden_layer_sizes`` to ``n_components``
    codes; the decoder mirrors it back to ``n_features``. Training minimises
    ``(Σ_i [loss(x_i, x̂_i) + sparsity ‖c_i‖₁] + alpha R(W)) / n`` with the
    squared error ``½ ‖x̂ - x‖²`` (or, with ``output_activation="sigmoid"``, the
    binary cross-entropy on the logits; the default ``"auto"`` picks it for
    data in [0, 1]). With no hidden layer, identity activations and the
    squared error, the code spans the principal subspace of ``X``.

    Parameters
    ----------
    n_components : int, default=2
        Width of the code.
    hidden_layer_sizes : array-like of int, default=()
        Widths of the encoder's hidden layers, input side first; the decoder
        uses them in reverse.
    activation : str, Activation or list, default="relu"
        Nonlinearity of the hidden layers (one per layer with a list); the
        decoder mirrors it.
    code_activation : str or Activation, default="identity"
        Nonlinearity of the code layer. ``"relu"`` gives non-negative codes
        that ``sparsity`` drives to exact zeros.
    output_activation : {"auto", "identity", "sigmoid"}, default="auto"
        ``"identity"``: squared-error reconstructions for any real data.
        ``"sigmoid"`` (alias ``"logistic"``): reconstructions in (0, 1) fitted
        with the binary cross-entropy, for data scaled to [0, 1]. ``"auto"``:
        ``"sigmoid"`` when the data given to the first ``fit`` (or
        ``partial_fit``) lie in [0, 1], ``"identity"`` otherwise; see
        ``output_activation_``.
    tied_weights : bool, default=False
        Use the transposed encoder weights in the decoder: half the weights.
    denoising : None, float, tuple or Layer, default=None
        Corruption of the input, applied only while training (``transform``
        never corrupts): a float ``s`` or ``("gaussian", s)`` adds
        ``N(0, s²)`` noise; ``("mask", r)`` sets each input to zero with
        probability ``r``; a layer object (e.g. ``Dropout(0.2)``) is used as
        it is. The target stays the clean input. Meant for mini-batch
        solvers: a full-batch solver would see new noise at every evaluation.
    sparsity : float, default=0.0
        Strength of the L1 penalty on the code, per sample.
    solver : str or optimizer, default="auto"
        ``"adam"``, ``"sgd"``, ``"lbfgs"`` and every other optimizer of
        :mod:`sklearn_dl.optimizers`, or an optimizer object. ``"auto"``
        fits with ``"lbfgs"``, which converges to a precise optimum the way
        PCA users expect, and with ``"adam"`` when the objective is random
        (``denoising``) or not smooth (``sparsity``), with ``early_stopping``
        and in ``partial_fit``; see ``solver_``.
    alpha : float, default=1e-4
        Strength of the weight penalty.
    penalty : {"l2", "l1", "elasticnet"}, penalty object or None, default="l2"
        The weight penalty ``R(W)``; biases are never penalised.
    l1_ratio : float, default=0.5
        Share of the L1 term for ``penalty="elasticnet"``.
    batch_size : int or "auto", default="auto"
        Mini-batch size; ``"auto"`` means ``min(200, n_samples)``.
    learning_rate : str or schedule, default="constant"
        Learning-rate schedule of the mini-batch solvers, every one of them
        (``"adam"`` included): ``"constant"``; ``"invscaling"``,
        ``learning_rate_init / (t + 1)^power_t`` after ``t`` samples;
        ``"adaptive"``, a constant rate divided by 5 each time the loss (the
        validation score with ``early_stopping``) has not improved by ``tol``
        for more than ``n_iter_no_change`` epochs; a plateau with the rate
        at or below 1e-6 stops training (a
        :class:`~sklearn_dl.callbacks.ReduceLROnPlateau` callback that ``fit``
        adds); ``"step"``, ``"exponential"``, ``"cosine"``, ``"warmup"``; or a
        schedule object.
    learning_rate_init : float, default=1e-3
        Initial learning rate of the mini-batch solvers.
    power_t : float, default=0.5
        Exponent of the ``"invscaling"`` schedule.
    max_iter : int, default=200
        Epochs (mini-batch solvers) or iterations (full-batch solvers).
    shuffle : bool, default=True
        Shuffle the samples at every epoch.
    random_state : int, RandomState instance or None, default=None
        Seed for the initial weights, shuffling, corruption and validation split.
    tol : float, default=1e-4
        Smallest decrease of the loss (or increase of the validation score)
        that counts as progress; the gradient tolerance of ``"lbfgs"``.
    verbose : bool, default=False
        Print the loss after every epoch.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution.
    momentum : float, default=0.9
        Momentum of ``solver="sgd"``.
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with ``solver="sgd"``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when the
        validation score (the negative reconstruction error) stops improving
        (mini-batch solvers: the full-batch ones ignore it, and with
        ``solver="auto"``, ``fit`` then trains with ``"adam"``).
        ``partial_fit`` refuses it (raises ``ValueError``), as a call holds
        nothing out.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Settings of ``solver="adam"``.
    n_iter_no_change : int, default=10
        Epochs without progress of at least ``tol`` before stopping.
    max_fun : int, default=15000
        Budget of loss evaluations of ``solver="lbfgs"``.
    weight_init : str or Initializer, default="glorot_uniform"
        Distribution of the initial weights.
    callbacks : list of Callback or None, default=None
        Extra callbacks, e.g. ``EarlyStopping`` or ``ReduceLROnPlateau``.
    scoring : callable or None, default=None
        The validation score (``validation_scores_``, early stopping, callbacks
        monitoring ``"val_score"``): a callable ``scorer(estimator, X, y)``,
        called with the validation rows as both ``X`` and ``y`` (the input is
        its own target); ``None`` means the estimator's ``score``, the
        negative reconstruction error. (scikit-learn's scorer names need
        ``predict`` or ``predict_proba``, which an autoencoder does not have.)
    micro_batch_size : int or None, default=None
        Gradient accumulation for the mini-batch solvers: each batch is
        computed in parts of ``micro_batch_size`` rows whose gradients are
        added up before the batch's one step, so that memory grows with
        ``micro_batch_size``, not ``batch_size``. ``None``, or a value of at
        least the batch size, computes each batch in one piece.

    Attributes
    ----------
    output_activation_ : {"identity", "sigmoid"}
        The output activation in use (the choice of ``"auto"``).
    solver_ : Optimizer
        The optimizer in use (the choice of ``"auto"``).
    encoder_ : list of Layer
        The encoder's layers, input to code.
    decoder_ : list of Layer
        The decoder's layers, code to reconstruction logits.
    reconstruction_error_ : float
        Mean squared error of the reconstructions of the data given to the
        last ``fit`` or ``partial_fit`` (without corruption).
    n_iter_ : int
        Epochs (mini-batch) or iterations (full batch) run.
    loss_ : float
        Objective at the last epoch.
    loss_curve_ : list of float
        Objective after each epoch.
    history_ : dict of lists
        ``loss``, ``lr`` and, with validation data, ``val_loss`` and ``val_score``.
    callbacks_ : list of Callback
        The fitted callbacks: the user's (cloned), then those the flags build.
    network_ : Network
        The whole network, corruption and code penalty included.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of str
        Names of the features seen during ``fit``, when they are all strings.

    See Also
    --------
    sklearn.decomposition.PCA : The linear, closed-form counterpart.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.neural_network import Autoencoder
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 2)) @ rng.standard_normal((2, 6))
    >>> ae = Autoencoder(n_components=2, solver="lbfgs", random_state=0).fit(X)
    >>> ae.transform(X).shape
    (200, 2)
    >>> bool(ae.reconstruction_error_ < 1e-4)
    True
    >>> ae.get_feature_names_out().tolist()
    ['autoencoder0', 'autoencoder1']
    """

    _parameter_constraints = {
        **TRAINING_CONSTRAINTS,
        **SHARED_CONSTRAINTS,
        "scoring": [callable, None],  # scikit-learn's named scorers need predict
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "code_activation": [StrOptions(set(ACTIVATIONS)), Activation],
        "output_activation": [StrOptions({"auto", "identity", "sigmoid", "logistic"})],
        "solver": [StrOptions({"auto", *OPTIMIZERS}), BaseOptimizer],
        "tied_weights": ["boolean"],
        "denoising": [None, Interval(Real, 0, None, closed="left"), tuple, Layer],
        "sparsity": [Interval(Real, 0, None, closed="left")],
        **MICRO_BATCH_CONSTRAINTS,
    }

    def __init__(
        self,
        n_components=2,
        *,
        hidden_layer_sizes=(),
        activation="relu",
        code_activation="identity",
        output_activation="auto",
        tied_weights=False,
        denoising=None,
        sparsity=0.0,
        solver="auto",
        alpha=1e-4,
        penalty="l2",
        l1_ratio=0.5,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=1e-3,
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
        weight_init="glorot_uniform",
        callbacks=None,
        scoring=None,
        micro_batch_size=None,
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.code_activation = code_activation
        self.output_activation = output_activation
        self.tied_weights = tied_weights
        self.denoising = denoising
        self.sparsity = sparsity
        self.solver = solver
        self.alpha = alpha
        self.penalty = penalty
        self.l1_ratio = l1_ratio
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
        self.weight_init = weight_init
        self.callbacks = callbacks
        self.scoring = scoring
        self.micro_batch_size = micro_batch_size

    # -- fit ----------------------------------------------------------------------------

    @fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X: ArrayLike | sp.spmatrix | sp.sparray,
        y: ArrayLike | None = None,
        validation_data: ArrayLike | sp.spmatrix | sp.sparray | None = None,
    ) -> Autoencoder:
        """Learn the encoder and the decoder from ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Training data; it is also the target. A dask array stays on its
            cluster (see :ref:`scaling_out`).
        y : None
            Ignored.
        validation_data : {array-like, sparse matrix} of shape (n_val, n_features), default=None
            Data to evaluate after every epoch (``val_loss``, ``val_score``),
            used instead of a split when ``early_stopping=True``. Dask
            arrays, with a dask ``X``, are evaluated where their chunks live.

        Returns
        -------
        self : object
            The fitted autoencoder.
        """
        validation = None if validation_data is None else (validation_data, None)
        self._fit(X, None, None, validation)
        self.reconstruction_error_ = self._mean_squared_error(X)
        return self

    @available_if(is_stochastic)
    def partial_fit(
        self, X: ArrayLike | sp.spmatrix | sp.sparray, y: ArrayLike | None = None
    ) -> Autoencoder:
        """One epoch of the mini-batch solver over ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A batch of training data.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The updated autoencoder.
        """
        self._partial_fit(X, None)
        self.reconstruction_error_ = self._mean_squared_error(X)
        return self

    def _validate_xy(self, X, y, reset):
        """Validate ``X``; it is its own target."""
        X = self._validate_x(X, reset)
        return X, X

    def _validate_x(self, X, reset=False):
        xp, _ = _array_api.namespace(X)
        X = validate_data(
            self,
            X,
            reset=reset,
            accept_sparse=["csr", "csc"],
            dtype=[xp.float64, xp.float32],
        )
        if not reset:
            self._check_same_namespace(X)
        return X.tocsr() if sp.issparse(X) and X.format == "csc" else X

    # The setting that chooses the output, and what "auto" chooses for data in
    # [0, 1] and for other data (the variational autoencoder has its own).
    _output_setting = ("output_activation", "sigmoid", "identity")

    def _encode_targets(self, y, dtype, reset, classes=None):
        Y = y.toarray() if sp.issparse(y) else y
        Y = np.asarray(Y, dtype=dtype)
        in_unit_range = not Y.size or (Y.min() >= 0 and Y.max() <= 1)
        name, for_unit_range, otherwise = self._output_setting
        if getattr(self, name) != "auto":
            setattr(self, f"{name}_", getattr(self, name))
        elif reset:  # warm starts and partial_fit keep the first choice
            setattr(self, f"{name}_", for_unit_range if in_unit_range else otherwise)
        if self._sigmoid_output() and not in_unit_range:
            raise ValueError(
                f"{name}={getattr(self, f'{name}_')!r} reconstructs data in "
                f"[0, 1], but X has values in [{Y.min():.3g}, {Y.max():.3g}]. Scale X "
                f"(e.g. sklearn.preprocessing.MinMaxScaler) or use {name}={otherwise!r}."
            )
        return Y

    def _sigmoid_output(self):
        return self.output_activation_ in ("sigmoid", "logistic")

    def _solver_choice(self, incremental, n_parameters=None, n_samples=None):
        """The solver to train with; ``"auto"`` is resolved here.

        ``"auto"``: L-BFGS, unless training is by mini-batches (``partial_fit``,
        ``early_stopping``), the objective is random (``denoising`` draws new
        noise at every pass, which a line search cannot follow) or not smooth
        (``sparsity``): then Adam.
        """
        if self.solver != "auto":
            return self.solver
        by_batches = incremental or self.early_stopping
        rough = bool(self._corruption()) or self.sparsity > 0
        return "adam" if by_batches or rough else "lbfgs"

    def _make_loss(self):
        return BinaryCrossEntropy() if self._sigmoid_output() else SquaredError()

    # -- the network --------------------------------------------------------------------

    def _layers(self, n_outputs):
        """Corruption, encoder, code penalty, decoder."""
        sizes = self._layer_sizes()
        activations = per_layer(self.activation, len(sizes), "activation")
        corruption = self._corruption()
        encoder = [
            Dense(units, activation) for units, activation in zip(sizes, activations, strict=True)
        ]
        encoder.append(Dense(int(self.n_components), self.code_activation))
        penalty = [ActivityL1(self.sparsity)] if self.sparsity > 0 else []
        back_activations = [*reversed(activations), "identity"]
        if self.tied_weights:
            pairs = zip(reversed(encoder), back_activations, strict=True)
            decoder = [TiedDense(source, activation) for source, activation in pairs]
        else:
            pairs = zip([*reversed(sizes), n_outputs], back_activations, strict=True)
            decoder = [Dense(units, activation) for units, activation in pairs]
        return [*corruption, *encoder, *penalty, *decoder]

    def _corruption(self):
        """The input-corruption layer ``denoising`` stands for, as a list of 0 or 1 layer."""
        value = self.denoising
        if value is None:
            return []
        if isinstance(value, Layer):
            return [clone(value)]
        if isinstance(value, Real):
            value = ("gaussian", value)
        kind, level = value if len(value) == 2 else (None, None)
        valid = kind in _DENOISING_KINDS and isinstance(level, Real) and level >= 0
        if not valid or (kind == "mask" and level >= 1):
            raise ValueError(
                "denoising must be None, a noise standard deviation s >= 0, "
                "('gaussian', s), ('mask', r) with 0 <= r < 1, or a Layer; got "
                f"{value!r}."
            )
        return [_DENOISING_KINDS[kind](float(level))] if level > 0 else []

    # The encoder and the decoder are the two halves of the dense layers (the
    # others, corruption and the code penalty, are the identity at inference):
    # read off the fitted network, they always describe it.
    @property
    def encoder_(self):
        dense = self.network_.dense_layers()
        return dense[: len(dense) // 2]

    @property
    def decoder_(self):
        dense = self.network_.dense_layers()
        return dense[len(dense) // 2 :]

    @property
    def _n_features_out(self):
        return self.encoder_[-1].units

    # -- transform ----------------------------------------------------------------------

    @chunkwise
    def transform(self, X: ArrayLike | sp.spmatrix | sp.sparray) -> NDArray:
        """Encode ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data to encode.

        Returns
        -------
        codes : ndarray of shape (n_samples, n_components)
            The codes, in the dtype of the fitted network.
        """
        check_is_fitted(self, "network_")
        return self._run(self.encoder_, self._validate_x(X))

    @chunkwise
    def inverse_transform(self, X: ArrayLike) -> NDArray:
        """Decode codes back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, e.g. from :meth:`transform`.

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, n_features)
            The reconstructions.
        """
        check_is_fitted(self, "network_")
        xp, _ = _array_api.namespace(X)
        Z = check_array(X, dtype=[xp.float64, xp.float32], input_name="X", estimator=self)
        self._check_same_namespace(Z)
        if Z.shape[1] != self._n_features_out:
            raise ValueError(
                f"X has {Z.shape[1]} columns, but {type(self).__name__} decodes codes "
                f"of {self._n_features_out} components."
            )
        return self.loss_function_.link(self._run(self.decoder_, Z))

    def score(self, X: ArrayLike | sp.spmatrix | sp.sparray, y: ArrayLike | None = None) -> float:
        """Negative mean squared reconstruction error of ``X`` (higher is better).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data to reconstruct.
        y : None
            Ignored.

        Returns
        -------
        score : float
            ``-mean((X - inverse_transform(transform(X)))²)``.
        """
        return -self._mean_squared_error(X)

    def _mean_squared_error(self, X):
        """``mean((X - inverse_transform(transform(X)))²)`` over every entry."""
        check_is_fitted(self, "network_")
        if is_dask(X):
            return -score_dask(self, X)  # sums over the chunks: the negative error
        X = self._validate_x(X)
        total = 0.0
        for start in range(0, X.shape[0], _CHUNK):  # bounded memory for large X
            rows = slice(start, start + _CHUNK)
            Z = self._run(self.network_.layers, X[rows])
            total += self._squared_error_sum(X[rows], Z)
        return total / (X.shape[0] * X.shape[1]) if X.shape[0] * X.shape[1] else 0.0

    def _run(self, layers, X):
        """``X`` through ``layers`` in inference mode, in the network's dtype."""
        if _array_api.numpy_dtype(X.dtype) != self.network_.dtype:
            X = self.network_.xp.astype(X, self.network_.dtype)
        for layer in layers:
            X = layer.forward(X)
        return X

    def _squared_error_sum(self, Y, Z):
        """``Σ (link(Z) - Y)²`` over every entry, in float64."""
        residual = self.loss_function_.link(Z)
        residual -= Y.toarray() if sp.issparse(Y) else Y
        residual = residual.ravel()
        return float(residual @ residual)

    def _score_logits(self, Y, Z, sample_weight):
        """Negative mean squared error of the reconstructions ``link(Z)`` of ``Y``.

        The autoencoder takes no sample weights: ``sample_weight`` is always None.
        """
        return -self._squared_error_sum(Y, Z) / Y.size

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
