"""Saving fitted estimators: the types to trust when loading with ``skops.io``.

``pickle`` and ``joblib.dump`` store sklearn_dl estimators as they store any
scikit-learn estimator, and run whatever code a file names when it is loaded.
``skops.io`` stores the same state without that risk: on loading it builds
only the types it is told to trust. :func:`trusted_types` lists sklearn_dl's:
its estimators, the network that holds their parameters, the state that
training carries from one call to the next, and the parts an
estimator keeps in its fitted state (layers, activations, losses, optimizers,
schedules, penalties, initializers, callbacks). NumPy arrays and random
generators, and scikit-learn's own types, are trusted by skops already.
"""

import inspect

from sklearn.base import BaseEstimator

from . import (
    _autoencoder,
    _mlp,
    _network,
    activations,
    callbacks,
    initializers,
    layers,
    linear_model,
    losses,
    neighbors,
    optimizers,
    penalties,
    schedules,
)
from ._engine import TrainingState
from ._network import Network

__all__ = ["trusted_types"]

# The modules whose classes can appear in a fitted estimator.
_MODULES = (
    linear_model,
    _mlp,
    _autoencoder,
    neighbors,
    _network,
    layers,
    activations,
    losses,
    optimizers,
    schedules,
    penalties,
    initializers,
    callbacks,
)


def trusted_types() -> list[str]:
    """The names of sklearn_dl's types, to pass as ``skops.io.load(..., trusted=...)``.

    Every name is ``module.ClassName`` of a class sklearn_dl defines for its
    estimators and their parts, so a file that names anything else (a function,
    a third-party class) is still refused.

    Returns
    -------
    names : list of str
        Sorted fully qualified class names, each starting with ``"sklearn_dl."``.

    Examples
    --------
    >>> from sklearn_dl.persistence import trusted_types
    >>> "sklearn_dl.linear_model.LinearRegression" in trusted_types()
    True
    >>> all(name.startswith("sklearn_dl.") for name in trusted_types())
    True

    With skops installed, a fitted model round-trips as::

        import skops.io

        skops.io.dump(model, "model.skops")
        model = skops.io.load("model.skops", trusted=trusted_types())
    """
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in (Network, TrainingState)}
    for module in _MODULES:
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, BaseEstimator):
                names.add(f"{cls.__module__}.{cls.__qualname__}")
    return sorted(names)
