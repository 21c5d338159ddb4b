"""sklearn_dl: scikit-learn compatible learners trained by gradient descent.

The estimators live in modules named like scikit-learn's, so switching is one
import::

    from sklearn_dl.linear_model import LinearRegression, LogisticRegression
    from sklearn_dl.neural_network import MLPClassifier, MLPRegressor, Autoencoder
    from sklearn_dl.neighbors import KNeighborsClassifier, KNeighborsRegressor
"""

__version__ = "0.1.0"

from .linear_model import LinearRegression, LogisticRegression
from .neural_network import Autoencoder, MLPClassifier, MLPRegressor

__all__ = [
    "Autoencoder",
    "LinearRegression",
    "LogisticRegression",
    "MLPClassifier",
    "MLPRegressor",
]
