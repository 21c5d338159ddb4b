"""The data part of the full-batch objective, in one piece or as a sum over row chunks.

The data term of ``F`` and its gradient are sums over rows::

    Σ_i s_i loss_i = Σ_c Σ_{i ∈ c} s_i loss_i,    ∇ = Σ_c ∇_c

so they can be evaluated chunk by chunk and added up. Three evaluators
compute them for :class:`~sklearn_dl._engine.full_batch.FullBatch`:

- :class:`OnePiece`: every row at once (small data in memory);
- :class:`MemoryChunks`: row chunks of an array in memory, sized by
  scikit-learn's ``working_memory``, so that the activations take
  O(chunk × width) memory instead of O(n × width);
- :class:`DaskChunks`: the chunks of a persisted dask array, each evaluated
  where it lives (on the workers of a ``distributed`` client), with the
  parameters sent once per evaluation.

Chunked sums are float64 and added in the order of the chunks, so that an
evaluation gives the same bits every time.

Chunks are independent only when every layer treats rows on their own and
deterministically (dense layers and activations): batch normalisation
couples the rows of a batch and noise layers draw random numbers, so such
networks are evaluated in one piece.
"""

import copy
import threading
import weakref

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from sklearn.utils import gen_batches

from .. import _kernels
from .._array_api import numpy_like
from .._parts import Scratch
from .._validation import get_chunk_n_rows
from ..activations import Identity
from ..layers import Activation, Dense
from .least_squares import LeastSquares

# Entries of the logits per chunk of the loss in ``linear_data_gradient``'s numpy
# path: 512 KiB in float64.
LOSS_CHUNK = 2**16


def evaluator(objective, train, total_weight, rng=None):
    """The evaluator for ``objective`` on the data ``train`` of total weight ``Σ s_i``.

    Dask arrays get :class:`DaskChunks`; arrays in memory larger than one
    chunk of ``working_memory`` get :class:`MemoryChunks` when the network
    allows it; everything else :class:`OnePiece`.
    """
    X, Y, sample_weight = train.all_rows()
    if is_dask(X):
        return DaskChunks(objective, X, Y, sample_weight, total_weight)
    size = chunk_rows(objective.network, X.shape[0])
    if size < X.shape[0] and row_wise(objective.network):
        return MemoryChunks(objective, X, Y, sample_weight, total_weight, size)
    if isinstance(X, np.ndarray) and linear_layer(objective.network) is not None:
        return LinearPiece(objective, X, Y, sample_weight, total_weight)
    return OnePiece(objective, X, Y, sample_weight, total_weight, rng)


def is_dask(a):
    """Whether ``a`` is a dask collection (found without importing dask)."""
    return callable(getattr(a, "__dask_graph__", None))


def row_wise(network):
    """Whether every layer computes each row on its own, without randomness."""
    return all(isinstance(layer, Dense | Activation) for layer in network.layers)


def chunk_rows(network, n_samples):
    """Rows per chunk so that one chunk's training buffers fit ``working_memory``.

    A row takes about four arrays per layer (output, pre-activation, their
    gradients) of the layer's width, plus its input.
    """
    widths = [layer.units for layer in network.layers if isinstance(layer, Dense)]
    row_bytes = network.dtype.itemsize * (network.n_in + 4 * sum(widths))
    return get_chunk_n_rows(row_bytes, max_n_rows=max(n_samples, 1))


class OnePiece:
    """``F``'s data term and ``∇F`` over every row at once, as the objective computes them."""

    def __init__(self, objective, X, Y, sample_weight, total_weight, rng=None):
        self.objective = objective
        self.X, self.Y, self.sample_weight = X, Y, sample_weight
        self.total_weight = total_weight
        self.rng = rng

    def gradient(self):
        """``(Σ_i s_i loss_i, ∇F)`` at the network's parameters, ``∇F`` in float64."""
        objective = self.objective
        data_loss = objective.gradient(
            self.X, self.Y, self.sample_weight, self.total_weight, self.rng
        )
        return float(data_loss), _host_float64(objective.network.grads)

    def data_hessian(self, layer):
        """The data part of ``∇²F`` of a linear network (see ``FullBatch.hessian``)."""
        return data_hessian(
            self.objective, layer, self.total_weight, self.X, self.Y, self.sample_weight
        )

    def least_squares(self, **settings):
        """The least-squares problem over these rows."""
        return LeastSquares(self.X, self.Y, self.sample_weight, **settings)


class LinearPiece(OnePiece):
    """The same for a linear network on dense rows, by :func:`linear_data_gradient`."""

    def __init__(self, objective, X, Y, sample_weight, total_weight):
        super().__init__(objective, X, np.asfortranarray(Y), sample_weight, total_weight)
        self.work = Scratch()

    def gradient(self):
        objective = self.objective
        data_loss = linear_data_gradient(
            objective, self.X, self.Y, self.sample_weight, self.total_weight, self.work
        )
        objective.add_penalty_gradient(self.total_weight)
        return data_loss, objective.network.grads.astype(np.float64)


def linear_data_gradient(objective, X, Y, sample_weight, total_weight, work):
    """``Σ s_i loss_i`` of a linear network on dense rows; its grads ``∇ Σ s_i loss_i / Σ s_i``.

    The logits are held output by output: ``Zᵀ = Wᵀ Xᵀ`` and ``∇W = (∆ᵀ
    X)ᵀ`` read ``X`` in the order BLAS streams fastest when the outputs are
    few (on 100,000 × 50 rows and 5 outputs the two products took 0.7 of
    ``X W`` and ``Xᵀ ∆``). A loss with a kernel writes ``∆`` in one pass;
    otherwise the loss runs over row chunks of ``LOSS_CHUNK`` entries,
    whose temporaries stay in the cache (the softmax's took 0.6 of its time
    on the whole array). The losses work entry by entry or row by row, so
    neither the layout nor the chunks change their gradient. ``work`` (a
    :class:`~sklearn_dl._parts.Scratch`) keeps ``Zᵀ`` and ``∆ᵀ`` from call
    to call: nothing the size of ``X``'s rows is allocated, which matters
    where freed memory goes back to the system at once (dask's workers),
    so that every new array faults its pages in again.
    """
    layer, loss = linear_layer(objective.network), objective.loss
    K, n = layer.units, X.shape[0]
    ZT = work.front("logits", K * n, layer.W_.dtype).reshape(K, n)
    dZT = work.front("logit gradients", K * n, layer.W_.dtype).reshape(K, n)
    np.matmul(layer.W_.T, X.T, out=ZT)
    if layer.use_bias:
        ZT += layer.b_[:, None]
    scale = dZT.dtype.type(1.0 / total_weight) if total_weight > 0 else None
    data_loss = _kernels.loss_gradient_into(loss, Y, ZT.T, dZT.T, sample_weight, scale)
    if data_loss is None:
        data_loss, rows = 0.0, max(1, LOSS_CHUNK // K)
        for start in range(0, n, rows):  # gen_batches checks its arguments: 40 µs
            chunk = slice(start, min(start + rows, n))
            weight = None if sample_weight is None else sample_weight[chunk]
            part, dZ = loss.loss_gradient(Y[chunk], ZT[:, chunk].T, weight)
            data_loss += part
            dZT[:, chunk] = dZ.T
        if scale is not None:  # (the kernel scales in its own pass)
            dZT *= scale
    layer.dW_[...] = (dZT @ X).T  # into a transposed out=, numpy matmul bypasses BLAS
    if layer.use_bias:
        dZT.sum(axis=1, out=layer.db_)
    return data_loss


class MemoryChunks(OnePiece):
    """The same sums over row chunks of ``size`` rows of an array in memory."""

    def __init__(self, objective, X, Y, sample_weight, total_weight, size):
        super().__init__(objective, X, Y, sample_weight, total_weight)
        self.size = size
        self.data = data_objective(objective)
        self.work = Scratch()

    def gradient(self):
        data_loss, grads = 0.0, np.zeros(self.objective.network.params.shape[0])
        for rows in gen_batches(self.X.shape[0], self.size):
            weight = None if self.sample_weight is None else self.sample_weight[rows]
            loss, grad = chunk_gradient(
                self.data, None, self.total_weight, self.X[rows], self.Y[rows], weight, self.work
            )
            data_loss += loss
            grads += grad
        self.objective.network.release()  # the buffers of the last chunk
        return data_loss, grads + penalty_gradient(self.objective, self.total_weight)


def data_objective(objective):
    """The objective without its penalty: what each chunk contributes."""
    return type(objective)(objective.network, objective.loss)


def penalty_gradient(objective, total_weight):
    """The gradient of ``alpha R(W) / Σ s_i`` over all the parameters, in float64."""
    grads = objective.network.grads
    grads[...] = 0
    objective.add_penalty_gradient(total_weight)
    return _host_float64(grads)


def chunk_gradient(data, params, total_weight, X, Y, sample_weight, work=None):
    """``(Σ_c s_i loss_i, ∇ Σ_c s_i loss_i / Σ s_i)`` of one chunk, in float64.

    ``data`` is a penalty-free objective; ``params``, when given, are
    written into the calling thread's copy of it first (a worker may run
    several chunks at once, each needs its own buffers), which comes with
    its own ``work`` (the ``work`` given is then not used). A linear
    network on dense rows is evaluated by :func:`linear_data_gradient`, as
    in memory.
    """
    if params is not None:
        data, work = at_params(data, params)
    X = csr_rows(X)
    if isinstance(X, np.ndarray) and linear_layer(data.network) is not None:
        work = Scratch() if work is None else work
        loss = linear_data_gradient(data, X, Y, sample_weight, total_weight, work)
    else:
        loss = data.data_gradient(X, Y, sample_weight, total_weight)
    return float(loss), _host_float64(data.network.grads)


def at_params(data, params):
    """The calling thread's copy of the shared objective ``data`` at ``params``, and its work."""
    own, work = _own_copy(data)
    own.network.params[...] = params
    return own, work


def csr_rows(X):
    """``X`` as the layers take rows: a sparse matrix in CSR form, a dense one as it is."""
    return X.tocsr() if sp.issparse(X) and X.format != "csr" else X


# Per thread, a copy of each shared objective a task has used, while the original lives.
_copies = threading.local()


def _own_copy(data):
    """The calling thread's copy of ``data`` and its work arrays, made on first use and kept.

    A worker may run several chunks at once, so each thread needs its own
    network. Keeping it between evaluations keeps its buffers too: a fresh
    copy per task allocated them anew each time, and with the memory
    trimming dask's workers use, each allocation faulted its pages in again,
    which doubled the time of a chunk's gradient.
    """
    kept = _copies.__dict__.setdefault("kept", weakref.WeakKeyDictionary())
    own = kept.get(data)
    if own is None:
        own = kept[data] = (copy.deepcopy(data), Scratch())
    return own


def _host_float64(array):
    """``array`` as a float64 numpy array (a copy), brought from its device if need be."""
    return numpy_like(array).to_numpy(array).astype(np.float64)


def data_hessian(objective, layer, total_weight, X, Y, sample_weight):
    """``Σ_i s_i ∇²loss_i / Σ s_i`` of a linear network over the rows given, in float64.

    With ``Θ = [W; b]`` (shape (n_in + 1, K)) flattened row by row, as the
    parameters are, the block of outputs ``k, l`` is
    ``X̃ᵀ diag(s ∂²loss/∂z_k∂z_l) X̃ / Σ s_i`` with ``X̃ = [X, 1]``.
    """
    curvature = objective.loss.curvature(Y, objective.network.forward(X))
    curvature = curvature.astype(np.float64)
    scale = np.full(X.shape[0], 1.0 / total_weight)
    if sample_weight is not None:
        scale *= sample_weight
    size, K = layer.n_in_ + layer.use_bias, curvature.shape[1]
    H = np.zeros((size, K, size, K))
    for k in range(K):
        for j in range(k, K) if curvature.ndim == 3 else [k]:
            d = scale * (curvature[:, k, j] if curvature.ndim == 3 else curvature[:, k])
            H[:, k, :, j] = H[:, j, :, k] = _weighted_gram(X, d, layer.use_bias)
    return H.reshape(size * K, size * K)


def _weighted_gram(X, d, intercept):
    """``X̃ᵀ diag(d) X̃`` in float64, with ``X̃ = [X, 1]`` when ``intercept``."""
    DX = X.multiply(d[:, None]).tocsr() if sp.issparse(X) else X * d[:, None]
    G = X.T @ DX
    G = np.asarray(G.toarray() if sp.issparse(G) else G, dtype=np.float64)
    if not intercept:
        return G
    n = G.shape[0]
    bordered = np.empty((n + 1, n + 1))
    bordered[:n, :n] = G
    bordered[:n, n] = bordered[n, :n] = np.asarray(DX.sum(axis=0), dtype=np.float64).ravel()
    bordered[n, n] = d.sum()
    return bordered


def linear_layer(network):
    """The network's only layer when the network is one linear map, else None."""
    layers = network.layers
    if len(layers) == 1 and isinstance(layers[0], Dense):
        if isinstance(layers[0].activation_, Identity):
            return layers[0]
    return None


class DaskChunks(OnePiece):
    """The sums over the chunks of persisted dask arrays, each chunk evaluated where it lives.

    The penalty-free objective is sent to the cluster once, and the
    parameters once per evaluation; the evaluation of each chunk returns
    its loss and gradient (a vector of the size of the parameters), which
    the client adds up in the order of the chunks. How the chunks are
    shared out into tasks is :class:`~sklearn_dl._dask.ChunkRunner`'s
    business.
    """

    def __init__(self, objective, X, Y, sample_weight, total_weight):
        if not row_wise(objective.network):
            raise ValueError(
                "A full-batch fit on a dask array evaluates the objective chunk by "
                "chunk, which needs layers that treat each row on its own; batch_norm, "
                "dropout and noise layers do not. Train them with a mini-batch solver "
                "(e.g. solver='adam'), which streams the chunks."
            )
        super().__init__(objective, X, Y, sample_weight, total_weight)
        from .. import _dask

        self.chunks = _dask.ChunkRunner(X, Y, sample_weight)
        self.data = self.chunks.share(data_objective(objective))

    def gradient(self):
        params = self.chunks.share(self.objective.network.params.copy())
        results = self.chunks.run(chunk_gradient, self.data, params, self.total_weight)
        data_loss, grads = 0.0, np.zeros(self.objective.network.params.shape[0])
        for loss, grad in results:  # in the order of the chunks
            data_loss += loss
            grads += grad
        return data_loss, grads + penalty_gradient(self.objective, self.total_weight)

    def data_hessian(self, layer):
        network = self.chunks.share(self.objective.network)
        parts = self.chunks.run(_chunk_hessian, self.data, network, self.total_weight)
        H = parts[0].copy()
        for part in parts[1:]:  # in the order of the chunks
            H += part
        return H

    def least_squares(self, **settings):
        return ChunkedLeastSquares(self.X, self.Y, self.sample_weight, **settings)


def _chunk_hessian(data, network, total_weight, X, Y, sample_weight):
    """``data_hessian`` of one chunk with the parameters of ``network``."""
    network = copy.deepcopy(network)  # its own buffers: a worker may run several chunks
    objective = type(data)(network, data.loss)
    return data_hessian(objective, linear_layer(network), total_weight, X, Y, sample_weight)


class ChunkedLeastSquares(LeastSquares):
    """:class:`~sklearn_dl.optimizers.LeastSquares` over the chunks of dask arrays.

    The centred and weighted problem ``min ‖A W - B‖²``, with ``A = √s (X -
    x̄)`` and ``B = √s (Y - ȳ)``, is reduced to a small one by a tall-skinny
    QR: each chunk ``c`` is factored as ``[A_c, B_c] = Q_c R_c`` on its
    worker, the stacked ``R_c`` (in the order of the chunks) once more on the
    client, giving ``[A, B] = Q R``. Since ``Q`` has orthonormal columns,
    ``‖A W - B‖ = ‖R_A W - R_B‖`` with ``R = [R_A, R_B]``, and ``R_A`` has
    the singular values of ``A``: the in-memory solver (``lstsq`` with
    ``cond=tol``, the ridge rows, NNLS) then runs on ``R_A, R_B``.
    """

    def solve(self, tol):
        from .. import _dask

        chunks = _dask.ChunkRunner(self.X, self.Y, self.sample_weight)
        n_features = self.X.shape[1]
        if self.intercept:
            sums = chunks.run(_weighted_sums)
            x_sum, y_sum, total = (sum(part[i] for part in sums) for i in range(3))
            x_mean, y_mean = x_sum / total, y_sum / total
        else:
            x_mean, y_mean = np.zeros(n_features), np.zeros(self.Y.shape[1])
        factors = chunks.run(_r_factor, x_mean, y_mean)
        R = scipy.linalg.qr(np.vstack(factors), mode="r")[0]
        self.rank_ = self.singular_ = None
        W = self._dense(R[:, :n_features], R[:, n_features:], tol)
        if not self.intercept:
            return W.ravel(), True
        return np.concatenate([W.ravel(), y_mean - x_mean @ W]), True


def _dense_rows(X):
    X = X.toarray() if sp.issparse(X) else X
    return np.asarray(X, dtype=np.float64)


def _weighted_sums(X, Y, sample_weight):
    """``(Σ s_i x_i, Σ s_i y_i, Σ s_i)`` of one chunk, in float64."""
    X, Y = _dense_rows(X), np.asarray(Y, dtype=np.float64)
    s = np.ones(X.shape[0]) if sample_weight is None else sample_weight.astype(np.float64)
    return s @ X, s @ Y, s.sum()


def _r_factor(x_mean, y_mean, X, Y, sample_weight):
    """The ``R`` of the QR factorisation of one chunk's ``√s [X - x̄, Y - ȳ]``."""
    A = np.hstack([_dense_rows(X) - x_mean, np.asarray(Y, dtype=np.float64) - y_mean])
    if sample_weight is not None:
        A *= np.sqrt(sample_weight.astype(np.float64))[:, None]
    return scipy.linalg.qr(A, mode="r")[0]
