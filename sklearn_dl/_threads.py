"""BLAS thread limits shared safely between threads.

threadpoolctl's ``limit()`` saves the current limits on entry and restores
them on exit. When several threads enter at once, a later one saves the
already-lowered limit and restores it last, leaving BLAS on one thread for
the rest of the process. Here the first holder sets the limit and the last
one to leave restores the original.
"""

import contextlib
import functools
import threading


@functools.cache
def blas_controller():
    """A threadpool controller, built once (after numpy has loaded its BLAS)."""
    from threadpoolctl import ThreadpoolController  # a dependency of scikit-learn

    return ThreadpoolController()


_lock = threading.Lock()
_state = {"holders": 0, "limiter": None}


@contextlib.contextmanager
def single_blas_thread():
    """Run the block with BLAS on one thread, however many threads do the same."""
    with _lock:
        if _state["holders"] == 0:
            _state["limiter"] = blas_controller().limit(limits=1, user_api="blas")
        _state["holders"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["holders"] -= 1
            if _state["holders"] == 0:
                _state["limiter"].restore_original_limits()
                _state["limiter"] = None
