"""The one place that imports scikit-learn's private validation helpers.

Every other module imports from here, so a change in scikit-learn's private
API is mended in one file.
"""

import functools
import inspect
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.base import _fit_context as fit_context
from sklearn.callback._callback_support import callback_management_context

# Class markers rather than helpers: KNeighborsMixin makes scikit-learn's own
# checks (kneighbors_graph(estimator, ...)) accept our k-neighbours estimators;
# NeighborsBase recognises scikit-learn's fitted neighbours estimators, which
# fit accepts as training data.
from sklearn.externals.array_api_compat import numpy as numpy_namespace
from sklearn.neighbors._base import KNeighborsMixin, NeighborsBase
from sklearn.utils import multiclass, validation
from sklearn.utils._array_api import (
    _bincount as bincount,
)
from sklearn.utils._array_api import (
    _convert_to_numpy as convert_to_numpy,
)
from sklearn.utils._array_api import (
    _estimator_with_converted_arrays as convert_arrays,
)
from sklearn.utils._array_api import (
    _is_numpy_namespace as is_numpy_namespace,
)
from sklearn.utils._array_api import (
    _max_precision_float_dtype as max_precision_float_dtype,
)
from sklearn.utils._array_api import (
    check_same_namespace,
    get_namespace_and_device,
)
from sklearn.utils._chunking import get_chunk_n_rows
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_parameter_constraints,
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
    "QuickParams",
    "Real",
    "StrOptions",
    "bincount",
    "callback_management_context",
    "check_classification_targets",
    "check_feature_names",
    "check_is_fitted",
    "check_same_namespace",
    "convert_arrays",
    "convert_to_numpy",
    "check_sample_weight",
    "column_or_1d",
    "fit_context",
    "get_chunk_n_rows",
    "get_namespace_and_device",
    "is_numpy_namespace",
    "max_precision_float_dtype",
    "numpy_namespace",
    "validate_data",
    "validate_params",
]


def check_sample_weight(sample_weight, X, dtype=None):
    """Return ``sample_weight`` as a finite, non-negative 1-D array for ``X``."""
    return _check_sample_weight(sample_weight, X, dtype=dtype, ensure_non_negative=True)


def check_classification_targets(y):
    """scikit-learn's check that ``y`` holds classes, skipped where it cannot fail or warn.

    A 1-D array of integers or booleans is always "binary" or "multiclass";
    scikit-learn's check (half a millisecond, a third of a fit on 20 rows)
    then only warns when there are more than 20 samples and more distinct
    labels than half of them, so it runs in that case alone.
    """
    if isinstance(y, np.ndarray) and y.ndim == 1 and y.dtype.kind in "biu":
        if y.size <= 20 or np.unique(y).size <= round(0.5 * y.size):
            return
    multiclass.check_classification_targets(y)


def column_or_1d(y, *, warn=False):
    """scikit-learn's ``column_or_1d``; a contiguous 1-D array is returned as it is."""
    if isinstance(y, np.ndarray) and y.ndim == 1 and y.flags.c_contiguous:
        return y
    return validation.column_or_1d(y, warn=warn)


class QuickParams:
    """Parameter bookkeeping of ``BaseEstimator`` without its per-call cost.

    scikit-learn reads the constructor's signature on every ``get_params``
    and checks every parameter against its constraints on every ``fit``.
    With thirty parameters the two took a tenth of a fit on 20 rows. Here the
    names are read once per class, and ``fit`` checks the parameters that
    differ from their defaults (a default is valid by construction; the
    tests check that). Mixed in before ``BaseEstimator``.
    """

    @classmethod
    def _get_param_names(cls):
        return list(_defaults(cls))

    def _validate_params(self):
        defaults = _defaults(type(self))
        changed = {}
        for name, default in defaults.items():
            value = getattr(self, name)
            if value is not default:
                changed[name] = value
        validate_parameter_constraints(
            self._parameter_constraints, changed, caller_name=type(self).__name__
        )


@functools.cache
def _defaults(cls):
    """``{name: default}`` of ``cls``'s constructor parameters, sorted by name."""
    names = BaseEstimator._get_param_names.__func__(cls)  # scikit-learn's rules and errors
    parameters = inspect.signature(cls.__init__).parameters if names else {}
    return {name: parameters[name].default for name in names}


def check_feature_names(estimator, X, reset):
    """Record (``reset``) or check the column names of ``X`` against the fitted ones."""
    _check_feature_names(estimator, X, reset=reset)
