"""Networks: drop-in replacements for scikit-learn's ``neural_network``, and autoencoders."""

from ._autoencoder import Autoencoder
from ._multilayer_perceptron import MLPClassifier, MLPRegressor
from ._variational import VariationalAutoencoder

__all__ = ["Autoencoder", "MLPClassifier", "MLPRegressor", "VariationalAutoencoder"]
