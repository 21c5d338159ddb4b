"""
Dropout and batch normalisation against overfitting
===================================================

Four copies of a wide two-layer network are trained on only 300 digits and
judged on 600 others:

* **plain** — nothing but the data;
* **dropout** — every hidden unit is zeroed with probability 0.3 at each
  training step (``dropout=0.3``), and the kept ones are scaled by
  ``1 / 0.7`` so that nothing changes at predict time;
* **batch norm** — every hidden layer is normalised over the mini-batch
  before its activation (``batch_norm=True``), with a learned scale and
  shift; predictions use running averages of the batch statistics;
* **both**.

All four have the same weights at the start, the same optimizer and the same
number of epochs. Dropout and batch normalisation are layers of the network,
not terms of the loss: the printed training loss has no extra term.
"""

import os
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_dl.neural_network import MLPClassifier

FAST = os.environ.get("SKLEARN_DL_EXAMPLES_FAST") == "1"
EPOCHS = 10 if FAST else 80

X, y = load_digits(return_X_y=True)
X_train, X_val, y_train, y_val = train_test_split(
    X, y, train_size=300, test_size=600, random_state=1, stratify=y
)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)

variants = {
    "plain": {},
    "dropout 0.3": {"dropout": 0.3},
    "batch norm": {"batch_norm": True},
    "dropout + batch norm": {"dropout": 0.3, "batch_norm": True},
}

fig, (ax_train, ax_val) = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True, layout="constrained")
for name, extra in variants.items():
    model = MLPClassifier(
        hidden_layer_sizes=(128, 128),
        alpha=0.0,
        batch_size=50,
        max_iter=EPOCHS,
        n_iter_no_change=EPOCHS + 1,
        random_state=0,
        **extra,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train, validation_data=(X_val, y_val))
    accuracy = model.score(X_val, y_val)
    print(f"{name:>22}: validation accuracy {accuracy:.3f}")
    ax_train.plot(model.history_["loss"], label=name)
    ax_val.plot(model.history_["val_loss"], label=f"{name} ({accuracy:.3f})")

ax_train.set(title="training loss", xlabel="epoch", ylabel="mean log loss", yscale="log")
ax_val.set(title="validation loss (validation accuracy)", xlabel="epoch")
for ax in (ax_train, ax_val):
    ax.grid(alpha=0.3)
    ax.legend()
plt.show()

# %%
# What the curves show: the plain network drives its training loss towards
# zero — it memorises the 300 samples. Dropout holds the training loss an
# order of magnitude higher, because every step trains a different thinned
# network and no single unit can memorise a sample; batch normalisation
# makes the first epochs fastest. On a problem as clean as the digits the
# validation losses end close together: a regulariser pays off most when
# the data are noisy or the network is much larger than the data can
# support. ``dropout`` also takes one rate per hidden layer, e.g.
# ``dropout=[0.5, 0.2]``.
