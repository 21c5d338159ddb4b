"""Every optimizer: one step against its update written out by hand.

Also the same three problems (a convex quadratic, a logistic problem,
Rosenbrock) minimised to their known solutions.
"""

import numpy as np
import pytest
from scipy.special import expit

from sklearn_dl.optimizers import (
    OPTIMIZERS,
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    AdamW,
    Momentum,
    Nesterov,
    RMSProp,
    get_optimizer,
)

# -- the shared problems -------------------------------------------------------------


def quadratic():
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    A = Q @ np.diag(np.linspace(1.0, 10.0, 5)) @ Q.T
    b = rng.standard_normal(5)

    def f(x):
        return 0.5 * x @ A @ x - b @ x, A @ x - b

    return f, np.zeros(5), np.linalg.solve(A, b)


def logistic():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 3))
    y = (X @ [1.0, -2.0, 0.5] + rng.standard_normal(200) > 0).astype(float)
    lam = 0.1

    def f(w):
        z = X @ w
        value = np.mean(np.logaddexp(0, z) - y * z) + 0.5 * lam * w @ w
        return value, X.T @ (expit(z) - y) / len(y) + lam * w

    # Newton's method gives the reference solution.
    w = np.zeros(3)
    for _ in range(50):
        p = expit(X @ w)
        H = (X.T * (p * (1 - p))) @ X / len(y) + lam * np.eye(3)
        w -= np.linalg.solve(H, f(w)[1])
    return f, np.zeros(3), w


def rosenbrock():
    def f(x):
        a, b = x
        value = (1 - a) ** 2 + 100 * (b - a * a) ** 2
        grad = np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])
        return value, grad

    return f, np.array([-1.2, 1.0]), np.array([1.0, 1.0])


PROBLEMS = {"quadratic": quadratic, "logistic": logistic, "rosenbrock": rosenbrock}

# Learning rate and number of steps per (optimizer, problem); the tolerance is
# on the distance to the solution.
SETTINGS = {
    "sgd": {"quadratic": (0.1, 200), "logistic": (3.0, 100), "rosenbrock": (1e-3, 40000)},
    "momentum": {"quadratic": (0.3, 300), "logistic": (0.3, 300), "rosenbrock": (3e-3, 1200)},
    "nesterov": {"quadratic": (0.1, 200), "logistic": (3.0, 100), "rosenbrock": (1e-3, 4000)},
    "adagrad": {"quadratic": (0.5, 100), "logistic": (1.0, 100), "rosenbrock": (0.5, 21000)},
    "adadelta": {"quadratic": (0.1, 2800), "logistic": (3.0, 500), "rosenbrock": (3e-3, 60000)},
    "rmsprop": {"quadratic": (3e-4, 3300), "logistic": (3e-4, 7100), "rosenbrock": (3e-4, 30000)},
    "adam": {"quadratic": (0.3, 300), "logistic": (0.1, 300), "rosenbrock": (0.01, 12000)},
    "adamw": {"quadratic": (0.3, 300), "logistic": (0.1, 300), "rosenbrock": (0.01, 12000)},
}
TOLERANCE = 1e-3


def minimise_stochastic(optimizer, f, x0, lr, steps):
    x = x0.copy()
    optimizer.init(x, n_weights=0)  # no decoupled decay: the problems have no "weights"
    for _ in range(steps):
        optimizer.step(x, f(x)[1], lr)
    return x


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_reaches_known_minimum(name, problem):
    f, x0, solution = PROBLEMS[problem]()
    optimizer = get_optimizer(name)
    if optimizer.full_batch:
        result = optimizer.minimize(f, x0, max_iter=2000, max_fun=20000, tol=1e-10, callback=None)
        x = result.x
    else:
        lr, steps = SETTINGS[name][problem]
        x = minimise_stochastic(optimizer, f, x0, lr, steps)
    assert np.linalg.norm(x - solution) < TOLERANCE


# -- one step by hand ------------------------------------------------------------------

THETA = np.array([0.5, -1.0, 2.0])
GRAD = np.array([0.1, -0.4, 0.3])
LR = 0.1


def two_steps(optimizer, n_weights=3):
    """Two steps from THETA with gradients GRAD and then 2 * GRAD."""
    theta = THETA.copy()
    optimizer.init(theta, n_weights)
    optimizer.step(theta, GRAD.copy(), LR)
    first = theta.copy()
    optimizer.step(theta, 2 * GRAD, LR)
    return first, theta


def test_sgd_step():
    first, second = two_steps(SGD())
    np.testing.assert_allclose(first, THETA - LR * GRAD)
    np.testing.assert_allclose(second, first - LR * 2 * GRAD)


def test_momentum_step():
    first, second = two_steps(Momentum(momentum=0.9))
    v1 = -LR * GRAD
    v2 = 0.9 * v1 - LR * 2 * GRAD
    np.testing.assert_allclose(first, THETA + v1)
    np.testing.assert_allclose(second, THETA + v1 + v2)


def test_nesterov_step():
    first, second = two_steps(Nesterov(momentum=0.9))
    v1 = -LR * GRAD
    np.testing.assert_allclose(first, THETA + 0.9 * v1 - LR * GRAD)
    v2 = 0.9 * v1 - LR * 2 * GRAD
    np.testing.assert_allclose(second, first + 0.9 * v2 - LR * 2 * GRAD)


def test_adagrad_step():
    first, second = two_steps(Adagrad(epsilon=1e-8))
    G1 = GRAD**2
    np.testing.assert_allclose(first, THETA - LR * GRAD / (np.sqrt(G1) + 1e-8))
    G2 = G1 + 4 * GRAD**2
    np.testing.assert_allclose(second, first - LR * 2 * GRAD / (np.sqrt(G2) + 1e-8))


def test_rmsprop_step():
    first, second = two_steps(RMSProp(rho=0.9, epsilon=1e-8))
    E1 = 0.1 * GRAD**2
    np.testing.assert_allclose(first, THETA - LR * GRAD / (np.sqrt(E1) + 1e-8))
    E2 = 0.9 * E1 + 0.1 * 4 * GRAD**2
    np.testing.assert_allclose(second, first - LR * 2 * GRAD / (np.sqrt(E2) + 1e-8))


def test_adadelta_step():
    rho, eps = 0.95, 1e-6
    first, second = two_steps(Adadelta(rho=rho, epsilon=eps))
    Eg1 = (1 - rho) * GRAD**2
    d1 = np.sqrt(0 + eps) / np.sqrt(Eg1 + eps) * GRAD
    np.testing.assert_allclose(first, THETA - LR * d1)
    Ed1 = (1 - rho) * d1**2
    Eg2 = rho * Eg1 + (1 - rho) * 4 * GRAD**2
    d2 = np.sqrt(Ed1 + eps) / np.sqrt(Eg2 + eps) * 2 * GRAD
    np.testing.assert_allclose(second, first - LR * d2)


def test_adam_step():
    b1, b2, eps = 0.8, 0.99, 1e-8
    first, second = two_steps(Adam(beta_1=b1, beta_2=b2, epsilon=eps))
    m1, v1 = (1 - b1) * GRAD, (1 - b2) * GRAD**2
    lr1 = LR * np.sqrt(1 - b2) / (1 - b1)
    np.testing.assert_allclose(first, THETA - lr1 * m1 / (np.sqrt(v1) + eps))
    m2 = b1 * m1 + (1 - b1) * 2 * GRAD
    v2 = b2 * v1 + (1 - b2) * 4 * GRAD**2
    lr2 = LR * np.sqrt(1 - b2**2) / (1 - b1**2)
    np.testing.assert_allclose(second, first - lr2 * m2 / (np.sqrt(v2) + eps))


def test_adamw_decays_weights_only():
    # The first two entries are weights, the last one a bias.
    first, _ = two_steps(AdamW(weight_decay=0.5), n_weights=2)
    adam_first, _ = two_steps(Adam())
    decay = LR * 0.5 * THETA
    np.testing.assert_allclose(first[:2], adam_first[:2] - decay[:2])
    assert first[2] == adam_first[2]


def test_unknown_optimizer_lists_valid_names():
    with pytest.raises(ValueError, match="'adam'.*'sgd'"):
        get_optimizer("adamm")


def test_optimizer_object_is_cloned_not_mutated():
    user = Adam(beta_1=0.8)
    fresh = get_optimizer(user)
    fresh.init(np.zeros(2), 2)
    assert fresh is not user and not hasattr(user, "m_")


def test_newtons_direction_solves_by_cholesky_or_skips_the_flat_directions():
    from sklearn_dl.optimizers import _newton_direction

    rng = np.random.default_rng(3)
    A = rng.standard_normal((6, 6))
    H, g = A @ A.T + np.eye(6), rng.standard_normal(6)
    np.testing.assert_allclose(H @ _newton_direction(H, g), -g, rtol=1e-10)
    # Singular: no step along the null direction, the pseudo-inverse's answer.
    V, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    H = V @ np.diag([0.0, 1.0, 4.0]) @ V.T
    d = _newton_direction(H, g[:3])
    np.testing.assert_allclose(d, -np.linalg.pinv(H, rcond=1e-12) @ g[:3], atol=1e-12)
    assert abs(V[:, 0] @ d) < 1e-12
    # Badly conditioned but not singular (1e-10): the same direction as a solve.
    H = V @ np.diag([1e-10, 1.0, 4.0]) @ V.T
    np.testing.assert_allclose(_newton_direction(H, g[:3]), -np.linalg.solve(H, g[:3]), rtol=1e-5)
