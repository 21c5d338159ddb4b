"""Optional fused kernels (numba); the numpy code beside each hook is the reference.

A kernel replaces a handful of numpy passes over the same arrays by one
compiled loop. Kernels are serial (``nogil=True``, no threads of their own,
so they never fight BLAS for the cores), compile lazily on first use, and are
cached on disk (``cache=True``). They run only where the work is large
enough to repay a call (:data:`MIN_SIZE` entries), and only when numba
imports and compiles: otherwise, or when switched off, everything runs in
numpy, logging why at debug level only.

Switch them off with the environment variable ``SKLEARN_DL_KERNELS=0``, for
the whole process, or with :func:`use_kernels` for a block of code.

Examples
--------
>>> import numpy as np
>>> from sklearn_dl import _kernels
>>> with _kernels.use_kernels(False):
...     _kernels.enabled_for(np.zeros(1 << 20))
False
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import threading
from collections.abc import Iterator

import numpy as np

logger = logging.getLogger(__name__)

# Below this many entries the numpy passes cost about as much as one kernel
# call (a dispatch of a few microseconds); measured on Adam and momentum steps.
MIN_SIZE = 1 << 12

# Loading numba and the cached kernels takes about a second the first time in
# a process, and a kernel saves about 1.4 ns per parameter per step: a fit
# loads them only when its steps × parameters reach this (a few seconds of work).
WORTH_LOADING = 10**9

# A loop of per-sample steps costs tens of microseconds a step in numpy, and
# loading numba about a second: a training loads it once it has spent about
# that long in numpy (so it never takes more than twice the best of the two).
LOOP_STEPS = 2 * 10**4

_state = {"enabled": os.environ.get("SKLEARN_DL_KERNELS", "1").strip() not in {"0", ""}}
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


def enabled() -> bool:
    """Whether kernels are switched on (numba may still be missing)."""
    return _state["enabled"]


@contextlib.contextmanager
def use_kernels(on: bool = True) -> Iterator[None]:
    """Switch kernels on or off inside a ``with`` block; restore the setting after.

    Parameters
    ----------
    on : bool, default=True
        Whether the block may use kernels.

    Yields
    ------
    None
        The block runs with the setting.

    Examples
    --------
    >>> from sklearn_dl import _kernels
    >>> with _kernels.use_kernels(False):
    ...     _kernels.enabled()
    False
    """
    previous = _state["enabled"]
    _state["enabled"] = bool(on)
    try:
        yield
    finally:
        _state["enabled"] = previous


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


def enabled_for(params: np.ndarray) -> bool:
    """Whether a kernel should update ``params``: switched on, large enough, numba present."""
    return (
        _state["enabled"]
        and getattr(_fit, "wanted", True)
        and params.size >= MIN_SIZE
        and params.dtype in (np.float32, np.float64)
        and params.flags.c_contiguous
        and _load() is not None
    )


def enabled_for_steps(n_steps: float) -> bool:
    """Whether a kernel that loops over per-sample steps itself should run.

    Such a kernel saves the interpreter's microseconds on every step rather
    than nanoseconds per entry: numba is loaded once a training has taken
    :data:`LOOP_STEPS` steps in numpy, and once loaded it is always used.

    Parameters
    ----------
    n_steps : float
        The steps the training has taken, this epoch's included.
    """
    loaded = _module.get("module") is not None
    return _state["enabled"] and (loaded or n_steps >= LOOP_STEPS) and _load() is not None


def call(name: str, *args) -> bool:
    """Run the kernel ``name`` on ``args``; False (and numpy from then on) if it fails.

    A kernel that fails to compile is switched off for the process, so that
    the caller's numpy code runs instead and keeps running.
    """
    try:
        getattr(_module["module"], name)(*args)
        return True
    except Exception as error:
        logger.debug("sklearn_dl kernels off: %s failed (%r)", name, error)
        _module["module"] = None
        return False
