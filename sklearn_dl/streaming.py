"""Out-of-core training: feed an estimator's ``partial_fit`` one block of rows at a time.

:func:`partial_fit_blocks` reads a block of rows from ``X`` (and ``y`` and
``sample_weight``), passes it to ``partial_fit``, and lets it go before reading
the next one, so that memory depends on the block size and not on the number
of rows. ``X`` is anything that hands out rows by slicing: a NumPy array or
memmap, a sparse CSR matrix, a pandas or polars DataFrame, a dask array, an
HDF5 or zarr dataset. No dask-ml is needed; with dask-ml installed,
``dask_ml.wrappers.Incremental(estimator, shuffle_blocks=False)`` over a dask
array makes the same calls in the same order and so gives the same model.
"""

from numbers import Integral

import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import NotFittedError

from ._validation import check_is_fitted

__all__ = ["iter_blocks", "partial_fit_blocks"]

DEFAULT_BLOCK_SIZE = 10_000


def partial_fit_blocks(
    estimator,
    X,
    y=None,
    *,
    block_size=None,
    classes=None,
    sample_weight=None,
    epochs: int = 1,
):
    """Train ``estimator`` by calling ``partial_fit`` on consecutive blocks of rows.

    Each epoch streams every block once, in order; only one block is in memory
    at a time. The
    estimator is updated in place, as ``partial_fit`` does: call it again to
    continue training.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
        Any sklearn_dl estimator that learns incrementally: the linear models
        and perceptrons with a mini-batch solver (``"sgd"``, ``"adam"``, ...),
        the autoencoder, or a nearest-neighbours estimator (which appends the
        rows it is given).
    X : array-like, sparse matrix, DataFrame or dask array of shape (n_samples, n_features)
        Training data; rows are read with ``X[start:stop]`` (``X.iloc`` for
        pandas), so a memmap is read from disk block by block.
    y : array-like or dask array of shape (n_samples,) or (n_samples, n_outputs), default=None
        Targets, read block by block like ``X``; None for the autoencoder.
    block_size : int, default=None
        Rows per block. None uses the chunks of a dask array ``X`` and
        10,000 rows otherwise.
    classes : array-like of shape (n_classes,), default=None
        Every class label, passed to each ``partial_fit`` call of a
        classifier. None with a 1-D ``y`` and a classifier not yet fitted:
        the labels are collected from ``y`` in one extra pass over its
        blocks first.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights, read block by block like ``X``.
    epochs : int, default=1
        Passes over the whole data.

    Returns
    -------
    estimator : object
        The same estimator, trained.

    See Also
    --------
    iter_blocks : The blocks themselves, for a training loop of your own.

    Examples
    --------
    A data set in a file on disk, opened as a memmap and read 500 rows at a time:

    >>> import tempfile
    >>> import numpy as np
    >>> from sklearn_dl.linear_model import LinearRegression
    >>> from sklearn_dl.streaming import partial_fit_blocks
    >>> rng = np.random.default_rng(0)
    >>> X = np.memmap(tempfile.TemporaryFile(), dtype=np.float64, mode="w+", shape=(2000, 3))
    >>> X[:] = rng.normal(size=(2000, 3))
    >>> y = X @ np.array([1.0, -2.0, 0.5]) + 3.0
    >>> model = LinearRegression(solver="adam", learning_rate_init=0.05, random_state=0)
    >>> model = partial_fit_blocks(model, X, y, block_size=500, epochs=20)
    >>> np.round(model.coef_, 2), round(float(model.intercept_), 2)
    (array([ 1. , -2. ,  0.5]), 3.0)
    """
    if not hasattr(estimator, "partial_fit"):
        raise TypeError(
            f"{type(estimator).__name__} has no partial_fit (with the parameters "
            f"{estimator!r}); for the linear models and perceptrons choose a "
            "mini-batch solver such as 'sgd' or 'adam'."
        )
    if not isinstance(epochs, Integral) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer; got {epochs!r}.")
    X, y, sample_weight = (_sliceable(a) for a in (X, y, sample_weight))
    extra = {}
    if is_classifier(estimator):
        if classes is None and y is not None and y.ndim == 1 and not _is_fitted(estimator):
            classes = _labels(y, block_size, X)
        if classes is not None:
            extra["classes"] = classes
    for _ in range(epochs):
        for X_block, y_block, w_block in iter_blocks(X, y, sample_weight, block_size=block_size):
            if w_block is not None:
                extra["sample_weight"] = w_block
            if y_block is None:
                estimator.partial_fit(X_block, **extra)
            else:
                estimator.partial_fit(X_block, y_block, **extra)
    return estimator


def iter_blocks(X, y=None, sample_weight=None, *, block_size=None):
    """Yield ``(X_block, y_block, sample_weight_block)`` over consecutive rows.

    ``y_block`` and ``sample_weight_block`` are None when ``y`` or
    ``sample_weight`` is. Dask blocks are computed (together, in one call);
    other blocks are what slicing returns, e.g. a view into a memmap.

    Parameters
    ----------
    X : array-like, sparse matrix, DataFrame or dask array of shape (n_samples, n_features)
        The data.
    y : array-like or dask array of shape (n_samples, ...), default=None
        Targets, sliced like ``X``.
    sample_weight : array-like or dask array of shape (n_samples,), default=None
        Weights, sliced like ``X``.
    block_size : int, default=None
        Rows per block. None uses the chunks of a dask array ``X`` and
        10,000 rows otherwise.

    Yields
    ------
    X_block, y_block, sample_weight_block : tuple
        One block of rows of each.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.streaming import iter_blocks
    >>> X = np.arange(10.0).reshape(5, 2)
    >>> [(len(X_b), y_b.tolist()) for X_b, y_b, _ in iter_blocks(X, np.arange(5), block_size=2)]
    [(2, [0, 1]), (2, [2, 3]), (1, [4])]
    """
    X, y, sample_weight = (_sliceable(a) for a in (X, y, sample_weight))
    n_samples = X.shape[0]
    for name, other in (("y", y), ("sample_weight", sample_weight)):
        if other is not None and other.shape[0] != n_samples:
            raise ValueError(
                f"{name} has {other.shape[0]} rows but X has {n_samples}; they must match."
            )
    for start, stop in _bounds(X, block_size):
        blocks = [None if a is None else _rows(a, start, stop) for a in (X, y, sample_weight)]
        yield tuple(_compute(blocks))


def _bounds(X, block_size):
    """``(start, stop)`` of each block of rows."""
    n_samples = X.shape[0]
    if block_size is None and _is_dask(X):
        sizes = X.chunks[0]
        if any(np.isnan(size) for size in sizes):
            raise ValueError(
                "X is a dask array whose chunk sizes are unknown; call "
                "X.compute_chunk_sizes() first or pass block_size."
            )
        stops = np.cumsum(sizes).tolist()
        return list(zip([0, *stops[:-1]], stops, strict=True))
    if block_size is None:
        block_size = DEFAULT_BLOCK_SIZE
    if not isinstance(block_size, Integral) or block_size < 1:
        raise ValueError(f"block_size must be a positive integer or None; got {block_size!r}.")
    return [
        (start, min(start + block_size, n_samples)) for start in range(0, n_samples, block_size)
    ]


def _sliceable(a):
    """``a`` itself when it has a shape (arrays, memmaps, DataFrames), else an array of it."""
    return a if a is None or hasattr(a, "shape") else np.asarray(a)


def _rows(a, start, stop):
    """Rows ``start:stop`` of ``a``, by position (``iloc`` for pandas objects)."""
    if hasattr(a, "iloc"):
        return a.iloc[start:stop]
    return a[start:stop]


def _is_dask(a):
    return hasattr(a, "dask") and hasattr(a, "compute")


def _compute(blocks):
    """Compute the dask blocks among ``blocks`` in one call (shared work is done once)."""
    lazy = [i for i, block in enumerate(blocks) if block is not None and _is_dask(block)]
    if not lazy:
        return blocks
    import dask  # only reached with dask collections, so dask is installed

    values = dask.compute(*[blocks[i] for i in lazy])
    blocks = list(blocks)
    for i, value in zip(lazy, values, strict=True):
        blocks[i] = value
    return blocks


def _labels(y, block_size, X):
    """The sorted distinct labels of ``y``, read block by block."""
    labels = None
    for start, stop in _bounds(X, block_size):
        (block,) = _compute([_rows(y, start, stop)])
        block = np.unique(np.asarray(block))
        labels = block if labels is None else np.union1d(labels, block)
    return labels


def _is_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True
