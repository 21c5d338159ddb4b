"""The one place that imports scikit-learn's private validation helpers.

Every other module imports from here, so a change in scikit-learn's private
API is mended in one file.
"""

from numbers import Integral, Real

from sklearn.base import _fit_context as fit_context
from sklearn.callback._callback_support import callback_management_context

# Class markers rather than helpers: KNeighborsMixin makes scikit-learn's own
# checks (kneighbors_graph(estimator, ...)) accept our k-neighbours estimators;
# NeighborsBase recognises scikit-learn's fitted neighbours estimators, which
# fit accepts as training data.
from sklearn.neighbors._base import KNeighborsMixin, NeighborsBase
from sklearn.utils._chunking import get_chunk_n_rows
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import (
    _check_feature_names,
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

__all__ = [
    "HasMethods",
    "Integral",
    "Interval",
    "KNeighborsMixin",
    "NeighborsBase",
    "Real",
    "StrOptions",
    "callback_management_context",
    "check_feature_names",
    "check_is_fitted",
    "check_sample_weight",
    "fit_context",
    "get_chunk_n_rows",
    "validate_data",
    "validate_params",
]


def check_sample_weight(sample_weight, X, dtype=None):
    """Return ``sample_weight`` as a finite, non-negative 1-D array for ``X``."""
    return _check_sample_weight(sample_weight, X, dtype=dtype, ensure_non_negative=True)


def check_feature_names(estimator, X, reset):
    """Record (``reset``) or check the column names of ``X`` against the fitted ones."""
    _check_feature_names(estimator, X, reset=reset)
