"""k-nearest-neighbours estimators: classification and regression by exact neighbours.

:class:`KNeighborsClassifier` and :class:`KNeighborsRegressor` take the
parameters of scikit-learn's estimators of the same names, with the same
meanings, and return the same neighbours. Low-dimensional Minkowski searches
use :class:`scipy.spatial.cKDTree`; the others compare every query with every
fitted point, in chunks, by a single-precision matrix product whose rounding
error is bounded, followed by an exact re-ranking of the few candidates.

The modules mirror scikit-learn's ``sklearn.neighbors``: ``_base`` (the
shared estimator base), ``_classification``, ``_regression``, and
``_search`` (the exact search).
"""

from ._classification import KNeighborsClassifier
from ._regression import KNeighborsRegressor

__all__ = ["KNeighborsClassifier", "KNeighborsRegressor"]
