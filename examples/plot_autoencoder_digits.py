"""
Autoencoder against PCA on the digits
=====================================

:class:`~sklearn.decomposition.PCA` and an autoencoder both squeeze each
8 × 8 digit into a few numbers, the *code*, and rebuild the image from it.
PCA's code is a linear projection on the directions of largest variance; the
autoencoder learns a nonlinear encoder and decoder by gradient descent. With
the same 16 numbers, the nonlinear code rebuilds the test digits with a
clearly smaller error.

The second figure squeezes every digit into only two numbers and plots them:
the autoencoder's 2-D code separates the classes better than PCA's first two
components.

Run ``python plot_autoencoder_digits.py [FOLDER]``: the figures are written as
PNG files to ``FOLDER`` (a fresh temporary folder by default).
"""

import os
import sys
import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sklearn_dl.neural_network import Autoencoder

plt.switch_backend("Agg")  # files only: no window
# Every fit below runs a fixed number of epochs; none is meant to converge.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
FAST = os.environ.get("SKLEARN_DL_EXAMPLES_FAST") == "1"


def output_folder():
    """The folder named on the command line, or a fresh temporary one."""
    # Only this script's own command line names a folder (not, say, a test runner's).
    run_as_script = Path(sys.argv[0]).name == "plot_autoencoder_digits.py"
    if run_as_script and len(sys.argv) > 1:
        folder = Path(sys.argv[1])
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return Path(tempfile.mkdtemp(prefix="autoencoder_digits_"))


def mse(model, X):
    return np.mean((model.inverse_transform(model.transform(X)) - X) ** 2)


folder = output_folder()
digits = load_digits()
X = digits.data / 16.0  # pixels in [0, 1]: a sigmoid output fits them
X_train, X_test, y_train, y_test = train_test_split(
    X, digits.target, test_size=0.25, random_state=0
)

# %%
# Sixteen numbers per digit
# -------------------------
# One hidden layer of 128 relu units on each side of a linear 16-number code.
# The sigmoid output keeps the reconstructions in [0, 1], and its loss, the
# binary cross-entropy on the logits, is the natural one for such pixels.

pca = PCA(16).fit(X_train)
autoencoder = Autoencoder(
    16,
    hidden_layer_sizes=(128,),
    output_activation="sigmoid",
    solver="adam",
    learning_rate_init=5e-3 if FAST else 1e-3,
    max_iter=20 if FAST else 200,
    random_state=0,
).fit(X_train)
errors = {"PCA": mse(pca, X_test), "autoencoder": mse(autoencoder, X_test)}
print(
    f"held-out MSE with 16 numbers: PCA {errors['PCA']:.4f}, "
    f"autoencoder {errors['autoencoder']:.4f}"
)

shown = X_test[:10]
rows = {
    "original": shown,
    f"PCA(16)\nMSE {errors['PCA']:.4f}": pca.inverse_transform(pca.transform(shown)),
    f"Autoencoder(16)\nMSE {errors['autoencoder']:.4f}": autoencoder.inverse_transform(
        autoencoder.transform(shown)
    ),
}
fig, axes = plt.subplots(len(rows), len(shown), figsize=(10, 3.6))
for axes_row, (name, images) in zip(axes, rows.items(), strict=True):
    for ax, image in zip(axes_row, images, strict=True):
        ax.imshow(np.clip(image, 0, 1).reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
    axes_row[0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
fig.suptitle("Test digits rebuilt from 16 numbers")
fig.subplots_adjust(left=0.17, right=0.99, top=0.88, bottom=0.02, wspace=0.05, hspace=0.1)
fig.savefig(folder / "autoencoder_reconstructions.png", dpi=100)

# %%
# Two numbers per digit
# ---------------------
# A deeper encoder (256 then 64 relu units) squeezes each digit into a 2-D
# code, which we can plot. The classes overlap heavily along PCA's first two
# components; the autoencoder's code pulls most of them apart.

pca_2d = PCA(2).fit(X_train)
autoencoder_2d = Autoencoder(
    2,
    hidden_layer_sizes=(256, 64),
    output_activation="sigmoid",
    solver="adam",
    learning_rate_init=3e-3,
    max_iter=15 if FAST else 150,
    random_state=0,
).fit(X_train)

fig, axes = plt.subplots(1, 2, figsize=(11, 5), layout="constrained")
for ax, (name, model) in zip(
    axes, [("PCA(2)", pca_2d), ("Autoencoder(2)", autoencoder_2d)], strict=True
):
    codes = model.transform(X_test)
    points = ax.scatter(codes[:, 0], codes[:, 1], c=y_test, cmap="tab10", s=12, vmin=-0.5, vmax=9.5)
    ax.set(title=f"{name}: held-out MSE {mse(model, X_test):.4f}", xlabel="code 0", ylabel="code 1")
fig.colorbar(points, ax=axes, ticks=range(10), label="digit")
fig.suptitle("Test digits as 2-D codes")
fig.savefig(folder / "autoencoder_codes_2d.png", dpi=100)
print(f"figures written to {folder}")
