"""Losses computed on logits, with stable formulas.

The last layer of every network is linear and produces logits ``Z``; the loss
owns the output nonlinearity (its ``link``). Working on logits keeps the
formulas exact: ``log(1 + exp(z))`` is ``logaddexp(0, z)``, the softmax log
loss is ``logsumexp(z) - z_y``, and for a canonical link the gradient with
respect to the logits is simply ``link(z) - y``.

Every loss has

- ``link(Z)``: the prediction from the logits;
- ``loss_gradient(Y, Z, sample_weight)``: the weighted sum ``Σ s_i loss_i`` and
  the matrix ``s_i ∂loss_i/∂Z_i``, in one pass;
- ``curvature(Y, Z)``: the second derivatives ``∂²loss_i/∂Z_i²`` that
  Newton's method needs (smooth losses only).

Per-sample losses are summed over outputs. ``Y`` always has the shape of
``Z``: one column per output (one-hot rows for the multinomial loss).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from ._array_api import numpy_like
from ._parts import Part, resolve
from ._validation import Interval, Real


class Loss(Part):
    """Base class of losses; subclasses define ``_value_grad(Y, Z)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.losses import get_loss
    >>> loss = get_loss("squared_error")
    >>> value, grad = loss.loss_gradient(np.array([[1.0]]), np.array([[3.0]]))
    >>> round(float(value), 4), grad
    (2.0, array([[2.]]))
    """

    def link(self, Z: NDArray) -> NDArray:
        """Map logits to predictions (identity by default)."""
        return Z

    def loss_gradient(
        self, Y: NDArray, Z: NDArray, sample_weight: NDArray | None = None
    ) -> tuple[float, NDArray]:
        """Return ``Σ s_i loss_i`` and ``s_i ∂loss_i/∂Z_i``.

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs)
            Encoded targets.
        Z : ndarray of shape (n_samples, n_outputs)
            Logits.
        sample_weight : ndarray of shape (n_samples,) or None
            Weights ``s_i``; ``None`` means 1 for every sample.
        """
        values, grad = self._value_grad(Y, Z)
        if sample_weight is None:
            return numpy_like(values).sum(values, dtype=np.float64), grad
        grad *= sample_weight[:, None]
        return numpy_like(values).as_number(values.sum(axis=1) @ sample_weight), grad

    def value(self, Y: NDArray, Z: NDArray, sample_weight: NDArray | None = None) -> float:
        """Return ``Σ s_i loss_i``."""
        return self.loss_gradient(Y, Z, sample_weight)[0]

    def curvature(self, Y: NDArray, Z: NDArray) -> NDArray:
        """Second derivatives of each ``loss_i`` in its logits ``Z_i``.

        Shape ``(n_samples, n_outputs)`` (the diagonal) for losses that are
        sums over outputs, ``(n_samples, n_outputs, n_outputs)`` otherwise.
        Losses with a kink (absolute error, Huber, hinge) have none.
        """
        raise NotImplementedError(
            f"The {type(self).__name__} loss has no second derivatives for a Newton "
            "solver (it has a kink); use solver='lbfgs' or a mini-batch solver."
        )

    @property
    def has_curvature(self) -> bool:
        """Whether the loss defines :meth:`curvature` (it is smooth)."""
        return type(self).curvature is not Loss.curvature

    def check_targets(self, Y: NDArray) -> None:
        """Raise ``ValueError`` for targets the loss is not defined on; the base takes any."""


class SquaredError(Loss):
    """``loss = ½ Σ_k (z_k - y_k)²``; gradient ``z - y``.

    With the ½ factor, ``alpha`` of an L2 penalty means the same as
    scikit-learn's ``Ridge(alpha)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.losses import SquaredError
    >>> Y, Z = np.array([[1.0], [2.0]]), np.array([[3.0], [2.0]])
    >>> value, grad = SquaredError().loss_gradient(Y, Z)
    >>> round(float(value), 4), grad.ravel()
    (2.0, array([2., 0.]))
    """

    def _value_grad(self, Y, Z):
        residual = Z - Y
        return 0.5 * residual * residual, residual

    def loss_gradient(self, Y, Z, sample_weight=None):
        if sample_weight is not None or Z.dtype != np.float64:
            return super().loss_gradient(Y, Z, sample_weight)
        # Σ ½ r² as one dot product: on small batches, a third of the time of
        # squaring into a new array and summing it. (Only in float64, where the
        # dot product accumulates as precisely as the float64 sum.)
        residual = Z - Y
        flat = residual.ravel()
        return 0.5 * float(flat @ flat), residual

    def curvature(self, Y, Z):
        """``∂²loss/∂z_k² = 1``."""
        return numpy_like(Z).ones_like(Z)


class AbsoluteError(Loss):
    """``loss = Σ_k |z_k - y_k|``; (sub)gradient ``sign(z - y)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.losses import AbsoluteError
    >>> Y, Z = np.array([[1.0], [2.0]]), np.array([[3.0], [2.0]])
    >>> value, grad = AbsoluteError().loss_gradient(Y, Z)
    >>> round(float(value), 4), grad.ravel()
    (2.0, array([1., 0.]))
    """

    def _value_grad(self, Y, Z):
        residual, xp = Z - Y, numpy_like(Z)
        return xp.abs(residual), xp.sign(residual)


class Huber(Loss):
    """``loss = ½ r²`` if ``|r| <= delta`` else ``delta (|r| - ½ delta)``, ``r = z - y``.

    The gradient is ``r`` clipped to ``[-delta, delta]``.

    Parameters
    ----------
    delta : float, default=1.0
        Residual size where the loss turns from quadratic to linear.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.losses import Huber
    >>> Y, Z = np.zeros((2, 1)), np.array([[0.5], [3.0]])
    >>> value, grad = Huber(delta=1.0).loss_gradient(Y, Z)
    >>> round(float(value), 4), grad.ravel()
    (2.625, array([0.5, 1. ]))
    """

    _parameter_constraints = {
        "delta": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, delta=1.0):
        self.delta = delta

    def _value_grad(self, Y, Z):
        residual, xp = Z - Y, numpy_like(Z)
        size = xp.abs(residual)
        quadratic = size <= self.delta
        values = xp.where(
            quadratic, 0.5 * residual * residual, self.delta * (size - 0.5 * self.delta)
        )
        return values, xp.clip(residual, -self.delta, self.delta)


class Poisson(Loss):
    """``loss = exp(z) - y z`` (the Poisson negative log-likelihood up to a constant).

    The link is ``exp``; the gradient is ``exp(z) - y``. Targets must be >= 0.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.losses import Poisson
    >>> Y, Z = np.array([[1.0], [0.0]]), np.array([[0.0], [1.0]])
    >>> round(float(Poisson().value(Y, Z)), 4), np.round(Poisson().link(Z).ravel(), 4)
    (3.7183, array([1.    , 2.7183]))
    """

    def link(self, Z):
        return numpy_like(Z).exp(Z)

    def _value_grad(self, Y, Z):
        mean = numpy_like(Z).exp(Z)
        return mean - Y * Z, mean - Y

    def curvature(self, Y, Z):
        """``∂²loss/∂z² = exp(z)``."""
        return numpy_like(Z).exp(Z)


class BinaryCrossEntropy(Loss):
    """``loss = log(1 + exp(z)) - y z`` per output; link ``sigmoid``; gradient ``sigmoid(z) - y``.

    One output for binary classification, one per label for multilabel.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.losses import BinaryCrossEntropy
    >>> Y, Z = np.array([[1.0], [0.0]]), np.array([[0.0], [2.0]])
    >>> value, grad = BinaryCrossEntropy().loss_gradient(Y, Z)
    >>> round(float(value), 4), np.round(grad.ravel(), 4)
    (2.8201, array([-0.5   ,  0.8808]))
    """

    def link(self, Z):
        return numpy_like(Z).expit(Z)

    def _value_grad(self, Y, Z):
        xp = numpy_like(Z)
        return xp.logaddexp(0, Z) - Y * Z, xp.expit(Z) - Y

    def curvature(self, Y, Z):
        """``∂²loss/∂z² = p (1 - p)`` with ``p = sigmoid(z)``."""
        P = numpy_like(Z).expit(Z)
        return P * (1 - P)


class CategoricalCrossEntropy(Loss):
    """``loss = logsumexp(z) - Σ_k y_k z_k``; link ``softmax``; gradient ``softmax(z) - y``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.losses import CategoricalCrossEntropy
    >>> Y, Z = np.array([[1.0, 0.0, 0.0]]), np.zeros((1, 3))
    >>> value, grad = CategoricalCrossEntropy().loss_gradient(Y, Z)
    >>> round(float(value), 4), np.round(grad, 4)
    (1.0986, array([[-0.6667,  0.3333,  0.3333]]))
    """

    def link(self, Z):
        return numpy_like(Z).softmax(Z, axis=1)

    def _value_grad(self, Y, Z):
        # With s = z - max z: loss = (Σ_k y_k) log Σ exp(s) - Σ_k y_k s_k, written
        # out, because on a mini-batch scipy's log_softmax spends longer in its
        # overhead than in the arithmetic. Numpy reduces a few wide columns far
        # faster than many short rows, hence the maximum over the transpose and
        # the row sums as products with a vector of ones.
        xp = numpy_like(Z)
        ones = xp.ones(Z.shape[1], dtype=Z.dtype)
        shifted = Z - xp.max(xp.ascontiguousarray(Z.T), axis=0)[:, None]
        P = xp.exp(shifted)
        total = P @ ones
        P /= total[:, None]
        values = xp.log(total) * (Y @ ones) - xp.einsum("ij,ij->i", Y, shifted)
        return values[:, None], xp.subtract(P, Y, out=P)

    def curvature(self, Y, Z):
        """``∂²loss/∂z_k∂z_l = (Σ_m y_m) (p_k δ_kl - p_k p_l)`` with ``p = softmax(z)``."""
        xp = numpy_like(Z)
        P = xp.softmax(Z, axis=1)
        H = -P[:, :, None] * P[:, None, :]
        k = xp.arange(Z.shape[1])
        H[:, k, k] += P
        return H * Y.sum(axis=1)[:, None, None]


class Hinge(Loss):
    """Hinge loss on margins; the link is the identity (no probabilities).

    With one output and labels ``y ∈ {0, 1}`` (``t = 2y - 1``):
    ``loss = max(0, 1 - t z)``. With ``K`` outputs and one-hot ``y`` it is the
    multiclass form of Crammer and Singer,
    ``loss = max(0, 1 + max_{j ≠ y} z_j - z_y)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.losses import Hinge
    >>> Y, Z = np.array([[1.0], [0.0]]), np.array([[0.5], [-2.0]])
    >>> value, grad = Hinge().loss_gradient(Y, Z)
    >>> round(float(value), 4), grad.ravel()
    (0.5, array([-1.,  0.]))
    """

    def _value_grad(self, Y, Z):
        xp = numpy_like(Z)
        if Z.shape[1] == 1:
            sign = 2 * Y - 1
            margin = 1 - sign * Z
            active = margin > 0
            return xp.maximum(margin, 0), -sign * active
        true_score = (Z * Y).sum(axis=1)
        rivals = xp.where(Y > 0, -math.inf, Z)
        best_rival = xp.argmax(rivals, axis=1)
        rows = xp.arange(Z.shape[0])
        margin = 1 + rivals[rows, best_rival] - true_score
        active = xp.astype(margin > 0, Z.dtype)
        grad = -Y * active[:, None]
        grad[rows, best_rival] += active
        values = xp.zeros_like(Z)
        values[:, 0] = xp.maximum(margin, 0)
        return values, grad


class PerceptronLoss(Loss):
    """``loss = Σ_k max(0, -t_k z_k)``, ``t = 2y - 1``; subgradient ``-t_k`` where ``t_k z_k <= 0``.

    The loss of Rosenblatt's perceptron: zero on the right side of the
    boundary, and growing with the distance into the wrong side. Each output
    is one binary problem (one-vs-rest with one-hot ``y``), whose labels
    ``y ∈ {0, 1}`` become ``t ∈ {-1, +1}``. A point on the boundary
    (``z = 0``) counts as a mistake, so a step of stochastic gradient descent
    from zero weights moves: the subgradient ``-t`` makes the step
    ``w ← w + η t x``, the perceptron learning rule, on mistakes only. The
    link is the identity: there are no probabilities.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.losses import PerceptronLoss
    >>> Y, Z = np.array([[1.0], [0.0], [1.0]]), np.array([[-0.5], [-2.0], [0.0]])
    >>> value, grad = PerceptronLoss().loss_gradient(Y, Z)
    >>> round(float(value), 4), grad.ravel()
    (0.5, array([-1.,  0., -1.]))
    """

    def _value_grad(self, Y, Z):
        sign = 2 * Y - 1
        margin = sign * Z
        return numpy_like(Z).maximum(-margin, 0), -sign * (margin <= 0)


class KLDivergence(CategoricalCrossEntropy):
    """``loss = Σ_k y_k log(y_k / p_k)`` with ``p = softmax(z)`` and ``0 log 0 = 0``.

    The Kullback-Leibler divergence of the predicted distribution ``p`` from
    the target distribution ``y`` (each row non-negative, summing to 1). On
    the logits it is the categorical cross-entropy plus the targets' own
    ``Σ_k y_k log y_k``, a constant: ``(Σ_k y_k) logsumexp(z) - Σ_k y_k z_k +
    Σ_k y_k log y_k``, computed with the shifted softmax. It is 0 exactly
    when ``p = y``. The gradient is ``(Σ_k y_k) p - y``, which is ``p - y``
    for rows summing to 1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.losses import KLDivergence
    >>> Y, Z = np.array([[0.5, 0.5, 0.0]]), np.log(np.array([[0.25, 0.25, 0.5]]))
    >>> value, grad = KLDivergence().loss_gradient(Y, Z)
    >>> round(float(value), 4), np.round(grad, 4)
    (0.6931, array([[-0.25, -0.25,  0.5 ]]))
    """

    # How far from 1 the row sums of the targets may be.
    row_sum_tol = 1e-6

    def _value_grad(self, Y, Z):
        values, grad = super()._value_grad(Y, Z)  # grad = p - y
        totals = Y.sum(axis=1, keepdims=True)
        values += numpy_like(Y).xlogy(Y, Y).sum(axis=1, keepdims=True)
        grad += Y  # p
        grad *= totals
        grad -= Y
        return values, grad

    def check_targets(self, Y: NDArray) -> None:
        """Raise ``ValueError`` unless every row of ``Y`` is a probability distribution."""
        if Y.ndim != 2 or Y.shape[1] < 2:
            raise ValueError(
                "The kl_divergence loss needs targets with one column per outcome, at "
                f"least 2, each row a probability distribution; got y of shape {Y.shape}."
            )
        if np.any(Y < 0):
            rows = np.flatnonzero(np.any(Y < 0, axis=1))
            raise ValueError(
                "The kl_divergence loss needs each row of y to be a probability "
                f"distribution, but {rows.size} rows have negative entries (the first is "
                f"row {rows[0]}: {Y[rows[0]]})."
            )
        totals = Y.sum(axis=1, dtype=np.float64)
        bad = np.flatnonzero(~np.isclose(totals, 1.0, rtol=0, atol=self.row_sum_tol))
        if bad.size:
            raise ValueError(
                "The kl_divergence loss needs each row of y to be a probability "
                f"distribution summing to 1 (within {self.row_sum_tol}), but {bad.size} "
                f"rows do not (the first is row {bad[0]}, summing to {totals[bad[0]]:.6g}); "
                "divide each row by its sum, e.g. y / y.sum(axis=1, keepdims=True)."
            )


_LOG_2PI = math.log(2 * math.pi)


class GaussianNLL(Loss):
    """``loss = ½ (log 2π + v + (y - μ)² e^{-v})`` per feature, on logits ``[μ, v]``.

    The negative log-density of ``y`` under ``N(μ, e^v)``: the logits have
    two columns per target column, the means then the log-variances (as
    :class:`~sklearn_dl.layers.LearnedVariance` gives them). The link is the mean.

    Notes
    -----
    ``∂/∂μ = (μ - y) e^{-v}`` and ``∂/∂v = ½ (1 - (y - μ)² e^{-v})``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.losses import GaussianNLL
    >>> Y, Z = np.array([[1.0]]), np.array([[0.0, 0.0]])  # y = 1 under N(0, 1)
    >>> value, grad = GaussianNLL().loss_gradient(Y, Z)
    >>> round(float(value), 4), grad  # ½ log 2π + ½
    (1.4189, array([[-1.,  0.]]))
    """

    def link(self, Z):
        return Z[:, : Z.shape[1] // 2]

    def _value_grad(self, Y, Z):
        xp, d = numpy_like(Z), Z.shape[1] // 2
        mean, log_var = Z[:, :d], Z[:, d:]
        precision = xp.exp(-log_var)
        residual = mean - Y
        scaled = residual * precision
        squared = residual * scaled
        values = 0.5 * (log_var + squared + xp.scalar(_LOG_2PI, Z))
        grad = xp.concatenate([scaled, 0.5 * (1 - squared)], axis=1)
        return values, grad


LOSSES = {
    "squared_error": SquaredError,
    "absolute_error": AbsoluteError,
    "huber": Huber,
    "poisson": Poisson,
    "binary_crossentropy": BinaryCrossEntropy,
    "log_loss": BinaryCrossEntropy,
    "categorical_crossentropy": CategoricalCrossEntropy,
    "multinomial": CategoricalCrossEntropy,
    "hinge": Hinge,
    "perceptron": PerceptronLoss,
    "kl_divergence": KLDivergence,
}


def get_loss(value, name="loss"):
    """Return a fresh :class:`Loss` for a registry name or an instance."""
    return resolve(value, LOSSES, Loss, name)
