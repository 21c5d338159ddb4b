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

import importlib
import inspect
import sys

from sklearn.base import BaseEstimator

from ._engine.network import Network
from ._engine.trainer import TrainingState

__all__ = ["trusted_types"]

# The modules whose classes can appear in a fitted estimator, by their import path.
_MODULES = (
    "sklearn_dl.linear_model",
    "sklearn_dl.neural_network",
    "sklearn_dl.neighbors",
    "sklearn_dl.layers",
    "sklearn_dl.activations",
    "sklearn_dl.losses",
    "sklearn_dl.optimizers",
    "sklearn_dl.schedules",
    "sklearn_dl.penalties",
    "sklearn_dl.initializers",
    "sklearn_dl.callbacks",
    "sklearn_dl.neural_network._multilayer_perceptron",
    "sklearn_dl.neural_network._autoencoder",
    "sklearn_dl.neural_network._variational",
    "sklearn_dl._engine.network",
    "sklearn_dl._engine.trainer",
    "sklearn_dl._engine",
)

# Private modules of earlier releases -> where their classes live now. Files
# saved then (pickle, skops) name the old modules, which stay importable as
# aliases of the new ones.
MOVED_MODULES = {
    "sklearn_dl._mlp": "sklearn_dl.neural_network._multilayer_perceptron",
    "sklearn_dl._autoencoder": "sklearn_dl.neural_network._autoencoder",
    "sklearn_dl._network": "sklearn_dl._engine.network",
    "sklearn_dl._base": "sklearn_dl._engine.base",
    "sklearn_dl._supervised": "sklearn_dl._engine.heads",
}


def register_moved_modules():
    """Make every old module path of ``MOVED_MODULES`` import its new module."""
    for old, new in MOVED_MODULES.items():
        sys.modules.setdefault(old, importlib.import_module(new))


def _ours(cls):
    """Whether ``cls`` is a class of sklearn_dl that fitted state may hold."""
    if not cls.__module__.startswith("sklearn_dl."):
        return False
    return issubclass(cls, BaseEstimator) or cls in (Network, TrainingState)


def trusted_types() -> list[str]:
    """The names of sklearn_dl's types, to pass as ``skops.io.load(..., trusted=...)``.

    Every name is ``module.ClassName`` of a class sklearn_dl defines for its
    estimators and their parts, under each path it can be imported from (the
    paths of earlier releases included), so a file that names anything else
    (a function, a third-party class) is still refused.

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
    names = set()
    for path in (*_MODULES, *MOVED_MODULES):
        module = importlib.import_module(path)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if _ours(cls):  # the path it is imported from, and the one it is defined in
                names.update((f"{path}.{name}", f"{cls.__module__}.{cls.__qualname__}"))
    return sorted(names)
