"""Timing helpers shared by every benchmark.

Machines are shared and noisy, so every figure is a median over repeats, and
every comparison is a ratio of two medians measured in the same process.
"""

import os
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


def load_kernels():
    """Load the numba kernels of the ``fast`` extra now; return whether fits will use them.

    A benchmark's fits run a few epochs, less work than makes a fit load numba
    itself (about a second); a user's fits of these sizes run for hundreds of
    epochs and do load it. Loading first measures what those users get.
    ``SKLEARN_DL_KERNELS=0`` measures the numpy path.
    """
    from sklearn_dl import _kernels, get_config

    return bool(get_config()["kernels"]) and _kernels.available()


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


def products_only(X, widths, batch, epochs, seed=0):
    """The matrix products of training alone, in the same shapes and dtype: a floor on any fit.

    Per batch of ``X`` (rows in order, ``batch`` at a time), through layers of
    ``widths`` (``widths[0] == X.shape[1]``): one product per layer forward
    (``A W``), one weight gradient per layer (``Aᵀ Δ``) and one input gradient
    per layer but the first (``Δ Wᵀ``). Every implementation of these layers
    computes at least these, so their time bounds each side's fit from below.
    Run it with the threads of the fit it is compared with.
    """
    rng = np.random.default_rng(seed)
    weights = [
        rng.standard_normal((a, b)).astype(X.dtype)
        for a, b in zip(widths[:-1], widths[1:], strict=True)
    ]
    for _ in range(epochs):
        for start in range(0, X.shape[0], batch):
            activations = [X[start : start + batch]]
            for W in weights:
                activations.append(activations[-1] @ W)
            delta = activations[-1]
            for index in range(len(weights) - 1, -1, -1):
                activations[index].T @ delta
                if index:
                    delta = delta @ weights[index].T


def device_skip_reason(device):
    """Why a benchmark under array API dispatch cannot run on ``device`` here, or None."""
    if os.environ.get("SCIPY_ARRAY_API") != "1":
        return "set SCIPY_ARRAY_API=1 (scikit-learn's array API dispatch needs it)"
    try:
        import torch
    except ImportError:
        return "PyTorch is not installed"
    if device == "cuda" and not torch.cuda.is_available():
        return "no CUDA GPU is available"
    return None
