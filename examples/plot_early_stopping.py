"""
Early stopping and learning curves
==================================

A network with many more weights than training samples keeps lowering its
training loss long after the loss on unseen data has turned back up. The gap
between the two curves is the *generalisation gap*.

``fit(X, y, validation_data=(X_val, y_val))`` records the validation loss and
score after every epoch in ``history_``. The
:class:`~sklearn_dl.callbacks.EarlyStopping` callback watches one of those
values, stops after ``patience`` epochs without progress, and puts back the
weights of the best epoch. (scikit-learn's ``early_stopping=True`` is a
shortcut for the same callback on a held-out split, watching the score.)

A learning curve asks the other question: how do the training and
validation scores change as the training set grows?
"""

import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import learning_curve, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_dl.callbacks import EarlyStopping
from sklearn_dl.neural_network import MLPClassifier

FAST = os.environ.get("SKLEARN_DL_EXAMPLES_FAST") == "1"
EPOCHS = 15 if FAST else 150

X, y = load_digits(return_X_y=True)
X_train, X_val, y_train, y_val = train_test_split(
    X, y, train_size=300, test_size=600, random_state=0, stratify=y
)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)

settings = dict(
    hidden_layer_sizes=(256,),
    alpha=0.0,
    batch_size=32,
    learning_rate_init=1e-3,
    max_iter=EPOCHS,
    n_iter_no_change=EPOCHS + 1,  # let the first model run every epoch
    random_state=0,
)

# %%
# Training and validation loss per epoch
# --------------------------------------

stopper = EarlyStopping(monitor="val_loss", patience=10, restore_best=True)
full = MLPClassifier(**settings)
early = MLPClassifier(**settings, callbacks=[stopper])
with warnings.catch_warnings():
    # The first model is meant to run out of epochs.
    warnings.simplefilter("ignore", ConvergenceWarning)
    full.fit(X_train, y_train, validation_data=(X_val, y_val))
    early.fit(X_train, y_train, validation_data=(X_val, y_val))

best = int(np.argmin(full.history_["val_loss"]))
print(f"lowest validation loss at epoch {best + 1} of {full.n_iter_}")
print(f"early stopping ran {early.n_iter_} epochs")
print(
    f"validation accuracy: all epochs {full.score(X_val, y_val):.3f}, "
    f"early stopped {early.score(X_val, y_val):.3f}"
)

# %%
# Learning curve
# --------------
# Six training-set sizes, three-fold cross-validation; the pipeline scales
# the features inside each fold.

sizes = np.linspace(0.1, 1.0, 3 if FAST else 6)
pipeline = make_pipeline(
    StandardScaler(), MLPClassifier(hidden_layer_sizes=(64,), max_iter=EPOCHS, random_state=0)
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    n_train, train_scores, val_scores = learning_curve(
        pipeline, X[:900], y[:900], train_sizes=sizes, cv=3
    )

fig, (ax_loss, ax_curve) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
epochs = np.arange(1, full.n_iter_ + 1)
ax_loss.plot(epochs, full.history_["loss"], label="training loss")
ax_loss.plot(epochs, full.history_["val_loss"], label="validation loss")
ax_loss.fill_between(
    epochs, full.history_["loss"], full.history_["val_loss"], alpha=0.15, label="generalisation gap"
)
ax_loss.axvline(early.n_iter_, color="black", linestyle="--", label="early stopping ends")
ax_loss.axvline(best + 1, color="gray", linestyle=":", label="best epoch")
ax_loss.set(xlabel="epoch", ylabel="mean log loss", yscale="log", title="Loss per epoch")
ax_loss.legend()
ax_loss.grid(alpha=0.3)

for scores, label in [(train_scores, "training"), (val_scores, "validation")]:
    mean, std = scores.mean(axis=1), scores.std(axis=1)
    ax_curve.plot(n_train, mean, marker="o", label=f"{label} accuracy")
    ax_curve.fill_between(n_train, mean - std, mean + std, alpha=0.2)
ax_curve.set(xlabel="training samples", ylabel="accuracy", title="Learning curve")
ax_curve.legend()
ax_curve.grid(alpha=0.3)
plt.show()

# %%
# With a few hundred samples the network memorises the training set (its
# accuracy is 1.0 at every size) and the validation accuracy climbs with
# more data: more data, not more epochs, is what closes the gap.
