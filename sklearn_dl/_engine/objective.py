"""The objective every gradient-trained estimator minimises, and its gradient.

Over the network's flat parameter vector ``θ`` (weights ``W`` and
unpenalised parameters)::

    F(θ) = (Σ_i s_i loss(y_i, f_θ(x_i)) + alpha R(W)) / Σ_i s_i

with ``s_i`` the sample weights. A mini-batch ``B`` estimates it by
``Σ_B s_i loss_i / Σ_B s_i + alpha R(W) / Σ_i s_i``, so that ``alpha`` has
the same meaning whatever the solver and the batch size.

:class:`Objective` computes F and ∇F on a batch; :class:`FullBatch` is the
same on a whole data set, in float64, as scipy's solvers take it: in one
piece, or as a sum over row chunks in memory or on a dask cluster
(``chunked``).
"""

import math

import numpy as np

from .. import _kernels
from .._parts import Scratch
from ..losses import SquaredError
from . import chunked


class Objective:
    """``F`` and ``∇F`` of one network, loss and penalty on a batch of data.

    Parameters
    ----------
    network : Network
        The layers and their flat parameters; ``∇F`` is written to ``network.grads``.
    loss : Loss
        The per-sample loss on the logits.
    penalty : Penalty or None
        ``R(W)``, on the weights only.
    alpha : float
        The strength of the penalty.
    """

    def __init__(self, network, loss, penalty=None, alpha=0.0):
        self.network = network
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self._scratch = Scratch()  # the penalty's gradient, shaped like the weights

    def gradient(self, X, Y, sample_weight, total_weight, rng=None):
        """Fill ``network.grads`` with ``∇F`` on one batch; return ``Σ_B s_i loss_i``.

        ``total_weight`` is ``Σ s_i`` over the whole training set: it scales
        the smooth part of the penalty.
        """
        batch_weight = X.shape[0] if sample_weight is None else sample_weight.sum()
        data_loss = self.data_gradient(X, Y, sample_weight, batch_weight, rng)
        self.add_penalty_gradient(total_weight)
        return data_loss

    def data_gradient(self, X, Y, sample_weight, weight, rng=None):
        """Fill ``network.grads`` with ``∇(Σ_B s_i loss_i) / weight``; return ``Σ_B s_i loss_i``.

        A batch's own weight for ``weight`` makes it the mean over the batch;
        the total weight makes it one chunk's share of a sum over chunks.
        """
        Z = self.network.forward(X, training=True, rng=rng)
        fused = _kernels.loss_gradient(self.loss, Y, Z, sample_weight)
        data_loss, dZ = fused or self.loss.loss_gradient(Y, Z, sample_weight)
        data_loss += self.network.activity_loss()
        if weight > 0:
            dZ *= dZ.dtype.type(1.0 / weight)
        self.network.backward(dZ)
        return data_loss

    def add_penalty_gradient(self, total_weight):
        """Add the gradient of the smooth part of ``alpha R(W) / Σ s_i`` to ``network.grads``."""
        if self.penalty is not None:
            W, dW = self.network.weights, self.network.weight_grads
            work = self._scratch.array("penalty", W.shape, W.dtype)
            self.penalty.add_smooth_gradient(W, dW, self.alpha / total_weight, work)

    def accumulated_gradient(self, parts, total_weight, rng=None):
        """Fill ``network.grads`` with ``∇F`` on a batch given in parts; return ``Σ_B s_i loss_i``.

        Gradient accumulation: each part (micro-batch) ``m`` of weight
        ``w_m = Σ_m s_i`` goes through :meth:`gradient`, which gives
        ``g_m = Σ_m s_i ∇loss_i / w_m + alpha ∇R / Σ_i s_i``; the batch's
        gradient is then ``Σ_m w_m g_m / Σ_m w_m``, which counts every row by
        its weight and the penalty once. Only one part is in memory at a time.
        """
        grads = self.network.grads
        total = self._scratch.array("accumulated", grads.shape, grads.dtype)
        total[...] = 0
        data_loss = batch_weight = 0.0
        for X, Y, sample_weight in parts:
            data_loss += self.gradient(X, Y, sample_weight, total_weight, rng)
            weight = X.shape[0] if sample_weight is None else float(sample_weight.sum())
            if weight > 0:  # a part of weight 0 adds nothing to the data gradient
                grads *= grads.dtype.type(weight)
                total += grads
                batch_weight += weight
        # With every part of weight 0, ``grads`` holds the last part's: the penalty's.
        if batch_weight > 0:
            np.multiply(total, grads.dtype.type(1.0 / batch_weight), out=grads)
        return data_loss

    def penalty_value(self):
        if self.penalty is None:
            return 0.0
        return self.alpha * self.penalty.value(self.network.weights)

    def evaluate(self, data):
        """``Σ s_i loss_i`` over ``data`` in inference mode, by chunks."""
        total = 0.0
        for X, Y, weight in data.chunks():
            total += self.loss.value(Y, self.network.forward(X), weight)
        return total

    def prox(self, step, total_weight):
        """The L1 part's proximal step after an optimizer step of size ``step``.

        ``step`` is the optimizer's step size: a number, or one per parameter.
        """
        if self.penalty is None or not self.penalty.l1:
            return
        if np.ndim(step):  # per-entry step sizes: keep the weights' share
            step = step[: self.network.n_weights]
        W, scale = self.network.weights, self.alpha / total_weight
        if not _kernels.soft_threshold(W, step, scale, self.penalty.l1):
            self.penalty.prox(W, step * scale)


class FullBatch:
    """``F`` and ``∇F`` on the whole training set, in float64 for scipy.

    With an L1 part and a bounded solver, the weights are split as
    ``W = W⁺ - W⁻`` with ``W⁺, W⁻ >= 0``, which makes ``‖W‖₁ = Σ (W⁺ + W⁻)``
    smooth; solutions then have exact zeros at the bounds. A layer with
    ``nonnegative = True`` keeps its weights ``>= 0`` by bounds too.

    For a linear network (no hidden layers) the objective also offers its
    second derivatives to :class:`~sklearn_dl.optimizers.Newton`: as a
    least-squares problem for the squared error (``least_squares``), and as
    a Hessian matrix for the other smooth losses (``hessian``).
    """

    def __init__(self, objective, train, split_l1, rng=None):
        self.objective = objective
        self.params = objective.network.params
        self.rng = rng
        self.split = split_l1
        self.n_weights = objective.network.n_weights
        self.total_weight = train.total_weight
        self.rows = chunked.evaluator(objective, train, self.total_weight, rng)
        self.start = self.params.copy()

    def x0(self):
        params = self.params.astype(np.float64)
        W, nonnegative = params[: self.n_weights], self._nonnegative()
        if nonnegative is not None:  # start inside the bounds
            W[nonnegative] = np.maximum(W[nonnegative], 0)
        if not self.split:
            return params
        return np.concatenate([np.maximum(W, 0), np.maximum(-W, 0), params[self.n_weights :]])

    def bounds(self):
        nonnegative = self._nonnegative()
        if not self.split and nonnegative is None:
            return None
        n, n_others = self.n_weights, self.params.size - self.n_weights
        positive = np.zeros(n, bool) if nonnegative is None else nonnegative
        if not self.split:
            weights = [(0, None) if keep else (None, None) for keep in positive]
        else:  # W⁻ is pinned at 0 where W must not be negative
            weights = [(0, None)] * n + [(0, 0) if keep else (0, None) for keep in positive]
        return weights + [(None, None)] * n_others

    def _nonnegative(self):
        """Which weights must stay ``>= 0`` (from their layers), or None when none must."""
        masks = [
            np.full(sum(math.prod(shape) for shape in layer.weight_shapes()), layer.nonnegative)
            for layer in self.objective.network.layers
        ]
        mask = np.concatenate(masks) if masks else np.zeros(0, bool)
        return mask if mask.any() else None

    def _linear_layer(self):
        """The network's only layer when the network is one linear map, else None."""
        return chunked.linear_layer(self.objective.network)

    def least_squares(self):
        """``F`` as a :class:`~sklearn_dl.optimizers.LeastSquares` problem, or None.

        It is one for a linear network with the squared error and no L1 part;
        the ridge is the L2 part of the penalty, ``alpha * l2``.
        """
        objective, layer = self.objective, self._linear_layer()
        if layer is None or not isinstance(objective.loss, SquaredError) or self.split:
            return None
        ridge = 0.0 if objective.penalty is None else objective.alpha * objective.penalty.l2
        return self.rows.least_squares(
            intercept=layer.use_bias,
            ridge=ridge,
            nonnegative=self._nonnegative() is not None,
        )

    def hessian(self, x):
        """``∇²F(x)`` of a linear network, a dense float64 matrix over the parameters.

        With ``Θ = [W; b]`` (shape (n_in + 1, K)) flattened row by row, as the
        parameters are, the block of outputs ``k, l`` is
        ``X̃ᵀ diag(s ∂²loss/∂z_k∂z_l) X̃ / Σ s_i`` with ``X̃ = [X, 1]``; the L2
        part of the penalty adds ``alpha * l2 / Σ s_i`` on the weights.
        """
        objective, layer = self.objective, self._linear_layer()
        if layer is None or self.split:
            raise ValueError(
                "The Newton solver needs a network without hidden layers and a penalty "
                "without an L1 part; use solver='lbfgs'."
            )
        self.set(x)
        H = self.rows.data_hessian(layer)
        if objective.penalty is not None and objective.penalty.l2:
            weights = np.arange(self.n_weights)
            H[weights, weights] += objective.alpha * objective.penalty.l2 / self.total_weight
        return H

    def set(self, x):
        """Write the point ``x`` into the network's parameters."""
        params, n = self.params, self.n_weights
        if self.split:
            params[:n] = x[:n] - x[n : 2 * n]
            params[n:] = x[2 * n :]
        else:
            params[...] = x

    def __call__(self, x):
        objective = self.objective
        self.set(x)
        data_loss, grads = self.rows.gradient()
        # ``gradient`` scaled the data part by 1 / Σ s_i already.
        value = (data_loss + objective.penalty_value()) / self.total_weight
        if not np.isfinite(value):
            return np.inf, np.zeros_like(x)
        if not self.split:
            return value, grads
        n, l1 = self.n_weights, objective.alpha * objective.penalty.l1 / self.total_weight
        # The split objective charges l1 Σ(W⁺ + W⁻), which exceeds l1 ‖W⁺ - W⁻‖₁
        # wherever both halves are positive; value and gradient must agree.
        value += l1 * (x[: 2 * n].sum() - np.abs(x[:n] - x[n : 2 * n]).sum())
        gW = grads[:n]
        return value, np.concatenate([gW + l1, l1 - gW, grads[n:]])
