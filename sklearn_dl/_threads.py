"""BLAS thread limits shared safely between threads.

threadpoolctl's ``limit()`` saves the current limits on entry and restores
them on exit. When several threads enter at once, a later one saves the
already-lowered limit and restores it last, leaving BLAS on one thread for
the rest of the process. Here the first holder sets the limit and the last
one to leave restores the original.
"""

import contextlib
import functools
import os
import threading

import numpy as np


@functools.cache
def blas_controller():
    """A threadpool controller, built once (after numpy has loaded its BLAS)."""
    from threadpoolctl import ThreadpoolController  # a dependency of scikit-learn

    return ThreadpoolController()


@functools.cache
def _other_blas():
    """BLAS libraries loaded besides numpy's own (e.g. the copy scipy ships)."""
    numpy_dir = os.path.dirname(np.__file__)
    own = (numpy_dir, numpy_dir + ".libs")
    libraries = blas_controller().select(user_api="blas").lib_controllers
    return [lib for lib in libraries if not lib.filepath.startswith(own)]


_lock = threading.Lock()
_holders = {}  # what is limited -> (number of holders, the limits to restore)


@contextlib.contextmanager
def _limited(key, limit, restore):
    """Hold ``limit()`` while the block runs; the last holder calls ``restore(saved)``."""
    with _lock:
        count, saved = _holders.get(key, (0, None))
        if count == 0:
            saved = limit()
        _holders[key] = (count + 1, saved)
    try:
        yield
    finally:
        with _lock:
            count, saved = _holders[key]
            if count == 1:
                restore(saved)
                del _holders[key]
            else:
                _holders[key] = (count - 1, saved)


def single_blas_thread():
    """Run the block with BLAS on one thread, however many threads do the same."""
    return _limited(
        "all",
        lambda: blas_controller().limit(limits=1, user_api="blas"),
        lambda limiter: limiter.restore_original_limits(),
    )


def quiet_other_blas(work):
    """Run the block with the BLAS libraries other than numpy's on one thread.

    scipy's optimizers call their own copy of OpenBLAS, for vector work far too
    small to share out. Its idle threads, spinning beside numpy's, take the
    cores from the matrix products of the objective: on two cores an L-BFGS
    fit ran 2-3 times slower. Where scipy shares numpy's library, this does
    nothing; so does a ``work`` (multiply-adds of the largest product) below
    ``TINY_PRODUCT`` on an idle machine. On a busy one, even a fit on 20 rows
    ran 4-10 times slower with the threads left free (both libraries').
    """
    if work < TINY_PRODUCT and not _busy_machine():
        return contextlib.nullcontext()

    def limit():
        saved = [lib.num_threads for lib in _other_blas()]
        for lib in _other_blas():
            lib.set_num_threads(1)
        return saved

    def restore(saved):
        for lib, threads in zip(_other_blas(), saved, strict=True):
            lib.set_num_threads(threads)

    return _limited("others", limit, restore)


# OpenBLAS runs a matrix product of up to 4 × 65536 multiply-adds on one thread
# of its own accord: below that, on an idle machine, setting thread limits (tens
# of microseconds through threadpoolctl) buys nothing.
TINY_PRODUCT = 2**18

# Matrix products below this many multiply-adds run on one BLAS thread during
# training: for them, waking and joining a second thread costs more than it
# saves. On a busy machine every product does (see ``_busy_machine``).
SMALL_PRODUCT = 2**22


def _busy_machine():
    """True when other work already holds the cores (1-minute load above the usable CPUs).

    A training step is a chain of matrix products separated by element-wise
    work on one thread. When the cores are taken, a second BLAS thread must
    wait for one at every product, and an epoch can take ten times longer
    than on a single thread.
    """
    try:
        return os.getloadavg()[0] > len(os.sched_getaffinity(0)) + 0.5
    except (AttributeError, OSError):  # not every platform reports these
        return False


def training_threads(work):
    """One BLAS thread for small products (``SMALL_PRODUCT``) or on a busy machine.

    ``work`` is the multiply-adds of the largest product of a training step.
    Tiny products (``TINY_PRODUCT``) on an idle machine run on one thread
    anyway: no limit is set.
    """
    if (work < TINY_PRODUCT or work >= SMALL_PRODUCT) and not _busy_machine():
        return contextlib.nullcontext()
    return single_blas_thread()
