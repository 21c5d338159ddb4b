"""Resolution of pluggable parts: a registry name or an object.

Every swappable part (activation, loss, optimizer, schedule, penalty,
initializer, callback) is a small :class:`~sklearn.base.BaseEstimator`, so
``get_params``, ``clone`` and nested ``GridSearchCV`` parameters such as
``solver__beta_1`` come from scikit-learn itself. A string names an entry of
the part's registry; an object is cloned so that the user's instance is never
mutated by ``fit``.
"""

import types

import numpy as np
from sklearn.base import BaseEstimator, clone

from ._validation import QuickParams


class Part(QuickParams, BaseEstimator):
    """Base class of every pluggable part: hyper-parameters only in ``__init__``."""


class Scratch:
    """Work arrays reused from call to call, one per name, shape and dtype.

    (:meth:`front` keeps one per name and dtype.) The one scratch scheme of
    the package: layers keep their training-mode outputs here, optimizers
    their work vectors, the objective the penalty's gradient. A holder drops
    its scratch when pickled; it is rebuilt on demand.
    """

    def __init__(self, xp=None):
        self._arrays = {}
        self.xp = np if xp is None else xp  # the namespace the arrays are made in

    def array(self, name, shape, dtype, fill=None):
        """The array ``name`` of ``shape`` and ``dtype``.

        It is uninitialised, or ``fill``-ed when first made (a filled array is
        for reading only).
        """
        key = (name, shape, dtype)
        array = self._arrays.get(key)
        if array is None:
            xp = self.xp
            array = xp.empty(shape, dtype) if fill is None else xp.full(shape, fill, dtype)
            self._arrays[key] = array
        return array

    def front(self, name, size, dtype):
        """The first ``size`` entries of a flat array ``name``, kept at the largest size asked.

        For work whose size changes from call to call (chunks of unequal
        rows): one array serves them all, where ``array`` would keep one per
        shape.
        """
        key = (name, "front", dtype)
        array = self._arrays.get(key)
        if array is None or array.shape[0] < size:
            array = self._arrays[key] = self.xp.empty(size, dtype)
        return array[:size]

    def clear(self):
        """Free every array."""
        self._arrays.clear()

    def __reduce__(self):
        # A copy or a pickle starts empty (the arrays are rebuilt on demand);
        # numpy, a module, is the default rather than a value to pickle.
        xp = None if isinstance(self.xp, types.ModuleType) else self.xp
        return (Scratch, (xp,))


def checked(part):
    """Return ``part`` after checking its hyper-parameters against its constraints.

    A part with ``_parameter_constraints`` gets scikit-learn's parameter
    validation when ``fit`` resolves it, so that ``Adam(beta_1=2)`` fails with
    a message naming the parameter, its value and the valid range.
    """
    if hasattr(part, "_parameter_constraints"):
        part._validate_params()
    return part


def resolve(value, registry, base, name):
    """Return a fresh part for ``value``, a registry key or an instance of ``base``.

    Parameters
    ----------
    value : str or instance of ``base``
        What the user passed.
    registry : dict
        Maps names to classes (called with no arguments) or factories.
    base : type
        The class every object must be an instance of.
    name : str
        The parameter name, used in error messages.
    """
    if isinstance(value, str):
        try:
            factory = registry[value]
        except KeyError:
            valid = ", ".join(repr(key) for key in sorted(registry))
            raise ValueError(
                f"The {name!r} parameter got the unknown name {value!r}; "
                f"valid names are {valid}, or an instance of {base.__name__}."
            ) from None
        return checked(factory())
    if isinstance(value, base):
        return checked(clone(value))
    raise TypeError(
        f"The {name!r} parameter must be a name or an instance of "
        f"{base.__name__}; got {value!r} of type {type(value).__name__}."
    )
