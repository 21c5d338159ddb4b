"""Activation functions and their derivatives.

Each activation is a small part with two methods:

- ``forward(Z, out)`` writes ``A = f(Z)`` into ``out`` and returns it;
- ``backward(Z, A, dA)`` returns ``dZ = dA * f'(Z)``, computed in place in ``dA``.

``Z`` and ``A`` are both kept by the layer, so each derivative uses whichever
is cheaper (``sigmoid' = A (1 - A)``, ``tanh' = 1 - A**2``). An activation
whose derivative needs only ``A`` says so with ``backward_needs_z = False``;
a layer may then write ``A`` over ``Z`` and keep one array instead of two.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from ._array_api import NUMPY as np_functions
from ._array_api import numpy_like
from ._parts import Part, resolve
from ._validation import Interval, Real

_SQRT_HALF = np.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


class Activation(Part):
    """Base class: an element-wise nonlinearity ``A = f(Z)``.

    Subclasses define ``forward(Z, out=None)`` and ``backward(Z, A, dA)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.activations import get_activation
    >>> act = get_activation("tanh")
    >>> Z = np.array([[0.0, 1.0]])
    >>> np.round(act.backward(Z, act.forward(Z), np.ones_like(Z)), 3)
    array([[1.  , 0.42]])
    """

    backward_needs_z = True

    def forward(self, Z: NDArray, out: NDArray | None = None) -> NDArray:
        """Return ``A = f(Z)``, written into ``out`` when it is given."""
        raise NotImplementedError

    def backward(self, Z: NDArray, A: NDArray, dA: NDArray) -> NDArray:
        """Return ``dZ = dA * f'(Z)``, computed in place in ``dA``."""
        raise NotImplementedError

    # An activation with parameters of its own (PReLU's slopes) declares their
    # shapes; its layer gives it views into the network's unpenalised
    # parameters and gradients, and its ``backward`` fills the gradient views.

    def parameter_shapes(self, n_units: int) -> list[tuple[int, ...]]:
        """Shapes of the activation's own parameters for ``n_units`` units (never penalised)."""
        return []

    def bind(self, params: list[NDArray], grads: list[NDArray]) -> None:
        """Keep views into the network's parameters and gradients."""

    def initialize(self) -> None:
        """Set the initial values of the activation's own parameters in place."""


class Identity(Activation):
    """``f(z) = z``; ``f'(z) = 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.activations import Identity
    >>> Z = np.array([[-1.0, 2.0]])
    >>> Identity().forward(Z), Identity().backward(Z, Z, np.ones_like(Z))
    (array([[-1.,  2.]]), array([[1., 1.]]))
    """

    backward_needs_z = False

    def forward(self, Z, out=None):
        if out is None or out is Z:
            return Z
        numpy_like(Z).copyto(out, Z)
        return out

    def backward(self, Z, A, dA):
        return dA


class Logistic(Activation):
    """``f(z) = 1 / (1 + exp(-z))``; ``f'(z) = f(z) (1 - f(z))``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.activations import Logistic
    >>> Z = np.array([[0.0, 2.0]])
    >>> A = Logistic().forward(Z)
    >>> np.round(A, 3), np.round(Logistic().backward(Z, A, np.ones_like(Z)), 3)
    (array([[0.5  , 0.881]]), array([[0.25 , 0.105]]))
    """

    backward_needs_z = False

    def forward(self, Z, out=None):
        return numpy_like(Z).expit(Z, out=out)

    def backward(self, Z, A, dA):
        dA *= A
        dA *= 1 - A
        return dA


class Tanh(Activation):
    """``f(z) = tanh(z)``; ``f'(z) = 1 - f(z)**2``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.activations import Tanh
    >>> Z = np.array([[0.0, 1.0]])
    >>> A = Tanh().forward(Z)
    >>> np.round(A, 3), np.round(Tanh().backward(Z, A, np.ones_like(Z)), 3)
    (array([[0.   , 0.762]]), array([[1.  , 0.42]]))
    """

    backward_needs_z = False

    def forward(self, Z, out=None):
        return numpy_like(Z).tanh(Z, out=out)

    def backward(self, Z, A, dA):
        dA *= 1 - A * A
        return dA


class ReLU(Activation):
    """``f(z) = max(z, 0)``; ``f'(z) = 1 if z > 0 else 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.activations import ReLU
    >>> Z = np.array([[-1.0, 2.0]])
    >>> A = ReLU().forward(Z)
    >>> A, ReLU().backward(Z, A, np.ones_like(Z))
    (array([[0., 2.]]), array([[0., 1.]]))
    """

    backward_needs_z = False

    def forward(self, Z, out=None):
        # numpy's maximum against a scalar takes a slow loop; against a row of
        # zeros broadcast over the rows it takes a vectorised one (~2x faster).
        xp = numpy_like(Z)
        zeros = _zeros(Z.shape[-1:], Z.dtype) if xp is np_functions else 0
        return xp.maximum(Z, zeros, out=out)

    def backward(self, Z, A, dA):
        return numpy_like(dA).multiply(dA, A > 0, out=dA)


class LeakyReLU(Activation):
    """``f(z) = z if z > 0 else negative_slope * z``.

    Parameters
    ----------
    negative_slope : float, default=0.01
        Slope for negative inputs.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.activations import LeakyReLU
    >>> Z = np.array([[-1.0, 2.0]])
    >>> act = LeakyReLU(negative_slope=0.1)
    >>> A = act.forward(Z)
    >>> A, act.backward(Z, A, np.ones_like(Z))
    (array([[-0.1,  2. ]]), array([[0.1, 1. ]]))
    """

    _parameter_constraints = {
        "negative_slope": [Interval(Real, None, None, closed="neither")],
    }

    def __init__(self, negative_slope=0.01):
        self.negative_slope = negative_slope

    def forward(self, Z, out=None):
        xp = numpy_like(Z)
        factor = xp.where(Z > 0, xp.scalar(1, Z), xp.scalar(self.negative_slope, Z))
        return xp.multiply(Z, factor, out=out)

    def backward(self, Z, A, dA):
        dA[Z <= 0] *= numpy_like(dA).scalar(self.negative_slope, dA)
        return dA


class ELU(Activation):
    """``f(z) = z if z > 0 else alpha (exp(z) - 1)``; ``f'(z) = f(z) + alpha`` for z <= 0.

    Parameters
    ----------
    alpha : float, default=1.0
        Value the function tends to as ``z -> -inf`` is ``-alpha``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.activations import ELU
    >>> Z = np.array([[-1.0, 2.0]])
    >>> A = ELU().forward(Z)
    >>> np.round(A, 3), np.round(ELU().backward(Z, A, np.ones_like(Z)), 3)
    (array([[-0.632,  2.   ]]), array([[0.368, 1.   ]]))
    """

    _parameter_constraints = {
        "alpha": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def forward(self, Z, out=None):
        xp = numpy_like(Z)
        return _elu(xp, Z, xp.scalar(self.alpha, Z), xp.scalar(1, Z), out)

    def backward(self, Z, A, dA):
        xp = numpy_like(dA)
        return _elu_backward(xp, Z, A, dA, xp.scalar(self.alpha, dA), 1)


class SELU(Activation):
    """``f(z) = scale * elu(z, alpha)`` with the self-normalising constants.

    ``alpha ≈ 1.6733`` and ``scale ≈ 1.0507`` keep unit-variance activations
    at unit variance (Klambauer et al., 2017).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.activations import SELU
    >>> Z = np.array([[-1.0, 2.0]])
    >>> A = SELU().forward(Z)
    >>> np.round(A, 3), np.round(SELU().backward(Z, A, np.ones_like(Z)), 3)
    (array([[-1.111,  2.101]]), array([[0.647, 1.051]]))
    """

    alpha_ = 1.6732632423543772
    scale_ = 1.0507009873554805

    def forward(self, Z, out=None):
        xp = numpy_like(Z)
        return _elu(xp, Z, xp.scalar(self.alpha_, Z), xp.scalar(self.scale_, Z), out)

    def backward(self, Z, A, dA):
        xp = numpy_like(dA)
        alpha_scale = xp.scalar(self.alpha_ * self.scale_, dA)
        return _elu_backward(xp, Z, A, dA, alpha_scale, xp.scalar(self.scale_, dA))


@lru_cache(maxsize=64)
def _zeros(shape, dtype):
    """A read-only array of zeros, shared by every call with this shape and dtype."""
    zeros = np.zeros(shape, dtype=dtype)
    zeros.setflags(write=False)
    return zeros


def _elu(xp, Z, alpha, scale, out):
    """``scale * (z if z > 0 else alpha (exp(z) - 1))``, with no overflow for large z."""
    negative = xp.expm1(xp.minimum(Z, 0)) * alpha
    return xp.multiply(xp.where(Z > 0, Z, negative), scale, out=out)


def _elu_backward(xp, Z, A, dA, alpha_scale, scale):
    # For z <= 0, f(z) = scale*alpha*(exp(z) - 1), so f'(z) = f(z) + scale*alpha.
    dA *= xp.where(Z > 0, scale, A + alpha_scale)
    return dA


class GELU(Activation):
    """``f(z) = z Φ(z)``, Φ the standard normal CDF (the exact form, not tanh).

    ``f'(z) = Φ(z) + z φ(z)`` with φ the standard normal density.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.activations import GELU
    >>> Z = np.array([[0.0, 2.0]])
    >>> A = GELU().forward(Z)
    >>> np.round(A, 3), np.round(GELU().backward(Z, A, np.ones_like(Z)), 3)
    (array([[0.   , 1.954]]), array([[0.5  , 1.085]]))
    """

    def forward(self, Z, out=None):
        xp = numpy_like(Z)
        cdf = 0.5 * (1 + xp.erf(Z * xp.scalar(_SQRT_HALF, Z)))
        return xp.multiply(Z, cdf, out=out)

    def backward(self, Z, A, dA):
        xp = numpy_like(Z)
        cdf = 0.5 * (1 + xp.erf(Z * xp.scalar(_SQRT_HALF, Z)))
        pdf = xp.exp(-0.5 * Z * Z) * xp.scalar(_INV_SQRT_2PI, Z)
        dA *= cdf + Z * pdf
        return dA


class Softplus(Activation):
    """``f(z) = log(1 + exp(z))``; ``f'(z) = sigmoid(z)``, computed stably.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.activations import Softplus
    >>> Z = np.array([[0.0, 1000.0]])
    >>> A = Softplus().forward(Z)
    >>> np.round(A, 3).tolist(), np.round(Softplus().backward(Z, A, np.ones_like(Z)), 3)
    ([[0.693, 1000.0]], array([[0.5, 1. ]]))
    """

    def forward(self, Z, out=None):
        return numpy_like(Z).logaddexp(0, Z, out=out)

    def backward(self, Z, A, dA):
        dA *= numpy_like(Z).expit(Z)
        return dA


class Swish(Activation):
    """``f(z) = z sigmoid(z)`` (also called SiLU); ``f'(z) = s + z s (1 - s)``.

    Here ``s = sigmoid(z)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.activations import Swish
    >>> Z = np.array([[0.0, 2.0]])
    >>> A = Swish().forward(Z)
    >>> np.round(A, 3), np.round(Swish().backward(Z, A, np.ones_like(Z)), 3)
    (array([[0.   , 1.762]]), array([[0.5  , 1.091]]))
    """

    def forward(self, Z, out=None):
        xp = numpy_like(Z)
        return xp.multiply(Z, xp.expit(Z), out=out)

    def backward(self, Z, A, dA):
        s = numpy_like(Z).expit(Z)
        dA *= s * (1 + Z * (1 - s))
        return dA


class PReLU(Activation):
    """``f(z_j) = z_j if z_j > 0 else a_j z_j``, with a learned slope ``a_j`` per unit.

    The slopes are parameters of the network, trained with the weights by
    every solver and never penalised. With ``dA = ∂L/∂A`` over the rows
    ``i``::

        ∂L/∂Z_ij = dA_ij (1 if Z_ij > 0 else a_j)      ∂L/∂a_j = Σ_i dA_ij min(Z_ij, 0)

    Until a layer gives it its slopes, every unit's slope is
    ``initial_slope``: the object alone is a leaky ReLU.

    Parameters
    ----------
    initial_slope : float, default=0.25
        The slope every unit starts from.

    Attributes
    ----------
    slope_ : ndarray of shape (n_units,)
        The learned slopes, a view into the network's parameters.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.activations import PReLU
    >>> act = PReLU()
    >>> act.bind([np.empty(2)], [np.empty(2)])  # a layer's views into the network
    >>> act.initialize()
    >>> act.slope_[1] = 0.5  # as training may leave it
    >>> Z = np.array([[-2.0, -2.0], [1.0, -4.0]])
    >>> act.forward(Z)
    array([[-0.5, -1. ],
           [ 1. , -2. ]])
    >>> dZ = act.backward(Z, act.forward(Z), np.ones_like(Z))
    >>> dZ, act.dslope_
    (array([[0.25, 0.5 ],
           [1.  , 0.5 ]]), array([-2., -6.]))
    """

    _parameter_constraints = {
        "initial_slope": [Interval(Real, None, None, closed="neither")],
    }

    def __init__(self, initial_slope=0.25):
        self.initial_slope = initial_slope

    def parameter_shapes(self, n_units):
        return [(n_units,)]

    def bind(self, params, grads):
        self.slope_, self.dslope_ = params[0], grads[0]

    def initialize(self):
        self.slope_[...] = self.initial_slope

    def _factor(self, Z):
        """``1`` where ``Z > 0``, else the unit's slope."""
        xp = numpy_like(Z)
        slope = self.__dict__.get("slope_")
        if slope is None:
            slope = xp.scalar(self.initial_slope, Z)
        return xp.where(Z > 0, xp.scalar(1, Z), slope)

    def forward(self, Z, out=None):
        return numpy_like(Z).multiply(Z, self._factor(Z), out=out)

    def backward(self, Z, A, dA):
        if "dslope_" in self.__dict__:
            xp = numpy_like(dA)
            xp.sum(dA * xp.minimum(Z, 0), axis=0, out=self.dslope_)
        dA *= self._factor(Z)
        return dA


ACTIVATIONS = {
    "identity": Identity,
    "linear": Identity,
    "logistic": Logistic,
    "sigmoid": Logistic,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
    "selu": SELU,
    "gelu": GELU,
    "softplus": Softplus,
    "swish": Swish,
    "silu": Swish,
    "prelu": PReLU,
}


def get_activation(value, name="activation"):
    """Return a fresh :class:`Activation` for a registry name or an instance."""
    return resolve(value, ACTIVATIONS, Activation, name)
