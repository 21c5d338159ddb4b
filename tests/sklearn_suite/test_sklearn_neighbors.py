"""scikit-learn's ``neighbors/tests/test_neighbors.py``, run against our KNN estimators.

That module also tests NearestNeighbors, the radius estimators and the graph
functions, which we do not replace: only the tests that name one of our two
estimators are collected.
"""

from sklearn_dl.neighbors import KNeighborsClassifier, KNeighborsRegressor

from ._suite import load_suite
from .excluded import NEIGHBORS_DIFFERENCES, NEIGHBORS_INTERNALS

OURS = {"KNeighborsClassifier": KNeighborsClassifier, "KNeighborsRegressor": KNeighborsRegressor}

globals().update(
    load_suite(
        "sklearn.neighbors.tests.test_neighbors",
        {"sklearn.neighbors": OURS},
        excluded={**NEIGHBORS_INTERNALS, **NEIGHBORS_DIFFERENCES},
        only_using=tuple(OURS),
    )
)
