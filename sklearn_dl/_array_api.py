"""Array API dispatch: the one place for namespace-specific glue.

With ``sklearn.set_config(array_api_dispatch=True)``, arrays that are not
numpy's (PyTorch tensors, CuPy arrays) are computed on in their own namespace
and on their own device, as scikit-learn's estimators do. The standard covers
most of what the neighbour search needs; what it leaves out lives here: the
``k`` smallest entries of each row (``torch.topk``, a partition elsewhere)
and writing rows in place; weighted label counts use scikit-learn's
``bincount``. The optional dependency ``array-api-compat``
(``pip install "sklearn_dl[array_api]"``) identifies the array types.

The training engine writes its formulas once, with numpy's names and its
``out=`` arguments (the standard has no ``out=``, and the engine's speed
comes from writing into buffers it keeps). :func:`numpy_like` gives the
namespace those formulas call for an array: numpy itself (with scipy's
``expit``, ``softmax`` and friends beside it) for numpy arrays, and for
PyTorch tensors a thin translation of the same names to ``torch``, on the
tensor's device. CuPy follows numpy's names already.
"""

import contextlib
import numbers
import types

import numpy as np
import scipy.sparse as sp
import scipy.special
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
    "NUMPY",
    "bincount",
    "describe",
    "float_dtype",
    "namespace",
    "namespace_name",
    "numpy_dtype",
    "numpy_like",
    "numpy_like_input",
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


# -- the engine's formulas: numpy's names, in the array's own library ---------------------


def _numpy_functions():
    """Numpy's namespace, plus the few functions the formulas take from scipy."""
    module = types.ModuleType("sklearn_dl.numpy_like")
    module.__dict__.update({k: v for k, v in vars(np).items() if not k.startswith("__")})
    special = scipy.special
    module.__dict__.update(
        expit=special.expit,
        log_expit=special.log_expit,
        softmax=special.softmax,
        log_softmax=special.log_softmax,
        erf=special.erf,
        xlogy=special.xlogy,
        on_device=False,
        to_numpy=np.asarray,
        astype=lambda array, dtype: array.astype(dtype),
        scalar=lambda value, like: like.dtype.type(value),
        # A sum as the engine keeps it: a Python float on the host; on a
        # device a 0-d array, read once per epoch rather than once per batch.
        as_number=float,
        matmul=_matmul,
    )
    return module


def _matmul(a, b, out=None):
    """``numpy.matmul``, taken by ``numpy.dot`` where the two are the same product.

    For 1-D or 2-D ``a`` by a 2-D ``b`` into a given ``out``, both call the
    same BLAS routine and give the same bits, but ``dot`` does it 1-1.5 µs
    sooner: a third of a small layer's product (32 × 32 by 32 × 32).
    """
    if out is not None and type(a) is type(b) is np.ndarray and 1 <= a.ndim <= 2 and b.ndim == 2:
        try:
            return np.dot(a, b, out=out)
        except ValueError:  # an ``out`` dot refuses (another dtype, not C-contiguous)
            pass
    return np.matmul(a, b, out=out)


NUMPY = _numpy_functions()


def numpy_like(array):
    """The namespace the engine's formulas call for ``array``, with numpy's names.

    :data:`NUMPY` for numpy arrays, scipy's sparse matrices and everything
    that is not a device array; for a PyTorch tensor, :class:`TorchFunctions`
    on its device; for a CuPy array, :class:`CupyFunctions`. ``on_device``
    tells them apart.
    """
    if isinstance(array, np.ndarray) or not hasattr(array, "device") or sp.issparse(array):
        return NUMPY
    compat = _require_compat()
    if compat.is_torch_array(array):
        return TorchFunctions(str(array.device))
    if compat.is_cupy_array(array):
        return CupyFunctions(array.device.id)
    return NUMPY


def numpy_like_input(X):
    """:func:`numpy_like` of a fit's input ``X``, refusing a namespace the engine cannot use.

    Under dispatch, an array of another namespace than numpy, PyTorch or CuPy
    (``array-api-strict``, say, which has no ``out=``) is an error naming
    what to convert to.
    """
    xp = numpy_like(X)
    if xp is NUMPY and on_device(namespace(X)[0]):
        raise TypeError(
            f"The training engine computes with numpy, PyTorch or CuPy arrays; got an "
            f"array of {type(X).__module__}.{type(X).__name__}. Convert it, e.g. with "
            "numpy.asarray, or to a PyTorch tensor."
        )
    return xp


def numpy_dtype(dtype):
    """The numpy dtype of the same name as ``dtype`` (numpy's, PyTorch's or CuPy's)."""
    if isinstance(dtype, np.dtype):
        return dtype
    return np.dtype(str(dtype).rsplit(".", 1)[-1])


def describe(xp):
    """Where the arrays of a :func:`numpy_like` namespace live, in words."""
    device = getattr(xp, "device", None)
    name = "numpy" if xp is NUMPY else type(xp).__name__.removesuffix("Functions").lower()
    return name if device is None else f"{name} on device {device}"


class TorchFunctions:
    """numpy's functions, as the engine calls them, computed by PyTorch on ``device``.

    Functions of the same name and meaning (``exp``, ``matmul``, ``maximum``
    of two arrays, ``sum`` with ``axis``, ... including ``out=``) are
    ``torch``'s own; the others are translated below. Dtypes may be given as
    numpy's: they name the same PyTorch dtypes.
    """

    on_device = True

    def __init__(self, device="cpu"):
        import torch

        self._torch = torch
        self.device = torch.device(device)

    def __reduce__(self):
        return (TorchFunctions, (str(self.device),))

    def __eq__(self, other):
        return isinstance(other, TorchFunctions) and other.device == self.device

    def __hash__(self):
        return hash(("torch", str(self.device)))

    def __getattr__(self, name):
        return getattr(self._torch, name)

    def _dtype(self, dtype):
        if dtype is None or isinstance(dtype, self._torch.dtype):
            return dtype
        return getattr(self._torch, np.dtype(dtype).name)  # torch.float32 for float32, ...

    def _tensor(self, value, like):
        """``value`` as a tensor of ``like``'s dtype and device (a number: a 0-d one).

        A number is filled in on the device: ``as_tensor`` would copy it from
        the host and wait for the copy, several times a batch.
        """
        if isinstance(value, self._torch.Tensor):
            return value
        if isinstance(value, numbers.Number):
            return self._torch.full((), value, dtype=like.dtype, device=like.device)
        return self._torch.as_tensor(value, dtype=like.dtype, device=like.device)

    # -- making arrays ----------------------------------------------------------------

    def asarray(self, array, dtype=None):
        return self._torch.asarray(array, dtype=self._dtype(dtype), device=self.device)

    def empty(self, shape, dtype=np.float64):
        return self._torch.empty(shape, dtype=self._dtype(dtype), device=self.device)

    def zeros(self, shape, dtype=np.float64):
        return self._torch.zeros(shape, dtype=self._dtype(dtype), device=self.device)

    def ones(self, shape, dtype=np.float64):
        return self._torch.ones(shape, dtype=self._dtype(dtype), device=self.device)

    def full(self, shape, fill_value, dtype=np.float64):
        return self._torch.full(shape, fill_value, dtype=self._dtype(dtype), device=self.device)

    def arange(self, *args):
        return self._torch.arange(*args, device=self.device)

    def copy(self, array):
        return array.clone()

    def astype(self, array, dtype):
        return array.to(self._dtype(dtype))

    def to_numpy(self, array):
        return array.detach().cpu().numpy()

    def scalar(self, value, like):
        """``value`` in the dtype of the array ``like`` (a 0-d tensor on its device)."""
        return self._tensor(value, like)

    def as_number(self, value):
        return value  # a 0-d tensor stays on the device until the epoch's end

    def copyto(self, target, source):
        target.copy_(self._tensor(source, target))

    def ascontiguousarray(self, array):
        return array.contiguous()

    # -- functions whose arguments differ ---------------------------------------------

    def sum(self, array, axis=None, dtype=None, out=None, keepdims=False):
        dtype = self._dtype(dtype)
        if axis is None and not keepdims and out is None:
            return self._torch.sum(array, dtype=dtype)
        kwargs = {} if out is None else {"out": out}
        dims = tuple(range(array.ndim)) if axis is None else axis
        return self._torch.sum(array, dims, keepdim=keepdims, dtype=dtype, **kwargs)

    def var(self, array, axis=None):
        return self._torch.var(array, dim=axis, correction=0)

    def maximum(self, a, b, out=None):
        if not isinstance(b, self._torch.Tensor):
            return self._torch.clamp(a, min=b, out=out)
        return self._torch.maximum(a, b, out=out)

    def minimum(self, a, b, out=None):
        if not isinstance(b, self._torch.Tensor):
            return self._torch.clamp(a, max=b, out=out)
        return self._torch.minimum(a, b, out=out)

    def divide(self, a, b, out=None):
        if not isinstance(a, self._torch.Tensor):  # a number over an array
            a = self._tensor(a, b)
        return self._torch.divide(a, b, out=out)

    def logaddexp(self, a, b, out=None):
        if not isinstance(a, self._torch.Tensor):
            a = self._tensor(a, b)
        return self._torch.logaddexp(a, b, out=out)

    def matmul(self, a, b, out=None):
        if out is not None and a.ndim == 1:  # a row vector: PyTorch would reshape ``out``
            self._torch.matmul(a[None], b, out=out[None])
            return out
        return self._torch.matmul(a, b, out=out)

    def max(self, array, axis=None, keepdims=False):
        dims = () if axis is None else axis
        return self._torch.amax(array, dim=dims, keepdim=keepdims)

    def argmax(self, array, axis, out=None):
        return self._torch.argmax(array, dim=axis, out=out)

    def take_along_axis(self, array, indices, axis):
        return self._torch.take_along_dim(array, indices, dim=axis)

    def put_along_axis(self, array, indices, values, axis):
        array.scatter_(axis, indices, values)

    def concatenate(self, arrays, axis=0):
        return self._torch.cat(list(arrays), dim=axis)

    def ndim(self, array):
        return getattr(array, "ndim", 0)

    def errstate(self, **kwargs):
        return contextlib.nullcontext()  # PyTorch never warns on overflow

    # -- scipy.special's functions ----------------------------------------------------

    def expit(self, array, out=None):
        return self._torch.sigmoid(array, out=out)

    def log_expit(self, array):
        return self._torch.nn.functional.logsigmoid(array)

    def softmax(self, array, axis):
        return self._torch.softmax(array, dim=axis)

    def log_softmax(self, array, axis):
        return self._torch.log_softmax(array, dim=axis)

    def erf(self, array):
        return self._torch.special.erf(array)

    def xlogy(self, x, y):
        return self._torch.special.xlogy(x, y)


class CupyFunctions:
    """numpy's functions, as the engine calls them, computed by CuPy (which keeps numpy's names).

    ``device`` is the number of the GPU the arrays live on: two namespaces are
    the same when their GPUs are.
    """

    on_device = True

    def __init__(self, device=0):
        import cupy
        import cupyx.scipy.special

        self._cupy = cupy
        self._special = cupyx.scipy.special
        self.device = int(device)

    def __reduce__(self):
        return (CupyFunctions, (self.device,))

    def __eq__(self, other):
        return isinstance(other, CupyFunctions) and other.device == self.device

    def __hash__(self):
        return hash(("cupy", self.device))

    def __getattr__(self, name):
        if name in ("expit", "log_expit", "softmax", "log_softmax", "erf", "xlogy"):
            return getattr(self._special, name)
        return getattr(self._cupy, name)

    def astype(self, array, dtype):
        return array.astype(dtype)

    def scalar(self, value, like):
        return like.dtype.type(value)

    def as_number(self, value):
        return value

    def to_numpy(self, array):
        return self._cupy.asnumpy(array)
