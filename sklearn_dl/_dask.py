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
  drawn from ``random_state``, with one ``partial_fit`` step per chunk; the
  rows ``early_stopping`` holds out are chosen chunk by chunk
  (:func:`held_out`).

Validation data given as dask arrays, and the rows held out, stay on the
workers too (:class:`DaskRows`): each epoch's ``val_loss`` and ``val_score``
are summed from one task per chunk.

Prediction methods decorated with :func:`chunkwise` return dask arrays,
computed chunk by chunk when asked for.
"""

import contextlib
import copy
import functools
import math
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier, is_regressor

from ._engine.chunked import at_params, csr_rows, is_dask
from ._engine.data import Data, check_validation_weight
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
    already), and each run is one task per worker thread, which calls
    ``function`` on the chunks given to that thread (a task per chunk cost
    3-5 ms of scheduling each on two cores, a seventh of the time of a
    100,000 × 50 chunk's 5-class logistic gradient). ``share`` sends a
    value to the cluster once, as the result of a task that the workers
    fetch from one another, except a small array, which rides with each
    task. Without a client, dask's local scheduler runs one task per chunk.
    """

    def __init__(self, X, Y=None, sample_weight=None):
        self.client = _client()
        arrays = [X, Y, sample_weight]
        if self.client is not None:
            given = [i for i, a in enumerate(arrays) if a is not None]
            # Chunks sent over the network (e.g. by da.from_array) may start
            # at any byte, and BLAS runs several times slower on them:
            # realigned once here, they stay aligned where they live, and no
            # task copies them again.
            aligned = [arrays[i].map_blocks(_aligned, meta=arrays[i]._meta) for i in given]
            for i, a in zip(given, self.client.persist(aligned), strict=True):
                arrays[i] = a
        self.arrays = arrays  # holds the persisted chunks for as long as the runner lives
        n_chunks = len(X.chunks[0])
        self.blocks = [self._row_blocks(a, n_chunks) for a in arrays]
        self.groups = None if self.client is None else self._groups(X.chunks[0])

    def _row_blocks(self, a, n_chunks):
        """One handle per row chunk of ``a``: a future, or a delayed object without a client."""
        if a is None:
            return [None] * n_chunks
        if self.client is None:
            return _row_blocks(a, n_chunks)
        from distributed import Future

        keys = [key[0] if isinstance(key, list) else key for key in a.__dask_keys__()]
        return [Future(key, self.client) for key in keys]

    def _groups(self, rows):
        """``(worker, chunk numbers)`` for each worker thread, with about as many rows each.

        Each worker's share of the rows is in proportion to its threads. A
        chunk stays with the worker that holds it while at least half of it
        fits that worker's share; otherwise it is copied, once, to the
        worker with the most room (the copy is the chunk's own key there,
        so that the cluster keeps it; the memory of the copies lasts the
        fit). A worker's chunks are then dealt to its threads, each to the
        thread with the fewest rows. Should a worker leave, its tasks and
        chunks are recomputed on the others: the groups decide only where a
        task is sent first.
        """
        wait_for(self.blocks[0])
        holders = self.client.who_has(self.blocks[0])
        threads = self.client.nthreads()
        per_thread = sum(rows) / max(1, sum(threads.values()))
        room = {worker: per_thread * n for worker, n in sorted(threads.items())}
        by_worker = {worker: [] for worker in room}
        for i, block in enumerate(self.blocks[0]):
            held = [w for w in holders.get(block.key, ()) if room.get(w, 0) >= rows[i] / 2]
            worker = min(held) if held else max(room, key=room.get)
            if not held:
                self._copy_to(worker, i)
            room[worker] -= rows[i]
            by_worker[worker].append(i)
        wait_for([block for blocks in self.blocks if blocks[0] is not None for block in blocks])
        groups = []
        for worker, chunks in by_worker.items():
            dealt = [[] for _ in range(min(threads[worker], len(chunks)))]
            for i in chunks:
                min(dealt, key=lambda group: sum(rows[j] for j in group)).append(i)
            groups += [(worker, group) for group in dealt]
        return groups

    def _copy_to(self, worker, i):
        """Copy chunk ``i`` of every array to ``worker``, as tasks of their own."""
        for blocks in self.blocks:
            if blocks[i] is not None:
                blocks[i] = self.client.submit(
                    _itself, blocks[i], workers=[worker], allow_other_workers=True, pure=False
                )

    def share(self, value):
        if self.client is None or _small(value):
            return value  # a small array rides with each task: no task of its own to wait for
        # A task that returns ``value`` rather than a scatter: the scheduler
        # can run it again should the worker holding the result die.
        return self.client.submit(_itself, value, pure=False)

    def run(self, function, *shared):
        chunks = list(zip(*self.blocks, strict=True))
        if self.client is None:
            import dask

            task = dask.delayed(_aligned_call, pure=False)
            return list(dask.compute(*[task(function, *shared, *chunk) for chunk in chunks]))
        tasks = [
            self.client.submit(
                _run_group,
                function,
                shared,
                [chunks[i] for i in numbers],
                workers=None if worker is None else [worker],
                allow_other_workers=True,
                pure=False,
            )
            for worker, numbers in self.groups
        ]
        results = [None] * len(chunks)
        for (_, numbers), values in zip(self.groups, self.client.gather(tasks), strict=True):
            for i, value in zip(numbers, values, strict=True):
                results[i] = value
        return results


def _small(value):
    """Whether ``value`` is an array small enough to send with every task (64 KiB)."""
    return isinstance(value, np.ndarray) and value.nbytes <= 2**16


def wait_for(futures):
    """Block until ``futures`` are computed (their holders are known then)."""
    from distributed import wait

    wait(futures)


def _run_group(function, shared, chunks):
    """``function(*shared, *chunk)`` for each chunk of one task, in their order."""
    return [_aligned_call(function, *shared, *chunk) for chunk in chunks]


def _itself(value):
    return value


def _aligned(block):
    """``block`` itself when its data are aligned to their item size, else an aligned copy."""
    return np.require(block, requirements="A") if isinstance(block, np.ndarray) else block


def _aligned_call(function, *args):
    """``function(*args)`` with each NumPy argument aligned to its item size.

    Arrays read from the network may start at any byte; BLAS takes other
    paths for them, which round differently, so that the same chunk would
    give other bits on another worker.
    """
    return function(*[_aligned(a) for a in args])


def _row_blocks(a, n_chunks):
    """One delayed object per row chunk of ``a`` (Nones when ``a`` is None)."""
    if a is None:
        return [None] * n_chunks
    return list(a.to_delayed().reshape(n_chunks, -1)[:, 0])


# -- fit ---------------------------------------------------------------------------------


def full_batch(estimator):
    """Whether ``fit`` trains ``estimator`` with a full-batch solver."""
    return _solver(estimator).full_batch


def _solver(estimator):
    """The optimizer (a class, or the user's object) ``fit`` trains ``estimator`` with."""
    from .optimizers import OPTIMIZERS

    solver = estimator._solver_choice(incremental=False)
    return OPTIMIZERS[solver] if isinstance(solver, str) else solver


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
    require_dask()
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
    if not _all_finite(X):
        raise ValueError("Input X contains NaN or infinity.")
    return X


def _all_finite(X):
    """Whether every value of the dask array ``X`` is finite (sparse chunks too).

    A finite sum means finite values; dask sums a dense array in half the
    time of a test per chunk. A sum that is not finite (or overflowed) is
    settled value by value.
    """
    if not sp.issparse(X._meta) and np.isfinite(X.sum().compute()):
        return True
    finite = X.map_blocks(_finite, drop_axis=1, chunks=((1,) * X.numblocks[0],), dtype=bool)
    return bool(finite.all().compute())


def _finite(X):
    """Whether every value of a chunk is finite, as a 1-element array (sparse chunks too)."""
    return np.array([np.isfinite(X.data if sp.issparse(X) else X).all()])


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
    ranges = X.map_blocks(_range, chunks=((1,) * X.numblocks[0], (2,)), dtype=X.dtype).compute()
    low, high = ranges[:, 0].min(), ranges[:, 1].max()
    # The encoding decides from the smallest and largest value only.
    estimator._encode_targets(np.array([[low], [high]]), X.dtype, reset=first)
    if sp.issparse(X._meta):  # dense targets, as in memory
        return X.map_blocks(_dense, dtype=X.dtype, meta=np.empty((0, 0), X.dtype))
    return X


def _dense(X):
    return X.toarray()


def _range(X):
    """A chunk's smallest and largest value, as a (1, 2) array (a sparse chunk's zeros count)."""
    return np.array([[X.min(), X.max()]])


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
    sample_weight = _checked_weights(sample_weight, X.dtype)
    classes = getattr(estimator, "classes_", None)
    per_class = _per_class_weights(estimator, y, classes)
    return _weighted(sample_weight, y, classes, per_class, X.dtype)


def _checked_weights(sample_weight, dtype):
    """``sample_weight`` as ``dtype``, refused unless 1-D, finite and non-negative."""
    if sample_weight is None:
        return None
    if sample_weight.ndim != 1:
        raise ValueError(f"Sample weights must be 1D array or scalar, got {sample_weight.ndim}D.")
    sample_weight = sample_weight.astype(dtype)
    valid = ((sample_weight >= 0) & np.isfinite(sample_weight)).all()
    if not bool(valid.compute()):
        raise ValueError("sample_weight must be finite and non-negative.")
    return sample_weight


def _per_class_weights(estimator, y, classes):
    """The weight of each of ``classes`` (None: no class weights), counted with dask."""
    import dask

    class_weight = getattr(estimator, "class_weight", None)
    if y is None or y.ndim != 1 or class_weight is None or not is_classifier(estimator):
        return None
    (counts,) = dask.compute(_bincount(y.map_blocks(_codes, classes), len(classes)))
    return _class_weights(class_weight, classes, counts)


def _weighted(sample_weight, y, classes, per_class, dtype):
    """``per_class[class of y] * sample_weight`` chunk by chunk; either factor may be None."""
    if per_class is None:
        return sample_weight
    codes = y.map_blocks(_codes, classes, dtype=np.intp)
    weights = codes.map_blocks(_lookup, per_class.astype(dtype), dtype=dtype)
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

    A method that returns a tuple (``kneighbors``' distances and indices)
    gives a tuple of dask arrays, each chunk of ``X`` searched once. Anything
    else goes to ``method`` as it is.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        X = args[0] if args else kwargs.get("X")
        if not is_dask(X):
            return method(self, *args, **kwargs)
        kwargs = {name: value for name, value in kwargs.items() if name != "X"}
        return _map_rows(method, self, X, args[1:], kwargs)

    return wrapper


def _map_rows(method, estimator, X, args, kwargs):
    require_dask()
    _check_names(estimator, X, reset=False)
    X = as_rows(X)
    # One row through the method itself: its checks run now, and its answer
    # gives the dtype and the columns of the result.
    call = functools.partial(_call_quietly, method, estimator, args, kwargs)
    sample = call(np.zeros((1, X.shape[1]), X.dtype))
    if isinstance(sample, tuple):
        return _map_rows_to_many(call, X, sample)
    meta = np.empty((0,) * sample.ndim, sample.dtype)
    if sample.ndim == 1:
        return X.map_blocks(call, drop_axis=1, dtype=sample.dtype, meta=meta)
    chunks = (X.chunks[0], *((size,) for size in sample.shape[1:]))
    return X.map_blocks(call, chunks=chunks, dtype=sample.dtype, meta=meta)


def _map_rows_to_many(call, X, samples):
    """A dask array for each of the arrays ``call`` returns, from one task per chunk of ``X``."""
    import dask

    da = require_dask()
    sizes = X.chunks[0]
    answers = [dask.delayed(call, pure=False)(block) for block in _row_blocks(X, len(sizes))]
    outputs = []
    for i, sample in enumerate(samples):
        meta = np.empty((0,) * sample.ndim, sample.dtype)
        pieces = [
            da.from_delayed(answer[i], (rows, *sample.shape[1:]), dtype=sample.dtype, meta=meta)
            for answer, rows in zip(answers, sizes, strict=True)
        ]
        outputs.append(da.concatenate(pieces))
    return tuple(outputs)


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
    the training state). ``class_weight="balanced"`` is computed once, from
    the class counts of all of ``y``; ``early_stopping`` holds out rows of
    every chunk (:func:`held_out`). The held-out rows, or
    ``validation_data``, are evaluated chunk by chunk after each pass
    (``val_loss`` and ``val_score`` in ``history_``). Training stops after ``max_iter`` passes, or
    once the validation score with ``early_stopping`` (otherwise the mean
    loss of a pass) has not improved by ``tol`` for more than
    ``n_iter_no_change`` passes, as in memory.
    """
    X = rows_of(estimator, X, reset=True)
    y, sample_weight = _rows_like(y, X, "y"), _rows_like(sample_weight, X, "sample_weight")
    classes = None
    if is_classifier(estimator):
        classes = np.unique(y.map_blocks(np.unique, chunks=(np.nan,)).compute())
    per_class = _per_class_weights(estimator, y, classes)
    train, validation = (X, y, sample_weight, None), None
    if validation_data is not None:
        validation = _validation_set(estimator, validation_data, classes)
    elif estimator.early_stopping:
        train, validation = _hold_out(estimator, X, y, sample_weight, classes, per_class)
    train_weight = None
    if validation is not None:
        check_validation_weight(validation)
        train_weight = _training_weight(train, classes, per_class)
    watch = _watcher(estimator)
    # The chunks' steps hold nothing out and weigh the classes as all of y does.
    settings = {"early_stopping": False}
    if isinstance(getattr(estimator, "class_weight", None), str):
        settings["class_weight"] = dict(zip(classes.tolist(), per_class.tolist(), strict=True))
    if not estimator.warm_start:
        estimator.__dict__.pop("network_", None)  # fit starts a new training
    with _temporarily(estimator, settings):
        estimator.n_iter_ = _passes(estimator, train, (validation, train_weight), classes, watch)
    return estimator


def _passes(estimator, train, validation, classes, watch):
    """Passes over the chunks of ``train`` until ``watch`` stops them; return their number.

    ``train`` is ``X, y, sample_weight`` and the rows to train on (None: all);
    ``validation`` the validation rows (or None) and the total weight of
    the training rows, which scales the penalty in ``val_loss``.
    """
    import dask

    n_chunks = len(train[0].chunks[0])
    blocks = [_row_blocks(a, n_chunks) for a in train]
    passes = 0
    for order in chunk_orders(estimator, n_chunks):
        loss, rows = 0.0, 0
        for index in order:
            X_c, y_c, w_c, kept = dask.compute(*(column[index] for column in blocks))
            if kept is not None:  # chosen here: the chunk comes over once, as it is
                X_c, y_c, w_c = (None if a is None else a[kept] for a in (X_c, y_c, w_c))
            if X_c.shape[0] == 0:  # every row of the chunk is held out
                continue
            estimator._fit(X_c, y_c, w_c, None, incremental=True, classes=classes)
            loss += estimator.loss_ * X_c.shape[0]
            rows += X_c.shape[0]
        logs = {"loss": loss / rows}
        if validation[0] is not None:  # after the pass's steps, as the history has them
            logs.update(_validation_logs(estimator, *validation))
            for key in ("val_loss", "val_score"):
                estimator.history_.setdefault(key, []).append(logs[key])
        passes += 1
        # The callback reads the parameters from its first argument's ``params``.
        if watch.on_epoch_end(estimator.network_, passes - 1, logs):
            break
    watch.on_fit_end(estimator.network_)
    return passes


def chunk_orders(estimator, n_chunks):
    """The order of the chunks in each of ``max_iter`` passes.

    Drawn from a generator spawned from ``random_state``'s, so that the
    training state's own random numbers are those of ``partial_fit``.
    """
    rng = _spawned(estimator)[0]
    for _ in range(estimator.max_iter):
        yield rng.permutation(n_chunks) if estimator.shuffle else np.arange(n_chunks)


def _spawned(estimator):
    """Two generators spawned from ``random_state``'s: the chunk orders', the split's."""
    from ._engine.base import make_rng

    return make_rng(estimator.random_state).spawn(2)


def _watcher(estimator):
    """scikit-learn's stopping flags as an :class:`~sklearn_dl.callbacks.EarlyStopping`.

    It watches the validation score with ``early_stopping`` (and puts back
    the parameters of the best pass at the end), else the loss of a pass,
    with the patience a mini-batch ``fit`` in memory has.
    """
    from .callbacks import EarlyStopping

    watch = EarlyStopping(
        monitor="val_score" if estimator.early_stopping else "loss",
        patience=estimator.n_iter_no_change + 1,
        min_delta=estimator._tol(_solver(estimator)),
        restore_best=estimator.early_stopping,
    )
    watch.on_fit_begin(None)  # it reads nothing from the trainer there
    return watch


@contextlib.contextmanager
def _temporarily(estimator, settings):
    """``estimator`` with ``settings`` for a while, then with the user's values again."""
    saved = {name: getattr(estimator, name) for name in settings}
    for name, value in settings.items():
        setattr(estimator, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(estimator, name, value)


def _validation_score(estimator, X, y, sample_weight):
    """The score of held-out dask arrays: from sums over the chunks without ``scoring``."""
    if estimator.scoring is not None:  # the scorer's metric sees the predictions whole
        return estimator._validation_score(Data(X, None, sample_weight, y=y))
    if y is None:  # the autoencoder
        return estimator.score(X)
    return estimator.score(X, y, sample_weight=sample_weight)


def _validation_logs(estimator, validation, train_weight):
    """``val_loss`` and ``val_score`` of ``validation``, as the trainer logs them in memory.

    ``val_loss`` is the objective on the validation rows: their loss over
    their total weight, plus the penalty over the training weight.
    """
    validation.encode(estimator)
    objective = estimator._objective()
    val_loss = (
        objective.evaluate(validation) / validation.total_weight
        + objective.penalty_value() / train_weight
    )
    return {"val_loss": float(val_loss), "val_score": validation.score(estimator)}


def _training_weight(train, classes, per_class):
    """``Σ s_i`` over the rows a mini-batch fit trains on, class weights included, in float64."""
    X, y, sample_weight, kept = train
    if sample_weight is not None:
        sample_weight = sample_weight.astype(X.dtype)
    weights = _weighted(sample_weight, y, classes, per_class, X.dtype)
    if weights is None:
        return float(X.shape[0] if kept is None else kept.sum().compute())
    if kept is not None:
        weights = weights * kept
    return float(weights.sum(dtype=np.float64).compute())


# -- validation data on the workers ----------------------------------------------------------


class DaskRows(Data):
    """Validation data as persisted dask arrays, evaluated chunk by chunk where they live.

    The targets ``Y`` are encoded by :meth:`encode`, once the estimator has
    learned its encoding (a mini-batch fit learns it in its first pass).
    One task per chunk computes the chunk's logits once, and from them its
    loss and the sums the estimator's score is made of; the client adds
    them up in float64 in the order of the chunks, so that an evaluation
    gives the same bits every time.
    """

    rule = None  # how the chunks' sums make the score (None: ``score`` on dask arrays)
    _last = None  # the parameters of the last evaluation, and the sums of the score there

    @functools.cached_property
    def total_weight(self):
        if self.sample_weight is None:
            return float(self.n_samples)
        return float(self.sample_weight.sum(dtype=np.float64).compute())

    def encode(self, estimator):
        """Encode the targets for the loss, chunk by chunk, unless done already."""
        if self.Y is None:
            self.Y = _encoded_targets(estimator, self.X, self.y)
            self.rule = _score_rule(estimator)

    def loss_sum(self, objective):
        """``Σ s_i loss_i`` in inference mode at the network's parameters, in float64."""
        params = objective.network.params.copy()
        results = self._run(objective, params)
        self._last = params, [sums for _, sums in results]
        total = 0.0
        for loss, _ in results:  # in the order of the chunks
            total += loss
        return total

    def score(self, estimator):
        """The estimator's score of these rows, from the sums of :meth:`loss_sum`'s tasks.

        The trainer asks for it right after the loss, at the same
        parameters: the tasks then run once for both.
        """
        if self.rule is None:
            return _validation_score(estimator, self.X, self.y, self.sample_weight)
        params = estimator.network_.params
        if self._last is None or not np.array_equal(self._last[0], params):
            self.loss_sum(estimator._objective())
        return _combined_score(self.rule, self._last[1])

    def _run(self, objective, params):
        """``(loss, sums)`` of each chunk, in the order of the chunks."""
        if "runner" not in self.__dict__:  # the chunks persisted, the network sent, once
            self.runner = ChunkRunner(self.X, self.Y, self.sample_weight)
            self.shared = self.runner.share(_bare_objective(objective))
        params = self.runner.share(params)
        return self.runner.run(_chunk_validation, self.shared, params, self.rule)


def validation_rows(estimator, validation_data):
    """``validation_data`` of a full-batch fit as :class:`DaskRows`, its targets encoded."""
    classes = estimator.classes_ if is_classifier(estimator) else None
    rows = _validation_set(estimator, validation_data, classes)
    rows.encode(estimator)
    return rows


def _encoded_targets(estimator, X, y):
    """The targets of validation rows as the loss takes them, encoded chunk by chunk.

    The encoding learned from the training data is checked here on a small
    summary (a regressor's first row, the autoencoder's range); a
    classifier's labels were checked against its classes already.
    """
    if y is None:  # the autoencoder
        return _encode_inputs(estimator, X, first=False)
    if not is_classifier(estimator):
        estimator._encode_targets(y[:1].compute(), X.dtype, reset=False)
    return y.map_blocks(
        _encode_block,
        estimator,
        X.dtype,
        False,
        chunks=(y.chunks[0], (estimator.network_.n_out,)),
        new_axis=1 if y.ndim == 1 else None,
        dtype=X.dtype,
    )


def _bare_objective(objective):
    """The penalty-free objective on a copy of the network without its buffers, to send."""
    network = copy.deepcopy(objective.network)
    network.release()
    return type(objective)(network, objective.loss)


def _chunk_validation(data, params, rule, X, Y, sample_weight):
    """One chunk's ``Σ s_i loss_i`` in inference mode at ``params``, and its score's sums."""
    data, _ = at_params(data, params)  # a worker may run several chunks at once
    Z = data.network.forward(csr_rows(X))
    sums = None if rule is None else _score_sums(rule, data.loss, Y, Z, sample_weight)
    return float(data.loss.value(Y, Z, sample_weight)), sums


def _score_rule(estimator):
    """How the sums of the chunks make the score ``_score_logits`` gives in memory.

    None where they do not: a ``scoring``, or a score of the estimator's own
    (the variational autoencoder's ELBO), which ``score`` on dask arrays gives.
    """
    from ._engine.base import BaseNetwork

    if estimator.scoring is not None:
        return None
    if type(estimator)._validation_score is not BaseNetwork._validation_score:
        return None
    if is_classifier(estimator):
        return "sigmoid" if estimator._binary or estimator._is_multilabel else "softmax"
    if is_regressor(estimator):
        return "r2"
    if hasattr(estimator, "_squared_error_sum"):  # the autoencoder
        return "squared_error"
    return None


def _score_sums(rule, loss, Y, Z, sample_weight):
    """The sums one chunk adds to its score, in float64.

    Accuracy: the weight of the rows predicted right, and of all rows. R²:
    per output, the chunk's weight, weighted mean of ``y``, weighted sum
    of squares about that mean, and weighted sum of squared residuals
    (merged over the chunks as Chan et al.'s parallel variance). The
    autoencoder: the sum of squared errors, and the number of entries.
    """
    s = np.ones(Y.shape[0]) if sample_weight is None else sample_weight.astype(np.float64)
    if rule == "sigmoid":  # every output on the side of 0 its label is on
        right = np.all((Y > 0.5) == (Z > 0), axis=1)
        return np.array([s @ right, s.sum()])
    if rule == "softmax":
        right = Y.argmax(axis=1) == Z.argmax(axis=1)
        return np.array([s @ right, s.sum()])
    Y = np.asarray(Y, dtype=np.float64)
    residual = np.asarray(loss.link(Z), dtype=np.float64) - Y
    if rule == "squared_error":
        residual = residual.ravel()
        return np.array([residual @ residual, residual.size])
    weight = s.sum()
    mean = s @ Y / weight if weight > 0 else np.zeros(Y.shape[1])
    return np.stack([np.full(Y.shape[1], weight), mean, s @ (Y - mean) ** 2, s @ residual**2])


def _combined_score(rule, parts):
    """The score from the sums of the chunks, added in their order."""
    total = np.zeros_like(parts[0])
    for part in parts:
        total += part
    if rule in ("sigmoid", "softmax"):
        return float(total[0] / total[1])
    if rule == "squared_error":
        return -float(total[0] / total[1]) if total[1] else 0.0
    weight = total[0]
    mean = sum(part[0] * part[1] for part in parts) / weight
    spread = total[2] + sum(part[0] * (part[1] - mean) ** 2 for part in parts)
    residual = total[3]
    scores = np.ones(len(spread))  # scikit-learn's r2_score: 1 where y and ŷ are constant
    defined = spread != 0
    scores[defined] = 1 - residual[defined] / spread[defined]
    scores[~defined & (residual != 0)] = 0.0
    return float(scores.mean())


def _validation_set(estimator, validation_data, classes):
    """``validation_data`` as :class:`DaskRows` of persisted arrays, weighted as in memory."""
    import dask

    if not isinstance(validation_data, tuple | list) or len(validation_data) not in (2, 3):
        raise ValueError(
            "validation_data must be a tuple (X_val, y_val) or (X_val, y_val, "
            f"sample_weight_val); got {type(validation_data).__name__}."
        )
    X_val, y_val, *w_val = validation_data
    if not is_dask(X_val) and not hasattr(X_val, "to_dask_array"):
        X_val = _one_chunk(X_val)
    X_val = rows_of(estimator, X_val, reset=False)
    y_val = _rows_like(y_val, X_val, "y")
    if classes is not None:
        _check_labels(y_val, classes)
    w_val = _checked_weights(_rows_like(w_val[0] if w_val else None, X_val, "w"), X_val.dtype)
    # As in memory: class weights from the validation labels' own counts.
    per_class = _per_class_weights(estimator, y_val, classes)
    w_val = _weighted(w_val, y_val, classes, per_class, X_val.dtype)
    X_val, y_val, w_val = dask.persist(X_val, y_val, w_val)
    return DaskRows(X_val, None, w_val, y=y_val)


def _check_labels(y, classes):
    """Refuse validation labels outside the classes of the training data."""
    labels = np.unique(y.map_blocks(np.unique, chunks=(np.nan,)).compute())
    unseen = np.setdiff1d(labels, classes)
    if unseen.size:
        raise ValueError(
            f"The validation labels {unseen.tolist()} are not among the classes of "
            f"the training data, {classes.tolist()}."
        )


def _one_chunk(X):
    """``X`` in memory (dense, or sparse as CSR) as a dask array of one chunk."""
    da = require_dask()
    if sp.issparse(X):
        return da.from_array(X.tocsr(), chunks=X.shape, asarray=False)
    return da.from_array(np.asarray(X))


def _hold_out(estimator, X, y, sample_weight, classes, per_class):
    """The training data and which rows of it to train on; the held-out rows, weighted.

    The held-out rows are persisted on the workers, and so is the mask of
    the training rows (a byte a row), so that it is not drawn again each pass.
    """
    import dask

    held, n_held = held_out(estimator, X, y, classes)
    X_val, y_val, w_val = (_rows_where(a, held, n_held) for a in (X, y, sample_weight))
    w_val = _weighted(w_val, y_val, classes, per_class, X.dtype)
    kept, X_val, y_val, w_val = dask.persist(~held, X_val, y_val, w_val)
    return (X, y, sample_weight, kept), DaskRows(X_val, None, w_val, y=y_val)


def held_out(estimator, X, y, classes):
    """The rows ``early_stopping`` holds out, and how many in each chunk.

    ``ceil(validation_fraction * n)`` rows, stratified by class for a
    classifier's 1-D ``y``: each class gets its share (rounded down, then
    one more for the largest remainders, ties drawn at random), spread over
    the chunks as a draw without replacement from all the rows would spread
    it (a multivariate hypergeometric draw on the chunks' counts); each
    chunk then picks its rows of each class at random. Only the class
    counts of each chunk reach the client. The random numbers come from a
    generator spawned from ``random_state``'s.

    Returns a boolean dask array with the row chunks of ``X``, and the
    number of rows held out of each chunk.
    """
    da = require_dask()
    n_samples = X.shape[0]
    n_held = math.ceil(estimator.validation_fraction * n_samples)
    if n_held < 2 or n_held >= n_samples:
        raise ValueError(
            "The validation set is too small, or leaves nothing to train on: "
            f"early_stopping holds out validation_fraction={estimator.validation_fraction} "
            f"of the {n_samples} samples, {n_held}, and needs at least 2 and fewer than all."
        )
    if classes is not None and y.ndim == 1:
        groups, n_groups = y.map_blocks(_codes, classes, dtype=np.intp), len(classes)
    else:
        groups, n_groups = da.zeros(n_samples, chunks=(X.chunks[0],), dtype=np.intp), 1
    sizes = ((n_groups,) * groups.numblocks[0],)
    counts = groups.map_blocks(_bincount_block, n_groups, chunks=sizes, meta=groups._meta)
    counts = counts.compute().reshape(-1, n_groups)
    rng = _spawned(estimator)[1]
    shares = _shares(counts.sum(axis=0), n_held, rng)
    table = np.column_stack(
        [rng.multivariate_hypergeometric(counts[:, k], shares[k]) for k in range(n_groups)]
    )
    seeds = rng.integers(np.iinfo(np.int64).max, size=len(table))
    held = groups.map_blocks(_pick, table, seeds, dtype=bool, meta=np.empty(0, bool))
    return held, table.sum(axis=1)


def _bincount_block(codes, length):
    return np.bincount(codes, minlength=length)


def _shares(totals, n_take, rng):
    """``n_take`` split over groups of ``totals`` rows in proportion (integers, exactly)."""
    shares, remainders = np.divmod(n_take * totals, totals.sum())
    largest_first = np.lexsort((rng.random(len(totals)), -remainders))
    shares[largest_first[: n_take - shares.sum()]] += 1
    return shares


def _pick(groups, table, seeds, block_id=None):
    """One chunk's held-out rows: ``table[chunk, k]`` rows of each group ``k``, at random."""
    chunk = block_id[0]
    rng = np.random.default_rng(seeds[chunk])
    held = np.zeros(len(groups), dtype=bool)
    for k, share in enumerate(table[chunk]):
        held[rng.choice(np.flatnonzero(groups == k), share, replace=False)] = True
    return held


def _rows_where(a, mask, sizes):
    """The rows of ``a`` where ``mask`` is True, chunk by chunk (``sizes`` per chunk)."""
    if a is None:
        return None
    mask = mask if a.ndim == 1 else mask[:, None]
    chunks = (tuple(int(size) for size in sizes), *a.chunks[1:])
    return a.map_blocks(_select, mask, chunks=chunks, dtype=a.dtype, meta=a._meta)


def _select(a, mask):
    return a[mask.ravel()]
