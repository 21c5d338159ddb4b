"""
A variational autoencoder on the digits
=======================================

A :class:`~sklearn_dl.neural_network.VariationalAutoencoder` learns a
distribution over 2-D codes from which the 8 × 8 digits are decoded. Being a
generative model, it can draw new digits: codes from the prior
``N(0, I)``, passed through the decoder. Its ``score`` is the evidence lower
bound, a lower bound on the held-out log-likelihood, which we set against
probabilistic PCA's exact log-likelihood for the same code size.

The second figure places every test digit at its code mean: the classes
gather in regions of the plane that the prior covers.

Run ``python plot_variational_autoencoder.py [FOLDER]``: the figures are
written as PNG files to ``FOLDER`` (a fresh temporary folder by default).
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

from sklearn_dl.neural_network import VariationalAutoencoder

plt.switch_backend("Agg")  # files only: no window
# The fits below run a fixed number of epochs; none is meant to converge.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
FAST = os.environ.get("SKLEARN_DL_EXAMPLES_FAST") == "1"


def output_folder():
    """The folder named on the command line, or a fresh temporary one."""
    # Only this script's own command line names a folder (not, say, a test runner's).
    run_as_script = Path(sys.argv[0]).name == "plot_variational_autoencoder.py"
    if run_as_script and len(sys.argv) > 1:
        folder = Path(sys.argv[1])
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return Path(tempfile.mkdtemp(prefix="variational_autoencoder_"))


folder = output_folder()
digits = load_digits()
X = digits.data / 16.0  # pixels in [0, 1]
X_train, X_test, y_train, y_test = train_test_split(
    X, digits.target, test_size=0.25, random_state=0
)

# %%
# A Gaussian likelihood, scored against PCA
# -----------------------------------------
# With ``likelihood="gaussian"`` the decoder gives a mean per pixel and learns
# a variance per pixel, so the ELBO is a log density of the pixels, in the
# units of ``PCA.score``.

vae = VariationalAutoencoder(
    2,
    hidden_layer_sizes=(128,),
    likelihood="gaussian",
    learning_rate_init=3e-3,
    max_iter=20 if FAST else 200,
    random_state=0,
).fit(X_train)
pca = PCA(2).fit(X_train)
print(
    f"held-out log-likelihood per digit, 2-D code: VAE (ELBO) {vae.score(X_test):.1f}, "
    f"PCA {pca.score(X_test):.1f}"
)

# %%
# Digits drawn from the prior
# ---------------------------
# Each image decodes a code drawn from ``N(0, I)``: the decoded means, clipped
# to the pixel range.

samples = vae.sample(32, random_state=0)
fig, axes = plt.subplots(4, 8, figsize=(8, 4.4))
for ax, image in zip(axes.ravel(), samples, strict=True):
    ax.imshow(np.clip(image, 0, 1).reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("Digits decoded from codes drawn from the prior N(0, I)")
fig.savefig(folder / "variational_autoencoder_samples.png", dpi=100)

# %%
# The 2-D code of every test digit
# --------------------------------
# ``transform`` gives the code means, without noise.

codes = vae.transform(X_test)
fig, ax = plt.subplots(figsize=(6.5, 5.5), layout="constrained")
points = ax.scatter(codes[:, 0], codes[:, 1], c=y_test, cmap="tab10", s=12, vmin=-0.5, vmax=9.5)
ax.set(title="Test digits at their code means", xlabel="code 0", ylabel="code 1")
fig.colorbar(points, ax=ax, ticks=range(10), label="digit")
fig.savefig(folder / "variational_autoencoder_codes_2d.png", dpi=100)
print(f"figures written to {folder}")
