"""Weight penalties: L2, L1 and their mix, the elastic net.

All three are one rule with a setting::

    R(W) = l1_ratio ‖W‖₁ + (1 - l1_ratio) ½ ‖W‖²

``L2`` is ``l1_ratio = 0``, ``L1`` is ``l1_ratio = 1``. The training objective is

    (Σ s_i loss_i + alpha R(W)) / Σ s_i

whatever the solver and batch size. Penalties see the weights only, never
biases or batch-norm parameters. The smooth part (the L2 term) enters the
gradient; the L1 term is applied by a proximal step (soft thresholding), which
sets weights to exact zeros.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from . import _kernels
from ._array_api import numpy_like
from ._parts import Part, resolve
from ._validation import Interval, Real


class Penalty(Part):
    """Base class: ``R(W) = l1_ratio ‖W‖₁ + (1 - l1_ratio) ½ ‖W‖²``.

    Examples
    --------
    The smooth half enters the gradient; the L1 half is a soft threshold:

    >>> import numpy as np
    >>> from sklearn_dl.penalties import get_penalty
    >>> penalty = get_penalty("elasticnet", l1_ratio=0.5)
    >>> W, grad = np.array([3.0, 0.2]), np.zeros(2)
    >>> penalty.add_smooth_gradient(W, grad, scale=1.0)
    >>> penalty.prox(W, step=1.0)
    >>> grad, W
    (array([1.5, 0.1]), array([2.5, 0. ]))
    """

    l1_ratio = 0.0

    @property
    def l1(self) -> float:
        """Weight of the ‖W‖₁ term."""
        return float(self.l1_ratio)

    @property
    def l2(self) -> float:
        """Weight of the ½‖W‖² term."""
        return 1.0 - float(self.l1_ratio)

    def value(self, W: NDArray) -> float:
        """Return ``R(W)``."""
        total = 0.0
        if self.l1:
            xp = numpy_like(W)
            total += self.l1 * float(xp.sum(xp.abs(W), dtype=np.float64))
        if self.l2:
            total += self.l2 * 0.5 * float(W @ W)
        return total

    def add_smooth_gradient(
        self, W: NDArray, grad: NDArray, scale: float, work: NDArray | None = None
    ) -> None:
        """Add ``scale * ∇(smooth part of R)(W) = scale * l2 * W`` to ``grad``.

        ``work``, an array shaped like ``W``, saves allocating a temporary.
        """
        if self.l2 and scale and not _kernels.add_scaled(grad, W, scale * self.l2):
            grad += numpy_like(W).multiply(W, scale * self.l2, out=work)

    def prox(self, W: NDArray, step: float | NDArray) -> None:
        """Soft-threshold ``W`` in place by ``step * l1`` (scalar or per entry)."""
        if not self.l1:
            return
        xp, threshold = numpy_like(W), step * self.l1
        shrunk = xp.abs(W) - threshold
        xp.maximum(shrunk, 0, out=shrunk)
        xp.copysign(shrunk, W, out=W)


class L2(Penalty):
    """``R(W) = ½ ‖W‖²`` (weight decay; ``alpha`` as in scikit-learn's ``Ridge``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.penalties import L2
    >>> W, grad = np.array([3.0, -4.0]), np.zeros(2)
    >>> L2().add_smooth_gradient(W, grad, scale=0.1)
    >>> L2().value(W), grad
    (12.5, array([ 0.3, -0.4]))
    """

    l1_ratio = 0.0


class L1(Penalty):
    """``R(W) = ‖W‖₁`` (lasso): drives weights to exact zeros.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.penalties import L1
    >>> W = np.array([3.0, 0.5])
    >>> L1().value(W)
    3.5
    >>> L1().prox(W, step=1.0)
    >>> W
    array([2., 0.])
    """

    l1_ratio = 1.0


class ElasticNet(Penalty):
    """``R(W) = l1_ratio ‖W‖₁ + (1 - l1_ratio) ½ ‖W‖²``.

    Parameters
    ----------
    l1_ratio : float, default=0.5
        Share of the L1 term, in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.penalties import ElasticNet
    >>> ElasticNet(l1_ratio=0.5).value(np.array([3.0, -4.0]))
    9.75
    """

    _parameter_constraints = {
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, l1_ratio=0.5):
        self.l1_ratio = l1_ratio


PENALTIES = {"l2": L2, "l1": L1, "elasticnet": ElasticNet}


def get_penalty(value, l1_ratio=0.5, name="penalty"):
    """Return a fresh penalty, or ``None`` for no penalty.

    The name ``"elasticnet"`` takes the estimator's ``l1_ratio``.
    """
    if value is None:
        return None
    if isinstance(value, str) and value == "elasticnet":
        return ElasticNet(l1_ratio=l1_ratio)
    return resolve(value, PENALTIES, Penalty, name)
