"""Optional fused kernels (numba); the numpy code beside each hook is the reference.

A kernel replaces a handful of numpy passes over the same arrays by one
compiled loop. Kernels are serial (``nogil=True``, no threads of their own,
so they never fight BLAS for the cores), compile lazily on first use, and are
cached on disk (``cache=True``). They run only where the work is large
enough to repay a call (:data:`MIN_SIZE` entries), and only when numba
imports and compiles: otherwise, or when switched off, everything runs in
numpy, logging why at debug level only.

The ``kernels`` setting of :func:`sklearn_dl.set_config` (or
:func:`sklearn_dl.config_context` for a block of code, or the environment
variable ``SKLEARN_DL_KERNELS``) switches them off (``False``), or on
whatever the size of the work (``"force"``, for tests and measurements).

Examples
--------
>>> import numpy as np
>>> import sklearn_dl
>>> from sklearn_dl import _kernels
>>> with sklearn_dl.config_context(kernels=False):
...     _kernels.enabled_for(np.zeros(1 << 20))
False
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import threading
from collections.abc import Iterator

import numpy as np

from .._config import _config, config_context
from ..activations import Identity, Logistic, ReLU, Tanh
from ..losses import BinaryCrossEntropy, CategoricalCrossEntropy, SquaredError

logger = logging.getLogger(__name__)

# Below this many entries a kernel call may cost what the numpy passes do.
# Measured, kernel time over numpy's: an Adam step 0.56-0.85 on 300 to 1,761
# parameters, an RMSProp step 0.51-0.70, a plain SGD step 0.82-0.94; the
# layer and loss kernels replace more numpy calls each and win at any size (a
# 32 × 32 relu in 2.0 µs against 4.9 µs): they have no minimum.
MIN_SIZE = 256

# Loading numba and the cached kernels takes about a second the first time in
# a process, and a kernel saves about 1.4 ns per parameter per step: a fit
# loads them only when its steps × parameters reach this (a few seconds of work).
WORTH_LOADING = 10**9

# A loop of per-sample steps costs tens of microseconds a step in numpy, and
# loading numba about a second: the process loads it once its trainings have
# together spent about that long in numpy (so it never takes more than twice
# the best of the two, whether one long training or a grid search of many
# short ones took the steps).
LOOP_STEPS = 2 * 10**4
_loop_steps = [0]  # the per-sample steps asked for so far in this process

# The activations the layer kernels know, by number (the kernels branch on it).
# tanh has a backward kernel only: numba's scalar tanh took 1.3-6.5 times
# numpy's vectorised one, so numpy computes the forward pass.
IDENTITY, RELU, TANH, LOGISTIC = 0, 1, 2, 3
_FORWARD = {Identity: IDENTITY, ReLU: RELU, Logistic: LOGISTIC}
_BACKWARD = {ReLU: RELU, Tanh: TANH, Logistic: LOGISTIC}
_LOSSES = {
    SquaredError: "squared_error",
    BinaryCrossEntropy: "binary_cross_entropy",
    CategoricalCrossEntropy: "categorical_cross_entropy",
}

# The dtypes the kernels compile for, each with its 1 (the layer and loss
# kernels take ``one``) and an empty vector: what a kernel gets for an
# optional array it is to leave alone (no sample weights, no bias gradient,
# no step sizes). Never written to.
_ONE = {np.dtype(np.float32): np.float32(1), np.dtype(np.float64): np.float64(1)}
EMPTY = {dtype: np.empty(0, dtype) for dtype in _ONE}
_module = {}  # the compiled module once loaded, or None once it failed
_fit = threading.local()  # whether the fit running on this thread wants kernels


@contextlib.contextmanager
def for_work(size: float) -> Iterator[None]:
    """Let the steps inside the block use kernels only if ``size`` repays loading them.

    ``size`` is the work ahead, steps × parameters. Kernels already loaded in
    this process are always worth using; outside such a block (a step called
    directly) only the switch and the size of the arrays decide.

    Parameters
    ----------
    size : float
        Steps × parameters of the fit about to run.

    Yields
    ------
    None
        The block runs with the decision.
    """
    previous = getattr(_fit, "wanted", True)
    _fit.wanted = size >= WORTH_LOADING or _module.get("module") is not None
    try:
        yield
    finally:
        _fit.wanted = previous


def use_kernels(on: bool = True) -> contextlib.AbstractContextManager:
    """Kernels where they are worth it (``on``) or nowhere, inside a ``with`` block.

    The same as ``sklearn_dl.config_context(kernels="auto" if on else False)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl import _kernels
    >>> with _kernels.use_kernels(False):
    ...     _kernels.enabled_for(np.zeros(1 << 20))
    False
    """
    return config_context(kernels="auto" if on else False)


def available() -> bool:
    """Whether numba imports (tried once per process)."""
    return _load() is not None


def _load():
    """The kernel module, or None when numba cannot be imported."""
    if "module" not in _module:
        try:
            module = importlib.import_module(f"{__name__}._numba")
        except Exception as error:  # numba refusing its numpy raises ImportError or others
            logger.debug("sklearn_dl kernels off: numba did not import (%r)", error)
            module = None
        _module["module"] = module
    return _module["module"]


def enabled_for(array: np.ndarray, min_size: int = MIN_SIZE) -> bool:
    """Whether a kernel should work on ``array``: switched on, worth it, numba present.

    Under ``"auto"`` the array must have ``min_size`` entries and the fit
    (see :func:`for_work`) must repay loading numba; ``"force"`` skips both.
    """
    setting = _config["kernels"]
    if not setting or not isinstance(array, np.ndarray):  # device arrays compute in place
        return False
    if array.dtype not in _ONE or not array.flags.c_contiguous:
        return False
    if setting == "auto" and (array.size < min_size or not getattr(_fit, "wanted", True)):
        return False
    return _module.get("module") is not None or _load() is not None


def enabled_for_steps(n_steps: float) -> bool:
    """Whether a kernel that loops over ``n_steps`` per-sample steps itself should run.

    Such a kernel saves the interpreter's microseconds on every step rather
    than nanoseconds per entry: numba is loaded once the process's trainings
    have asked for :data:`LOOP_STEPS` steps in all, and once loaded it is
    always used.

    Parameters
    ----------
    n_steps : float
        The steps of the loop about to run (an epoch's).
    """
    setting = _config["kernels"]
    if not setting:
        return False
    _loop_steps[0] += n_steps
    loaded = _module.get("module") is not None
    wanted = setting == "force" or loaded or _loop_steps[0] >= LOOP_STEPS
    return wanted and _load() is not None


def call(name: str, *args, out: list | None = None) -> bool:
    """Run the kernel ``name`` on ``args``; False (and numpy from then on) if it fails.

    A kernel that fails to compile is switched off for the process, so that
    the caller's numpy code runs instead and keeps running. ``out``, a list,
    receives the kernel's return value.
    """
    try:
        value = getattr(_module["module"], name)(*args)
        if out is not None:
            out.append(value)
        return True
    except Exception as error:
        logger.debug("sklearn_dl kernels off: %s failed (%r)", name, error)
        _module["module"] = None
        return False


def bias_activation(Z: np.ndarray, b: np.ndarray, activation) -> bool:
    """``Z ← f(Z + b)`` in place by one kernel; False (nothing done) where numpy must.

    Only for an activation whose backward pass needs ``A`` alone (identity,
    relu, logistic), since ``Z`` is overwritten, and its exact class (a
    subclass may change ``f``).
    """
    kind = _FORWARD.get(type(activation))
    if kind is None or Z.ndim != 2 or b.dtype != Z.dtype or not enabled_for(Z, 0):
        return False
    return call("bias_activation", Z, b, kind, _ONE[Z.dtype])


def activation_backward(activation, A: np.ndarray, dA: np.ndarray, db=None) -> bool:
    """``dA ← dA ⊙ f'`` in place from ``A = f(Z)``; False (nothing done) where numpy must.

    ``A`` and ``dA`` are a layer's 2-D outputs and their gradient. With
    ``db`` (a vector of ``dA``'s columns) the same pass also sums the
    result's rows into it: the layer's bias gradient.
    """
    kind = _BACKWARD.get(type(activation))
    if kind is None or not enabled_for(A, 0) or A.dtype != dA.dtype or not dA.flags.c_contiguous:
        return False
    if not (A.shape == dA.shape and dA.ndim == 2):
        return False  # (the kernel does not check bounds)
    if db is None:
        db = EMPTY[A.dtype]
    elif not (isinstance(db, np.ndarray) and db.shape == dA.shape[1:] and db.dtype == A.dtype):
        return False
    elif not db.flags.c_contiguous:
        return False
    return call("activation_backward", A, dA, db, kind, _ONE[A.dtype])


def loss_gradient_into(
    loss, Y: np.ndarray, Z: np.ndarray, G: np.ndarray, sample_weight, scale=None
):
    """``Σ s_i loss_i``, with ``G ← (s_i ∂loss_i/∂Z_i) · scale``; None where numpy must.

    What ``loss.loss_gradient(Y, Z, sample_weight)`` followed by ``grad *=
    scale`` computes, in one kernel that writes the gradient into ``G`` (in
    the dtype of ``Z``; no scaling when ``scale`` is None). ``Y``, ``Z`` and
    ``G`` may each be in C or Fortran order (e.g. the transposes of logits
    held output by output).
    """
    kernel = _loss_kernel(loss, Y, Z, G, sample_weight)
    if kernel is None:
        return None
    name, weights = kernel
    one = _ONE[Z.dtype]
    if scale is None:
        scale = one
    elif type(scale) is not Z.dtype.type:  # cast as numpy casts it in ``grad *= scale``
        scale = Z.dtype.type(scale)
    value = []
    return value[0] if call(name, Y, Z, G, weights, one, scale, out=value) else None


def _loss_kernel(loss, Y, Z, G, sample_weight):
    """The loss kernel's name and weight vector for these arrays; None where numpy must."""
    name = _LOSSES.get(type(loss))
    if name is None or not (isinstance(Y, np.ndarray) and isinstance(G, np.ndarray)):
        return None  # (device arrays compute in their own namespace)
    if not isinstance(Z, np.ndarray) or Z.ndim != 2 or not enabled_for(_contiguous(Z), 0):
        return None
    # The kernels index without bounds checks: shapes that numpy would refuse go to numpy.
    if not Y.shape == G.shape == Z.shape or not Y.dtype == G.dtype == Z.dtype:
        return None
    if _contiguous(Y) is None or _contiguous(G) is None:
        return None
    if sample_weight is None:
        return name, EMPTY[Z.dtype]
    if not isinstance(sample_weight, np.ndarray) or sample_weight.shape != Z.shape[:1]:
        return None
    if sample_weight.dtype != Z.dtype or not sample_weight.flags.c_contiguous:
        return None
    return name, sample_weight


def _contiguous(array):
    """``array`` or its transpose, whichever is in C order (None when neither is)."""
    if array.flags.c_contiguous:
        return array
    return array.T if array.flags.f_contiguous else None


def add_scaled(grad: np.ndarray, W: np.ndarray, scale: float) -> bool:
    """``grad ← grad + W · scale`` in one pass; False (nothing done) where numpy must."""
    if not enabled_for(W) or grad.dtype != W.dtype or not grad.flags.c_contiguous:
        return False
    return call("add_scaled", grad, W, W.dtype.type(scale))


def soft_threshold(W: np.ndarray, step, scale: float, l1: float) -> bool:
    """The L1 proximal step ``W ← sign(W) max(|W| - step · scale · l1, 0)`` in one pass.

    ``step`` is a number or one per entry of ``W``, as :meth:`Penalty.prox
    <sklearn_dl.penalties.Penalty.prox>` takes ``step · scale``; False
    (nothing done) where numpy must.
    """
    if not enabled_for(W):
        return False
    if not np.ndim(step):  # numpy casts the Python threshold to the dtype of W
        return call("soft_threshold_scalar", W, W.dtype.type((step * scale) * l1))
    if step.dtype != W.dtype or not step.flags.c_contiguous:
        return False
    return call("soft_threshold", W, step, W.dtype.type(scale), W.dtype.type(l1))
