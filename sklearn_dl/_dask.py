"""dask collections in and out of the estimators: fit where the chunks live, predict lazily.

dask is an optional extra: nothing here imports it until a dask collection
is passed in, so that fitting NumPy data never loads it.

``fit`` on a dask array (or dask DataFrame) goes one of two ways:

- a full-batch solver (L-BFGS, CG, Newton-CG, Newton): :func:`prepare`
  validates ``X``, discovers the classes, encodes the targets and computes
  the class weights with dask, and persists ``X``, the encoded targets and
  the weights once; the objective is then evaluated chunk by chunk where the
  chunks live (``_engine/chunked.py``);
- a mini-batch solver: :func:`stream` passes over the chunks, in an order
  drawn from ``random_state``, with one ``partial_fit`` step per chunk.

Prediction methods decorated with :func:`chunkwise` return dask arrays,
computed chunk by chunk when asked for.
"""

import functools
import warnings

import numpy as np
from sklearn.base import is_classifier, is_regressor

from ._engine.chunked import is_dask
from ._validation import check_feature_names

_MISSING = (
    "Fitting or predicting on dask collections needs dask: pip install 'sklearn_dl[dask]' "
    "(or pip install 'dask[array]' distributed)."
)

# Blocks reach the estimator as plain arrays, after the feature names of the
# whole collection were checked on the client.
_NO_NAMES = "X does not have valid feature names"


def require_dask():
    """Import dask's array module, or say what to install."""
    try:
        import dask.array
    except ImportError as error:
        raise ImportError(_MISSING) from error
    return dask.array


def _client():
    """The ``distributed`` client in use, or None (dask's local scheduler)."""
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:
        return None


# -- running one function per chunk ----------------------------------------------------


class ChunkRunner:
    """Run a function on each row chunk of aligned dask arrays, where the chunk lives.

    ``run(function, *shared)`` calls ``function(*shared, X_c, Y_c, w_c)`` for
    every chunk ``c`` (``Y_c``, ``w_c`` None where the array is) and returns
    the results in the order of the chunks. With a ``distributed`` client,
    the arrays are persisted on the workers (a no-op for arrays persisted
    already), each chunk's task runs where the chunk is, and ``share`` sends
    a value to the cluster once (as the result of a task, which workers
    fetch from one another), so that the tasks refer to it instead of each
    carrying a copy. Without one, dask's local scheduler runs the same tasks.
    """

    def __init__(self, X, Y=None, sample_weight=None):
        self.client = _client()
        arrays = [X, Y, sample_weight]
        if self.client is not None:
            given = [i for i, a in enumerate(arrays) if a is not None]
            for i, a in zip(given, self.client.persist([arrays[i] for i in given]), strict=True):
                arrays[i] = a
        self.arrays = arrays  # holds the persisted chunks for as long as the runner lives
        n_chunks = len(X.chunks[0])
        self.blocks = [self._row_blocks(a, n_chunks) for a in arrays]

    def _row_blocks(self, a, n_chunks):
        """One handle per row chunk of ``a``: a future, or a delayed object without a client."""
        if a is None:
            return [None] * n_chunks
        if self.client is None:
            return _row_blocks(a, n_chunks)
        from distributed import Future

        keys = [key[0] if isinstance(key, list) else key for key in a.__dask_keys__()]
        return [Future(key, self.client) for key in keys]

    def share(self, value):
        if self.client is None:
            return value
        # A task that returns ``value`` rather than a scatter: the scheduler
        # can run it again should the worker holding the result die.
        return self.client.submit(_itself, value, pure=False)

    def run(self, function, *shared):
        chunks = list(zip(*self.blocks, strict=True))
        if self.client is not None:
            submit = functools.partial(self.client.submit, _aligned_call, function, pure=False)
            return self.client.gather([submit(*shared, *chunk) for chunk in chunks])
        import dask

        task = dask.delayed(_aligned_call, pure=False)
        return list(dask.compute(*[task(function, *shared, *chunk) for chunk in chunks]))


def _itself(value):
    return value


def _aligned_call(function, *args):
    """``function(*args)`` with each NumPy argument aligned to its item size.

    Arrays read from the network may start at any byte; BLAS takes other
    paths for them, which round differently, so that the same chunk would
    give other bits on another worker.
    """
    args = [np.require(a, requirements="A") if isinstance(a, np.ndarray) else a for a in args]
    return function(*args)


def _row_blocks(a, n_chunks):
    """One delayed object per row chunk of ``a`` (Nones when ``a`` is None)."""
    if a is None:
        return [None] * n_chunks
    return list(a.to_delayed().reshape(n_chunks, -1)[:, 0])


# -- fit ---------------------------------------------------------------------------------


def full_batch(estimator):
    """Whether ``fit`` trains ``estimator`` with a full-batch solver."""
    from .optimizers import OPTIMIZERS

    solver = estimator._solver_choice(incremental=False)
    if isinstance(solver, str):
        solver = OPTIMIZERS[solver]
    return solver.full_batch


def prepare(estimator, X, y, sample_weight, first):
    """Validated, encoded and persisted training data: ``X, Y, y, sample_weight``.

    Nothing the size of ``X`` reaches the client: the checks are dask
    reductions, the classes are the union of each chunk's distinct labels,
    and the targets are encoded chunk by chunk by the estimator's own
    ``_encode_targets``.
    """
    import dask

    X = rows_of(estimator, X, reset=first)
    y = _rows_like(y, X, "y")
    sample_weight = _rows_like(sample_weight, X, "sample_weight")
    if y is None:  # the autoencoder: X is its own target
        Y = _encode_inputs(estimator, X, first)
    else:
        Y = _encode_labels(estimator, y, X.dtype, first)
    sample_weight = _weights(estimator, sample_weight, y, X)
    X, Y, sample_weight = dask.persist(X, Y, sample_weight)
    return X, Y, y, sample_weight


def rows_of(estimator, X, reset):
    """``X`` as :func:`as_rows` gives it, checked for fitting: width and finite values."""
    da = require_dask()
    _check_names(estimator, X, reset)
    X = as_rows(X)
    n_features = getattr(estimator, "n_features_in_", None)
    if reset:
        estimator.n_features_in_ = X.shape[1]
    elif n_features != X.shape[1]:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} is expecting "
            f"{n_features} features as input."
        )
    if not bool(da.isfinite(X).all().compute()):
        raise ValueError("Input X contains NaN or infinity.")
    return X


def _check_names(estimator, X, reset):
    """Record or check the column names of a dask DataFrame (none for a dask array)."""
    # A dask collection's ``_meta`` is an empty pandas or NumPy object of its kind.
    check_feature_names(estimator, getattr(X, "_meta", X), reset=reset)


def as_rows(X):
    """``X`` as a float dask array of known row chunks with all its columns in one chunk."""
    if hasattr(X, "to_dask_array"):  # a dask DataFrame
        X = X.to_dask_array(lengths=True)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D dask array; got {X.ndim} dimension(s).")
    if any(np.isnan(size) for size in X.chunks[0]):
        raise ValueError(
            "X is a dask array whose chunk sizes are unknown; call X.compute_chunk_sizes() first."
        )
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    return X.rechunk({1: -1})


def _rows_like(a, X, name):
    """``a`` (targets or weights) as a dask array with the row chunks of ``X``."""
    if a is None:
        return None
    da = require_dask()
    if hasattr(a, "to_dask_array"):  # a dask Series or DataFrame
        a = a.to_dask_array(lengths=True)
    elif not is_dask(a):
        a = da.from_array(np.asarray(a))
    if a.shape[0] != X.shape[0]:
        raise ValueError(f"{name} has {a.shape[0]} rows but X has {X.shape[0]}; they must match.")
    return a.rechunk((X.chunks[0], *((-1,) * (a.ndim - 1))))


def _encode_inputs(estimator, X, first):
    """The autoencoder's targets, ``X`` itself; its output choice from the range of ``X``."""
    import dask

    low, high = dask.compute(X.min(), X.max())
    # The encoding decides from the smallest and largest value only.
    estimator._encode_targets(np.array([[low], [high]]), X.dtype, reset=first)
    return X


def _encode_labels(estimator, y, dtype, first):
    """The targets as the loss takes them, encoded chunk by chunk."""
    if is_classifier(estimator):
        if y.ndim != 1:
            raise ValueError(
                f"{type(estimator).__name__} takes a 1-D dask array of labels; got one "
                f"of shape {y.shape}."
            )
        labels = np.unique(y.map_blocks(np.unique, chunks=(np.nan,)).compute())
        if first:
            estimator._set_classes(labels, None)
        else:
            estimator._check_same_targets(labels, False, None)
        reset = False
    else:  # the shape of y is learned from its first row, the checks run per chunk
        estimator._encode_targets(y[:1].compute(), dtype, reset=first)
        reset = True  # on each chunk: learns nothing the first row did not
    if is_classifier(estimator):
        n_outputs = 1 if len(estimator.classes_) == 2 else len(estimator.classes_)
    else:
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
    return y.map_blocks(
        _encode_block,
        estimator,
        dtype,
        reset,
        chunks=(y.chunks[0], (n_outputs,)),
        new_axis=1 if y.ndim == 1 else None,
        dtype=dtype,
    )


def _encode_block(y, estimator, dtype, reset):
    return estimator._encode_targets(y, dtype, reset=reset)


def _weights(estimator, sample_weight, y, X):
    """Sample weights times the class weights, checked with dask (None when all are one)."""
    import dask

    if sample_weight is not None:
        if sample_weight.ndim != 1:
            raise ValueError(
                f"Sample weights must be 1D array or scalar, got {sample_weight.ndim}D."
            )
        sample_weight = sample_weight.astype(X.dtype)
        valid = ((sample_weight >= 0) & np.isfinite(sample_weight)).all()
        if not bool(valid.compute()):
            raise ValueError("sample_weight must be finite and non-negative.")
    class_weight = getattr(estimator, "class_weight", None)
    if y is None or class_weight is None or not is_classifier(estimator):
        return sample_weight
    classes = estimator.classes_
    codes = y.map_blocks(_codes, classes, dtype=np.intp)
    (counts,) = dask.compute(_bincount(codes, len(classes)))
    per_class = _class_weights(class_weight, classes, counts).astype(X.dtype)
    weights = codes.map_blocks(_lookup, per_class, dtype=X.dtype)
    return weights if sample_weight is None else weights * sample_weight


def _codes(y, classes):
    """The index of each label of ``y`` in the sorted ``classes``."""
    return np.searchsorted(classes, y)


def _lookup(codes, table):
    return table[codes]


def _bincount(codes, length):
    da = require_dask()
    return da.bincount(codes, minlength=length)


def _class_weights(class_weight, classes, counts):
    """scikit-learn's class weights for ``classes`` seen ``counts`` times each."""
    from sklearn.utils.class_weight import compute_class_weight

    # With each class once, weighted by its count, "balanced" sees the true counts.
    return compute_class_weight(class_weight, classes=classes, y=classes, sample_weight=counts)


# -- predict -----------------------------------------------------------------------------


def chunkwise(method):
    """Let ``method(X, ...)`` take a dask array: a dask array back, computed chunk by chunk.

    Anything else goes to ``method`` as it is.
    """

    @functools.wraps(method)
    def wrapper(self, X, *args, **kwargs):
        if not is_dask(X):
            return method(self, X, *args, **kwargs)
        return _map_rows(method, self, X, args, kwargs)

    return wrapper


def _map_rows(method, estimator, X, args, kwargs):
    require_dask()
    _check_names(estimator, X, reset=False)
    X = as_rows(X)
    # One row through the method itself: its checks run now, and its answer
    # gives the dtype and the columns of the result.
    call = functools.partial(_call_quietly, method, estimator, args, kwargs)
    sample = call(np.zeros((1, X.shape[1]), X.dtype))
    meta = np.empty((0,) * sample.ndim, sample.dtype)
    if sample.ndim == 1:
        return X.map_blocks(call, drop_axis=1, dtype=sample.dtype, meta=meta)
    chunks = (X.chunks[0], *((size,) for size in sample.shape[1:]))
    return X.map_blocks(call, chunks=chunks, dtype=sample.dtype, meta=meta)


def _call_quietly(method, estimator, args, kwargs, X):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_NO_NAMES, category=UserWarning)
        return method(estimator, X, *args, **kwargs)


def score_dask(estimator, X, y=None, sample_weight=None):
    """``estimator.score`` on dask arrays, from sums over the chunks.

    Accuracy for classifiers, R² (averaged over outputs) for regressors,
    and the autoencoder's negative mean squared reconstruction error.
    """
    import dask

    if y is None:  # the autoencoder, whose score each chunk gives as a mean
        X = rows_of(estimator, X, reset=False)
        parts = X.map_blocks(
            _block_error, estimator, drop_axis=1, chunks=((1,) * X.numblocks[0],), dtype=float
        )
        return -float(parts.sum().compute()) / (X.shape[0] * X.shape[1]) if X.size else 0.0
    predicted = estimator.predict(X)
    y = _rows_like(y, predicted, "y")
    weight = _rows_like(sample_weight, predicted, "sample_weight")
    if is_regressor(estimator):
        return _r2(predicted, y, weight)
    right = predicted == y
    if weight is None:
        return float(right.mean().compute())
    hits, total = dask.compute((right * weight).sum(), weight.sum())
    return float(hits / total)


def _block_error(X, estimator):
    """``Σ (x̂ - x)²`` over one chunk, as a 1-element array."""
    return np.array([-_call_quietly(type(estimator).score, estimator, (), {}, X) * X.size])


def _r2(predicted, y, weight):
    """``1 - Σ s (y - ŷ)² / Σ s (y - ȳ)²`` per output, averaged (scikit-learn's ``r2_score``)."""
    import dask

    if y.ndim == 1:
        y, predicted = y[:, None], predicted.reshape(-1, 1)
    s = 1.0 if weight is None else weight[:, None]
    total = y.shape[0] if weight is None else weight.sum()
    mean = (s * y).sum(axis=0) / total
    residual, spread = dask.compute(
        (s * (y - predicted) ** 2).sum(axis=0), (s * (y - mean) ** 2).sum(axis=0)
    )
    scores = np.ones(len(spread))
    defined = spread != 0
    scores[defined] = 1 - residual[defined] / spread[defined]
    scores[~defined & (residual != 0)] = 0.0  # a constant y: scikit-learn's finite scores
    return float(scores.mean())


# -- mini-batch fit over the chunks --------------------------------------------------------


def stream(estimator, X, y, sample_weight, validation_data):
    """Train a mini-batch solver by passes over the chunks, one ``partial_fit`` step each.

    Each pass visits the chunks in an order drawn from ``random_state``
    (their own order with ``shuffle=False``), fetches one chunk at a time to
    the client, and trains on it as ``partial_fit`` does (rows shuffled by
    the training state). Training stops after ``max_iter`` passes, or once
    the mean loss of a pass has not improved by ``tol`` for
    ``n_iter_no_change`` passes.
    """
    import dask

    _refuse_for_streaming(estimator, validation_data)
    X = rows_of(estimator, X, reset=True)
    y, sample_weight = _rows_like(y, X, "y"), _rows_like(sample_weight, X, "sample_weight")
    classes = None
    if is_classifier(estimator):
        classes = np.unique(y.map_blocks(np.unique, chunks=(np.nan,)).compute())
    n_chunks = len(X.chunks[0])
    blocks = [_row_blocks(a, n_chunks) for a in (X, y, sample_weight)]
    if not estimator.warm_start:
        estimator.__dict__.pop("network_", None)  # fit starts a new training
    passes, best, stale = 0, np.inf, 0
    for order in chunk_orders(estimator, n_chunks):
        losses = []
        for index in order:
            X_c, y_c, w_c = dask.compute(*(column[index] for column in blocks))
            estimator._fit(X_c, y_c, w_c, None, incremental=True, classes=classes)
            losses.append(estimator.loss_curve_[-1] * X_c.shape[0])
        passes += 1
        loss = sum(losses) / X.shape[0]
        stale = 0 if loss < best - estimator._tol(estimator.solver_) else stale + 1
        best = min(best, loss)
        if stale >= estimator.n_iter_no_change:
            break
    estimator.n_iter_ = passes
    return estimator


def chunk_orders(estimator, n_chunks):
    """The order of the chunks in each of ``max_iter`` passes.

    Drawn from a generator spawned from ``random_state``'s, so that the
    training state's own random numbers are those of ``partial_fit``.
    """
    from ._engine.base import make_rng

    rng = make_rng(estimator.random_state).spawn(1)[0]
    for _ in range(estimator.max_iter):
        yield rng.permutation(n_chunks) if estimator.shuffle else np.arange(n_chunks)


def _refuse_for_streaming(estimator, validation_data):
    if estimator.early_stopping or validation_data is not None:
        raise ValueError(
            "A mini-batch fit on a dask array trains chunk by chunk and holds nothing "
            "out: early_stopping and validation_data are not available; score held-out "
            "data after fit, or use a full-batch solver such as 'lbfgs'."
        )
    if isinstance(getattr(estimator, "class_weight", None), str):
        raise ValueError(
            "class_weight='balanced' is not available to a mini-batch fit on a dask "
            "array; compute the weights once, e.g. with "
            "sklearn.utils.class_weight.compute_class_weight on a sample of y, and pass "
            "them as a dict."
        )
