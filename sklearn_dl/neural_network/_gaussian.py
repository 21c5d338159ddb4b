"""The parts of the variational autoencoder: its Gaussian code and its Gaussian output.

- :class:`GaussianCode`, the layer between the encoder and the decoder: it
  reads the mean and the log-variance of ``q(z | x)``, draws the code by
  reparameterisation while training, and adds ``β KL(q(z | x) ‖ N(0, I))``
  to the objective (the role ``penalises_activity`` of
  :class:`~sklearn_dl.layers.Layer`, as :class:`~sklearn_dl.layers.ActivityL1`
  has it);
- :class:`LearnedVariance`, the decoder's last layer for real data: it adds
  one learned log-variance per feature beside the decoded means;
- :class:`GaussianNLL`, the loss of that output: the negative log-density of
  a diagonal Gaussian.
"""

import math

import numpy as np
from scipy.special import expit

from .._validation import Interval, Real
from ..layers import Layer
from ..losses import Loss

_LOG_2PI = math.log(2 * math.pi)


class GaussianCode(Layer):
    """``z = μ + exp(v / 2) ⊙ ε``, ``ε ~ N(0, I)``, while training; ``z = μ`` otherwise.

    The input holds ``[μ, v]``, the mean and the log-variance ``v = log σ²``
    of the code distribution ``q(z | x)`` (``2k`` columns for a code of
    ``k``). While training, each row adds to the objective

        β KL(q(z | x) ‖ N(0, I)) = β ½ Σ_j (μ_j² + σ_j² - 1 - log σ_j²),

    whose gradient enters ``backward`` beside that of the sample. Like the
    data loss, it is divided by the number of rows of the batch.

    Parameters
    ----------
    beta : float, default=1.0
        Weight of the KL term (1 for the evidence lower bound).

    Notes
    -----
    With ``dZ = ∂L/∂z``, ``σ = exp(v / 2)`` and ``n`` rows::

        ∂/∂μ = dZ + β μ / n        ∂/∂v = ½ dZ ⊙ ε ⊙ σ + β ½ (σ² - 1) / n

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.neural_network._gaussian import GaussianCode
    >>> layer = GaussianCode(beta=1.0)
    >>> layer.build(4, np.float64)
    2
    >>> stats = np.array([[1.0, 0.0, 0.0, 0.0]])  # μ = (1, 0), σ² = (1, 1)
    >>> layer.forward(stats)  # the mean when not training
    array([[1., 0.]])
    >>> _ = layer.forward(stats, training=True, rng=np.random.default_rng(0))
    >>> layer.activity_loss()  # ½ (1 + 1 - 1 - 0) + ½ (0 + 1 - 1 - 0)
    0.5
    """

    penalises_activity = True
    _parameter_constraints = {"beta": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, beta=1.0):
        self.beta = beta

    def build(self, n_in, dtype):
        if n_in % 2:
            raise ValueError(
                f"GaussianCode reads a mean and a log-variance per code unit, so its "
                f"input width must be even; got {n_in}."
            )
        super().build(n_in, dtype)
        self.n_out_ = n_in // 2
        return self.n_out_

    def forward(self, X, training=False, rng=None):
        k = self.n_out_
        if not training:
            return np.ascontiguousarray(X[:, :k])
        noise = self._buffer("noise", (X.shape[0], k))
        rng.standard_normal(noise.shape, dtype=self.dtype_, out=noise)
        std = np.exp(X[:, k:] * self.dtype_.type(0.5), out=self._buffer("std", noise.shape))
        Z = np.multiply(std, noise, out=self._buffer("A", noise.shape))
        Z += X[:, :k]
        self._X, self._noise, self._std = X, noise, std
        return Z

    def activity_loss(self):
        """``β ½ Σ (μ² + σ² - 1 - log σ²)`` over the rows of the last training batch."""
        X = self.__dict__.get("_X")  # none before training and after release()
        if X is None:
            return 0.0
        k = self.n_out_
        return self.beta * float(kl_divergence(X[:, :k], X[:, k:]).sum())

    def backward(self, dZ, need_input_grad=True):
        if not need_input_grad:
            return None
        X, k, n = self._X, self.n_out_, dZ.shape[0]
        dX = self._buffer("dX", (n, 2 * k))
        shrink = self.dtype_.type(self.beta / n)
        half = self.dtype_.type(0.5)
        np.multiply(X[:, :k], shrink, out=dX[:, :k])
        dX[:, :k] += dZ
        variance = np.square(self._std, out=dX[:, k:])
        variance -= 1
        variance *= shrink * half
        dX[:, k:] += dZ * self._noise * self._std * half
        return dX

    def release(self):
        super().release()
        for name in ("_noise", "_std"):
            self.__dict__.pop(name, None)

    def __getstate__(self):
        state = super().__getstate__()
        for name in ("_noise", "_std"):
            state.pop(name, None)
        return state


def kl_divergence(mean, log_var):
    """``KL(N(μ, diag σ²) ‖ N(0, I))`` of each row, in float64.

    ``½ Σ_j (μ_j² + σ_j² - 1 - log σ_j²)``, with ``log_var = log σ²``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.neural_network._gaussian import kl_divergence
    >>> kl_divergence(np.array([[0.0, 2.0]]), np.zeros((1, 2)))  # ½ (0 + 4)
    array([2.])
    """
    mean = np.asarray(mean, dtype=np.float64)
    log_var = np.asarray(log_var, dtype=np.float64)
    return 0.5 * (np.square(mean) + np.exp(log_var) - 1.0 - log_var).sum(axis=1)


class LearnedVariance(Layer):
    """``[X, log(σ²_min + exp(s))]``: the input, then a learned log-variance per column.

    The decoded means pass through; beside them each row gets the same
    log-variance ``v_j = log(σ²_min + exp(s_j))`` per feature, ``s`` being the
    layer's (unpenalised) parameters. The floor ``σ²_min > 0`` keeps the
    density finite where a feature is constant. ``s`` starts at 0 (a variance
    of ``1 + σ²_min``), or where :meth:`start_at` puts it.

    Parameters
    ----------
    min_variance : float, default=1e-3
        The floor ``σ²_min`` of every variance.

    Notes
    -----
    With ``dY = [dM, dV]``: ``dX = dM`` and
    ``∂L/∂s_j = Σ_rows dV_j · sigmoid(s_j - log σ²_min)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.neural_network._gaussian import LearnedVariance
    >>> layer = LearnedVariance(min_variance=1.0)
    >>> layer.build(2, np.float64), layer.other_shapes()
    (4, [(2,)])
    >>> layer.bind([], [np.zeros(2)], [], [np.zeros(2)])
    >>> np.round(layer.forward(np.array([[0.5, 2.0]])), 4)  # log(1 + e⁰) = log 2
    array([[0.5   , 2.    , 0.6931, 0.6931]])
    """

    _parameter_constraints = {"min_variance": [Interval(Real, 0, None, closed="neither")]}

    def __init__(self, min_variance=1e-3):
        self.min_variance = min_variance

    def build(self, n_in, dtype):
        super().build(n_in, dtype)
        self.n_out_ = 2 * n_in
        return self.n_out_

    def other_shapes(self):
        return [(self.n_in_,)]

    def bind(self, weights, others, weight_grads, other_grads):
        self.s_, self.ds_ = others[0], other_grads[0]

    def initialize(self, rng, initializer):
        self.s_[...] = 0

    def start_at(self, variance):
        """Set ``s`` so that the variances are ``variance``, or just above the floor.

        ``variance`` is e.g. each feature's variance in the training data: the
        variance of a decoder that outputs the feature means.
        """
        floor = self.min_variance
        excess = np.maximum(np.asarray(variance, dtype=np.float64) - floor, 1e-3 * floor)
        self.s_[...] = np.log(excess)

    def log_variance(self):
        """``log(σ²_min + exp(s))`` per feature."""
        return np.logaddexp(self.dtype_.type(math.log(self.min_variance)), self.s_)

    def forward(self, X, training=False, rng=None):
        shape = (X.shape[0], self.n_out_)
        out = self._buffer("A", shape) if training else np.empty(shape, self.dtype_)
        d = self.n_in_
        out[:, :d] = X
        out[:, d:] = self.log_variance()
        return out

    def backward(self, dY, need_input_grad=True):
        d = self.n_in_
        slope = expit(self.s_ - self.dtype_.type(math.log(self.min_variance)))
        np.matmul(self._ones(dY.shape[0]), dY[:, d:], out=self.ds_)
        self.ds_ *= slope
        return np.ascontiguousarray(dY[:, :d]) if need_input_grad else None


class GaussianNLL(Loss):
    """``loss = ½ (log 2π + v + (y - μ)² e^{-v})`` per feature, on logits ``[μ, v]``.

    The negative log-density of ``y`` under ``N(μ, e^v)``: the logits have
    two columns per target column, the means then the log-variances (as
    :class:`LearnedVariance` gives them). The link is the mean.

    Notes
    -----
    ``∂/∂μ = (μ - y) e^{-v}`` and ``∂/∂v = ½ (1 - (y - μ)² e^{-v})``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.neural_network._gaussian import GaussianNLL
    >>> Y, Z = np.array([[1.0]]), np.array([[0.0, 0.0]])  # y = 1 under N(0, 1)
    >>> value, grad = GaussianNLL().loss_gradient(Y, Z)
    >>> round(float(value), 4), grad  # ½ log 2π + ½
    (1.4189, array([[-1.,  0.]]))
    """

    def link(self, Z):
        return Z[:, : Z.shape[1] // 2]

    def _value_grad(self, Y, Z):
        d = Z.shape[1] // 2
        mean, log_var = Z[:, :d], Z[:, d:]
        precision = np.exp(-log_var)
        residual = mean - Y
        scaled = residual * precision
        squared = residual * scaled
        values = 0.5 * (log_var + squared + Z.dtype.type(_LOG_2PI))
        grad = np.concatenate([scaled, 0.5 * (1 - squared)], axis=1)
        return values, grad
