"""Timing helpers shared by every benchmark.

Machines are shared and noisy, so every figure is a median over repeats, and
every comparison is a ratio of two medians measured in the same process.
"""

import time

import numpy as np


def median_time(func, repeat=5, warmup=1):
    """Median wall time of ``func()`` in seconds over ``repeat`` calls."""
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def matmul_peak_gflops(dtype=np.float64, n=1024, repeat=15):
    """Measured matrix-multiply peak of this machine for ``dtype``, in GFLOP/s.

    A peak is the best the machine does, so this is the fastest of ``repeat``
    products, not their median: on a shared machine a median can catch other
    work on a core and halve the figure.
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    out = np.empty((n, n), dtype=dtype)
    np.matmul(a, b, out=out)  # the first product pays for BLAS's buffers
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        np.matmul(a, b, out=out)
        seconds.append(time.perf_counter() - start)
    return 2.0 * n**3 / min(seconds) / 1e9


def row(workload, ours, theirs, target=None, **extra):
    """One result line: times in seconds, ratio ours/theirs, and the target."""
    ratio = ours / theirs
    result = {"workload": workload, "ours_s": ours, "theirs_s": theirs, "ratio": ratio}
    if target is not None:
        result["target"] = target
        result["met"] = bool(ratio <= target)
    result.update(extra)
    return result
