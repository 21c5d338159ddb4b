"""L-BFGS whitened by the Hessian of a sketch (a sample of the rows).

The optimizer on a hand-written objective first, then the engine's sketch:
which fits get one, what it holds, and that fits with and without it agree.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning

from sklearn_dl._engine.data import Data
from sklearn_dl._whitened import whitening
from sklearn_dl.linear_model import LinearRegression, LogisticRegression
from sklearn_dl.neural_network import MLPClassifier
from sklearn_dl.optimizers import LBFGS

# -- the optimizer ------------------------------------------------------------------------


class Logistic:
    """``F(w) = mean(log(1 + e^z) - y z) + λ/2 ‖w‖²`` over rows, ``z = X w``, counted.

    Its sketch is the same objective on every ``step``-th row (None without
    ``step``); the sketch's Hessian is exact.
    """

    def __init__(self, X, y, lam=1e-4, step=None):
        self.X, self.y, self.lam, self.step, self.calls = X, y, lam, step, 0

    def __call__(self, w):
        self.calls += 1
        z = self.X @ w
        value = np.mean(np.logaddexp(0, z) - self.y * z) + 0.5 * self.lam * w @ w
        return value, self.X.T @ (expit(z) - self.y) / len(self.y) + self.lam * w

    def hessian(self, w):
        p = expit(self.X @ w)
        curvature = p * (1 - p) / len(self.y)
        return (self.X.T * curvature) @ self.X + self.lam * np.eye(len(w))

    def sketch(self):
        if self.step is None:
            return None
        return Logistic(self.X[:: self.step], self.y[:: self.step], self.lam)


def correlated_rows(n=20_000, p=8, seed=0):
    """Rows whose features share two factors: badly conditioned for plain L-BFGS."""
    rng = np.random.default_rng(seed)
    factors = rng.standard_normal((n, 2))
    X = factors @ rng.standard_normal((2, p)) + 0.05 * rng.standard_normal((n, p))
    y = (X @ rng.standard_normal(p) + rng.logistic(size=n) > 0).astype(float)
    return X, y


def newton_optimum(fun, x):
    for _ in range(30):
        x = x - np.linalg.solve(fun.hessian(x), fun(x)[1])
    return x


def minimise(solver, fun, x0, tol=1e-9, callback=None, bounds=None):
    return solver.minimize(
        fun, x0, max_iter=1000, max_fun=2000, tol=tol, callback=callback, bounds=bounds
    )


def test_whitened_lbfgs_reaches_the_optimum_in_fewer_evaluations():
    X, y = correlated_rows()
    plain, sketched = Logistic(X, y), Logistic(X, y, step=10)
    x0 = np.zeros(X.shape[1])
    want = newton_optimum(plain, x0)

    got_plain = minimise(LBFGS(), plain, x0)
    got = minimise(LBFGS(), sketched, x0)

    assert got.status == 0
    assert np.max(np.abs(sketched(got.x)[1])) <= 1e-9  # the caller's rule, on ∇F itself
    np.testing.assert_allclose(got.x, want, rtol=1e-6)
    # Plain L-BFGS stops on a relative decrease of F, further away.
    assert np.abs(got.x - want).max() <= np.abs(got_plain.x - want).max()
    assert got.nfev == sketched.calls - 1  # the full objective's evaluations (and the check)
    assert sketched.calls < plain.calls / 2


def test_the_callback_sees_points_in_the_objective_coordinates():
    X, y = correlated_rows()
    fun = Logistic(X, y, step=10)
    seen = []
    minimise(LBFGS(), fun, np.zeros(X.shape[1]), callback=seen.append)
    assert len(seen) >= 2
    for intermediate in seen:
        assert fun(intermediate.x)[0] == pytest.approx(intermediate.fun, rel=1e-12)
    # StopIteration from the callback stops the run, as scipy's does.
    stopped = minimise(LBFGS(), fun, np.zeros(X.shape[1]), callback=_stop)
    assert stopped.nit == 1 and stopped.status == 99


def _stop(intermediate_result):
    raise StopIteration


def test_a_start_at_the_optimum_costs_one_evaluation():
    X, y = correlated_rows()
    fun = Logistic(X, y, step=10)
    optimum = newton_optimum(fun, np.zeros(X.shape[1]))
    fun.calls = 0
    result = minimise(LBFGS(), fun, optimum, tol=1e-8)
    assert (result.nit, result.nfev, fun.calls, result.status) == (0, 1, 1, 0)
    np.testing.assert_array_equal(result.x, optimum)


class NoSketch(Logistic):
    def sketch(self):
        raise AssertionError("the sketch was asked for")


def test_no_sketch_is_asked_for_with_bounds_or_without_preconditioning():
    X, y = correlated_rows(n=2000)
    fun = NoSketch(X, y)
    x0 = np.zeros(X.shape[1])
    bounded = minimise(LBFGS(), fun, x0, bounds=[(None, None)] * X.shape[1])
    free = minimise(LBFGS(precondition=False), fun, x0)
    np.testing.assert_allclose(bounded.x, free.x, rtol=1e-6)


def test_whitening_floors_the_flat_directions():
    P = whitening(np.diag([4.0, 0.0, 1.0]))
    assert np.all(np.isfinite(P))
    np.testing.assert_allclose(np.sort(np.abs(P).max(axis=0)), [0.5, 1.0, 0.5e4])
    # Columns in increasing curvature: the flat direction keeps its 0.
    np.testing.assert_allclose(P.T @ np.diag([4.0, 0.0, 1.0]) @ P, np.diag([0.0, 1.0, 1.0]))
    H = np.array([[2.0, 1.0], [1.0, 2.0]])
    P = whitening(H)
    np.testing.assert_allclose(P.T @ H @ P, np.eye(2), atol=1e-12)


# -- the engine's sketch ------------------------------------------------------------------


class _Keep(LBFGS):
    """L-BFGS, keeping the objectives it was handed and their sketches."""

    seen = []

    def minimize(self, fun, x0, **kwargs):
        _Keep.seen.append((fun, fun.sketch() if hasattr(fun, "sketch") else None))
        return super().minimize(fun, x0, **kwargs)


def sketch_of(model, X, y=None, **fit_params):
    _Keep.seen.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.set_params(solver=_Keep(), max_iter=2).fit(X, y, **fit_params)
    return _Keep.seen[0]


def classification(n, p=5, n_classes=3, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    scores = X @ rng.standard_normal((p, n_classes)) + rng.gumbel(size=(n, n_classes))
    return X, scores.argmax(axis=1)


def test_a_sketch_is_every_kth_row_weighted_to_the_total():
    X, y = classification(16_000)
    weight = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    objective, sketch = sketch_of(LogisticRegression(), X, y, sample_weight=weight)
    step = 16_000 // 5_000  # 100 rows per parameter (18), at least 5,000
    np.testing.assert_array_equal(sketch.train.X, X[::step])
    np.testing.assert_array_equal(sketch.train.Y, objective.train.Y[::step])
    np.testing.assert_allclose(
        sketch.train.sample_weight, weight[::step] * weight.sum() / weight[::step].sum()
    )
    assert sketch.total_weight == pytest.approx(objective.total_weight, rel=1e-12)
    x = np.random.default_rng(3).standard_normal(objective.x0().size) * 0.3
    # The sketch estimates F (penalty included, as a mean over the rows).
    assert sketch(x)[0] == pytest.approx(objective(x)[0], rel=0.05)


def test_an_unweighted_sketch_weighs_each_row_by_the_step():
    X, y = classification(16_000)
    _, sketch = sketch_of(LogisticRegression(), X, y)
    np.testing.assert_allclose(sketch.train.sample_weight, 16_000 / len(X[::3]))


def test_a_split_keeps_its_rows_in_the_sketch():
    X, y = classification(1000)
    data = Data(X, y.astype(float)[:, None], index=np.arange(1, 1000, 2))
    sample = data.every(10)
    np.testing.assert_array_equal(sample.X, X[1::20])
    assert sample.total_weight == pytest.approx(500.0)


@pytest.mark.parametrize(
    ("model", "why"),
    [
        (LogisticRegression(), "too few rows"),
        (LogisticRegression(l1_ratio=1.0), "L1 split"),
        (LinearRegression(loss="huber"), "no curvature"),
        (MLPClassifier(hidden_layer_sizes=(3,)), "hidden layers"),
    ],
)
def test_no_sketch_where_it_has_no_hessian_or_does_not_pay(model, why):
    X, y = classification(14_000 if why == "too few rows" else 40_000)
    if isinstance(model, LinearRegression):
        y = y.astype(float)
    _, sketch = sketch_of(model, X, y)
    assert sketch is None


def test_sparse_rows_get_a_sparse_sketch():
    X, y = classification(16_000)
    X[np.abs(X) < 1.0] = 0.0
    _, sketch = sketch_of(LogisticRegression(), sp.csr_matrix(X), y)
    assert sp.issparse(sketch.train.X)
    np.testing.assert_array_equal(sketch.train.X.toarray(), X[::3])


@pytest.mark.parametrize("n_classes", [2, 5])
def test_a_fit_whitened_by_a_sketch_reaches_newtons_optimum(n_classes):
    X, y = classification(20_000, p=10, n_classes=n_classes, seed=4)
    X = X @ np.random.default_rng(5).standard_normal((10, 10))  # correlated features
    exact = LogisticRegression(solver="newton-cholesky", tol=1e-10).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # plain L-BFGS may run out
        plain = LogisticRegression(solver=LBFGS(precondition=False)).fit(X, y)
    _, sketch = sketch_of(LogisticRegression(), X, y)
    assert sketch is not None
    whitened = LogisticRegression().fit(X, y)
    scale = np.abs(exact.coef_).max()
    np.testing.assert_allclose(whitened.coef_, exact.coef_, atol=1e-6 * scale)
    np.testing.assert_allclose(whitened.intercept_, exact.intercept_, atol=1e-6 * scale)
    assert whitened.n_iter_[0] < plain.n_iter_[0] / 2
    again = LogisticRegression().fit(X, y)
    np.testing.assert_array_equal(again.coef_, whitened.coef_)


class OverflowingSketch(Logistic):
    def sketch(self):
        sketch = Logistic(self.X[::10], self.y[::10], self.lam)
        sketch.hessian = lambda w: np.full((len(w), len(w)), np.nan)
        return sketch


def test_a_sketch_that_overflows_leaves_plain_lbfgs():
    X, y = correlated_rows(n=2000)
    x0 = np.zeros(X.shape[1])
    got = minimise(LBFGS(), OverflowingSketch(X, y), x0)
    want = minimise(LBFGS(precondition=False), Logistic(X, y), x0)
    np.testing.assert_array_equal(got.x, want.x)
