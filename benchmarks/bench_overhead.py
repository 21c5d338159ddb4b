"""The fixed cost of a fit: every estimator on 20 rows × 3 features.

A grid search over a small data set fits hundreds of models whose
arithmetic takes microseconds, so what a fit costs besides its arithmetic
(validation, building the network, the training state) is what the user
waits for. Target: each estimator at most its scikit-learn counterpart's
time (the Autoencoder against ``MLPRegressor`` fitted from X to X).

Both sides run in blocks of fits, alternating, and each figure is the
median over blocks of the time per fit.

Run ``python -m benchmarks.bench_overhead`` (``--quick`` for fewer blocks).
"""

import sys
import time
import warnings

import numpy as np
from sklearn import linear_model as sk_linear
from sklearn import neighbors as sk_neighbors
from sklearn import neural_network as sk_network
from sklearn.exceptions import ConvergenceWarning

from benchmarks._common import row
from sklearn_dl import linear_model, neighbors, neural_network


def _data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(20)
    return X, y, (y > 0).astype(int)


def _pairs():
    """(name, our estimator, scikit-learn's, target kind) with matched settings.

    The MLPs take scikit-learn's defaults on both sides: a fit on 20 rows is
    then a few hundred Adam steps, the fixed cost of a small grid search.
    """
    mlp = {"max_iter": 20, "random_state": 0}
    return [
        ("LinearRegression", linear_model.LinearRegression(), sk_linear.LinearRegression(), "y"),
        (
            "LogisticRegression",
            linear_model.LogisticRegression(),
            sk_linear.LogisticRegression(),
            "labels",
        ),
        ("Perceptron", linear_model.Perceptron(), sk_linear.Perceptron(), "labels"),
        (
            "MLPClassifier",
            neural_network.MLPClassifier(**mlp),
            sk_network.MLPClassifier(**mlp),
            "labels",
        ),
        (
            "MLPRegressor",
            neural_network.MLPRegressor(**mlp),
            sk_network.MLPRegressor(**mlp),
            "y",
        ),
        (
            "Autoencoder (vs MLPRegressor X→X)",
            neural_network.Autoencoder(
                n_components=2, code_activation="relu", solver="adam", **mlp
            ),
            sk_network.MLPRegressor(hidden_layer_sizes=(2,), **mlp),
            "X",
        ),
        (
            "KNeighborsClassifier",
            neighbors.KNeighborsClassifier(),
            sk_neighbors.KNeighborsClassifier(),
            "labels",
        ),
        (
            "KNeighborsRegressor",
            neighbors.KNeighborsRegressor(),
            sk_neighbors.KNeighborsRegressor(),
            "y",
        ),
    ]


def _per_fit(fit, block):
    start = time.perf_counter()
    for _ in range(block):
        fit()
    return (time.perf_counter() - start) / block


def fixed_cost(ours, theirs, blocks, block):
    """Median seconds per call of ``ours()`` and ``theirs()``, measured alternately."""
    ours(), theirs()  # first calls pay for imports and caches
    times = np.array([(_per_fit(ours, block), _per_fit(theirs, block)) for _ in range(blocks)])
    return float(np.median(times[:, 0])), float(np.median(times[:, 1]))


def run(quick=False):
    """One row per estimator: fit time on 20 × 3 against scikit-learn's."""
    X, y, labels = _data()
    targets = {"y": y, "labels": labels, "X": X}
    blocks, block = (5, 20) if quick else (15, 50)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, ours, theirs, kind in _pairs():
            target = targets[kind]
            times = fixed_cost(
                lambda ours=ours, target=target: ours.fit(X, target),
                lambda theirs=theirs, target=target: theirs.fit(X, target),
                blocks,
                block,
            )
            rows.append(row(f"fixed cost: {name}, fit 20x3", *times, target=1.0))
    return rows


def main():
    for result in run(quick="--quick" in sys.argv):
        print(
            f"{result['workload']:<58} ours {result['ours_s'] * 1e6:8.0f} µs  "
            f"scikit-learn {result['theirs_s'] * 1e6:8.0f} µs  ratio {result['ratio']:.2f}"
        )


if __name__ == "__main__":
    main()
