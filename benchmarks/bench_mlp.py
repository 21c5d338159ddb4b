"""Multi-layer perceptrons against scikit-learn's (and PyTorch's, when installed).

Same data, dtype, architecture, solver (Adam, relu), batch size and number of
epochs on every side; both sides of a ratio are timed in the same process,
alternately, and the figures are medians. Time per epoch is the time of a
``fit`` of a few epochs (``tol=0`` so that nothing stops early) divided by
the epochs. A forward and backward pass costs about ``6 × samples × weights``
floating-point operations, which gives the GFLOP/s.

Workloads and targets (ours / scikit-learn's time per epoch):

- wide: 50,000 × 100, 10 classes, hidden (256, 256), batch 256: ≤ 0.7;
- small (scikit-learn's defaults): 20,000 × 20, 2 classes, hidden (100,), batch 200: ≤ 0.5;
- tiny batches: 20,000 × 20, 2 classes, hidden (32, 32), batch 32: ≤ 0.5.

Run ``python -m benchmarks.bench_mlp`` (``--quick`` for smaller data).
"""

import sys
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLP

from benchmarks._common import median_time, row
from sklearn_dl.neural_network import MLPClassifier

WORKLOADS = [
    # name, samples, features, classes, hidden, batch, target, epochs
    ("wide", 50_000, 100, 10, (256, 256), 256, 0.7, 3),
    ("small", 20_000, 20, 2, (100,), 200, 0.5, 5),
    ("tiny", 20_000, 20, 2, (32, 32), 32, 0.5, 3),
]


def make_data(n_samples, n_features, n_classes, dtype, seed=0):
    """Standardised features and labels of a noisy linear rule."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features)).astype(dtype)
    scores = X @ rng.standard_normal((n_features, n_classes))
    y = (scores + rng.standard_normal(scores.shape)).argmax(axis=1)
    return X, y


def n_weights(n_features, hidden, n_outputs):
    widths = [n_features, *hidden, n_outputs]
    return sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=True))


def settings(hidden, batch, epochs):
    """The parameters both MLPs share: Adam, relu, a fixed number of epochs."""
    return dict(
        hidden_layer_sizes=hidden,
        batch_size=batch,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        random_state=0,
    )


def torch_fit(X, y, n_classes, hidden, batch, epochs):
    """The same network and Adam loop in PyTorch on the CPU; None when not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    X_t = torch.from_numpy(X)
    binary = n_classes == 2
    y_t = torch.from_numpy(y.astype(X.dtype if binary else np.int64))
    layers, width = [], X.shape[1]
    for units in hidden:
        layers += [torch.nn.Linear(width, units), torch.nn.ReLU()]
        width = units
    layers.append(torch.nn.Linear(width, 1 if binary else n_classes))
    model = torch.nn.Sequential(*layers).to(X_t.dtype)
    loss_fn = torch.nn.BCEWithLogitsLoss() if binary else torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4 / batch)
    for _ in range(epochs):
        order = torch.randperm(X_t.shape[0])
        for start in range(0, X_t.shape[0], batch):
            index = order[start : start + batch]
            logits = model(X_t[index])
            target = y_t[index]
            loss = loss_fn(logits[:, 0] if binary else logits, target)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return model


def bench_workload(
    name, n_samples, n_features, n_classes, hidden, batch, target, epochs, dtype, repeat
):
    X, y = make_data(n_samples, n_features, n_classes, dtype)
    params = settings(hidden, batch, epochs)

    def ours():
        MLPClassifier(**params).fit(X, y)

    def theirs():
        SklearnMLP(**params).fit(X, y)

    def torch():
        torch_fit(X, y, n_classes, hidden, batch, epochs)

    has_torch = torch_fit(X[:batch], y[:batch], n_classes, hidden, batch, 1) is not None
    times = {"ours": [], "theirs": [], "torch": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours(), theirs()  # warm-up: imports, BLAS buffers
        for _ in range(repeat):  # alternate, so that load changes hit every side alike
            times["ours"].append(median_time(ours, repeat=1, warmup=0))
            times["theirs"].append(median_time(theirs, repeat=1, warmup=0))
            if has_torch:
                times["torch"].append(median_time(torch, repeat=1, warmup=0))
    per_epoch = {k: float(np.median(v)) / epochs if v else None for k, v in times.items()}
    n_outputs = 1 if n_classes == 2 else n_classes
    return row(
        f"{name} {n_samples}x{n_features} {hidden} batch {batch} {np.dtype(dtype).name}",
        per_epoch["ours"],
        per_epoch["theirs"],
        target=target,
        dtype=np.dtype(dtype).name,
        flops=6.0 * n_samples * n_weights(n_features, hidden, n_outputs),
        torch_s=per_epoch["torch"],
    )


def run(quick=False):
    """Every workload in float32 and float64; smaller data and fewer repeats with ``quick``."""
    results = []
    for name, n_samples, n_features, n_classes, hidden, batch, target, epochs in WORKLOADS:
        if quick:
            n_samples, epochs = n_samples // 5, max(2, epochs // 2)
        for dtype in (np.float32, np.float64):
            results.append(
                bench_workload(
                    name,
                    n_samples,
                    n_features,
                    n_classes,
                    hidden,
                    batch,
                    target,
                    epochs,
                    dtype,
                    repeat=2 if quick else 3,
                )
            )
    return results


def main():
    from benchmarks._common import matmul_peak_gflops

    peaks = {dt: matmul_peak_gflops(np.dtype(dt).type) for dt in ("float32", "float64")}
    print(
        f"matrix-multiply peak: {peaks['float32']:.1f} GFLOP/s (float32), "
        f"{peaks['float64']:.1f} GFLOP/s (float64)"
    )
    print(
        f"{'workload':<52} {'ours ms':>8} {'sklearn':>8} {'ratio':>6} {'target':>6} "
        f"{'torch':>8} {'GFLOP/s':>8} {'% peak':>6}"
    )
    for result in run(quick="--quick" in sys.argv):
        gflops = result["flops"] / result["ours_s"] / 1e9
        torch_ms = f"{1e3 * result['torch_s']:.1f}" if result["torch_s"] else "-"
        print(
            f"{result['workload']:<52} {1e3 * result['ours_s']:8.1f} "
            f"{1e3 * result['theirs_s']:8.1f} {result['ratio']:6.2f} {result['target']:6.2f} "
            f"{torch_ms:>8} {gflops:8.1f} {100 * gflops / peaks[result['dtype']]:6.0f}"
        )


if __name__ == "__main__":
    main()
