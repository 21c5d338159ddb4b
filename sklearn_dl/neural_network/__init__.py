"""Networks: drop-in replacements for scikit-learn's ``neural_network``, and an autoencoder."""

from ._autoencoder import Autoencoder
from ._multilayer_perceptron import MLPClassifier, MLPRegressor

__all__ = ["Autoencoder", "MLPClassifier", "MLPRegressor"]
