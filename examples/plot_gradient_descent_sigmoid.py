"""
Gradient descent on a sigmoid's error surface
=============================================

A single sigmoid neuron ``f(x) = 1 / (1 + exp(-(w x + b)))`` has two
parameters, so its error surface can be drawn. We ask it to pass through two
points, ``(0.5, 0.2)`` and ``(2.5, 0.9)``, with the squared error

.. math::

    L(w, b) = \\tfrac12 \\sum_{i=1}^{2} (f(x_i) - y_i)^2,

whose gradient follows from the chain rule:

.. math::

    \\frac{\\partial L}{\\partial w} = \\sum_i (f(x_i) - y_i)\\, f(x_i) (1 - f(x_i))\\, x_i,
    \\qquad
    \\frac{\\partial L}{\\partial b} = \\sum_i (f(x_i) - y_i)\\, f(x_i) (1 - f(x_i)).

Starting from ``w = b = -2``, plain gradient descent crawls across the flat
plateau where the sigmoid saturates and speeds up on the slope. The same
surface is then handed to three of sklearn_dl's optimizers through their
``init`` / ``step`` interface, the one the estimators use on their flat
parameter vector.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit

from sklearn_dl.optimizers import SGD, Adam, Momentum

FAST = os.environ.get("SKLEARN_DL_EXAMPLES_FAST") == "1"
EPOCHS = 150 if FAST else 1000

x = np.array([0.5, 2.5])
y = np.array([0.2, 0.9])


def loss(w, b):
    """Squared error of the sigmoid ``(w, b)`` on the two points (broadcasts)."""
    f = expit(np.multiply.outer(w, x) + np.expand_dims(b, -1))
    return 0.5 * np.sum((f - y) ** 2, axis=-1)


def gradient(theta):
    """``(∂L/∂w, ∂L/∂b)`` at ``theta = (w, b)``."""
    w, b = theta
    f = expit(w * x + b)
    delta = (f - y) * f * (1 - f)  # ∂L/∂z for each point
    return np.array([np.sum(delta * x), np.sum(delta)])


# %%
# Gradient descent, written out
# -----------------------------
# Each epoch sums the gradient over both points and takes one step of size
# ``η = 1`` against it.

theta = np.array([-2.0, -2.0])
plain_path = [theta.copy()]
for _ in range(EPOCHS):
    theta = theta - 1.0 * gradient(theta)
    plain_path.append(theta.copy())
plain_path = np.array(plain_path)
w, b = plain_path[-1]
print(f"after {EPOCHS} epochs: w = {w:.3f}, b = {b:.3f}, L = {loss(w, b):.5f}")
print(f"f(0.5) = {expit(0.5 * w + b):.3f}, f(2.5) = {expit(2.5 * w + b):.3f}")

# %%
# The same surface, three optimizers
# ----------------------------------
# An optimizer only sees a flat parameter vector and its gradient:
# ``init(params, n_weights)`` creates its state, ``step(params, grads, lr)``
# updates ``params`` in place.


def descend(optimizer, lr):
    params = np.array([-2.0, -2.0])
    optimizer.init(params, n_weights=1)
    path = [params.copy()]
    for _ in range(EPOCHS):
        optimizer.step(params, gradient(params), lr)
        path.append(params.copy())
    return np.array(path)


paths = {
    "gradient descent (η=1)": plain_path,
    "SGD object (η=1)": descend(SGD(), 1.0),
    "momentum 0.9 (η=0.2)": descend(Momentum(momentum=0.9), 0.2),
    "Adam (η=0.1)": descend(Adam(), 0.1),
}
assert np.allclose(paths["SGD object (η=1)"], plain_path)  # the same rule

# %%
# The paths on the contours of ``L``, and the loss per epoch.

grid_w, grid_b = np.meshgrid(np.linspace(-6, 6, 241), np.linspace(-6, 6, 241))
surface = loss(grid_w, grid_b)

fig, (ax_surface, ax_curve) = plt.subplots(1, 2, figsize=(12, 5), layout="constrained")
contour = ax_surface.contourf(grid_w, grid_b, np.log10(surface), levels=30, cmap="viridis_r")
fig.colorbar(contour, ax=ax_surface, label="log10 L(w, b)")
for (name, path), style in zip(paths.items(), ["-", ":", "-", "-"], strict=True):
    if name.startswith("SGD object"):
        continue  # it coincides with plain gradient descent
    ax_surface.plot(path[:, 0], path[:, 1], style, linewidth=2, label=name)
    ax_curve.plot(loss(path[:, 0], path[:, 1]), label=name)
ax_surface.plot(-2, -2, "ko")
ax_surface.set(xlabel="w", ylabel="b", title="Paths from (w, b) = (-2, -2)")
ax_surface.legend(loc="lower left")
ax_curve.set(
    xlabel="epoch", ylabel="L(w, b)", yscale="log", ylim=(1e-12, 1), title="Loss per epoch"
)
ax_curve.grid(alpha=0.3)
ax_curve.legend()
plt.show()

# %%
# The plateau at the start is where ``f(x)`` is close to 0 for both points:
# there ``f (1 - f)`` is tiny and so is every gradient. Momentum accumulates
# those small steps, and Adam divides them by their own running size, which
# is why both leave the plateau sooner.
