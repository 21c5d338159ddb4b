"""
k-nearest neighbours: the effect of ``k`` and ``weights``
=========================================================

:class:`~sklearn_dl.neighbors.KNeighborsClassifier` predicts the class most
common among the ``k`` training points closest to a query. With
``weights="uniform"`` each neighbour casts one vote; with
``weights="distance"`` a neighbour's vote is ``1 / distance``, so close
points count more (and a query that coincides with a training point takes
its label).

A small ``k`` follows every training point and gives a ragged boundary
(low bias, high variance); a large ``k`` averages over wide regions and
gives a smooth one. Distance weighting keeps the training accuracy at 1 for
every ``k``, since each training point is its own nearest neighbour.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_dl.neighbors import KNeighborsClassifier

FAST = os.environ.get("SKLEARN_DL_EXAMPLES_FAST") == "1"
STEPS = 60 if FAST else 250

X, y = make_moons(n_samples=300, noise=0.35, random_state=0)
X = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)

xx, yy = np.meshgrid(np.linspace(-2.6, 2.6, STEPS), np.linspace(-2.6, 2.6, STEPS))
grid = np.column_stack([xx.ravel(), yy.ravel()])

neighbours = [1, 5, 25, 75]
fig, axes = plt.subplots(
    2, len(neighbours), figsize=(14, 7), sharex=True, sharey=True, layout="constrained"
)
for row, weights in zip(axes, ["uniform", "distance"], strict=True):
    for ax, k in zip(row, neighbours, strict=True):
        model = KNeighborsClassifier(n_neighbors=k, weights=weights).fit(X_train, y_train)
        proba = model.predict_proba(grid)[:, 1].reshape(xx.shape)
        ax.contourf(xx, yy, proba, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.5)
        ax.contour(xx, yy, proba, levels=[0.5], colors="black", linewidths=1)
        colors = np.where(y_train == 1, "#b2182b", "#2166ac")
        ax.scatter(X_train[:, 0], X_train[:, 1], c=colors, s=12, edgecolors="white", linewidths=0.4)
        train, test = model.score(X_train, y_train), model.score(X_test, y_test)
        ax.set(xlim=(-2.6, 2.6), ylim=(-2.6, 2.6))
        ax.set_title(f"k={k}, {weights}\ntrain {train:.2f}, test {test:.2f}", fontsize=10)
        print(f"k={k:>2}, weights={weights:>8}: train accuracy {train:.3f}, test {test:.3f}")
plt.show()

# %%
# The colour shows ``predict_proba``: the (weighted) share of the
# neighbours in each class. With ``k=1`` it can only be 0 or 1.
