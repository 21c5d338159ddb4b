"""
L1, L2 and elastic-net coefficient paths
========================================

:class:`~sklearn_dl.linear_model.LinearRegression` minimises

.. math::

    \\frac{1}{n} \\Big( \\sum_i \\tfrac12 (x_i^\\top w + b - y_i)^2 + \\alpha R(w) \\Big),
    \\qquad R(w) = \\rho \\lVert w \\rVert_1 + (1 - \\rho) \\tfrac12 \\lVert w \\rVert_2^2,

with ``penalty="l2"`` (``ρ = 0``), ``"l1"`` (``ρ = 1``) or ``"elasticnet"``
(``ρ = l1_ratio``). We follow each coefficient of the diabetes data as
``alpha`` grows. The L2 penalty shrinks every coefficient smoothly towards
zero; the L1 penalty sets them to *exactly* zero one after the other, and the
elastic net does both.

The full-batch solver handles the L1 term by writing ``w = w⁺ - w⁻`` with
``w⁺, w⁻ ≥ 0``, which turns ``‖w‖₁`` into the smooth ``Σ (w⁺ + w⁻)``;
coefficients that reach the bound are exact zeros.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn import linear_model as sk
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler

from sklearn_dl.linear_model import LinearRegression

FAST = os.environ.get("SKLEARN_DL_EXAMPLES_FAST") == "1"

data = load_diabetes()
X = StandardScaler().fit_transform(data.data)
y = data.target
n = len(y)
alphas = np.logspace(-1, 5, 8 if FAST else 40)

penalties = {"L2": "l2", "L1": "l1", "elastic net (l1_ratio=0.5)": "elasticnet"}
paths = {}
for name, penalty in penalties.items():
    coefs = []
    for alpha in alphas:
        model = LinearRegression(penalty=penalty, alpha=alpha, l1_ratio=0.5, max_iter=2000)
        coefs.append(model.fit(X, y).coef_)
    paths[name] = np.array(coefs)

# %%
# How ``alpha`` maps to scikit-learn
# ----------------------------------
# With the squared error halved, our ``alpha`` *is* ``Ridge(alpha)``; Lasso
# and ElasticNet divide the squared error by ``2n`` instead of ``2``, so
# their ``alpha`` is ours divided by ``n``.

alpha = 300.0
pairs = {
    "Ridge(alpha)": (sk.Ridge(alpha=alpha), "l2"),
    "Lasso(alpha / n)": (sk.Lasso(alpha=alpha / n, tol=1e-10), "l1"),
    "ElasticNet(alpha / n)": (sk.ElasticNet(alpha=alpha / n, tol=1e-10), "elasticnet"),
}
for label, (reference, penalty) in pairs.items():
    ours = LinearRegression(penalty=penalty, alpha=alpha, max_iter=2000).fit(X, y)
    gap = np.abs(ours.coef_ - reference.fit(X, y).coef_).max()
    zeros = int(np.sum(ours.coef_ == 0))
    print(f"{label:>22}: largest coefficient difference {gap:.1e}, exact zeros {zeros}")

# %%
# The paths
# ---------

fig, axes = plt.subplots(1, 4, figsize=(16, 4.5), layout="constrained")
for ax, (name, coefs) in zip(axes, paths.items(), strict=False):
    ax.plot(alphas, coefs)
    ax.set(xscale="log", xlabel="alpha", title=name)
    ax.axhline(0, color="black", linewidth=0.5)
    ax.grid(alpha=0.3)
axes[0].set_ylabel("coefficient")
for name, coefs in paths.items():
    axes[3].plot(alphas, np.sum(coefs == 0, axis=1), marker=".", label=name)
axes[3].set(xscale="log", xlabel="alpha", ylabel="coefficients exactly 0", title="Exact zeros")
axes[3].legend()
axes[3].grid(alpha=0.3)
plt.show()

# %%
# Under L2 no coefficient is ever exactly zero: the penalty's pull,
# ``alpha w``, fades as ``w`` shrinks. Under L1 the pull is the constant
# ``alpha`` whatever the size of ``w``, so a coefficient whose data gradient
# is weaker than that is held at zero — the lasso selects features.
