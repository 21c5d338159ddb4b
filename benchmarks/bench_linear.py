"""Linear models against scikit-learn's exact solvers, side by side in one process.

Targets (default settings on both sides):

- ``LinearRegression`` on diabetes (442 × 10): at most scikit-learn's time;
  on 200,000 × 50: at most 0.3 of it;
- ``LogisticRegression`` on iris and breast cancer (standardised): at most
  scikit-learn's time; on 100,000 × 50 standardised, 5 classes: at most 0.6 of
  it (binary: at most 1.2), and within 1e-3 of the exact optimum.

Run ``python -m benchmarks.bench_linear`` (``--quick`` for smaller data).
"""

import sys
import warnings

import numpy as np
from sklearn import linear_model as sk
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.preprocessing import StandardScaler

from benchmarks._common import median_time, row
from sklearn_dl.linear_model import LinearRegression, LogisticRegression


def _regression(n, p, rng):
    X = rng.standard_normal((n, p))
    return X, X @ rng.standard_normal(p) + 3.0 + 0.1 * rng.standard_normal(n)


def _classification(n, p, n_classes, rng):
    X = rng.standard_normal((n, p))
    scores = X @ rng.standard_normal((p, n_classes)) + rng.standard_normal((n, n_classes))
    y = scores.argmax(axis=1) if n_classes > 2 else (scores[:, 0] > scores[:, 1]).astype(int)
    return X, y


def bench_least_squares(name, X, y, repeat, target):
    ours_model = LinearRegression().fit(X, y)
    theirs_model = sk.LinearRegression().fit(X, y)
    error = np.abs(ours_model.coef_ - theirs_model.coef_).max() / np.abs(theirs_model.coef_).max()
    ours = median_time(lambda: LinearRegression().fit(X, y), repeat)
    theirs = median_time(lambda: sk.LinearRegression().fit(X, y), repeat)
    return row(f"LinearRegression {name}", ours, theirs, target=target, coef_rel_error=error)


def bench_logistic(name, X, y, repeat, target):
    ours_model = LogisticRegression().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exact = sk.LogisticRegression(tol=1e-12, max_iter=10_000).fit(X, y)
    coef_error = np.abs(ours_model.coef_ - exact.coef_).max()
    proba_error = np.abs(ours_model.predict_proba(X) - exact.predict_proba(X)).max()
    ours = median_time(lambda: LogisticRegression().fit(X, y), repeat)
    theirs = median_time(lambda: sk.LogisticRegression().fit(X, y), repeat)
    return row(
        f"LogisticRegression {name}",
        ours,
        theirs,
        target=target,
        coef_error=coef_error,
        proba_error=proba_error,
        n_iter=int(np.max(ours_model.n_iter_)),
    )


def _standardised(load):
    X, y = load(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def run(quick=False):
    """Every linear-model workload; smaller data with ``quick``."""
    rng = np.random.default_rng(0)
    scale = 10 if quick else 1
    repeat = 3 if quick else 5
    small = 20 if quick else 100  # fits of a few milliseconds need many repeats
    n, p = 100_000 // scale, 50
    return [
        bench_least_squares("diabetes 442x10", *load_diabetes(return_X_y=True), small, 1.0),
        bench_least_squares(f"{2 * n}x{p}", *_regression(2 * n, p, rng), repeat, 0.3),
        bench_logistic("iris", *_standardised(load_iris), small, 1.0),
        bench_logistic("breast cancer", *_standardised(load_breast_cancer), small, 1.0),
        bench_logistic(f"{n}x{p}, 2 classes", *_classification(n, p, 2, rng), repeat, 1.2),
        bench_logistic(f"{n}x{p}, 5 classes", *_classification(n, p, 5, rng), repeat, 0.6),
    ]


def main():
    for result in run(quick="--quick" in sys.argv):
        extras = ", ".join(
            f"{k}={v:.2e}" if isinstance(v, float) else f"{k}={v}"
            for k, v in result.items()
            if k not in ("workload", "ours_s", "theirs_s", "ratio", "target", "met")
        )
        print(
            f"{result['workload']:<42} ours {result['ours_s']:.3f}s  scikit-learn "
            f"{result['theirs_s']:.3f}s  ratio {result['ratio']:.2f} "
            f"(target ≤ {result['target']}, {'met' if result['met'] else 'NOT met'})  {extras}"
        )


if __name__ == "__main__":
    main()
