"""The objective every gradient-trained estimator minimises, and its gradient.

Over the network's flat parameter vector ``θ`` (weights ``W`` and
unpenalised parameters)::

    F(θ) = (Σ_i s_i loss(y_i, f_θ(x_i)) + alpha R(W)) / Σ_i s_i

with ``s_i`` the sample weights. A mini-batch ``B`` estimates it by
``Σ_B s_i loss_i / Σ_B s_i + alpha R(W) / Σ_i s_i``, so that ``alpha`` has
the same meaning whatever the solver and the batch size.

:class:`Objective` computes F and ∇F on a batch;
:class:`~sklearn_dl._engine.full_batch.FullBatch` gives the same on a whole
data set to scipy's solvers.
"""

from .. import _kernels
from .._array_api import numpy_like
from .._parts import Scratch


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
        # The penalty's gradient, shaped like the weights, where they live.
        self._scratch = Scratch(numpy_like(network.params))

    def gradient(self, X, Y, sample_weight, total_weight, rng=None, with_penalty=True):
        """Fill ``network.grads`` with ``∇F`` on one batch; return ``Σ_B s_i loss_i``.

        ``total_weight`` is ``Σ s_i`` over the whole training set: it scales
        the smooth part of the penalty. Without ``with_penalty`` the gradient
        is the data term's alone (for an optimizer that adds the penalty itself).
        """
        batch_weight = X.shape[0] if sample_weight is None else sample_weight.sum()
        data_loss = self.data_gradient(X, Y, sample_weight, batch_weight, rng)
        if with_penalty:
            self.add_penalty_gradient(total_weight)
        return data_loss

    def data_gradient(self, X, Y, sample_weight, weight, rng=None):
        """Fill ``network.grads`` with ``∇(Σ_B s_i loss_i) / weight``; return ``Σ_B s_i loss_i``.

        A batch's own weight for ``weight`` makes it the mean over the batch;
        the total weight makes it one chunk's share of a sum over chunks.
        """
        Z = self.network.forward(X, training=True, rng=rng)
        xp = numpy_like(Z)
        summed_on_device = xp.on_device and not isinstance(weight, int | float)
        scale = None if summed_on_device or not weight > 0 else 1.0 / weight
        # The loss kernel scales the gradient in its own pass (in Z's dtype), into a kept array.
        fused = None
        if _kernels.enabled_for(Z, 0):
            dZ = self._scratch.front("loss gradient", Z.size, Z.dtype).reshape(Z.shape)
            fused = _kernels.loss_gradient_into(self.loss, Y, Z, dZ, sample_weight, scale)
        if fused is not None:
            data_loss = fused
        else:
            data_loss, dZ = self.loss.loss_gradient(Y, Z, sample_weight)
            if summed_on_device:
                # 0 where the batch weighs nothing (its gradient is 0 then), without reading it.
                dZ *= xp.where(weight > 0, 1.0 / weight, xp.zeros_like(weight))
            elif scale is not None:
                dZ *= xp.scalar(scale, dZ)  # (a loss may return another dtype than Z's)
        data_loss += self.network.activity_loss()
        self.network.backward(dZ)
        return data_loss

    def add_penalty_gradient(self, total_weight):
        """Add the gradient of the smooth part of ``alpha R(W) / Σ s_i`` to ``network.grads``."""
        if self.penalty is not None:
            W, dW = self.network.weights, self.network.weight_grads
            work = self._scratch.array("penalty", W.shape, W.dtype)
            self.penalty.add_smooth_gradient(W, dW, self.alpha / total_weight, work)

    def accumulated_gradient(self, parts, total_weight, rng=None, with_penalty=True):
        """Fill ``network.grads`` with ``∇F`` on a batch given in parts; return ``Σ_B s_i loss_i``.

        Gradient accumulation: each part (micro-batch) ``m`` of weight
        ``w_m = Σ_m s_i`` goes through :meth:`gradient`, which gives
        ``g_m = Σ_m s_i ∇loss_i / w_m + alpha ∇R / Σ_i s_i``; the batch's
        gradient is then ``Σ_m w_m g_m / Σ_m w_m``, which counts every row by
        its weight and the penalty once. Only one part is in memory at a time.
        ``with_penalty`` is as in :meth:`gradient`.
        """
        grads, xp = self.network.grads, self.network.xp
        total = self._scratch.array("accumulated", grads.shape, grads.dtype)
        total[...] = 0
        data_loss = batch_weight = 0.0
        for X, Y, sample_weight in parts:
            data_loss += self.gradient(X, Y, sample_weight, total_weight, rng, with_penalty)
            weight = X.shape[0] if sample_weight is None else float(sample_weight.sum())
            if weight > 0:  # a part of weight 0 adds nothing to the data gradient
                grads *= xp.scalar(weight, grads)
                total += grads
                batch_weight += weight
        # With every part of weight 0, ``grads`` holds the last part's: the penalty's (or 0).
        if batch_weight > 0:
            xp.multiply(total, xp.scalar(1.0 / batch_weight, grads), out=grads)
        return data_loss

    def penalty_value(self):
        if self.penalty is None:
            return 0.0
        return self.alpha * self.penalty.value(self.network.weights)

    def evaluate(self, data):
        """``Σ s_i loss_i`` over ``data`` in inference mode, summed where the rows live.

        (:meth:`Data.loss_sum <sklearn_dl._engine.data.Data.loss_sum>`:
        chunk by chunk in memory, or on the workers for dask arrays.)
        """
        return data.loss_sum(self)

    def prox(self, step, total_weight):
        """The L1 part's proximal step after an optimizer step of size ``step``.

        ``step`` is the optimizer's step size: a number, or one per parameter.
        """
        if self.penalty is None or not self.penalty.l1:
            return
        if getattr(step, "ndim", 0):  # per-entry step sizes: keep the weights' share
            step = step[: self.network.n_weights]
        W, scale = self.network.weights, self.alpha / total_weight
        if not _kernels.soft_threshold(W, step, scale, self.penalty.l1):
            self.penalty.prox(W, step * scale)
