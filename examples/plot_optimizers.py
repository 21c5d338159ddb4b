"""
Optimizers compared on one network
==================================

The same small network (one hidden layer of 32 ReLU units) is trained on the
digits data by every kind of optimizer sklearn_dl has: plain SGD, SGD with
classical and with Nesterov momentum, Adagrad, Adadelta, RMSProp, Adam, and
the full-batch quasi-Newton method L-BFGS. Only ``solver`` and
``learning_rate_init`` change; initial weights, data and penalty are the same.

``solver`` takes a registry name (``"adam"``) or an optimizer object whose
settings then apply, such as ``SGD(momentum=0.9, nesterov=True)``.
Mini-batch optimizers log one loss per epoch (a pass over the data in
batches of 200); L-BFGS logs one per iteration over the full batch.
"""

import os
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_dl.neural_network import MLPClassifier
from sklearn_dl.optimizers import LBFGS, SGD, Adadelta, Adagrad, Adam, RMSProp

FAST = os.environ.get("SKLEARN_DL_EXAMPLES_FAST") == "1"
EPOCHS = 5 if FAST else 60

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# One learning rate per optimizer, each a reasonable choice for this problem:
# momentum methods take about ``η / (1 - μ)`` per step, so they get a
# smaller ``η``; Adadelta's original form has ``η = 1``.

optimizers = {
    "SGD": (SGD(), 0.1),
    "momentum": (SGD(momentum=0.9), 0.01),
    "Nesterov": (SGD(momentum=0.9, nesterov=True), 0.01),
    "Adagrad": (Adagrad(), 0.05),
    "Adadelta": (Adadelta(), 1.0),
    "RMSProp": (RMSProp(), 0.001),
    "Adam": (Adam(), 0.003),
    "L-BFGS": (LBFGS(), 0.0),
}

fig, ax = plt.subplots(figsize=(9, 5.5), layout="constrained")
for name, (solver, rate) in optimizers.items():
    model = MLPClassifier(
        hidden_layer_sizes=(32,),
        solver=solver,
        learning_rate_init=rate or 0.001,  # L-BFGS ignores it
        max_iter=EPOCHS,
        tol=0.0,
        n_iter_no_change=EPOCHS + 1,  # run every epoch: no early stop
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    accuracy = model.score(X_test, y_test)
    print(f"{name:>9}: final loss {model.loss_:.4f}, test accuracy {accuracy:.3f}")
    style = "--" if solver.full_batch else "-"
    ax.plot(range(1, model.n_iter_ + 1), model.loss_curve_, style, label=f"{name} ({accuracy:.3f})")

ax.set(
    xlabel="epoch (L-BFGS: iteration)",
    ylabel="training objective",
    yscale="log",
    title="Training loss on digits (test accuracy in brackets)",
)
ax.grid(alpha=0.3)
ax.legend(ncols=2)
plt.show()

# %%
# Adaptive methods (Adagrad, RMSProp, Adam) scale each parameter's step by
# the size of its recent gradients, so one learning rate suits weights whose
# gradients differ by orders of magnitude. L-BFGS builds a curvature model
# from the full data and reaches a far lower training loss in few
# iterations; on a small data set like this that mostly means it fits the
# training data more closely, not that it generalises better.
