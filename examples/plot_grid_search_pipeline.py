"""
Grid search over nested solver parameters
=========================================

Every part of a sklearn_dl estimator — optimizer, schedule, penalty,
activation — is a scikit-learn estimator object with its own parameters.
``get_params`` therefore reaches into it, and a grid search can tune, say,
Adam's ``beta_1`` with the same double-underscore paths that reach into a
:class:`~sklearn.pipeline.Pipeline`: ``"model__solver__beta_1"`` is the
``beta_1`` of the ``solver`` of the step named ``model``.

Nothing here needed code of our own: ``clone`` copies the optimizer along
with the estimator, and each fit trains a fresh copy, so the object in the
grid is never changed.
"""

import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_dl.neural_network import MLPClassifier
from sklearn_dl.optimizers import Adam
from sklearn_dl.schedules import ExponentialDecay

FAST = os.environ.get("SKLEARN_DL_EXAMPLES_FAST") == "1"

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)

pipeline = Pipeline(
    [
        ("scale", StandardScaler()),
        (
            "model",
            MLPClassifier(
                hidden_layer_sizes=(16,),
                solver=Adam(),
                learning_rate=ExponentialDecay(),
                learning_rate_init=0.01,
                max_iter=10 if FAST else 60,
                random_state=0,
            ),
        ),
    ]
)
print(sorted(k for k in pipeline.get_params() if k.startswith("model__solver__")))

# %%
# The grid: Adam's first-moment decay against the decay of the
# learning-rate schedule, both one level below the estimator.

beta_1 = [0.5, 0.9] if FAST else [0.0, 0.5, 0.8, 0.9, 0.99]
gamma = [0.8, 1.0] if FAST else [0.7, 0.8, 0.9, 0.95, 1.0]
search = GridSearchCV(
    pipeline,
    {"model__solver__beta_1": beta_1, "model__learning_rate__gamma": gamma},
    cv=3,
    scoring="neg_log_loss",
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)

print("best parameters:", search.best_params_)
best = search.best_estimator_
print(
    f"cross-validated log loss {-search.best_score_:.4f}; on the test set: "
    f"log loss {-search.score(X_test, y_test):.4f}, accuracy {best.score(X_test, y_test):.3f}"
)
best_solver = best.named_steps["model"].solver
print("the tuned optimizer:", best_solver)

# %%
# Mean cross-validated log loss over the grid (lower is better).

scores = np.empty((len(beta_1), len(gamma)))
for params, score in zip(
    search.cv_results_["params"], search.cv_results_["mean_test_score"], strict=True
):
    i = beta_1.index(params["model__solver__beta_1"])
    j = gamma.index(params["model__learning_rate__gamma"])
    scores[i, j] = -score
fig, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
image = ax.imshow(scores, cmap="viridis_r", origin="lower")
fig.colorbar(image, ax=ax, label="mean log loss (3-fold)")
ax.set_xticks(np.arange(len(gamma)), [str(g) for g in gamma])
ax.set_yticks(np.arange(len(beta_1)), [str(b) for b in beta_1])
ax.set(xlabel="learning_rate__gamma", ylabel="solver__beta_1", title="Grid search in a pipeline")
for (i, j), value in np.ndenumerate(scores):
    ax.text(j, i, f"{value:.3f}", ha="center", va="center", color="white", fontsize=8)
plt.show()
