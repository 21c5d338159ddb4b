"""Optimizers over the network's flat parameter vector.

A stochastic optimizer is "init state, then update": ``init(params, n_weights)``
creates its slot arrays, and ``step(params, grads, lr)`` updates ``params`` in
place and returns the step size it applied (a scalar, or one per entry for
adaptive methods). The trainer uses that step size for the proximal L1 step,
so that exact zeros come out in each optimizer's own metric. Optimizers know
nothing about schedules or stopping.

Where a fused kernel takes the step (see :mod:`sklearn_dl._kernels`),
``penalised_step`` folds the penalty into it: the L2 term enters the
gradient and the L1 soft threshold follows the update in the same pass over
the parameters, with the numbers the separate numpy passes use.

Full-batch optimizers (``lbfgs``, ``cg``, ``newton-cg``) hand the flat vector
to :func:`scipy.optimize.minimize`. :class:`Newton` (for linear models) takes
the exact second derivatives from the objective instead.

Updates run in place with ``out=`` into two scratch vectors kept between
steps, so that a step allocates nothing and stays in the parameters' dtype;
for small networks a step is then a dozen numpy calls whatever the depth.

Every optimizer minimises ``f``; ``g = ∇f`` below, ``η`` the learning rate.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import OptimizeResult, minimize

from . import _kernels, _whitened
from ._array_api import numpy_like
from ._engine.least_squares import (
    LeastSquares,  # noqa: F401 (public here; solved by Newton)
    cholesky_solver,
)
from ._parts import Part, Scratch, resolve
from ._validation import Integral, Interval, Real


class BaseOptimizer(Part):
    """Base class of every optimizer, stochastic or full-batch.

    Examples
    --------
    >>> from sklearn_dl.optimizers import get_optimizer
    >>> get_optimizer("adam").full_batch, get_optimizer("lbfgs").full_batch
    (False, True)
    """

    full_batch = False


class Optimizer(BaseOptimizer):
    """Base class of stochastic optimizers; subclasses define ``step``.

    Examples
    --------
    Three steps of size 0.5 on ``f(θ) = ½ ‖θ‖²``, whose gradient is ``θ``:

    >>> import numpy as np
    >>> from sklearn_dl.optimizers import get_optimizer
    >>> params, opt = np.array([1.0, -2.0]), get_optimizer("sgd")
    >>> opt.init(params, n_weights=2)
    >>> for _ in range(3):
    ...     _ = opt.step(params, params.copy(), 0.5)
    >>> params
    array([ 0.125, -0.25 ])
    """

    def init(self, params: NDArray, n_weights: int) -> None:
        """Create the slot arrays for ``params``; ``params[:n_weights]`` are weights."""
        self.n_weights_ = n_weights

    def step(self, params: NDArray, grads: NDArray, lr: float) -> float | NDArray:
        """Update ``params`` in place from ``grads``; return the step size applied.

        The step size is a scalar, or an array shaped like ``params`` for
        methods that scale each entry (valid until the next step).
        """
        raise NotImplementedError

    def penalised_step(
        self, params: NDArray, grads: NDArray, lr: float, penalty, scale: float, keep_size=True
    ) -> float | NDArray | bool | None:
        """:meth:`step` with ``scale · penalty`` on the weights folded in; None where it cannot.

        One fused pass takes the step along ``g + scale · l2 · W`` on the
        weights (``grads`` holds the data term only and is left as it is), then
        soft-thresholds them by ``(s · scale) · l1``, ``s`` the step size
        returned (a scalar or one per entry): what adding the penalty's
        gradient, :meth:`step` and the penalty's proximal step do in turn.
        ``scale`` is ``alpha / Σ s_i``. None (nothing changed) where no kernel
        takes the step: the caller then takes those three passes itself.
        Without ``keep_size`` the kernel does not store the per-entry step
        sizes (a pass of stores over the parameters) and returns True.
        """
        if not self.folds_penalty(params):
            return None
        size = self._kernel_step(params, grads, lr, penalty, scale, keep_size)
        return size if keep_size or size is None else True

    def folds_penalty(self, params: NDArray) -> bool:
        """Whether :meth:`penalised_step` runs a kernel on ``params`` (if it compiles)."""
        return _has_kernel_step(type(self)) and _kernels.enabled_for(params)

    def _kernel_step(self, params, grads, lr, penalty, scale, keep_size=True):
        """The step by one fused kernel, ``penalty`` (or None) folded in; None if it fails.

        ``keep_size=False``: the kernel may leave out the per-entry step sizes
        (see :meth:`_step_sizes`).
        """
        return None

    def _fused_step(self, params, grads, lr):
        """:meth:`step` by this class's kernel, without a penalty; None where numpy must take it."""
        if not _kernels.enabled_for(params):
            return None
        return self._kernel_step(params, grads, lr, None, 0.0)

    def _step_sizes(self, params, keep_size):
        """The array a kernel writes its per-entry step sizes to: an empty one when not kept.

        The kernels test for the empty array once, outside their loop.
        """
        return self._scratch(params)[0] if keep_size else _kernels.EMPTY[params.dtype]

    def _scratch(self, params):
        """Two reusable arrays shaped like ``params`` (rebuilt on demand, never pickled).

        ``step`` may return the first as its per-entry step size: it stays valid
        until the next step.
        """
        scratch = self.__dict__.get("_scratch_")
        if scratch is None:
            scratch = self._scratch_ = Scratch(numpy_like(params))
        shape, dtype = params.shape, params.dtype
        return scratch.array("size", shape, dtype), scratch.array("work", shape, dtype)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_scratch_", None)
        return state


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    ``v ← μ v - η g``; then ``θ ← θ + v`` (classical) or
    ``θ ← θ + μ v - η g`` (Nesterov). With ``μ = 0`` it is plain ``θ ← θ - η g``.
    These are the updates of scikit-learn's ``MLPClassifier(solver="sgd")``.

    Parameters
    ----------
    momentum : float, default=0.0
        ``μ``, in [0, 1).
    nesterov : bool, default=False
        Use Nesterov's look-ahead form.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.optimizers import SGD
    >>> params, opt = np.array([1.0, 2.0]), SGD()
    >>> opt.init(params, n_weights=2)
    >>> opt.step(params, np.array([0.5, -1.0]), 0.1), params
    (0.1, array([0.95, 2.1 ]))
    """

    _parameter_constraints = {
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "nesterov": ["boolean"],
    }

    def __init__(self, momentum=0.0, nesterov=False):
        self.momentum = momentum
        self.nesterov = nesterov

    def init(self, params, n_weights):
        super().init(params, n_weights)
        self.velocity_ = numpy_like(params).zeros_like(params) if self.momentum else None

    def step(self, params, grads, lr):
        size = self._fused_step(params, grads, lr)
        if size is not None:
            return size
        mu = self.momentum
        xp, (_, work) = numpy_like(params), self._scratch(params)
        lr_g = xp.multiply(grads, lr, out=work)
        if not mu:
            params -= lr_g
            return lr
        v = self.velocity_
        v *= mu
        v -= lr_g
        if self.nesterov:
            params -= lr_g
            params += xp.multiply(v, mu, out=work)
        else:
            params += v
        return self._size(lr)

    def _size(self, lr):
        # At a fixed point v = -η g / (1 - μ): the effective step is η / (1 - μ).
        return lr / (1.0 - self.momentum) if self.momentum else lr

    def _kernel_step(self, params, grads, lr, penalty, scale, keep_size=True):
        mu, size = self.momentum, self._size(lr)
        # One threshold for every weight, (size · scale) · l1 as the separate pass has it.
        l2, l1 = _strengths(penalty)
        fold = (self.n_weights_, *_cast(params, scale * l2, (size * scale) * l1))
        lr_, mu_ = _cast(params, lr, mu)
        if not mu:
            done = _kernels.call("sgd_step", params, grads, lr_, *fold)
        else:  # velocity_ only with μ
            arrays = (params, grads, self.velocity_)
            done = _kernels.call("momentum_step", *arrays, lr_, mu_, self.nesterov, *fold)
        return size if done else None


class Momentum(SGD):
    """SGD with classical momentum (``μ = 0.9`` by default); see :class:`SGD`.

    Examples
    --------
    Two steps along ``g = 1`` with ``η = 0.1`` move ``θ`` by ``0.1 + 0.19``:

    >>> import numpy as np
    >>> from sklearn_dl.optimizers import Momentum
    >>> params, opt = np.array([1.0]), Momentum()
    >>> opt.init(params, n_weights=1)
    >>> for _ in range(2):
    ...     _ = opt.step(params, np.array([1.0]), 0.1)
    >>> np.round(params, 4)
    array([0.71])
    """

    def __init__(self, momentum=0.9, nesterov=False):
        super().__init__(momentum, nesterov)


class Nesterov(SGD):
    """SGD with Nesterov momentum (``μ = 0.9`` by default); see :class:`SGD`.

    Examples
    --------
    The first step along ``g = 1`` with ``η = 0.1`` already looks ahead: ``0.1 + 0.9 · 0.1``.

    >>> import numpy as np
    >>> from sklearn_dl.optimizers import Nesterov
    >>> params, opt = np.array([1.0]), Nesterov()
    >>> opt.init(params, n_weights=1)
    >>> _ = opt.step(params, np.array([1.0]), 0.1)
    >>> np.round(params, 4)
    array([0.81])
    """

    def __init__(self, momentum=0.9, nesterov=True):
        super().__init__(momentum, nesterov)


class Adagrad(Optimizer):
    """``G ← G + g²``; ``θ ← θ - η g / (sqrt(G) + ε)``.

    Parameters
    ----------
    initial_accumulator : float, default=0.0
        Starting value of ``G``.
    epsilon : float, default=1e-8
        Added to the denominator for stability.

    Examples
    --------
    From ``G = 0`` the first step is ``η sign(g)``, whatever the size of ``g``:

    >>> import numpy as np
    >>> from sklearn_dl.optimizers import Adagrad
    >>> params, opt = np.array([1.0, 1.0]), Adagrad()
    >>> opt.init(params, n_weights=2)
    >>> _ = opt.step(params, np.array([0.5, -2.0]), 0.1)
    >>> np.round(params, 4)
    array([0.9, 1.1])
    """

    _parameter_constraints = {
        "initial_accumulator": [Interval(Real, 0, None, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, initial_accumulator=0.0, epsilon=1e-8):
        self.initial_accumulator = initial_accumulator
        self.epsilon = epsilon

    def init(self, params, n_weights):
        super().init(params, n_weights)
        self.accumulator_ = numpy_like(params).full_like(params, self.initial_accumulator)

    def step(self, params, grads, lr):
        size = self._fused_step(params, grads, lr)
        if size is not None:
            return size
        size, work = self._scratch(params)
        G = self.accumulator_
        G += numpy_like(params).multiply(grads, grads, out=work)
        return _scaled_step(params, grads, G, lr, self.epsilon, size, work)

    def _kernel_step(self, params, grads, lr, penalty, scale, keep_size=True):
        # G + 1 · g² is G + g², exactly.
        G = self.accumulator_
        return _rms_kernel(self, params, grads, G, 1.0, 1.0, lr, penalty, scale, keep_size)


class RMSProp(Optimizer):
    """``E ← ρ E + (1 - ρ) g²``; ``θ ← θ - η g / (sqrt(E) + ε)``.

    Parameters
    ----------
    rho : float, default=0.99
        Decay of the running average of squared gradients. With a short
        memory such as 0.9 the steps are nearly sign-normalised, and late in
        training the iterates become chaotic (tiny rounding differences grow
        by a constant factor each epoch); 0.99 (PyTorch's default) is stable.
    epsilon : float, default=1e-8
        Added to the denominator for stability.

    Examples
    --------
    From ``E = 0`` the first step is ``η sign(g) / sqrt(1 - ρ)``, here ``10 η``:

    >>> import numpy as np
    >>> from sklearn_dl.optimizers import RMSProp
    >>> params, opt = np.array([1.0, 1.0]), RMSProp(rho=0.99)
    >>> opt.init(params, n_weights=2)
    >>> _ = opt.step(params, np.array([0.5, -2.0]), 0.01)
    >>> np.round(params, 4)
    array([0.9, 1.1])
    """

    _parameter_constraints = {
        "rho": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, rho=0.99, epsilon=1e-8):
        self.rho = rho
        self.epsilon = epsilon

    def init(self, params, n_weights):
        super().init(params, n_weights)
        self.mean_square_ = numpy_like(params).zeros_like(params)

    def step(self, params, grads, lr):
        size = self._fused_step(params, grads, lr)
        if size is not None:
            return size
        size, work = self._scratch(params)
        E = self.mean_square_
        E *= self.rho
        numpy_like(params).multiply(grads, grads, out=work)
        work *= 1 - self.rho
        E += work
        return _scaled_step(params, grads, E, lr, self.epsilon, size, work)

    def _kernel_step(self, params, grads, lr, penalty, scale, keep_size=True):
        E, rho = self.mean_square_, self.rho
        return _rms_kernel(self, params, grads, E, rho, 1 - rho, lr, penalty, scale, keep_size)


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012): a step in the units of the parameters.

    ``E_g ← ρ E_g + (1 - ρ) g²``; ``Δ = sqrt(E_Δ + ε) / sqrt(E_g + ε) · g``;
    ``E_Δ ← ρ E_Δ + (1 - ρ) Δ²``; ``θ ← θ - η Δ``. The original method has
    ``η = 1``: pass ``learning_rate_init=1.0`` for it.

    Parameters
    ----------
    rho : float, default=0.95
        Decay of both running averages.
    epsilon : float, default=1e-6
        Added inside both square roots.

    Examples
    --------
    The first step is ``sqrt(ε) / sqrt((1 - ρ) g² + ε) · g``, small until ``E_Δ`` grows:

    >>> import numpy as np
    >>> from sklearn_dl.optimizers import Adadelta
    >>> params, opt = np.array([1.0]), Adadelta()
    >>> opt.init(params, n_weights=1)
    >>> _ = opt.step(params, np.array([1.0]), 1.0)
    >>> np.round(params, 4)
    array([0.9955])
    """

    _parameter_constraints = {
        "rho": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, rho=0.95, epsilon=1e-6):
        self.rho = rho
        self.epsilon = epsilon

    def init(self, params, n_weights):
        super().init(params, n_weights)
        xp = numpy_like(params)
        self.mean_square_grad_ = xp.zeros_like(params)
        self.mean_square_delta_ = xp.zeros_like(params)

    def step(self, params, grads, lr):
        size = self._fused_step(params, grads, lr)
        if size is not None:
            return size
        rho, eps = self.rho, self.epsilon
        Eg, Ed = self.mean_square_grad_, self.mean_square_delta_
        xp = numpy_like(params)
        Eg *= rho
        Eg += (1 - rho) * grads * grads
        size = lr * xp.sqrt(Ed + eps) / xp.sqrt(Eg + eps)
        delta = size * grads
        Ed *= rho
        Ed += (1 - rho) * (delta / lr) ** 2
        params -= delta
        return size

    def _kernel_step(self, params, grads, lr, penalty, scale, keep_size=True):
        size = self._step_sizes(params, keep_size)
        arrays = (params, grads, self.mean_square_grad_, self.mean_square_delta_, size)
        rates = (*_constants(params, self.rho, 1 - self.rho), *_cast(params, lr))
        scalars = (*rates, *_constants(params, self.epsilon))
        fold = _fold(params, self.n_weights_, penalty, scale)
        return size if _kernels.call("adadelta_step", *arrays, *scalars, *fold) else None


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), in the form scikit-learn's MLP uses.

    ``m ← β₁ m + (1 - β₁) g``; ``v ← β₂ v + (1 - β₂) g²``;
    ``η_t = η sqrt(1 - β₂ᵗ) / (1 - β₁ᵗ)``; ``θ ← θ - η_t m / (sqrt(v) + ε)``.

    Parameters
    ----------
    beta_1 : float, default=0.9
        Decay of the first-moment estimate.
    beta_2 : float, default=0.999
        Decay of the second-moment estimate.
    epsilon : float, default=1e-8
        Added to the denominator for stability.

    Examples
    --------
    With the bias correction the first step is ``η sign(g)``:

    >>> import numpy as np
    >>> from sklearn_dl.optimizers import Adam
    >>> params, opt = np.array([1.0, 1.0]), Adam()
    >>> opt.init(params, n_weights=2)
    >>> _ = opt.step(params, np.array([0.5, -2.0]), 0.1)
    >>> np.round(params, 4)
    array([0.9, 1.1])
    """

    _parameter_constraints = {
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def init(self, params, n_weights):
        super().init(params, n_weights)
        xp = numpy_like(params)
        self.t_ = 0
        self.m_ = xp.zeros_like(params)
        self.v_ = xp.zeros_like(params)

    def step(self, params, grads, lr):
        size = self._fused_step(params, grads, lr)
        if size is not None:
            return size
        xp, b1, b2 = numpy_like(params), self.beta_1, self.beta_2
        size, work = self._scratch(params)
        self.t_ += 1
        rate, epsilon = self._scaled_rate(lr, self.t_)
        m, v = self.m_, self.v_
        m *= b1
        m += xp.multiply(grads, 1 - b1, out=work)
        v *= b2
        v += xp.multiply(grads, grads, out=work)
        return _scaled_step(params, m, v, rate, epsilon, size, work)

    def _scaled_rate(self, lr, t):
        """The bias-corrected rate and ε of step ``t``, scaled for ``v_`` = v / (1 - β₂).

        ``v_`` holding v / (1 - β₂) makes its update one pass shorter, and
        sqrt(v) + ε = sqrt(1 - β₂) (sqrt(v_) + ε / sqrt(1 - β₂)). Python
        floats, so that float32 parameters are updated in float32.
        """
        b1, b2 = self.beta_1, self.beta_2
        root = math.sqrt(1 - b2)
        return lr * math.sqrt(1 - b2**t) / (1 - b1**t) / root, self.epsilon / root

    def _kernel_step(self, params, grads, lr, penalty, scale, keep_size=True, weight_decay=0.0):
        """The step above (and AdamW's decay) in one fused pass; None if the kernel fails."""
        b1, b2, t = self.beta_1, self.beta_2, self.t_ + 1
        rate, epsilon = self._scaled_rate(lr, t)
        size = self._step_sizes(params, keep_size)
        # The rate changes at every step, the learning rate with a schedule.
        b1_, one_minus_b1, b2_, epsilon_ = _constants(params, b1, 1 - b1, b2, epsilon)
        rate_, decay = _cast(params, rate, lr * weight_decay)
        scalars = (b1_, one_minus_b1, b2_, rate_, epsilon_, decay)
        fold = _fold(params, self.n_weights_, penalty, scale)
        if not _kernels.call("adam_step", params, grads, self.m_, self.v_, size, *scalars, *fold):
            return None
        self.t_ = t
        return size


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    The Adam step, then ``W ← W - η λ W`` on the weights only (never biases).

    Parameters
    ----------
    beta_1, beta_2, epsilon : float
        As in :class:`Adam`.
    weight_decay : float, default=0.01
        ``λ``.

    Examples
    --------
    With a zero gradient only the decay acts, on the weight and not on the bias:

    >>> import numpy as np
    >>> from sklearn_dl.optimizers import AdamW
    >>> params, opt = np.array([1.0, 1.0]), AdamW(weight_decay=0.1)
    >>> opt.init(params, n_weights=1)
    >>> _ = opt.step(params, np.zeros(2), 0.1)
    >>> params
    array([0.99, 1.  ])
    """

    _parameter_constraints = {
        **Adam._parameter_constraints,
        "weight_decay": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-8, weight_decay=0.01):
        super().__init__(beta_1, beta_2, epsilon)
        self.weight_decay = weight_decay

    def step(self, params, grads, lr):
        size = self._fused_step(params, grads, lr)
        if size is not None:
            return size
        weights = params[: self.n_weights_]
        decay = weights * (lr * self.weight_decay)
        size = super().step(params, grads, lr)
        weights -= decay
        return size

    def _kernel_step(self, params, grads, lr, penalty, scale, keep_size=True):
        return super()._kernel_step(params, grads, lr, penalty, scale, keep_size, self.weight_decay)


@functools.cache
def _has_kernel_step(cls):
    """Whether ``cls`` takes its steps by its kernel (asked once per class)."""
    # Only the kernel of the class whose ``step`` is in use: a subclass that
    # changes ``step`` alone keeps its own step and the separate passes.
    owner = next(base for base in cls.__mro__ if "step" in vars(base))
    return "_kernel_step" in vars(owner)


def _cast(params, *scalars):
    """``scalars`` in the dtype of ``params``, as numpy casts Python floats against it."""
    return tuple(params.dtype.type(x) for x in scalars)


def _constants(params, *scalars):
    """:func:`_cast` of scalars that stay the same from step to step, remembered.

    Casting a kernel's scalars at every step cost about as much as a small
    network's whole step. The key holds each value's sign, so that -0.0 and
    0.0 stay apart; a value that cannot be a key (an array) is cast each time.
    """
    try:
        signs = tuple(math.copysign(1.0, x) for x in scalars)
        return _cast_values(params.dtype, scalars, signs)
    except TypeError:
        return _cast(params, *scalars)


@functools.lru_cache(maxsize=1024)
def _cast_values(dtype, values, signs):
    return tuple(dtype.type(x) for x in values)


def _strengths(penalty):
    """The weights of ``½ ‖W‖²`` and ``‖W‖₁`` in ``penalty``; zeros without one."""
    return (penalty.l2, penalty.l1) if penalty is not None else (0.0, 0.0)


def _fold(params, n_weights, penalty, scale):
    """A kernel's penalty arguments: the weights' count, then ``scale · l2``, ``scale``, ``l1``.

    The weights' gradient gains ``(scale · l2) W``, and the threshold of each
    entry is ``(s · scale) · l1``, as the separate numpy passes compute them.
    """
    l2, l1 = _strengths(penalty)
    return (n_weights, *_constants(params, scale * l2, scale, l1))


def _rms_kernel(
    optimizer, params, grads, accumulator, rho, one_minus_rho, lr, penalty, scale, keep_size
):
    """RMSProp's (or Adagrad's) step in one fused pass; None if the kernel fails.

    The kernel computes ``A ← ρ A + (1 - ρ) g²``, then :func:`_scaled_step`,
    with the penalty folded in (see :func:`_fold`); it returns the step size
    in the optimizer's scratch array (an empty one without ``keep_size``).
    """
    size = optimizer._step_sizes(params, keep_size)
    rates = (*_constants(params, rho, one_minus_rho), *_cast(params, lr))
    scalars = (*rates, *_constants(params, optimizer.epsilon))
    fold = _fold(params, optimizer.n_weights_, penalty, scale)
    if not _kernels.call("rms_step", params, grads, accumulator, size, *scalars, *fold):
        return None
    return size


def _scaled_step(params, direction, second_moment, lr, epsilon, size, work):
    """``θ ← θ - size ⊙ direction`` with ``size = η / (sqrt(second_moment) + ε)``; return size."""
    xp = numpy_like(params)
    xp.sqrt(second_moment, out=size)
    size += epsilon
    xp.divide(float(lr), size, out=size)
    params -= xp.multiply(size, direction, out=work)
    return size


# scipy's default ftol stops L-BFGS early; this one lets it reach machine precision.
_FTOL = 64 * np.finfo(float).eps
_SQRT_EPS = math.sqrt(np.finfo(float).eps)


class ScipyOptimizer(BaseOptimizer):
    """Base class of full-batch optimizers run by :func:`scipy.optimize.minimize`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.optimizers import get_optimizer
    >>> def fun(x):
    ...     return 0.5 * float((x - 3) @ (x - 3)), x - 3
    >>> solver = get_optimizer("lbfgs")
    >>> solver.minimize(fun, np.zeros(2), max_iter=50, max_fun=100, tol=1e-8, callback=None).x
    array([3., 3.])
    """

    full_batch = True
    method = None
    supports_bounds = False

    def minimize(
        self,
        fun: Callable[[NDArray], tuple[float, NDArray]],
        x0: NDArray,
        *,
        max_iter: int,
        max_fun: int,
        tol: float,
        callback: Callable[..., object] | None,
        bounds: Sequence[tuple[float | None, float | None]] | None = None,
    ) -> OptimizeResult:
        """Minimise ``fun(x) -> (value, gradient)`` from ``x0``; return the result."""
        return minimize(
            fun,
            x0,
            method=self.method,
            jac=True,
            bounds=bounds,
            callback=callback,
            options=self._options(max_iter, max_fun, tol),
        )


class LBFGS(ScipyOptimizer):
    """Limited-memory BFGS with bounds (L-BFGS-B), full batch.

    Builds a quasi-Newton model from the last ``memory`` gradient differences.
    It stops when the largest gradient entry is below ``tol``, when the relative
    decrease of the objective is below ``ftol``, or after ``max_iter``
    iterations / ``max_fun`` evaluations.

    Where the objective offers a *sketch* (its value on a sample of the rows,
    as the engine's does for a linear model on many rows without bounds),
    L-BFGS runs in coordinates whitened by the sketch's Hessian at the
    sketch's optimum: ``x = x_s + V Λ^(-1/2) v`` with ``∇²F_sketch(x_s) =
    V Λ Vᵀ``. The optimum and the stopping rule are the same; the full
    objective is evaluated two to three times less often.

    Parameters
    ----------
    memory : int, default=10
        Number of correction pairs kept.
    ftol : float, default=64 * machine epsilon
        Relative-decrease stopping threshold.
    precondition : bool, default=True
        Whether to whiten by the sketch's Hessian where the objective offers
        a sketch.

    Examples
    --------
    ``½ ‖x - 3‖²`` with the first coordinate kept in ``[0, 1]``:

    >>> import numpy as np
    >>> from sklearn_dl.optimizers import LBFGS
    >>> def fun(x):
    ...     return 0.5 * float((x - 3) @ (x - 3)), x - 3
    >>> result = LBFGS().minimize(
    ...     fun, np.zeros(2), max_iter=50, max_fun=100, tol=1e-8, callback=None,
    ...     bounds=[(0, 1), (None, None)])
    >>> result.x
    array([1., 3.])
    """

    method = "L-BFGS-B"
    supports_bounds = True

    _parameter_constraints = {
        "memory": [Interval(Integral, 1, None, closed="left")],
        "ftol": [Interval(Real, 0, None, closed="left")],
        "precondition": ["boolean"],
    }

    def __init__(self, memory=10, ftol=_FTOL, precondition=True):
        self.memory = memory
        self.ftol = ftol
        self.precondition = precondition

    def minimize(self, fun, x0, *, bounds=None, **limits) -> OptimizeResult:
        """:meth:`ScipyOptimizer.minimize`, whitened where ``fun`` offers a sketch."""
        sketch = None
        if self.precondition and bounds is None and hasattr(fun, "sketch"):
            sketch = fun.sketch()
        if sketch is not None:
            max_iter, max_fun, tol = limits["max_iter"], limits["max_fun"], limits["tol"]
            result = _whitened.minimize_whitened(
                fun,
                sketch,
                np.asarray(x0, dtype=np.float64),
                options=self._options(max_iter, max_fun, tol),
                tol=tol,
                callback=limits["callback"],
                rough=self._rough(max_iter, max_fun),
            )
            if result is not None:
                return result
        return super().minimize(fun, x0, bounds=bounds, **limits)

    def _rough(self, max_iter, max_fun):
        """``rough(sketch, x0)``: the sketch's optimum, to ``_whitened.SKETCH_TOL``."""
        options = self._options(max_iter, max_fun, _whitened.SKETCH_TOL)

        def rough(sketch, x0):
            return minimize(sketch, x0, method=self.method, jac=True, options=options).x

        return rough

    def _options(self, max_iter, max_fun, tol):
        return {
            "maxiter": max_iter,
            "maxfun": max_fun,
            "gtol": tol,
            "ftol": self.ftol,
            "maxcor": self.memory,
        }


class CG(ScipyOptimizer):
    """Nonlinear conjugate gradient (Polak–Ribière), full batch.

    ``d ← -g + β d`` with ``β = gᵀ(g - g_prev) / g_prevᵀ g_prev``, each step a
    line search along ``d``. It stops when the gradient norm is below ``tol``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.optimizers import CG
    >>> def fun(x):
    ...     return 0.5 * float((x - 3) @ (x - 3)), x - 3
    >>> CG().minimize(fun, np.zeros(2), max_iter=50, max_fun=100, tol=1e-8, callback=None).x
    array([3., 3.])
    """

    method = "CG"

    def _options(self, max_iter, max_fun, tol):
        return {"maxiter": max_iter, "gtol": tol}


class NewtonCG(ScipyOptimizer):
    """Truncated Newton, full batch: each step solves ``H d = -g`` by conjugate gradient.

    Hessian-vector products ``H v`` are finite differences of the gradient
    along ``v`` (one gradient each). It stops when the mean relative change in
    ``x`` is below ``tol``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.optimizers import NewtonCG
    >>> def fun(x):
    ...     return 0.5 * float((x - 3) @ (x - 3)), x - 3
    >>> result = NewtonCG().minimize(
    ...     fun, np.zeros(2), max_iter=50, max_fun=100, tol=1e-8, callback=None)
    >>> np.round(result.x, 6)
    array([3., 3.])
    """

    method = "Newton-CG"

    def minimize(self, fun, x0, *, max_iter, max_fun, tol, callback, bounds=None):
        return minimize(
            fun,
            x0,
            method=self.method,
            jac=True,
            hessp=_FiniteDifferenceHessp(fun),
            callback=callback,
            options=self._options(max_iter, max_fun, tol),
        )

    def _options(self, max_iter, max_fun, tol):
        return {"maxiter": max_iter, "xtol": tol}


class _FiniteDifferenceHessp:
    """``H(x) v ≈ (∇f(x + h v) - ∇f(x)) / h``: one gradient per product.

    ``h = sqrt(ε) (1 + ‖x‖) / ‖v‖`` balances truncation and rounding error.
    The gradient at ``x`` is cached, since Newton-CG asks for many products
    at the same point.
    """

    def __init__(self, fun):
        self.fun = fun
        self._x = None

    def __call__(self, x, v):
        if self._x is None or not np.array_equal(x, self._x):
            self._x, self._grad = x.copy(), self.fun(x)[1].copy()
        norm = np.linalg.norm(v)
        if norm == 0:
            return np.zeros_like(v)
        h = np.sqrt(np.finfo(float).eps) * (1 + np.linalg.norm(x)) / norm
        return (self.fun(x + h * v)[1] - self._grad) / h


class Newton(BaseOptimizer):
    """Newton's method with the exact Hessian, full batch, for linear models.

    Each step solves ``H d = -g`` (minimum-norm where ``H`` is singular), then
    halves ``t`` from 1 until ``F(θ + t d) <= F(θ) + 10⁻⁴ t gᵀd``; near the
    optimum every step is a full one and convergence is quadratic. It stops
    when the largest gradient entry is at most ``tol``, or when no step
    lowers ``F`` any more (the rounding floor).

    A least-squares objective (a linear model with the squared error) is its
    own second-order model: one step solves it exactly, from the normal
    equations where they are well conditioned and from the design matrix
    itself where they are not (see :class:`LeastSquares`).

    The objective must offer ``least_squares()`` (a :class:`LeastSquares`,
    or None) or ``hessian(x)`` (a dense matrix): the engine's objective does
    for networks without hidden layers and losses with second derivatives.
    Bounds are supported for least squares only (non-negative weights); an
    L1 penalty needs ``"lbfgs"``.

    Examples
    --------
    On a quadratic with its Hessian the first step is exact:

    >>> import numpy as np
    >>> from sklearn_dl.optimizers import Newton
    >>> def fun(x):
    ...     return 0.5 * float((x - 3) @ (x - 3)), x - 3
    >>> fun.hessian = lambda x: np.eye(len(x))
    >>> result = Newton().minimize(
    ...     fun, np.zeros(2), max_iter=10, max_fun=100, tol=1e-10, callback=None)
    >>> result.x, result.nit
    (array([3., 3.]), 1)
    """

    full_batch = True
    supports_bounds = False  # the L1 split is not a least-squares problem

    def minimize(
        self,
        fun: Callable[[NDArray], tuple[float, NDArray]],
        x0: NDArray,
        *,
        max_iter: int,
        max_fun: int,
        tol: float,
        callback: Callable[..., object] | None,
        bounds: Sequence[tuple[float | None, float | None]] | None = None,
    ) -> OptimizeResult:
        """Minimise ``fun(x) -> (value, gradient)`` from ``x0``; return the result."""
        problem = fun.least_squares() if hasattr(fun, "least_squares") else None
        if problem is not None:
            return self._least_squares(fun, problem, tol, callback)
        if bounds is not None and any(b != (None, None) for b in bounds):
            raise ValueError(
                "The Newton solver keeps weights within bounds only for least squares "
                "(the squared error); use solver='lbfgs'."
            )
        if not hasattr(fun, "hessian"):
            raise TypeError(
                "The Newton solver needs an objective with second derivatives (a "
                "'hessian' or 'least_squares' method)."
            )
        return self._newton_steps(
            fun, np.array(x0, dtype=np.float64), max_iter, max_fun, tol, callback
        )

    def _least_squares(self, fun, problem, tol, callback):
        """One exact step: the minimiser of the quadratic objective."""
        x, converged = problem.solve(tol)
        self.rank_, self.singular_ = problem.rank_, problem.singular_
        value, grad = fun(x)
        if callback is not None:
            try:
                callback(OptimizeResult(x=x, fun=value))
            except StopIteration:
                pass  # the only step is already taken
        status = 0 if converged else 1
        return OptimizeResult(x=x, fun=value, jac=grad, nit=1, nfev=1, status=status)

    def _newton_steps(self, fun, x, max_iter, max_fun, tol, callback):
        value, grad = fun(x)
        nit, nfev, status = 0, 1, 1
        while nit < max_iter:
            if np.max(np.abs(grad), initial=0.0) <= tol:
                status = 0
                break
            H = fun.hessian(x)
            if not np.all(np.isfinite(H)):  # overflowing data: report F as infinite
                value, status = np.inf, 1
                break
            d = _newton_direction(H, grad)
            slope = float(grad @ d)
            t, accepted = 1.0, False
            while slope < 0 and nfev < max_fun and t > 1e-10:
                new_value, new_grad = fun(x + t * d)
                nfev += 1
                if new_value <= value + 1e-4 * t * slope:
                    accepted = True
                    break
                t *= 0.5
            if not accepted:  # no step lowers F: the rounding floor, or out of evaluations
                status = 0 if nfev < max_fun else 1
                break
            x, value, grad = x + t * d, new_value, new_grad
            nit += 1
            if callback is not None:
                try:
                    callback(OptimizeResult(x=x, fun=value))
                except StopIteration:
                    status = 99
                    break
        else:
            status = 0 if np.max(np.abs(grad), initial=0.0) <= tol else 1
        return OptimizeResult(x=x, fun=value, jac=grad, nit=nit, nfev=nfev, status=status)


def _newton_direction(H, g):
    """``d = -H⁺ g``, with ``H⁺`` the pseudo-inverse of the symmetric ``H``.

    A well-conditioned ``H`` (reciprocal condition number above ``√ε``) is
    solved by its Cholesky factor, at a fifth of the cost of the eigenvalues
    on 31 parameters. Otherwise directions along which ``F`` is flat
    (eigenvalues below rounding, such as shifting every class's score by the
    same amount in the multinomial model) get no step.
    """
    solve = cholesky_solver(H, _SQRT_EPS)
    if solve is not None:
        return solve(-g)
    eigenvalues, V = np.linalg.eigh(H)  # scipy's checks cost 3 times numpy's call
    cutoff = np.finfo(float).eps * len(g) * max(eigenvalues.max(initial=0.0), 0.0)
    keep = eigenvalues > cutoff
    V = V[:, keep]
    return -(V @ ((V.T @ g) / eigenvalues[keep]))


OPTIMIZERS = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": Adagrad,
    "adadelta": Adadelta,
    "rmsprop": RMSProp,
    "adam": Adam,
    "adamw": AdamW,
    "lbfgs": LBFGS,
    "cg": CG,
    "newton-cg": NewtonCG,
}


def get_optimizer(value, name="solver"):
    """Return a fresh optimizer for a registry name or an instance."""
    return resolve(value, OPTIMIZERS, BaseOptimizer, name)
