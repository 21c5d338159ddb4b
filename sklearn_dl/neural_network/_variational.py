"""The variational autoencoder: a generative model with a Gaussian code.

The encoder maps ``x`` to the mean ``μ(x)`` and the log-variance ``v(x)`` of
a Gaussian ``q(z | x)`` over codes of ``n_components``; while training, a
code ``z = μ + exp(v / 2) ⊙ ε`` (``ε ~ N(0, I)``) is drawn and decoded into
the parameters of ``p(x | z)``. Training minimises the negative evidence
lower bound, with ``β`` weighting its KL term::

    F(θ) = (Σ_i [-log p(x_i | z_i) + β KL(q(z | x_i) ‖ N(0, I))] + alpha R(W)) / n

The sampling and the KL term are one layer,
:class:`~sklearn_dl.layers.GaussianCode`, between the encoder
and the decoder; the Gaussian output's variances are the parameters of
:class:`~sklearn_dl.layers.LearnedVariance`.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from .._array_api import numpy_like
from .._dask import chunkwise
from .._engine.base import make_rng
from .._validation import Interval, Real, StrOptions, check_is_fitted
from ..layers import Dense, GaussianCode, LearnedVariance, kl_divergence
from ..losses import BinaryCrossEntropy, GaussianNLL
from ._autoencoder import Autoencoder
from ._shared import per_layer

_CHUNK = 4096  # rows per inference pass in score_samples
# score_samples estimates the expected log-likelihood with the same code
# draws for every row: these many pairs (ε, -ε) from a fixed seed.
_SCORE_PAIRS = 8
_SCORE_SEED = 0
# The Autoencoder's settings a variational autoencoder does not have.
_NOT_VARIATIONAL = (
    "code_activation",
    "output_activation",
    "tied_weights",
    "denoising",
    "sparsity",
)


class VariationalAutoencoder(Autoencoder):
    """Variational autoencoder: a nonlinear, generative counterpart of probabilistic PCA.

    The encoder maps each sample ``x`` through ``hidden_layer_sizes`` to the
    mean ``μ(x)`` and the log-variance ``log σ²(x)`` of a Gaussian code
    ``q(z | x)`` of ``n_components``; the decoder mirrors it back to the
    parameters of ``p(x | z)``. Training minimises the negative evidence
    lower bound (ELBO), per sample

        -E_q[log p(x | z)] + beta · ½ Σ_j (μ_j² + σ_j² - 1 - log σ_j²),

    the second term being ``KL(q(z | x) ‖ N(0, I))`` in closed form; the
    expectation is estimated with one reparameterised code
    ``z = μ + σ ⊙ ε``, ``ε ~ N(0, I)``, drawn anew at every step. ``p(x | z)``
    is a Bernoulli per feature (sigmoid output, the binary cross-entropy)
    or a Gaussian ``N(m(z), diag s²)`` whose variances ``s²`` (one per
    feature, at least ``min_variance``) are learned with the weights.

    :meth:`transform` gives the code means ``μ(x)`` (no noise),
    :meth:`inverse_transform` the decoded means, :meth:`sample` new rows
    decoded from codes drawn from the prior, and :meth:`score` the mean
    ELBO, a lower bound on the log-likelihood of ``X``.

    Parameters
    ----------
    n_components : int, default=2
        Width of the code.
    hidden_layer_sizes : array-like of int, default=()
        Widths of the encoder's hidden layers, input side first; the decoder
        uses them in reverse. With none, both maps are linear.
    activation : str, Activation or list, default="relu"
        Nonlinearity of the hidden layers (one per layer with a list); the
        decoder mirrors it.
    likelihood : {"auto", "bernoulli", "gaussian"}, default="auto"
        The distribution ``p(x | z)``. ``"bernoulli"``: a sigmoid output and
        the binary cross-entropy, for data in [0, 1] (a log-probability for
        0/1 data). ``"gaussian"``: decoded means and learned per-feature
        variances, for any real data. ``"auto"``: ``"bernoulli"`` when the
        data given to the first ``fit`` (or ``partial_fit``) lie in [0, 1],
        ``"gaussian"`` otherwise; see ``likelihood_``.
    beta : float, default=1.0
        Weight of the KL term while training (``beta > 1``: a β-VAE, with a
        code closer to the prior). :meth:`score` always uses 1.
    min_variance : float, default=1e-3
        Floor of the Gaussian likelihood's variances, in the units of ``X``
        squared: a constant feature cannot make the density infinite.
    solver : str or optimizer, default="auto"
        ``"adam"``, ``"sgd"`` and every other optimizer of
        :mod:`sklearn_dl.optimizers`, or an optimizer object. ``"auto"`` is
        ``"adam"``: the objective is random (a new code is drawn at every
        pass), which the line searches of the full-batch solvers cannot follow.
    alpha : float, default=1e-4
        Strength of the weight penalty.
    penalty : {"l2", "l1", "elasticnet"}, penalty object or None, default="l2"
        The weight penalty ``R(W)``; biases and variances are never penalised.
    l1_ratio : float, default=0.5
        Share of the L1 term for ``penalty="elasticnet"``.
    batch_size : int or "auto", default="auto"
        Mini-batch size; ``"auto"`` means ``min(200, n_samples)``.
    learning_rate : str or schedule, default="constant"
        Learning-rate schedule, as for :class:`Autoencoder`.
    learning_rate_init : float, default=1e-3
        Initial learning rate.
    power_t : float, default=0.5
        Exponent of the ``"invscaling"`` schedule.
    max_iter : int, default=200
        Epochs (iterations of a full-batch solver).
    shuffle : bool, default=True
        Shuffle the samples at every epoch.
    random_state : int, RandomState instance or None, default=None
        Seed for the initial weights, shuffling, the codes drawn while
        training and the validation split.
    tol : float, default=1e-4
        Smallest decrease of the loss (or increase of the validation score)
        that counts as progress.
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
        validation score (the mean ELBO) stops improving. ``partial_fit``
        refuses it.
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
        The validation score: a callable ``scorer(estimator, X, y)``, called
        with the validation rows as both ``X`` and ``y``; ``None`` means
        :meth:`score`, the mean ELBO.

    Attributes
    ----------
    likelihood_ : {"bernoulli", "gaussian"}
        The likelihood in use (the choice of ``"auto"``).
    solver_ : Optimizer
        The optimizer in use.
    encoder_ : list of Layer
        Input to code: the hidden layers, the layer giving ``[μ, log σ²]``
        and the :class:`~sklearn_dl.layers.GaussianCode`.
    decoder_ : list of Layer
        Code to the logits of ``p(x | z)`` (with a Gaussian likelihood, the
        means then the log-variances).
    reconstruction_error_ : float
        Mean squared error of the reconstructions of the data given to the
        last ``fit`` or ``partial_fit``, decoded from the code means.
    n_iter_ : int
        Epochs run.
    loss_ : float
        Objective at the last epoch (the negative ELBO with ``beta``, per
        sample, plus the weight penalty).
    loss_curve_ : list of float
        Objective after each epoch.
    history_ : dict of lists
        ``loss``, ``lr`` and, with validation data, ``val_loss`` (the
        reconstruction term at the code means) and ``val_score``.
    callbacks_ : list of Callback
        The fitted callbacks: the user's (cloned), then those the flags build.
    network_ : Network
        The whole network, encoder, code and decoder.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of str
        Names of the features seen during ``fit``, when they are all strings.

    See Also
    --------
    sklearn.decomposition.PCA : Probabilistic PCA, whose ``score`` is the
        exact log-likelihood of a linear Gaussian model.
    Autoencoder : The deterministic autoencoder.

    Notes
    -----
    :meth:`score_samples` returns, for each row,

        ELBO(x) = E_q[log p(x | z)] - KL(q(z | x) ‖ N(0, I)) <= log p(x),

    with the KL term exact and the expectation averaged over 16 codes
    ``μ ± σ ⊙ ε_l`` (8 draws ``ε_l`` from a fixed seed, and their
    negatives), the same for every row: the score is deterministic and does
    not depend on the other rows. With a Gaussian likelihood it is a log
    density of ``X`` in nats, comparable to ``PCA.score``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.neural_network import VariationalAutoencoder
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 2)) @ rng.standard_normal((2, 6))
    >>> vae = VariationalAutoencoder(2, hidden_layer_sizes=(16,), learning_rate_init=1e-2,
    ...                              max_iter=50, random_state=0).fit(X)
    >>> vae.likelihood_, vae.transform(X).shape, vae.sample(4, random_state=0).shape
    ('gaussian', (300, 2), (4, 6))
    >>> bool(np.all(np.isfinite(vae.score_samples(X))))
    True
    """

    _parameter_constraints = {
        **{
            name: constraint
            for name, constraint in Autoencoder._parameter_constraints.items()
            if name not in _NOT_VARIATIONAL
        },
        "likelihood": [StrOptions({"auto", "bernoulli", "gaussian"})],
        "beta": [Interval(Real, 0, None, closed="left")],
        "min_variance": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        n_components=2,
        *,
        hidden_layer_sizes=(),
        activation="relu",
        likelihood="auto",
        beta=1.0,
        min_variance=1e-3,
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
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.likelihood = likelihood
        self.beta = beta
        self.min_variance = min_variance
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

    # -- the hooks of the training engine -------------------------------------------------

    _output_setting = ("likelihood", "bernoulli", "gaussian")

    def _sigmoid_output(self):
        return self.likelihood_ == "bernoulli"

    def _make_loss(self):
        return BinaryCrossEntropy() if self._sigmoid_output() else GaussianNLL()

    def _solver_choice(self, incremental, n_parameters=None, n_samples=None):
        """``"auto"`` is Adam: every pass draws new codes, which a line search cannot follow."""
        return "adam" if self.solver == "auto" else self.solver

    def _layers(self, n_outputs):
        """Encoder, ``[μ, log σ²]``, the code, decoder, and the variances of a Gaussian output."""
        sizes = self._layer_sizes()
        activations = per_layer(self.activation, len(sizes), "activation")
        pairs = [*zip(sizes, activations, strict=True)]
        encoder = [Dense(units, activation) for units, activation in pairs]
        code = [Dense(2 * int(self.n_components)), GaussianCode(self.beta)]
        decoder = [Dense(units, activation) for units, activation in reversed(pairs)]
        output = [Dense(n_outputs)]
        if self.likelihood_ == "gaussian":
            output.append(LearnedVariance(self.min_variance))
        return [*encoder, *code, *decoder, *output]

    def _new_state(self, X, sample_weight, incremental, rng, first):
        """A new training state; a new Gaussian output starts at the moments of ``X``.

        The output's biases start at the feature means and its variances at
        the feature variances (the best output that ignores the code), so
        that no feature starts with a residual far larger than its variance:
        the gradient in the means grows as 1 / variance, and a constant
        feature's variance is at the floor.
        """
        if first and self.likelihood_ == "gaussian":
            mean, variance = _feature_moments(X)
            *_, means, variances = self.decoder_
            means.b_[...] = self.network_.xp.asarray(mean)
            variances.start_at(variance)
        return super()._new_state(X, sample_weight, incremental, rng, first)

    def _validation_score(self, data):
        """``scoring``'s score of the validation data, or their mean ELBO."""
        if self.scoring is not None:
            return super()._validation_score(data)
        X, _, _ = data.all_rows()
        elbo = self._elbo(X)
        return float(numpy_like(elbo).mean(elbo))

    # The encoder ends with the code layer, which gives the means at inference.
    @property
    def encoder_(self):
        return self.network_.layers[: self._code_index() + 1]

    @property
    def decoder_(self):
        return self.network_.layers[self._code_index() + 1 :]

    def _code_index(self):
        layers = self.network_.layers
        return next(i for i, layer in enumerate(layers) if isinstance(layer, GaussianCode))

    @property
    def _n_features_out(self):
        return self.encoder_[-1].n_out_

    # -- the generative model -------------------------------------------------------------

    @chunkwise
    def score_samples(self, X: ArrayLike | sp.spmatrix | sp.sparray) -> NDArray:
        """The evidence lower bound of each sample (higher is better).

        ``E_q[log p(x | z)] - KL(q(z | x) ‖ N(0, I))``, a lower bound on
        ``log p(x)``: the KL term in closed form, the expectation over 16
        codes ``μ ± σ ⊙ ε_l`` drawn from a fixed seed (see Notes), so the
        result is deterministic and each row's does not depend on the others.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Data to score. A dask array is scored chunk by chunk, lazily.

        Returns
        -------
        elbo : ndarray or dask array of shape (n_samples,)
            The ELBO of each row, in nats (float64).
        """
        check_is_fitted(self, "network_")
        return self._elbo(self._validate_x(X))

    def score(self, X: ArrayLike | sp.spmatrix | sp.sparray, y: ArrayLike | None = None) -> float:
        """Mean evidence lower bound of ``X`` per sample (higher is better).

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Data to score; a dask array chunk by chunk, where its chunks live.
        y : None
            Ignored.

        Returns
        -------
        score : float
            ``mean(score_samples(X))``, a lower bound on the mean log-likelihood.
        """
        # A numpy, device or dask array's own mean; float() computes the dask one.
        return float(self.score_samples(X).mean())

    def sample(self, n_samples: int = 1, random_state=None) -> NDArray:
        """New rows: codes drawn from the prior ``N(0, I)``, decoded.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows.
        random_state : int, RandomState instance, Generator or None, default=None
            Seed of the codes.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            The decoded means of ``p(x | z)`` (pixel intensities with a
            Bernoulli likelihood), in the dtype of the fitted network.
        """
        check_is_fitted(self, "network_")
        if not isinstance(n_samples, Integral) or isinstance(n_samples, bool) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}.")
        rng = make_rng(random_state)
        codes = rng.standard_normal((int(n_samples), self._n_features_out))
        codes = self.network_.xp.asarray(codes)  # drawn on the host, decoded where the model is
        return self.loss_function_.link(self._run(self.decoder_, codes))

    def _elbo(self, X):
        """ELBO of each row of validated ``X``, by chunks of rows."""
        xp = self.network_.xp
        elbo = xp.empty(X.shape[0], np.float64)
        k = self._n_features_out
        half = np.random.default_rng(_SCORE_SEED).standard_normal((_SCORE_PAIRS, k))
        draws = xp.asarray(np.concatenate([half, -half]))
        for start in range(0, X.shape[0], _CHUNK):
            rows = slice(start, start + _CHUNK)
            elbo[rows] = self._elbo_chunk(X[rows], draws)
        return elbo

    def _elbo_chunk(self, X, draws):
        """``mean_l log p(x | μ + σ ε_l) - KL`` of each row, for the code draws ``ε_l``."""
        stats = self._run(self.encoder_[:-1], X)  # [μ, log σ²], before the sampling
        k = self._n_features_out
        xp, (mean, log_var) = self.network_.xp, (stats[:, :k], stats[:, k:])
        std = xp.exp(0.5 * log_var)
        Y = X.toarray() if sp.issparse(X) else X
        log_likelihood = xp.zeros(X.shape[0], np.float64)
        for noise in draws:
            Z = self._run(self.decoder_, mean + std * xp.astype(noise, std.dtype))
            values, _ = self.loss_function_._value_grad(Y, Z)
            log_likelihood -= xp.sum(values, axis=1, dtype=np.float64)
        return log_likelihood / len(draws) - kl_divergence(mean, log_var, xp)


def _feature_moments(X):
    """The mean and the variance of each column of ``X`` (dense or sparse), in float64."""
    if sp.issparse(X):
        mean = np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
        mean_square = np.asarray(X.multiply(X).mean(axis=0), dtype=np.float64).ravel()
        return mean, np.maximum(mean_square - mean**2, 0.0)
    xp = numpy_like(X)
    if xp.on_device:  # two vectors come back to the host
        X = xp.astype(X, np.float64)
        return xp.to_numpy(xp.mean(X, axis=0)), xp.to_numpy(xp.var(X, axis=0))
    return np.mean(X, axis=0, dtype=np.float64), np.var(X, axis=0, dtype=np.float64)
