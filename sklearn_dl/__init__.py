"""sklearn_dl: scikit-learn compatible learners trained by gradient descent.

The estimators live in modules named like scikit-learn's, so switching is one
import::

    from sklearn_dl.linear_model import LinearRegression, LogisticRegression, Perceptron
    from sklearn_dl.neural_network import MLPClassifier, MLPRegressor, Autoencoder
    from sklearn_dl.neighbors import KNeighborsClassifier, KNeighborsRegressor

A training run whose loss becomes non-finite or runs away raises
:class:`DivergenceError` (a ``ValueError``) naming the likely cause.
"""

__version__ = "0.1.0"

from ._config import config_context, get_config, set_config
from ._engine import DivergenceError
from .linear_model import LinearRegression, LogisticRegression, Perceptron
from .neighbors import KNeighborsClassifier, KNeighborsRegressor
from .neural_network import Autoencoder, MLPClassifier, MLPRegressor, VariationalAutoencoder
from .persistence import register_moved_modules

register_moved_modules()  # files saved by earlier releases name their modules

__all__ = [
    "Autoencoder",
    "DivergenceError",
    "KNeighborsClassifier",
    "KNeighborsRegressor",
    "LinearRegression",
    "LogisticRegression",
    "MLPClassifier",
    "MLPRegressor",
    "Perceptron",
    "VariationalAutoencoder",
    "config_context",
    "get_config",
    "set_config",
]
