"""k-nearest neighbours: our ``kneighbors`` against scikit-learn's, side by side.

Three workloads, each timed for both libraries in the same process with the
same ``n_jobs``:

* low-dimensional, tree search: 200,000 x 3 fitted, 20,000 queries, k=5
  (target: at most 0.5 x scikit-learn's time);
* high-dimensional, brute force: 50,000 x 64 with 5,000 queries, and
  20,000 x 784 with 2,000 queries, k=5 (target: at most 0.6 x). For these the
  row also gives ``matmul_s``, the time of the distance product alone as our
  search computes it (single precision, in the same tiles and threads), and
  ``matmul64_s``, the same product in double precision, the precision
  scikit-learn computes it in.

The machine may be shared, so the two sides are called alternately and each
time is the median over the rounds.

Run ``python -m benchmarks.bench_neighbors`` (``--quick`` for a smoke run).

``--device cuda`` runs instead the brute-force search under array API dispatch
on a CUDA GPU (PyTorch tensors, float32): 1,000,000 x 64 fitted points,
100,000 queries, k=5, against our CPU path on the same data and, where it is
installed, cuML's ``KNeighborsClassifier``. It needs ``SCIPY_ARRAY_API=1``
and skips with a message without PyTorch or a GPU. ``--device cpu`` runs the
same code on PyTorch's CPU tensors at 20,000 x 64 with 2,000 queries, a check
that the benchmark itself works.
"""

import sys
import time

import numpy as np
from sklearn import config_context
from sklearn import neighbors as sk_neighbors
from threadpoolctl import threadpool_limits

from benchmarks._common import device_skip_reason, matmul_peak_gflops, median_time, row
from sklearn_dl import neighbors
from sklearn_dl.neighbors._search import _run_parallel, n_threads

WORKLOADS = [
    # name, fitted points, queries, features, algorithm, target ratio
    ("low-dim tree", 200_000, 20_000, 3, "auto", 0.5),
    ("high-dim brute 64", 50_000, 5_000, 64, "brute", 0.6),
    ("high-dim brute 784", 20_000, 2_000, 784, "brute", 0.6),
]
K = 5


def _paired_times(ours, theirs, rounds):
    """Median times of two callables, called alternately after one warm-up each.

    Alternating single calls exposes both sides to the same load when the
    machine is shared.
    """
    ours(), theirs()
    times = [
        (median_time(ours, repeat=1, warmup=0), median_time(theirs, repeat=1, warmup=0))
        for _ in range(rounds)
    ]
    return tuple(float(np.median(side)) for side in zip(*times, strict=True))


def _matmul_time(Q, X, dtype, n_jobs, repeat):
    """Median time of the distance product alone, tiled as our search tiles it.

    ``[-2X, |X|^2] @ [Q, 1].T`` in products of 2,048 points by 256 queries,
    the chunks of queries spread over the same threads, BLAS single-threaded
    in each.
    """
    left = np.hstack([Q, np.ones((Q.shape[0], 1))]).astype(dtype)
    right = np.hstack([-2 * X, (X**2).sum(axis=1, keepdims=True)]).astype(dtype)

    def chunk(start):
        block = left[start : start + 256]
        out = np.empty((2048, block.shape[0]), dtype)
        for first in range(0, right.shape[0], 2048):
            tile = right[first : first + 2048]
            np.matmul(tile, block.T, out=out if tile.shape[0] == 2048 else None)

    threads = n_threads(n_jobs)  # read before BLAS is limited to one thread

    def product():
        with threadpool_limits(limits=1, user_api="blas"):
            _run_parallel(chunk, range(0, Q.shape[0], 256), threads)

    return median_time(product, repeat=repeat)


def _same_neighbors(ind_a, ind_b):
    """Fraction of queries whose neighbour sets agree."""
    return float(np.mean(np.all(np.sort(ind_a, axis=1) == np.sort(ind_b, axis=1), axis=1)))


def _workload(name, n, q, d, algorithm, target, n_jobs, repeat):
    rng = np.random.default_rng(0)
    X, Q = rng.standard_normal((n, d)), rng.standard_normal((q, d))
    y = np.zeros(n)
    params = dict(n_neighbors=K, algorithm=algorithm, n_jobs=n_jobs)
    ours = neighbors.KNeighborsRegressor(**params).fit(X, y)
    theirs = sk_neighbors.KNeighborsRegressor(**params).fit(X, y)
    t_ours, t_theirs = _paired_times(
        lambda: ours.kneighbors(Q), lambda: theirs.kneighbors(Q), rounds=2 * repeat + 1
    )
    (d_ours, i_ours), (d_theirs, i_theirs) = ours.kneighbors(Q), theirs.kneighbors(Q)
    extra = dict(
        n_jobs=n_jobs,
        same_neighbors=_same_neighbors(i_ours, i_theirs),
        max_dist_diff=float(np.max(np.abs(d_ours - d_theirs))),
    )
    if algorithm == "brute":
        extra["matmul_s"] = _matmul_time(Q, X, np.float32, n_jobs, repeat)
        extra["matmul64_s"] = _matmul_time(Q, X, np.float64, n_jobs, repeat)
        extra["flops"] = 2.0 * q * n * (d + 1)
        extra["dtype"] = "float32"
    label = f"{name}: {n}x{d}, {q} queries, k={K}"
    return row(label, t_ours, t_theirs, target=target, **extra)


def run(quick=False):
    """Time every workload for ``n_jobs`` None and -1; one dict per row."""
    scale, repeat = (10, 2) if quick else (1, 3)
    rows = []
    for name, n, q, d, algorithm, target in WORKLOADS:
        for n_jobs in (None, -1):
            rows.append(
                _workload(name, n // scale, q // scale, d, algorithm, target, n_jobs, repeat)
            )
    return rows


# Fitted points, queries and features of the device workload, by device.
DEVICE_SIZES = {"cuda": (1_000_000, 100_000, 64), "cpu": (20_000, 2_000, 64)}


def _cuml_time(X, y, Q, repeat):
    """The time of cuML's KNeighborsClassifier.kneighbors on the same data, or None."""
    try:
        from cuml.neighbors import KNeighborsClassifier as CumlKNN
    except ImportError:
        return None
    est = CumlKNN(n_neighbors=K, algorithm="brute").fit(X, y)
    return median_time(lambda: est.kneighbors(Q), repeat=repeat)


def run_device(device="cuda", quick=False):
    """Brute-force ``kneighbors`` under array API dispatch on ``device``.

    Against our CPU path (numpy, every core) on the same float32 data; the
    row also gives cuML's time where cuML is installed, and whether the
    neighbours agree. Returns no rows, after saying why, where it cannot run.
    """
    reason = device_skip_reason(device)
    if reason is not None:
        print(f"device benchmark skipped: {reason}")
        return []
    import torch

    n, q, d = DEVICE_SIZES[device]
    if quick:
        n, q = n // 10, q // 10
    rng = np.random.default_rng(0)
    X, Q = (rng.standard_normal(shape, dtype=np.float32) for shape in ((n, d), (q, d)))
    y = rng.integers(0, 10, n)
    params = dict(n_neighbors=K, algorithm="brute")
    with config_context(array_api_dispatch=True):
        Xt, Qt = torch.asarray(X, device=device), torch.asarray(Q, device=device)
        ours = neighbors.KNeighborsClassifier(**params).fit(Xt, torch.asarray(y, device=device))

        def search():
            result = ours.kneighbors(Qt)
            if device == "cuda":
                torch.cuda.synchronize()
            return result

        t_device = median_time(search, repeat=1 if quick else 3)
        i_device = search()[1].cpu().numpy()
    print(f"search on {device}: {t_device:.3f} s; now our CPU path", flush=True)
    cpu = neighbors.KNeighborsClassifier(**params, n_jobs=-1).fit(X, y)
    start = time.perf_counter()
    i_cpu = cpu.kneighbors(Q)[1]
    t_cpu = time.perf_counter() - start
    extra = dict(
        device=device,
        same_neighbors=_same_neighbors(i_device, i_cpu),
        flops=2.0 * q * n * (d + 1),
        dtype="float32",
    )
    t_cuml = _cuml_time(X, y, Q, repeat=3) if device == "cuda" else None
    if t_cuml is not None:
        extra["cuml_s"] = t_cuml
    label = f"array API brute on {device}: {n}x{d}, {q} queries, k={K}, vs our CPU path"
    return [row(label, t_device, t_cpu, **extra)]


def _print_device(rows):
    for r in rows:
        cuml = f", cuML {r['cuml_s']:.3f} s" if "cuml_s" in r else ", cuML not installed"
        print(
            f"{r['workload']}: device {r['ours_s']:.3f} s, CPU {r['theirs_s']:.3f} s, "
            f"ratio {r['ratio']:.3f}{cuml}, same neighbours {r['same_neighbors']:.3f}"
        )


def _print(rows):
    print(f"float64 matmul peak: {matmul_peak_gflops():.0f} GFLOP/s")
    header = f"{'workload':<46} {'n_jobs':>6} {'ours_s':>8} {'theirs_s':>8} {'ratio':>6} "
    print(header + f"{'target':>6} {'met':>5} {'matmul_s':>8} {'mm64_s':>8} {'same':>5}")
    for r in rows:
        matmul = "".join(
            f"{r[key]:9.3f}" if key in r else f"{'-':>9}" for key in ("matmul_s", "matmul64_s")
        )
        print(
            f"{r['workload']:<46} {r['n_jobs']!s:>6} {r['ours_s']:8.3f} "
            f"{r['theirs_s']:8.3f} {r['ratio']:6.2f} {r['target']:6.2f} "
            f"{r['met']!s:>5}{matmul} {r['same_neighbors']:5.3f}"
        )


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    if "--device" in sys.argv:
        _print_device(run_device(sys.argv[sys.argv.index("--device") + 1], quick=quick))
    else:
        _print(run(quick=quick))
