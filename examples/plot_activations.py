"""
Activation functions and their derivatives
==========================================

Every activation in :mod:`sklearn_dl.activations` is a small object with two
methods: ``forward(Z)`` returns ``A = f(Z)``, and ``backward(Z, A, dA)``
returns ``dA * f'(Z)``, the step backpropagation takes through the
nonlinearity. Passing ``dA = 1`` therefore gives the derivative itself.

Each derivative below is also checked against a central finite difference.
"""

import matplotlib.pyplot as plt
import numpy as np

from sklearn_dl.activations import (
    ELU,
    GELU,
    SELU,
    Identity,
    LeakyReLU,
    Logistic,
    ReLU,
    Softplus,
    Swish,
    Tanh,
)

activations = {
    "identity": Identity(),
    "logistic (sigmoid)": Logistic(),
    "tanh": Tanh(),
    "ReLU": ReLU(),
    "leaky ReLU (slope 0.1)": LeakyReLU(negative_slope=0.1),
    "ELU": ELU(),
    "SELU": SELU(),
    "GELU": GELU(),
    "softplus": Softplus(),
    "swish (SiLU)": Swish(),
}

z = np.linspace(-4, 4, 401)
# Points away from the kinks of ReLU-like functions, for the numerical check.
z_check = np.linspace(-3.95, 3.95, 80)
h = 1e-6

fig, axes = plt.subplots(2, 5, figsize=(14, 6), sharex=True, layout="constrained")
for ax, (name, activation) in zip(axes.ravel(), activations.items(), strict=True):
    value = activation.forward(z.copy())
    derivative = activation.backward(z, value, np.ones_like(z))
    ax.plot(z, value, label="f(z)")
    ax.plot(z, derivative, "--", label="f'(z)")
    ax.axhline(0, color="gray", linewidth=0.5)
    ax.axvline(0, color="gray", linewidth=0.5)
    ax.set_title(name)
    ax.set_ylim(-2, 4.2)

    exact = activation.backward(z_check, activation.forward(z_check.copy()), np.ones_like(z_check))
    up, down = activation.forward(z_check + h), activation.forward(z_check - h)
    numeric = (up - down) / (2 * h)
    print(f"{name:>24}: largest |f' - finite difference| = {np.abs(exact - numeric).max():.1e}")
axes[0, 0].legend(loc="upper left")
for ax in axes[1]:
    ax.set_xlabel("z")
fig.suptitle("Activations (solid) and their derivatives (dashed)")
plt.show()

# %%
# The logistic function and tanh saturate: far from zero their derivative
# vanishes, which slows the training of deep stacks of them. ReLU's
# derivative is exactly 0 or 1; leaky ReLU, ELU and SELU keep a non-zero
# slope for negative inputs, and GELU, softplus and swish are smooth
# versions of ReLU.
