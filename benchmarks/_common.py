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


def matmul_peak_gflops(dtype=np.float64, n=1024, repeat=5):
    """Measured matrix-multiply peak of this machine for ``dtype``, in GFLOP/s."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    out = np.empty((n, n), dtype=dtype)
    seconds = median_time(lambda: np.matmul(a, b, out=out), repeat=repeat)
    return 2.0 * n**3 / seconds / 1e9


def row(workload, ours, theirs, target=None, **extra):
    """One result line: times in seconds, ratio ours/theirs, and the target."""
    ratio = ours / theirs
    result = {"workload": workload, "ours_s": ours, "theirs_s": theirs, "ratio": ratio}
    if target is not None:
        result["target"] = target
        result["met"] = bool(ratio <= target)
    result.update(extra)
    return result
