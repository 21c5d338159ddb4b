"""Multi-layer perceptrons against scikit-learn's (and PyTorch's, when installed).

Same data, dtype, architecture, solver (Adam, relu), batch size and number of
epochs on every side; the sides of a comparison are timed in the same
process, alternately, and the figures are medians. Time per epoch is the time
of a ``fit`` of a few epochs (``tol=0`` so that nothing stops early) divided
by the epochs. A forward and backward pass costs about ``6 × samples ×
weights`` floating-point operations, which gives the GFLOP/s.

Workloads and targets (ours / scikit-learn's time per epoch):

- wide: 50,000 × 100, 10 classes, hidden (256, 256), batch 256: ≤ 0.55;
- small (scikit-learn's defaults): 20,000 × 20, 2 classes, hidden (100,), batch 200: ≤ 0.3;
- tiny batches: 20,000 × 20, 2 classes, hidden (32, 32), batch 32: ≤ 0.3.

(With the ``fast`` extra; without it the numpy path is held to no slower than
before the kernels.)

Beside the ratio to scikit-learn (and to PyTorch), ``/floor`` is our epoch
over the same epoch's matrix products alone (same shapes, dtype and threads,
timed alternately with the fits; target ≤ 1.15 with the ``fast`` extra): the
share of an epoch spent outside the products.

Each runs twice: with the BLAS threads as configured (what users get), then
with one BLAS thread on every side (and ``torch.set_num_threads(1)``), whose
GFLOP/s share is of the one-thread matrix-multiply peak. On a machine whose
cores are busy with other work, a second BLAS thread waits for a core at
every product and the first figures scatter widely; the one-thread figures
stay comparable.

Run ``python -m benchmarks.bench_mlp`` (``--quick`` for smaller data).

``--device cuda`` (with ``SCIPY_ARRAY_API=1``, or ``make bench ARGS="--device
cuda"``) times instead the wide network in float32 under array API dispatch
on the GPU: 50,000 and 1,000,000 rows × 100 features, (256, 256), Adam,
batches of 256 and 4096, against a hand-written PyTorch loop with the same
architecture, optimizer and batch size on the same device (target: ours ≤
1.3× its time per epoch), and gives the speed-up over our CPU path.
``--device cpu`` runs the same comparison on smaller data, on the CPU.
"""

import contextlib
import sys
import warnings
from dataclasses import dataclass, replace

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLP
from threadpoolctl import threadpool_limits

from benchmarks._common import (
    device_skip_reason,
    load_kernels,
    matmul_peak_gflops,
    median_time,
    products_only,
    row,
)
from sklearn_dl.neural_network import MLPClassifier


@dataclass(frozen=True)
class Workload:
    name: str
    n_samples: int
    n_features: int
    n_classes: int
    hidden: tuple
    batch: int
    target: float
    epochs: int

    @property
    def flops(self):
        """Floating-point operations of one epoch: 6 × samples × weights."""
        widths = [self.n_features, *self.hidden, 1 if self.n_classes == 2 else self.n_classes]
        weights = sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=True))
        return 6.0 * self.n_samples * weights


WORKLOADS = [
    Workload("wide", 50_000, 100, 10, (256, 256), 256, target=0.55, epochs=2),
    Workload("small", 20_000, 20, 2, (100,), 200, target=0.3, epochs=5),
    Workload("tiny", 20_000, 20, 2, (32, 32), 32, target=0.3, epochs=3),
]


def make_data(workload, dtype, seed=0):
    """Standardised features and labels of a noisy linear rule."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((workload.n_samples, workload.n_features)).astype(dtype)
    scores = X @ rng.standard_normal((workload.n_features, workload.n_classes))
    y = (scores + rng.standard_normal(scores.shape)).argmax(axis=1)
    return X, y


def settings(workload):
    """The parameters both MLPs share: Adam, relu, a fixed number of epochs."""
    return dict(
        hidden_layer_sizes=workload.hidden,
        batch_size=workload.batch,
        max_iter=workload.epochs,
        tol=0.0,
        n_iter_no_change=workload.epochs + 1,
        random_state=0,
    )


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def torch_fit(X, y, workload):
    """The same network and Adam loop in PyTorch on the CPU."""
    torch = _torch()
    torch.manual_seed(0)
    X_t = torch.from_numpy(X)
    binary = workload.n_classes == 2
    y_t = torch.from_numpy(y.astype(X.dtype if binary else np.int64))
    layers, width = [], X.shape[1]
    for units in workload.hidden:
        layers += [torch.nn.Linear(width, units), torch.nn.ReLU()]
        width = units
    layers.append(torch.nn.Linear(width, 1 if binary else workload.n_classes))
    model = torch.nn.Sequential(*layers).to(X_t.dtype)
    loss_fn = torch.nn.BCEWithLogitsLoss() if binary else torch.nn.CrossEntropyLoss()
    # weight_decay adds the L2 gradient, as alpha does in both MLPs.
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4 / workload.batch)
    for _ in range(workload.epochs):
        order = torch.randperm(X_t.shape[0])
        for start in range(0, X_t.shape[0], workload.batch):
            index = order[start : start + workload.batch]
            logits = model(X_t[index])
            loss = loss_fn(logits[:, 0] if binary else logits, y_t[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()


@contextlib.contextmanager
def one_thread():
    """One BLAS thread for numpy and scipy, one intra-op thread for PyTorch."""
    torch = _torch()
    threads = torch.get_num_threads() if torch else None
    with threadpool_limits(limits=1, user_api="blas"):
        if torch:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            if torch:
                torch.set_num_threads(threads)


def fits(workload, X, y):
    """The three sides of a comparison: callables that train on ``X``, ``y``."""
    params = settings(workload)
    sides = {
        "ours": lambda: MLPClassifier(**params).fit(X, y),
        "theirs": lambda: SklearnMLP(**params).fit(X, y),
    }
    if _torch() is not None:
        sides["torch"] = lambda: torch_fit(X, y, workload)
    widths = [X.shape[1], *workload.hidden, 1 if workload.n_classes == 2 else workload.n_classes]
    sides["floor"] = lambda: products_only(X, widths, workload.batch, workload.epochs)
    return sides


def bench_workload(workload, dtype, repeat, label=""):
    X, y = make_data(workload, dtype)
    sides = fits(workload, X, y)
    times = {side: [] for side in sides}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm_up = 4 * workload.batch  # first calls pay for imports and BLAS buffers
        for fit in fits(workload, X[:warm_up], y[:warm_up]).values():
            fit()
        for _ in range(repeat):  # alternate, so that load changes hit every side alike
            for side, fit in sides.items():
                times[side].append(median_time(fit, repeat=1, warmup=0))
    per_epoch = {side: float(np.median(t)) / workload.epochs for side, t in times.items()}
    dtype_name = np.dtype(dtype).name
    hidden = ", ".join(map(str, workload.hidden))
    return row(
        f"{workload.name} {workload.n_samples}x{workload.n_features} ({hidden}) "
        f"batch {workload.batch} {dtype_name}{label}",
        per_epoch["ours"],
        per_epoch["theirs"],
        target=workload.target,
        dtype=dtype_name,
        flops=workload.flops,
        torch_s=per_epoch.get("torch"),
        matmul_s=per_epoch["floor"],
    )


def run(quick=False):
    """Every workload in float32 and float64, with default threads and then with one."""
    workloads = WORKLOADS
    if quick:
        workloads = [
            replace(w, n_samples=w.n_samples // 5, epochs=max(2, w.epochs // 2)) for w in WORKLOADS
        ]
    load_kernels()
    repeat = 2 if quick else 3
    dtypes = (np.float32, np.float64)
    results = [bench_workload(w, dtype, repeat) for w in workloads for dtype in dtypes]
    with one_thread():
        peaks = {np.dtype(d).name: matmul_peak_gflops(d, n=512 if quick else 1024) for d in dtypes}
        for w in workloads:
            for dtype in dtypes:
                result = bench_workload(w, dtype, repeat, label=", 1 BLAS thread")
                result["gflops"] = result["flops"] / result["ours_s"] / 1e9
                result["peak_share"] = result["gflops"] / peaks[result["dtype"]]
                results.append(result)
    return results


# Rows of the device workloads, by device (the features and widths are the wide network's).
DEVICE_ROWS = {"cuda": (50_000, 1_000_000), "cpu": (20_000,)}
DEVICE_BATCHES = (256, 4096)


def torch_device_epochs(X, y, batch, epochs):
    """A hand-written PyTorch loop on ``X``'s device: the wide network, Adam, BCE."""
    torch = _torch()
    torch.manual_seed(0)
    layers, width = [], X.shape[1]
    for units in (256, 256):
        layers += [torch.nn.Linear(width, units), torch.nn.ReLU()]
        width = units
    model = torch.nn.Sequential(*layers, torch.nn.Linear(width, 1)).to(X.device)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4 / X.shape[0])
    for _ in range(epochs):
        order = torch.randperm(X.shape[0], device=X.device)
        for start in range(0, X.shape[0], batch):
            index = order[start : start + batch]
            loss = loss_fn(model(X[index])[:, 0], y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()


def run_device(device="cuda", quick=False, on_row=None):
    """The wide network under array API dispatch on ``device``, against PyTorch there.

    Returns one row per size and batch: our time per epoch on the device
    (``ours_s``), the hand-written PyTorch loop's (``theirs_s``, target ≤
    1.3), and our CPU path's (``cpu_s``), each also passed to ``on_row`` as
    it is measured. No rows, after saying why, where it cannot run.
    """
    reason = device_skip_reason(device)
    if reason is not None:
        print(f"device benchmark skipped: {reason}")
        return []
    rows, epochs = [], 1 if quick else 2
    for n in DEVICE_ROWS[device]:
        n = n // 10 if quick else n
        rng = np.random.default_rng(0)
        X = rng.standard_normal((n, 100), dtype=np.float32)
        y = (X[:, :5].sum(axis=1) > 0).astype(np.float32)
        for batch in DEVICE_BATCHES:
            rows.append(_device_row(X, y, batch, epochs, device))
            if on_row is not None:
                on_row(rows[-1])
    return rows


def _device_row(X, y, batch, epochs, device):
    """Ours on ``device``, the PyTorch loop there and our CPU path, per epoch: one row."""
    import torch
    from sklearn import config_context

    def synchronised(work):
        def timed():
            work()
            if device == "cuda":
                torch.cuda.synchronize()

        return timed

    X_t, y_t = torch.asarray(X, device=device), torch.asarray(y, device=device)
    settings = dict(hidden_layer_sizes=(256, 256), batch_size=batch, max_iter=epochs)
    model = MLPClassifier(**settings, tol=0, n_iter_no_change=10**6, random_state=0)
    with warnings.catch_warnings(), config_context(array_api_dispatch=True):
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = median_time(synchronised(lambda: model.fit(X_t, y_t)), repeat=3)
        theirs = median_time(
            synchronised(lambda: torch_device_epochs(X_t, y_t, batch, epochs)), repeat=3
        )
        on_cpu = median_time(lambda: model.fit(X, y), repeat=1, warmup=0)
    n = X.shape[0]
    return row(
        f"wide MLP on {device}: {n}x100, (256, 256), batch {batch}, float32",
        ours / epochs,
        theirs / epochs,
        target=1.3,
        device=device,
        cpu_s=on_cpu / epochs,
        flops=6.0 * n * (100 * 256 + 256 * 256 + 256),
        dtype="float32",
    )


def _print_device(r):
    print(
        f"{r['workload']}: ours {1e3 * r['ours_s']:.1f} ms/epoch, PyTorch "
        f"{1e3 * r['theirs_s']:.1f} ms/epoch, ratio {r['ratio']:.2f} (target "
        f"{r['target']}), our CPU path {1e3 * r['cpu_s']:.1f} ms/epoch "
        f"(speed-up {r['cpu_s'] / r['ours_s']:.1f}x)",
        flush=True,
    )


def main():
    peaks = {np.dtype(d).name: matmul_peak_gflops(d) for d in (np.float32, np.float64)}
    print(
        f"matrix-multiply peak: {peaks['float32']:.1f} GFLOP/s (float32), "
        f"{peaks['float64']:.1f} GFLOP/s (float64); one-thread rows use the one-thread peak"
    )
    print(
        f"{'workload':<62} {'ours ms':>8} {'sklearn':>8} {'ratio':>6} {'target':>6} "
        f"{'torch':>8} {'/torch':>6} {'floor':>8} {'/floor':>6} {'GFLOP/s':>8} {'% peak':>6}"
    )
    for result in run(quick="--quick" in sys.argv):
        gflops = result.get("gflops", result["flops"] / result["ours_s"] / 1e9)
        share = result.get("peak_share", gflops / peaks[result["dtype"]])
        torch_s, floor_s = result["torch_s"], result["matmul_s"]
        torch_ms = f"{1e3 * torch_s:.1f}" if torch_s else "-"
        over_torch = f"{result['ours_s'] / torch_s:.2f}" if torch_s else "-"
        print(
            f"{result['workload']:<62} {1e3 * result['ours_s']:8.1f} "
            f"{1e3 * result['theirs_s']:8.1f} {result['ratio']:6.2f} {result['target']:6.2f} "
            f"{torch_ms:>8} {over_torch:>6} {1e3 * floor_s:8.1f} "
            f"{result['ours_s'] / floor_s:6.2f} {gflops:8.1f} {100 * share:6.0f}"
        )


if __name__ == "__main__":
    if "--device" in sys.argv:
        device = sys.argv[sys.argv.index("--device") + 1]
        run_device(device, quick="--quick" in sys.argv, on_row=_print_device)
    else:
        main()
