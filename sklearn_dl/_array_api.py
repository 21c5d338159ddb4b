"""Array API dispatch: the one place for namespace-specific glue.

With ``sklearn.set_config(array_api_dispatch=True)``, arrays that are not
numpy's (PyTorch tensors, CuPy arrays) are computed on in their own namespace
and on their own device, as scikit-learn's estimators do. The standard covers
most of what the estimators need; what it leaves out lives here: the ``k``
smallest entries of each row (``torch.topk``, a partition elsewhere) and
writing rows in place; weighted label counts use scikit-learn's
``bincount``. The optional dependency ``array-api-compat``
(``pip install "sklearn_dl[array_api]"``) identifies the array types.
"""

import numpy as np
from sklearn import get_config

from ._validation import (
    bincount,
    convert_to_numpy,
    get_namespace_and_device,
    is_numpy_namespace,
    max_precision_float_dtype,
    numpy_namespace,
)

__all__ = [
    "bincount",
    "float_dtype",
    "namespace",
    "namespace_name",
    "on_device",
    "set_rows",
    "smallest_k",
    "take_rows",
    "to_numpy",
]

# numpy 2.1 and later follow the standard in their own namespace, without the
# compat wrapper's cost per call.
_NUMPY = np if np.lib.NumpyVersion(np.__version__) >= "2.1.0" else numpy_namespace

_INSTALL = (
    'array API dispatch needs the array-api-compat package: pip install "sklearn_dl[array_api]" '
    "(or pip install array-api-compat), or pass numpy arrays."
)


def namespace(*arrays):
    """The namespace and device of ``arrays``, as scikit-learn dispatches them.

    Numpy (with device None) unless dispatch is on and the arrays are of
    another namespace; sparse matrices, lists and None are ignored.
    """
    if not get_config()["array_api_dispatch"]:
        return _NUMPY, None  # the common case, without inspecting arrays
    xp, _, device = get_namespace_and_device(*arrays)
    if not is_numpy_namespace(xp):
        _require_compat()
    return xp, device


def namespace_name(xp):
    """The short name of a namespace: ``torch`` for scikit-learn's wrapped PyTorch."""
    return xp.__name__.rsplit(".", 1)[-1]


def on_device(xp):
    """Whether ``xp`` is another namespace than numpy's: dispatched work."""
    return not is_numpy_namespace(xp)


def _require_compat():
    """Import ``array_api_compat``, or say what to install."""
    try:
        import array_api_compat
    except ImportError:
        raise ImportError(_INSTALL) from None
    return array_api_compat


def float_dtype(xp, device):
    """The most precise float dtype of the device: float64 where it has one."""
    return max_precision_float_dtype(xp, device)


def to_numpy(array):
    """``array`` as a numpy array, copied to the host if it lives elsewhere."""
    if isinstance(array, (list, tuple)) or not hasattr(array, "shape"):
        return array
    xp, _ = namespace(array)
    return convert_to_numpy(array, xp)


def smallest_k(xp, values, k, labels):
    """The ``k`` smallest values of each row, ascending, and their ``labels``.

    ``values`` and ``labels`` have the same 2-D shape; ties between equal
    values go either way (callers break them by exact distances and indices).
    """
    compat = _require_compat()
    if compat.is_torch_array(values):
        import torch

        vals, pos = torch.topk(values, k, dim=1, largest=False, sorted=True)
        return vals, torch.gather(labels, 1, pos)
    if hasattr(xp, "argpartition"):  # numpy, CuPy: partition, then sort the k kept
        pos = xp.argpartition(values, k - 1, axis=1)[:, :k]
    else:
        pos = xp.argsort(values, axis=1)[:, :k]
    vals = xp.take_along_axis(values, pos, axis=1)
    order = xp.argsort(vals, axis=1)
    pos = xp.take_along_axis(pos, order, axis=1)
    return xp.take_along_axis(values, pos, axis=1), xp.take_along_axis(labels, pos, axis=1)


def set_rows(target, rows, values):
    """Write ``values`` into the ``rows`` of ``target``, in place.

    The standard leaves assignment through integer arrays undefined; numpy,
    PyTorch and CuPy all support it.
    """
    target[rows] = values
    return target


def take_rows(xp, array, indices):
    """Rows of ``array`` at ``indices`` of any shape: ``array[indices]`` in numpy.

    The standard's ``take`` wants 1-D indices; the result has shape
    ``indices.shape + array.shape[1:]``.
    """
    rows = xp.take(array, xp.reshape(indices, (-1,)), axis=0)
    return xp.reshape(rows, (*indices.shape, *array.shape[1:]))
