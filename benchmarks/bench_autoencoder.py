"""The autoencoder against scikit-learn: fit time, reconstruction and features.

Speed: our ``Autoencoder`` against scikit-learn's ``MLPRegressor`` fitted from
``X`` to ``X`` with the same layers (``n_features → *hidden → n_components →
*hidden reversed → n_features``, relu throughout, identity output, squared
error), Adam, batch size and number of epochs (``tol=0``, so nothing stops
early). Both are timed alternately in one process; the figures are medians of
whole fits. A forward and backward pass costs about ``6 × samples × weights``
floating-point operations per epoch. Target: ours ≤ 0.5 × scikit-learn's.
The ``floor`` column times the matrix products of those epochs alone, which
both libraries compute (same shapes, dtype and threads), against
scikit-learn's fit: where it exceeds 0.5, the target is out of reach of any
implementation of the same layers in the same dtype. ``/floor`` is our fit's
time over those products alone (target ≤ 1.2): the share of the fit spent
outside the products.

Quality, on the digits scaled to [0, 1] (``ours`` and ``theirs`` are then
errors, not seconds; ``unit`` says which):

- linear autoencoder (identity activations, squared error, L-BFGS) against
  ``PCA`` at the same ``n_components``: reconstruction MSE ratio ≤ 1.02;
- nonlinear autoencoder with 16 codes against ``PCA(16)``: held-out
  reconstruction MSE ratio ≤ 0.9;
- ``Autoencoder(32) → LogisticRegression`` against ``PCA(32) →
  LogisticRegression``: cross-validated error-rate ratio ≤ 1 (accuracy at
  least PCA's).

Every product here is small, so both sides run with one BLAS thread: on a
busy two-core machine, waiting BLAS threads otherwise slow both sides by an
order of magnitude, differently from one run to the next.

Run ``python -m benchmarks.bench_autoencoder`` (``--quick`` for fewer epochs,
folds and repeats).
"""

import sys
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from benchmarks._common import load_kernels, median_time, products_only, row
from sklearn_dl.neural_network import Autoencoder

TIMING_WORKLOADS = [
    # name, data, hidden, n_components, batch, epochs, quick epochs
    ("digits linear", "digits", (), 16, 200, 50, 10),
    ("digits", "digits", (128,), 16, 200, 30, 6),
    ("wide", "synthetic", (256,), 32, 256, 5, 2),
]


def digits():
    """The 1,797 digits, 64 pixels scaled to [0, 1], and their labels."""
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def synthetic(n_samples=20_000, n_features=100, rank=20, seed=0):
    """Standardised data near a ``rank``-dimensional subspace."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, rank)) @ rng.standard_normal((rank, n_features))
    X += 0.3 * rng.standard_normal((n_samples, n_features))
    return (X - X.mean(axis=0)) / X.std(axis=0)


def n_weights(n_features, hidden, n_components):
    widths = [n_features, *hidden, n_components, *reversed(hidden), n_features]
    return sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=True))


def bench_fit(name, data, hidden, n_components, batch, epochs, repeat):
    """Fit time of ours and of ``MLPRegressor`` X → X, same layers, solver and epochs."""
    X = digits()[0] if data == "digits" else synthetic()
    activation = "relu" if hidden else "identity"
    shared = dict(
        batch_size=batch, max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1, random_state=0
    )
    ours_model = Autoencoder(
        n_components,
        hidden_layer_sizes=hidden,
        activation=activation,
        code_activation=activation,
        output_activation="identity",
        solver="adam",
        **shared,
    )
    theirs_model = MLPRegressor(
        hidden_layer_sizes=(*hidden, n_components, *reversed(hidden)),
        activation=activation,
        **shared,
    )
    widths = [X.shape[1], *hidden, n_components, *reversed(hidden), X.shape[1]]
    ours_times, theirs_times, floor_times = [], [], []
    ours_model.fit(X), theirs_model.fit(X, X)  # warm-up: imports, BLAS buffers
    assert ours_model.n_iter_ == theirs_model.n_iter_ == epochs
    for _ in range(repeat):  # alternate, so that load changes hit every side alike
        ours_times.append(median_time(lambda: ours_model.fit(X), repeat=1, warmup=0))
        theirs_times.append(median_time(lambda: theirs_model.fit(X, X), repeat=1, warmup=0))
        floor_times.append(
            median_time(lambda: products_only(X, widths, batch, epochs), repeat=1, warmup=0)
        )
    layers = f"{X.shape[1]}→{'→'.join(map(str, (*hidden, n_components, *hidden[::-1])))}→"
    return row(
        f"fit {name} {X.shape[0]}x{X.shape[1]} {layers}{X.shape[1]} batch {batch}, {epochs} epochs",
        float(np.median(ours_times)),
        float(np.median(theirs_times)),
        target=0.5,
        dtype="float64",
        flops=6.0 * X.shape[0] * n_weights(X.shape[1], hidden, n_components) * epochs,
        unit="s",
        matmul_s=float(np.median(floor_times)),
        floor_ratio=float(np.median(floor_times) / np.median(theirs_times)),
    )


def reconstruction_mse(model, X):
    return float(np.mean((model.inverse_transform(model.transform(X)) - X) ** 2))


def linear_against_pca(n_components=16):
    """Reconstruction MSE of the linear autoencoder (L-BFGS) and of PCA, on all digits."""
    X, _ = digits()
    ours = Autoencoder(
        n_components,
        output_activation="identity",
        solver="lbfgs",
        alpha=0.0,
        max_iter=2000,
        tol=1e-8,
    )
    ours.fit(X)
    theirs = PCA(n_components).fit(X)
    return row(
        f"linear AE({n_components}) vs PCA: reconstruction MSE, digits",
        reconstruction_mse(ours, X),
        reconstruction_mse(theirs, X),
        target=1.02,
        unit="MSE",
    )


def nonlinear_against_pca(quick, n_components=16):
    """Held-out reconstruction MSE of a nonlinear autoencoder and of PCA, median of seeds."""
    X, _ = digits()
    if quick:
        seeds, settings = [0], dict(learning_rate_init=5e-3, max_iter=30)
    else:
        seeds, settings = [0, 1, 2], dict(learning_rate_init=1e-3, max_iter=200)
    ours, theirs = [], []
    for seed in seeds:
        X_train, X_test = train_test_split(X, test_size=0.25, random_state=seed)
        model = Autoencoder(
            n_components,
            hidden_layer_sizes=(128,),
            output_activation="sigmoid",
            solver="adam",
            random_state=seed,
            **settings,
        ).fit(X_train)
        ours.append(reconstruction_mse(model, X_test))
        theirs.append(reconstruction_mse(PCA(n_components).fit(X_train), X_test))
    return row(
        f"AE({n_components}, hidden 128) vs PCA: held-out MSE, digits",
        float(np.median(ours)),
        float(np.median(theirs)),
        target=0.9,
        unit="MSE",
    )


def features_against_pca(quick, n_components=32):
    """Cross-validated error rate of codes → LogisticRegression, ours and PCA's."""
    X, y = digits()
    autoencoder = Autoencoder(n_components, random_state=0)  # the defaults, as PCA's user gets them
    classifier = LogisticRegression(max_iter=3000)
    folds, seeds = (3, [0]) if quick else (5, [0, 1, 2])
    ours, theirs = [], []
    for seed in seeds:
        cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
        ours.append(cross_val_score(make_pipeline(autoencoder, classifier), X, y, cv=cv).mean())
        theirs.append(
            cross_val_score(make_pipeline(PCA(n_components), classifier), X, y, cv=cv).mean()
        )
    return row(
        f"AE({n_components}) vs PCA({n_components}) → LogisticRegression: "
        f"{folds}-fold CV error rate, digits",
        1.0 - float(np.mean(ours)),
        1.0 - float(np.mean(theirs)),
        target=1.0,
        unit="error rate",
    )


def run(quick=False):
    """Fit-time ratios, then the three quality comparisons."""
    load_kernels()
    results = []
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, data, hidden, k, batch, epochs, quick_epochs in TIMING_WORKLOADS:
            results.append(
                bench_fit(
                    name,
                    data,
                    hidden,
                    k,
                    batch,
                    quick_epochs if quick else epochs,
                    2 if quick else 5,
                )
            )
        results.append(linear_against_pca())
        results.append(nonlinear_against_pca(quick))
        results.append(features_against_pca(quick))
    return results


def _value(value, unit):
    return f"{1e3 * value:.1f} ms" if unit == "s" else f"{value:.5f}"


def main():
    results = run(quick="--quick" in sys.argv)
    width = max(len(result["workload"]) for result in results)
    print("ratio = ours / scikit-learn (time, MSE or error rate); one BLAS thread on both sides")
    print(
        "floor = the matrix products alone / scikit-learn's fit: no fit of these "
        "layers can have a lower ratio"
    )
    print("/floor = our fit / the matrix products alone (target ≤ 1.2)")
    print(
        f"{'workload':<{width}}  {'ours':>11}  {'sklearn':>11}  {'ratio':>6}  "
        f"{'floor':>6}  {'/floor':>6}  {'target':>6}  met"
    )
    for result in results:
        unit = result["unit"]
        floor, over_floor = f"{'-':>6}", f"{'-':>6}"
        if "floor_ratio" in result:
            floor = f"{result['floor_ratio']:6.3f}"
            over_floor = f"{result['ours_s'] / result['matmul_s']:6.2f}"
        print(
            f"{result['workload']:<{width}}  {_value(result['ours_s'], unit):>11}  "
            f"{_value(result['theirs_s'], unit):>11}  {result['ratio']:6.3f}  {floor}  "
            f"{over_floor}  {result['target']:6.2f}  {'yes' if result['met'] else 'NO'}"
        )


if __name__ == "__main__":
    main()
