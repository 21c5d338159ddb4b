"""Layers: the building blocks of every network.

A layer is built for an input width and a dtype, then bound to views into the
network's flat parameter and gradient vectors. It has

- ``build(n_in, dtype) -> n_out``;
- ``weight_shapes()`` (penalised) and ``other_shapes()`` (never penalised);
- ``bind(weights, others, weight_grads, other_grads)``: lists of views;
- ``initialize(rng, initializer)``;
- ``forward(X, training, rng)`` and ``backward(dY, need_input_grad)``.

In training mode the outputs are written into buffers allocated once per batch
size and reused; in inference mode every call returns fresh arrays, so a
prediction never aliases a buffer.
"""

from __future__ import annotations

import math
from numbers import Integral
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from numpy.typing import DTypeLike, NDArray

from . import _kernels
from ._array_api import NUMPY
from ._parts import Part, Scratch
from ._validation import Interval, Real
from .activations import Identity, get_activation

if TYPE_CHECKING:
    from .initializers import Initializer


class Layer(Part):
    """Base class: a layer with no parameters passes its input through.

    A layer declares the roles the network gives it special treatment for:
    ``dense`` (it carries a weight matrix ``W_`` and a bias ``b_``),
    ``finishes_backward`` (its ``finish_backward()`` runs once the whole
    backward pass is done), ``penalises_activity`` (its ``activity_loss()``
    enters the objective) and ``nonnegative`` (full-batch solvers keep its
    weights ``>= 0``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.layers import Layer
    >>> layer, X = Layer(), np.ones((2, 3))
    >>> layer.build(3, np.float64), layer.weight_shapes(), layer.other_shapes()
    (3, [], [])
    >>> layer.forward(X) is X
    True
    """

    dense = False
    finishes_backward = False
    penalises_activity = False
    nonnegative = False
    xp_ = NUMPY  # the namespace of the layer's arrays; see ``place``

    def build(self, n_in: int, dtype: DTypeLike) -> int:
        """Prepare for inputs of width ``n_in`` and ``dtype``; return the output width."""
        self.n_in_ = n_in
        self.n_out_ = n_in
        self.dtype_ = np.dtype(dtype)
        self._scratch = Scratch()
        return n_in

    def place(self, xp) -> None:
        """Keep the layer's arrays (buffers, running statistics) in the namespace ``xp``.

        A network placed on a device calls it after binding the layer to its
        views there; ``xp`` is a :func:`~sklearn_dl._array_api.numpy_like`
        namespace, whose functions the formulas call.
        """
        self.xp_ = xp
        self._scratch = Scratch(xp)

    def weight_shapes(self) -> list[tuple[int, ...]]:
        """Shapes of the parameters the penalty sees (the weights)."""
        return []

    def other_shapes(self) -> list[tuple[int, ...]]:
        """Shapes of the parameters never penalised (biases, batch-norm scales)."""
        return []

    def bind(
        self,
        weights: list[NDArray],
        others: list[NDArray],
        weight_grads: list[NDArray],
        other_grads: list[NDArray],
    ) -> None:
        """Keep views into the network's flat parameter and gradient vectors."""

    def initialize(self, rng: np.random.Generator, initializer: Initializer) -> None:
        """Set the initial parameter values in place."""

    def forward(
        self,
        X: NDArray | sp.spmatrix | sp.sparray,
        training: bool = False,
        rng: np.random.Generator | None = None,
    ) -> NDArray:
        """Return the layer's output for ``X``; ``training`` keeps what ``backward`` needs."""
        return X

    def backward(self, dY: NDArray, need_input_grad: bool = True) -> NDArray | None:
        """Store the parameter gradients; return ``∂L/∂X`` when ``need_input_grad``."""
        return dY

    def _buffer(self, name, shape):
        """A reusable array of ``shape`` for training-mode outputs."""
        return self._scratch.array(name, shape, self.dtype_)

    def _ones(self, n):
        """A reusable vector of ``n`` ones.

        ``ones @ dZ`` sums the rows of ``dZ`` in one matrix-vector product,
        several times faster than ``dZ.sum(axis=0)``.
        """
        return self._scratch.array("ones", (n,), self.dtype_, fill=1)

    def load_state(self, other: Layer) -> None:
        """Take the state ``other``, a layer of the same shapes, keeps outside the parameters."""

    def release(self) -> None:
        """Drop the buffers and the arrays kept for the backward pass."""
        self._scratch.clear()
        for name in _SCRATCH:
            self.__dict__.pop(name, None)

    def __getstate__(self):
        state = {k: v for k, v in self.__dict__.items() if k not in _SCRATCH}
        state.pop("_scratch", None)  # rebuilt on demand
        if "dtype_" in state:
            state["dtype_"] = state["dtype_"].name  # skops trusts strings, not numpy.dtype
        return state

    def __setstate__(self, state):
        state = dict(state)
        state.pop("_buffers", None)  # the scratch that files of earlier releases kept
        self.__dict__.update(state)
        if "dtype_" in state:
            self.dtype_ = np.dtype(state["dtype_"])
            self._scratch = Scratch(self.xp_)


def _standard_normal(xp, rng, out, dtype):
    """Fill ``out`` with standard normal draws from ``rng``, the numpy generator of the fit.

    Drawn on the host, so that a fit on a device sees the numbers a numpy fit sees.
    """
    if xp.on_device:
        xp.copyto(out, xp.asarray(rng.standard_normal(out.shape, dtype=dtype)))
    else:
        rng.standard_normal(out.shape, dtype=dtype, out=out)


def _is_sparse(X):
    # Checked on every batch: an ndarray answers at once, without scipy's slower test.
    return not isinstance(X, np.ndarray) and sp.issparse(X)


# Arrays a layer keeps between forward and backward: never pickled.
_SCRATCH = ("_X", "_Z", "_A", "_mask", "_X_hat", "_inv_std")


class Dense(Layer):
    """``A = f(X W + b)``: an affine map followed by an activation.

    Parameters
    ----------
    units : int
        Output width.
    activation : str or Activation, default="identity"
        Element-wise nonlinearity ``f``.
    use_bias : bool, default=True
        Whether to add the bias ``b``.

    Notes
    -----
    Backpropagation, with ``dA = ∂L/∂A``::

        dZ = dA ⊙ f'(Z)      dW = Xᵀ dZ      db = Σ_rows dZ      dX = dZ Wᵀ

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.layers import Dense
    >>> layer = Dense(3, activation="relu")
    >>> layer.build(4, np.float64)
    3
    >>> layer.bind([np.ones((4, 3))], [np.zeros(3)], [np.empty((4, 3))], [np.empty(3)])
    >>> layer.forward(np.ones((2, 4)))
    array([[4., 4., 4.],
           [4., 4., 4.]])
    """

    dense = True

    def __init__(self, units, activation="identity", use_bias=True):
        self.units = units
        self.activation = activation
        self.use_bias = use_bias

    def build(self, n_in, dtype):
        super().build(n_in, dtype)
        self.activation_ = get_activation(self.activation)
        self._linear = isinstance(self.activation_, Identity)
        self.n_out_ = self.units
        return self.units

    def weight_shapes(self):
        return [(self.n_in_, self.units)]

    def other_shapes(self):
        bias = [(self.units,)] if self.use_bias else []
        return bias + self.activation_.parameter_shapes(self.units)

    def bind(self, weights, others, weight_grads, other_grads):
        self.W_, self.dW_ = weights[0], weight_grads[0]
        self.b_ = others[0] if self.use_bias else None
        self.db_ = other_grads[0] if self.use_bias else None
        # The activation's own parameters (PReLU's slopes) follow the bias.
        self.activation_.bind(others[self.use_bias :], other_grads[self.use_bias :])

    def initialize(self, rng, initializer):
        self.W_[...] = initializer.sample(self.W_.shape, rng, self.dtype_)
        if self.use_bias:
            self.b_[...] = initializer.sample_bias(self.W_.shape, rng, self.dtype_)
        self.activation_.initialize()

    def forward(self, X, training=False, rng=None):
        xp, shape = self.xp_, (X.shape[0], self.units)
        if training:
            Z = self._buffer("Z", shape)
            if _is_sparse(X):
                xp.copyto(Z, X @ self.W_)
            else:
                xp.matmul(X, self.W_, out=Z)
        else:
            Z = xp.asarray(X @ self.W_)
        fused = training and self.use_bias
        fused = fused and _kernels.bias_activation(Z, self.b_, self.activation_)
        if self.use_bias and not fused:
            Z += self.b_
        if self._linear or fused:
            A = Z
        elif training and self.activation_.backward_needs_z:
            A = self.activation_.forward(Z, self._buffer("A", shape))
        else:
            # Z is a fresh array, or the backward pass needs only A: overwrite it.
            A = self.activation_.forward(Z, Z)
        if training:
            self._X, self._Z, self._A = X, Z, A
        return A

    def backward(self, dA, need_input_grad=True):
        dZ, bias_done = dA, False
        if not self._linear:
            # The kernel sums the bias gradient in the same pass over dZ.
            bias_done = _kernels.activation_backward(self.activation_, self._A, dA, self.db_)
            if not bias_done:
                dZ = self.activation_.backward(self._Z, self._A, dA)
        xp, X = self.xp_, self._X
        if _is_sparse(X):
            self.dW_[...] = X.T @ dZ
        else:
            xp.matmul(X.T, dZ, out=self.dW_)
        if self.use_bias and not bias_done:
            xp.matmul(self._ones(dZ.shape[0]), dZ, out=self.db_)
        if not need_input_grad:
            return None
        return xp.matmul(dZ, self.W_.T, out=self._buffer("dX", (dZ.shape[0], self.n_in_)))


class Activation(Layer):
    """``A = f(X)`` as a layer of its own (used after batch normalisation).

    Parameters
    ----------
    activation : str or Activation, default="relu"
        Element-wise nonlinearity ``f``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.layers import Activation
    >>> layer = Activation("relu")
    >>> layer.build(2, np.float64)
    2
    >>> layer.forward(np.array([[-1.0, 2.0]]))
    array([[0., 2.]])
    """

    def __init__(self, activation="relu"):
        self.activation = activation

    def build(self, n_in, dtype):
        self.activation_ = get_activation(self.activation)
        return super().build(n_in, dtype)

    def other_shapes(self):
        return self.activation_.parameter_shapes(self.n_in_)

    def bind(self, weights, others, weight_grads, other_grads):
        self.activation_.bind(others, other_grads)

    def initialize(self, rng, initializer):
        self.activation_.initialize()

    def forward(self, X, training=False, rng=None):
        out = self._buffer("A", X.shape) if training else None
        A = self.activation_.forward(X, out)
        if training:
            self._X, self._A = X, A
        return A

    def backward(self, dA, need_input_grad=True):
        return self.activation_.backward(self._X, self._A, dA)


class Dropout(Layer):
    """Zero each input with probability ``rate`` while training (inverted dropout).

    Kept inputs are scaled by ``1 / (1 - rate)`` so that the expected value is
    unchanged and inference is the identity.

    Parameters
    ----------
    rate : float, default=0.5
        Probability of dropping an input, in [0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.layers import Dropout
    >>> layer, X = Dropout(rate=0.5), np.ones((100, 10))
    >>> layer.build(10, np.float64)
    10
    >>> np.unique(layer.forward(X, training=True, rng=np.random.default_rng(0)))
    array([0., 2.])
    >>> layer.forward(X) is X
    True
    """

    def __init__(self, rate=0.5):
        self.rate = rate

    def forward(self, X, training=False, rng=None):
        if not training or self.rate == 0:
            self._mask = None
            return X
        xp = self.xp_
        # Drawn on the host from the fit's generator: a fit on a device drops
        # the units a numpy fit drops.
        keep = xp.asarray(rng.random(X.shape, dtype=self.dtype_) >= self.rate)
        mask = self._buffer("mask", X.shape)
        xp.multiply(keep, xp.scalar(1.0 / (1.0 - self.rate), mask), out=mask)
        self._mask = mask
        return xp.multiply(X, mask, out=self._buffer("A", X.shape))

    def backward(self, dY, need_input_grad=True):
        if self._mask is None:
            return dY
        dY *= self._mask
        return dY


class GaussianNoise(Layer):
    """Add ``N(0, stddev²)`` noise to the input while training; identity otherwise.

    Parameters
    ----------
    stddev : float, default=0.1
        Standard deviation of the noise.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.layers import GaussianNoise
    >>> layer, X = GaussianNoise(stddev=0.1), np.zeros((1000, 10))
    >>> layer.build(10, np.float64)
    10
    >>> noisy = layer.forward(X, training=True, rng=np.random.default_rng(0))
    >>> round(float(noisy.std()), 2), layer.forward(X) is X
    (0.1, True)
    """

    def __init__(self, stddev=0.1):
        self.stddev = stddev

    def forward(self, X, training=False, rng=None):
        if not training or self.stddev == 0:
            return X
        if sp.issparse(X):
            X = X.toarray()  # noise makes every entry non-zero
        out = self._buffer("A", X.shape)
        _standard_normal(self.xp_, rng, out, self.dtype_)
        out *= float(self.stddev)
        out += X
        return out

    def backward(self, dY, need_input_grad=True):
        return dY


class BatchNorm(Layer):
    """Batch normalisation: ``Y = γ (X - μ) / sqrt(σ² + ε) + β``.

    While training, ``μ`` and ``σ²`` are the batch mean and variance, and
    running averages ``m ← momentum m + (1 - momentum) μ`` (likewise for the
    variance) are kept; at inference the running averages are used. ``γ`` and
    ``β`` are learned and never penalised.

    Parameters
    ----------
    momentum : float, default=0.99
        Weight of the old running average.
    epsilon : float, default=1e-3
        Added to the variance for stability.

    Notes
    -----
    With ``X̂ = (X - μ) / s``, ``s = sqrt(σ² + ε)`` and ``n`` rows::

        dγ = Σ dY ⊙ X̂      dβ = Σ dY
        dX = γ / s · (dY - mean(dY) - X̂ ⊙ mean(dY ⊙ X̂))

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.layers import BatchNorm
    >>> layer = BatchNorm()
    >>> layer.build(2, np.float64), layer.other_shapes()
    (2, [(2,), (2,)])
    >>> layer.bind([], [np.ones(2), np.zeros(2)], [], [np.empty(2), np.empty(2)])
    >>> np.round(layer.forward(np.array([[1.0, 10.0], [3.0, 30.0]]), training=True), 2)
    array([[-1., -1.],
           [ 1.,  1.]])
    """

    def __init__(self, momentum=0.99, epsilon=1e-3):
        self.momentum = momentum
        self.epsilon = epsilon

    def build(self, n_in, dtype):
        n_out = super().build(n_in, dtype)
        self.running_mean_ = np.zeros(n_in, dtype=self.dtype_)
        self.running_var_ = np.ones(n_in, dtype=self.dtype_)
        return n_out

    def other_shapes(self):
        return [(self.n_in_,), (self.n_in_,)]

    def bind(self, weights, others, weight_grads, other_grads):
        self.gamma_, self.beta_ = others
        self.dgamma_, self.dbeta_ = other_grads

    def initialize(self, rng, initializer):
        self.gamma_[...] = 1
        self.beta_[...] = 0
        self.running_mean_[...] = 0
        self.running_var_[...] = 1

    def place(self, xp):
        super().place(xp)
        self.running_mean_ = xp.asarray(self.running_mean_)
        self.running_var_ = xp.asarray(self.running_var_)

    def load_state(self, other):
        self.running_mean_[...] = other.running_mean_
        self.running_var_[...] = other.running_var_

    def forward(self, X, training=False, rng=None):
        xp = self.xp_
        if sp.issparse(X):
            X = X.toarray()
        if not training:
            scale = self.gamma_ / xp.sqrt(self.running_var_ + self.epsilon)
            return (X - self.running_mean_) * scale + self.beta_
        mean = X.mean(axis=0)
        var = xp.var(X, axis=0)
        m = self.momentum
        self.running_mean_ *= m
        self.running_mean_ += (1 - m) * mean
        self.running_var_ *= m
        self.running_var_ += (1 - m) * var
        self._inv_std = 1.0 / xp.sqrt(var + self.epsilon)
        X_hat = xp.subtract(X, mean, out=self._buffer("X_hat", X.shape))
        X_hat *= self._inv_std
        self._X_hat = X_hat
        out = xp.multiply(X_hat, self.gamma_, out=self._buffer("A", X.shape))
        out += self.beta_
        return out

    def backward(self, dY, need_input_grad=True):
        xp, X_hat = self.xp_, self._X_hat
        xp.sum(dY * X_hat, axis=0, out=self.dgamma_)
        xp.sum(dY, axis=0, out=self.dbeta_)
        if not need_input_grad:
            return None
        n = dY.shape[0]
        dX = dY - self.dbeta_ / n
        dX -= X_hat * (self.dgamma_ / n)
        dX *= self.gamma_ * self._inv_std
        return dX


class TiedDense(Dense):
    """``A = f(X Wᵀ + b)`` with ``W`` the weights of another :class:`Dense` layer.

    The layer owns only its bias; ``W`` stays the source layer's, so a tied
    decoder adds no weights. The forward and backward passes are those of
    :class:`Dense` with the weights ``Wᵀ``; the gradient share they compute,
    ``(Xᵀ dZ)ᵀ``, is added to the source layer's gradient once the whole
    backward pass is done (the source's own ``backward`` runs later and
    overwrites its gradient).

    Parameters
    ----------
    source : Dense
        The layer whose transposed weights this layer uses; it maps this
        layer's output width to its input width.
    activation : str or Activation, default="identity"
        Element-wise nonlinearity ``f``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.layers import Dense, TiedDense
    >>> encoder = Dense(2)
    >>> encoder.build(3, np.float64), TiedDense(encoder).build(2, np.float64)
    (2, 3)
    """

    use_bias = True
    finishes_backward = True

    def __init__(self, source, activation="identity"):
        self.source = source
        self.activation = activation

    @property
    def units(self):
        return self.source.n_in_

    @property
    def W_(self):
        return self.source.W_.T

    @property
    def dW_(self):
        """The share of the source's weight gradient this layer computes, transposed."""
        return self._buffer("dW_share", (self.n_in_, self.n_out_))

    def build(self, n_in, dtype):
        if n_in != self.source.units:
            raise ValueError(
                f"A tied layer needs inputs of width {self.source.units} (the source "
                f"layer's output); got {n_in}."
            )
        return super().build(n_in, dtype)

    def weight_shapes(self):
        return []

    def bind(self, weights, others, weight_grads, other_grads):
        self.b_, self.db_ = others[0], other_grads[0]
        self.activation_.bind(others[1:], other_grads[1:])

    def initialize(self, rng, initializer):
        self.b_[...] = 0
        self.activation_.initialize()

    def finish_backward(self):
        self.source.dW_ += self.dW_.T


class MaskingNoise(Layer):
    """Set each input to zero with probability ``rate`` while training; identity otherwise.

    Unlike :class:`~sklearn_dl.layers.Dropout`, the kept inputs are not
    rescaled: the network sees the input with entries missing, as in the
    masking noise of denoising autoencoders. Sparse input stays sparse.

    Parameters
    ----------
    rate : float, default=0.25
        Probability of masking an input, in [0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.layers import MaskingNoise
    >>> layer, X = MaskingNoise(0.5), np.ones((1000, 4))
    >>> _ = layer.build(4, np.float64)
    >>> kept = layer.forward(X, training=True, rng=np.random.default_rng(0))
    >>> bool(0.45 < kept.mean() < 0.55), layer.forward(X) is X
    (True, True)
    """

    def __init__(self, rate=0.25):
        self.rate = rate

    def forward(self, X, training=False, rng=None):
        self._mask = None
        if not training or self.rate == 0:
            return X
        if sp.issparse(X):  # only ever the network's input: no gradient needed
            X = X.copy()
            X.data *= rng.random(X.nnz, dtype=self.dtype_) >= self.rate
            return X
        xp = self.xp_
        self._mask = xp.asarray(rng.random(X.shape, dtype=self.dtype_) >= self.rate)
        return xp.multiply(X, self._mask, out=self._buffer("A", X.shape))

    def backward(self, dY, need_input_grad=True):
        if not need_input_grad:
            return None
        if self._mask is not None:
            dY *= self._mask
        return dY


class ActivityL1(Layer):
    """Identity layer adding ``strength ‖A‖₁`` per row to the objective while training.

    Its gradient, ``strength · sign(A)`` per row, is added to the incoming
    gradient; like the data loss it is divided by the batch size, so the
    penalty is a per-sample one (unit sample weights). Where the activations
    can be exactly zero (a ReLU code), the penalty makes more of them zero.

    Parameters
    ----------
    strength : float, default=1e-3
        Weight of the penalty.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.layers import ActivityL1
    >>> layer = ActivityL1(0.5)
    >>> _ = layer.build(2, np.float64)
    >>> _ = layer.forward(np.array([[1.0, -2.0], [0.0, 3.0]]), training=True)
    >>> layer.activity_loss()  # 0.5 * (1 + 2 + 0 + 3)
    3.0
    """

    penalises_activity = True

    def __init__(self, strength=1e-3):
        self.strength = strength

    def forward(self, X, training=False, rng=None):
        if training:
            self._A = X
        return X

    def activity_loss(self):
        """``strength Σ_rows ‖A‖₁`` for the last training batch."""
        A = self.__dict__.get("_A")  # none before training and after release()
        if A is None:
            return 0.0
        xp = self.xp_
        return self.strength * xp.as_number(xp.sum(xp.abs(A), dtype=xp.float64))

    def backward(self, dY, need_input_grad=True):
        A = self._A
        step = self._buffer("sign", A.shape)
        self.xp_.sign(A, out=step)
        step *= float(self.strength / A.shape[0])
        dY += step
        return dY


class Maxout(Layer):
    """``A_j = max(X_{j,1}, …, X_{j,k})``: the largest of each group of ``k = pieces`` inputs.

    After a :class:`Dense` layer of ``units * pieces`` outputs, unit ``j`` is
    the maxout unit ``max(w₁ᵀx + b₁, …, w_kᵀx + b_k)``, its pieces being the
    dense outputs ``j k``, …, ``j k + k - 1`` (the columns of ``W`` grouped
    unit by unit). The layer has no parameters of its own: the dense layer
    before it carries ``k`` times the weights of an ordinary unit.

    Parameters
    ----------
    pieces : int, default=2
        The number ``k`` of affine pieces per unit; the input width must be a
        multiple of it.

    Notes
    -----
    The gradient goes to the winning piece of each unit, the others get none::

        ∂L/∂X_{j,p} = ∂L/∂A_j if p = argmax_q X_{j,q} else 0

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.layers import Maxout
    >>> layer = Maxout(pieces=2)
    >>> layer.build(4, np.float64)
    2
    >>> layer.forward(np.array([[1.0, 3.0, -2.0, -1.0]]), training=True)
    array([[ 3., -1.]])
    >>> layer.backward(np.array([[10.0, 20.0]]))
    array([[ 0., 10.,  0., 20.]])
    """

    def __init__(self, pieces=2):
        self.pieces = pieces

    def build(self, n_in, dtype):
        if not isinstance(self.pieces, Integral) or self.pieces < 1 or n_in % self.pieces:
            raise ValueError(
                f"A Maxout layer of pieces={self.pieces!r} needs an input width that "
                f"is a multiple of it; got {n_in}."
            )
        super().build(n_in, dtype)
        self.n_out_ = n_in // self.pieces
        return self.n_out_

    def forward(self, X, training=False, rng=None):
        if sp.issparse(X):
            X = X.toarray()
        grouped = X.reshape(X.shape[0], self.n_out_, self.pieces)
        if not training:
            return grouped.max(axis=2)
        xp = self.xp_
        winner = self._scratch.array("winner", (X.shape[0], self.n_out_, 1), np.intp)
        xp.argmax(grouped, axis=2, out=winner[..., 0])
        A = self._buffer("A", (X.shape[0], self.n_out_))
        A[...] = xp.take_along_axis(grouped, winner, axis=2)[..., 0]
        return A

    def backward(self, dY, need_input_grad=True):
        if not need_input_grad:
            return None
        winner = self._scratch.array("winner", (*dY.shape, 1), np.intp)
        dX = self._buffer("dX", (dY.shape[0], self.n_in_))
        dX[...] = 0
        grouped = dX.reshape(dY.shape[0], self.n_out_, self.pieces)
        self.xp_.put_along_axis(grouped, winner, dY[..., None], axis=2)
        return dX


# -- the estimator -------------------------------------------------------------------


# -- the variational autoencoder's code and output -------------------------------------


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
    >>> from sklearn_dl.layers import GaussianCode
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
        xp, k = self.xp_, self.n_out_
        if not training:
            return xp.ascontiguousarray(X[:, :k])
        noise = self._buffer("noise", (X.shape[0], k))
        _standard_normal(xp, rng, noise, self.dtype_)
        std = xp.exp(X[:, k:] * 0.5, out=self._buffer("std", noise.shape))
        Z = xp.multiply(std, noise, out=self._buffer("A", noise.shape))
        Z += X[:, :k]
        self._X, self._noise, self._std = X, noise, std
        return Z

    def activity_loss(self):
        """``β ½ Σ (μ² + σ² - 1 - log σ²)`` over the rows of the last training batch."""
        X = self.__dict__.get("_X")  # none before training and after release()
        if X is None:
            return 0.0
        k = self.n_out_
        xp = self.xp_
        return self.beta * xp.as_number(kl_divergence(X[:, :k], X[:, k:], xp).sum())

    def backward(self, dZ, need_input_grad=True):
        if not need_input_grad:
            return None
        xp, X, k, n = self.xp_, self._X, self.n_out_, dZ.shape[0]
        dX = self._buffer("dX", (n, 2 * k))
        shrink = float(self.dtype_.type(self.beta / n))
        half = 0.5
        xp.multiply(X[:, :k], shrink, out=dX[:, :k])
        dX[:, :k] += dZ
        variance = xp.square(self._std, out=dX[:, k:])
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


def kl_divergence(mean, log_var, xp=NUMPY):
    """``KL(N(μ, diag σ²) ‖ N(0, I))`` of each row, in float64 (arrays of namespace ``xp``).

    ``½ Σ_j (μ_j² + σ_j² - 1 - log σ_j²)``, with ``log_var = log σ²``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.layers import kl_divergence
    >>> kl_divergence(np.array([[0.0, 2.0]]), np.zeros((1, 2)))  # ½ (0 + 4)
    array([2.])
    """
    mean = xp.asarray(mean, dtype=np.float64)
    log_var = xp.asarray(log_var, dtype=np.float64)
    return 0.5 * (xp.square(mean) + xp.exp(log_var) - 1.0 - log_var).sum(axis=1)


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
    >>> from sklearn_dl.layers import LearnedVariance
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
        self.s_[...] = self.xp_.asarray(np.log(excess))

    def log_variance(self):
        """``log(σ²_min + exp(s))`` per feature."""
        return self.xp_.logaddexp(self.dtype_.type(math.log(self.min_variance)), self.s_)

    def forward(self, X, training=False, rng=None):
        shape = (X.shape[0], self.n_out_)
        out = self._buffer("A", shape) if training else self.xp_.empty(shape, self.dtype_)
        d = self.n_in_
        out[:, :d] = X
        out[:, d:] = self.log_variance()
        return out

    def backward(self, dY, need_input_grad=True):
        d = self.n_in_
        xp = self.xp_
        slope = xp.expit(self.s_ - float(self.dtype_.type(math.log(self.min_variance))))
        xp.matmul(self._ones(dY.shape[0]), dY[:, d:], out=self.ds_)
        self.ds_ *= slope
        return xp.ascontiguousarray(dY[:, :d]) if need_input_grad else None
