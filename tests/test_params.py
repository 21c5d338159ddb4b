"""Parameter bookkeeping: every default valid, changed values checked, names as scikit-learn's.

``fit`` checks only the parameters that differ from their defaults (see
``QuickParams``), which is right only if every default of every class is
valid; these tests hold every class of the package to that.
"""

import importlib
import inspect
import pkgutil

import pytest
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import (
    InvalidParameterError,
    validate_parameter_constraints,
)

import sklearn_dl
from sklearn_dl._validation import QuickParams
from sklearn_dl.linear_model import LogisticRegression


def _classes():
    """Every concrete class of the package built on ``QuickParams``."""
    found = {}
    for module in pkgutil.walk_packages(sklearn_dl.__path__, "sklearn_dl."):
        if ".compare" in module.name:
            continue
        for _, cls in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
            if issubclass(cls, QuickParams) and cls is not QuickParams:
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[name] for name in sorted(found)]


CLASSES = _classes()


def test_the_package_is_covered():
    names = {cls.__name__ for cls in CLASSES}
    assert {"MLPClassifier", "KNeighborsRegressor", "LinearRegression", "Adam", "ReLU"} <= names


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_every_default_is_valid(cls):
    parameters = inspect.signature(cls.__init__).parameters.values()
    defaults = {p.name: p.default for p in parameters if p.default is not p.empty}
    constraints = getattr(cls, "_parameter_constraints", {})
    validate_parameter_constraints(constraints, defaults, caller_name=cls.__name__)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_parameter_names_are_scikit_learns(cls):
    assert cls._get_param_names() == BaseEstimator._get_param_names.__func__(cls)


def test_a_changed_value_is_still_checked():
    with pytest.raises(InvalidParameterError, match="'max_iter' parameter of Logistic"):
        LogisticRegression(max_iter=0).fit([[0.0], [1.0]], [0, 1])
    # The same value as the default, passed explicitly, is accepted.
    LogisticRegression(max_iter=500).fit([[0.0], [1.0]], [0, 1])
