"""Exact k-nearest-neighbour search behind :mod:`sklearn_dl.neighbors`.

Three indexes answer ``query(X, k) -> (distances, indices)``:

* :class:`TreeIndex` wraps :class:`scipy.spatial.cKDTree` for the Minkowski
  family (``p >= 1``, including ``p = inf``).
* :class:`BruteIndex` compares every query with every fitted point. A *source*
  writes one tile of values (fitted points x queries) at a time; a fast
  selection keeps, for each query, the few candidates that can be among the
  ``k`` nearest, and the source computes their exact distances.
* :class:`PrecomputedIndex` reads them off precomputed distances: a dense
  matrix by the brute-force selection, a sparse graph's stored entries directly.

A source's values need not be exact distances. The dot-product sources
(euclidean, squared euclidean, cosine) compute ``|y|^2 - 2 x.y`` or ``-x.y``
in single precision and report a per-query bound ``slack`` on the rounding
error, proven from the standard bound on a floating-point dot product. Every
point whose value lies within ``2 * slack`` of the ``k``-th smallest value is
a candidate, so rounding can never drop a true neighbour; the final distances
are recomputed as ``|x - y|`` from the original data.
"""

import math
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from joblib import effective_n_jobs
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist
from sklearn import get_config
from sklearn.metrics import DistanceMetric, pairwise_distances

from .._threads import blas_controller, single_blas_thread

_P_OF = {
    "euclidean": 2,
    "l2": 2,
    "manhattan": 1,
    "cityblock": 1,
    "l1": 1,
    "chebyshev": np.inf,
    "infinity": np.inf,
}
_CDIST_NAME = {1: "cityblock", np.inf: "chebyshev"}
# Metrics whose brute-force values come from one matrix product, by DotSource kind.
_DOT_KINDS = {
    "euclidean": "euclidean",
    "l2": "euclidean",
    "sqeuclidean": "sqeuclidean",
    "cosine": "cosine",
}
_TILE = 2048  # fitted points per tile of values: a tile of 256 queries fits in L2
_ROWS = 256  # queries per chunk, at most


def minkowski_p(metric, params):
    """The ``p`` of a Minkowski-family metric name, or None for other metrics."""
    if isinstance(metric, str) and metric in _P_OF:
        return _P_OF[metric]
    if metric in ("minkowski", "p"):
        return params.get("p", 2)
    return None


def tree_supports(metric, params):
    """Whether :class:`TreeIndex` can answer this metric (Minkowski, p >= 1)."""
    p = minkowski_p(metric, params)
    if p is None or p < 1:
        return False
    return params.get("w") is None or np.isfinite(p)


def brute_index(X, metric, params):
    """The brute-force index (or sparse graph) for this metric and data."""
    if metric == "precomputed":
        return PrecomputedIndex(X)
    if isinstance(metric, str) and metric in _DOT_KINDS:
        return BruteIndex(DotSource(X, _DOT_KINDS[metric]))
    p = minkowski_p(metric, params) if isinstance(metric, str) else None
    if p is not None and not sp.issparse(X):
        return BruteIndex(CdistSource(X, p, params.get("w")))
    return BruteIndex(PairwiseSource(X, metric, params))


def n_threads(n_jobs):
    """Threads for a brute-force search: ``n_jobs``, or BLAS's count for None."""
    if n_jobs is not None:
        return effective_n_jobs(n_jobs)
    counts = [lib["num_threads"] for lib in blas_controller().select(user_api="blas").info()]
    return max(counts, default=1)


class TreeIndex:
    """A kd-tree over the fitted points, stored in the tree's own leaf order.

    Storing the points in leaf order, and sending queries in the leaf order of
    a kd-tree built over the queries, keeps neighbouring points close in
    memory. A weighted Minkowski metric ``(sum_i w_i |x_i - y_i|^p)^(1/p)`` is
    the plain one on features scaled by ``w_i^(1/p)``.
    """

    def __init__(self, X, p, leaf_size, w=None):
        self.p = float(p)
        self.scale = None if w is None else np.power(np.asarray(w, float), 1 / p)
        data = self._scaled(X)
        self.order = cKDTree(data, leafsize=leaf_size, balanced_tree=False).indices
        self.tree = cKDTree(data[self.order], leafsize=leaf_size, balanced_tree=False)

    def _scaled(self, X):
        X = np.asarray(X, dtype=np.float64)
        return X if self.scale is None else X * self.scale

    def query(self, X, k, n_jobs=None, exclude_self=False):
        """Distances and indices of the ``k`` nearest fitted points, sorted."""
        workers = 1 if n_jobs is None else effective_n_jobs(n_jobs)
        if exclude_self:
            Q, q_order = self.tree.data, self.order
        else:
            Q = self._scaled(X)
            q_order = np.arange(len(Q))
            if len(Q) > _ROWS:
                q_order = cKDTree(Q, leafsize=64, balanced_tree=False).indices
                Q = Q[q_order]
        dist, ind = self.tree.query(Q, k=k + exclude_self, p=self.p, workers=workers)
        dist, ind = dist.reshape(len(Q), -1), ind.reshape(len(Q), -1)
        if exclude_self:
            dist, ind = _drop_self(dist, ind, np.arange(len(Q)))
        out_dist, out_ind = np.empty_like(dist), np.empty_like(ind)
        out_dist[q_order], out_ind[q_order] = dist, self.order[ind]
        return out_dist, out_ind


def _drop_self(dist, ind, self_ind):
    """Remove each row's own index (or, when absent, its farthest neighbour)."""
    is_self = ind == self_ind[:, None]
    is_self[~is_self.any(axis=1), -1] = True
    shape = (ind.shape[0], ind.shape[1] - 1)
    return dist[~is_self].reshape(shape), ind[~is_self].reshape(shape)


class PrecomputedIndex:
    """Search precomputed distances between the queries and the fitted points.

    The queries' rows decide, as in scikit-learn: a sparse matrix is a graph
    whose stored entries are the only candidates (a row with fewer than ``k``
    of them is an error); a dense one is searched by brute force. Without
    queries, the fitted matrix gives each fitted point's row.
    """

    def __init__(self, D):
        self.D = D

    def query(self, X, k, n_jobs=None, exclude_self=False):
        """Distances and indices of the ``k`` nearest fitted points, sorted."""
        rows = self.D if exclude_self else X
        if sp.issparse(rows):
            return _graph_query(rows, k, exclude_self)
        return BruteIndex(PrecomputedSource(self.D)).query(rows, k, n_jobs, exclude_self)


def _graph_query(graph, k, exclude_self):
    """The ``k`` nearest stored entries of each row of a sparse graph."""
    graph = sp.csr_array(graph)
    rows = np.repeat(np.arange(graph.shape[0]), np.diff(graph.indptr))
    cols, vals = graph.indices.astype(np.intp), graph.data.astype(np.float64)
    if exclude_self:
        keep = cols != rows
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
    counts = np.bincount(rows, minlength=graph.shape[0])
    if counts.min(initial=k) < k:
        besides = " besides the sample itself" if exclude_self else ""
        raise ValueError(
            f"{k} neighbors per samples are required, but some samples have only "
            f"{counts.min()} neighbors in precomputed graph matrix. Decrease number "
            "of neighbors used or recompute the graph with more neighbors. Only "
            f"stored entries are candidates: store at least {k} per row{besides}."
        )
    return _top_k(rows, cols, vals, graph.shape[0], k)


def _top_k(rows, cols, dist, n_rows, k):
    """Per row, the ``k`` candidates of smallest distance (ties: smallest index)."""
    order = np.lexsort((cols, dist, rows))
    counts = np.bincount(rows, minlength=n_rows)
    take = order[(np.cumsum(counts) - counts)[:, None] + np.arange(k)]
    return dist[take], cols[take]


class _Layout:
    """How the values of a chunk of ``m`` queries are tiled and blocked.

    Values are stored point-major: tile ``t`` is a ``(width, m)`` array whose
    row ``c`` holds the values of fitted point ``t * width + c``. Block ``j``
    of a tile is rows ``j, j + n_per_tile, j + 2 n_per_tile, ...`` (``size``
    of them), so block minima are elementwise minima of long contiguous
    slabs. Blocks hold at most ``n / (2k)`` points, so that at least ``2k``
    blocks hold fitted points.
    """

    def __init__(self, n, k):
        size = 16
        while size > 1 and size * 2 * k > n:
            size //= 2
        self.size = size
        self.n_per_tile = min(_TILE // size, -(-n // size))
        self.width = size * self.n_per_tile
        self.n_tiles = -(-n // self.width)
        self.n_blocks = self.n_tiles * self.n_per_tile


class BruteIndex:
    """Exact brute-force search over a source of values, chunked and threaded."""

    def __init__(self, source):
        self.source = source

    def query(self, X, k, n_jobs=None, exclude_self=False):
        """Distances and indices of the ``k`` nearest fitted points, sorted."""
        if exclude_self:
            X = self.source.fitted_queries()
        lay = _Layout(self.source.n_samples, k)
        threads = n_threads(n_jobs)
        if X.shape[0] * self.source.n_samples * max(X.shape[1], 1) < _SMALL_SEARCH:
            threads = 1  # starting threads costs more than such a search
        # Read here: scikit-learn's configuration does not reach worker threads.
        budget = get_config()["working_memory"] * 2**20 / threads
        rows = _chunk_rows(X.shape[0], lay, budget, threads)
        dist = np.empty((X.shape[0], k))
        ind = np.empty((X.shape[0], k), dtype=np.intp)
        local = threading.local()

        def work(start):
            stop = min(start + rows, X.shape[0])
            first_self = start if exclude_self else None
            search = _ChunkSearch(self.source, lay, k, local, rows, budget / 4)
            dist[start:stop], ind[start:stop] = search.run(X[start:stop], first_self)

        with single_blas_thread():
            _run_parallel(work, range(0, X.shape[0], rows), threads)
        return dist, ind


# Multiply-adds below which a brute-force search runs on the calling thread.
_SMALL_SEARCH = 2e7


def _run_parallel(work, items, threads):
    """Call ``work(item)`` for every item, ``threads`` at a time, in order taken."""
    threads = min(threads, len(items))
    if threads <= 1:
        for item in items:
            work(item)
        return
    pending, lock = iter(items), threading.Lock()

    def worker():
        while True:
            with lock:
                item = next(pending, None)
            if item is None:
                return
            work(item)

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(worker) for _ in range(threads)]:
            future.result()


def _chunk_rows(n_queries, lay, budget, threads):
    """Queries per chunk.

    The tiles fit within 3/4 of a thread's memory and in cache, with at least
    one chunk per thread.
    """
    # A float32 tile buffer, and a float64 one if a chunk is screened again.
    per_row = lay.n_tiles * lay.width * (4 + 8)
    rows = min(int(0.75 * budget // per_row), _ROWS, -(-n_queries // threads))
    return max(rows, 1)


class _ChunkSearch:
    """The ``k`` nearest fitted points of one chunk of queries."""

    def __init__(self, source, lay, k, local, max_rows, pair_bytes):
        self.source, self.lay, self.k = source, lay, k
        self.local, self.max_rows, self.pair_bytes = local, max_rows, pair_bytes

    def run(self, Xc, first_self=None):
        """Screen, pick candidates, and rank them by their exact distances."""
        job = self.source.prepare(Xc)
        rows, cols, vals = self._candidates(job, first_self)
        if job.refinable and len(rows) > self._limit(Xc):
            # Rounding left too many candidates (huge norms, many near-ties):
            # screen again in double precision.
            job = self.source.prepare(Xc, precise=True)
            rows, cols, vals = self._candidates(job, first_self)
        if job.slack is not None:
            # Three float64 rows per pair (two gathered, one difference).
            batch = max(64, int(self.pair_bytes // (24 * Xc.shape[1])))
            vals = job.exact(rows, cols, batch)
        return _top_k(rows, cols, vals, Xc.shape[0], self.k)

    def _limit(self, Xc):
        return Xc.shape[0] * (8 * self.k + 64)

    def _buffer(self, dtype, m):
        """The tile buffer of the calling thread, reused across its chunks."""
        lay, key = self.lay, np.dtype(dtype).name
        if getattr(self.local, key, None) is None:
            size = lay.n_tiles * lay.width * self.max_rows
            setattr(self.local, key, np.empty(size, dtype))
        flat = getattr(self.local, key)
        return flat[: lay.n_tiles * lay.width * m].reshape(lay.n_tiles, lay.width, m)

    def _candidates(self, job, first_self):
        """Fill the tiles, take block minima, and keep values under a threshold."""
        lay, m, n = self.lay, job.n_rows, self.source.n_samples
        values = self._buffer(job.dtype, m)
        mins = np.empty((lay.n_tiles, lay.n_per_tile, m), job.dtype)
        for t in range(lay.n_tiles):
            start, tile = t * lay.width, values[t]
            job.fill(start, min(start + lay.width, n), tile)
            if first_self is not None:
                _mask_self(tile, first_self - start)
            slabs = tile.reshape(lay.size, lay.n_per_tile * m)
            np.min(slabs, axis=0, out=mins[t].reshape(-1))
        mins = mins.reshape(lay.n_blocks, m)
        threshold = _threshold(mins, self.k, job.slack)
        return self._gather(values, mins, threshold)

    def _gather(self, values, mins, threshold):
        """Every (query, point, value) whose value is at most the threshold."""
        lay, m = self.lay, mins.shape[1]
        block, row = np.divmod(np.flatnonzero(mins <= threshold), m)
        tile, j = np.divmod(block, lay.n_per_tile)
        cols = (tile * lay.width + j)[:, None] + lay.n_per_tile * np.arange(lay.size)
        vals = values.reshape(-1)[cols * m + row[:, None]]
        keep = (vals <= threshold[row][:, None]) & (cols < self.source.n_samples)
        rows = np.broadcast_to(row[:, None], keep.shape)[keep]
        return rows, cols[keep], vals[keep].astype(np.float64)


def _mask_self(tile, offset):
    """Set query ``i``'s value for point ``offset + i`` to +inf, where in range."""
    width, m = tile.shape
    rows = np.arange(max(0, -offset), min(m, width - offset))
    tile[rows + offset, rows] = np.inf


def _threshold(mins, k, slack):
    """Per query, a value at least its ``k``-th smallest, plus twice the slack.

    The ``k``-th smallest of coarse block minima bounds the ``k``-th smallest
    value from above (``k`` disjoint blocks each hold a value no larger)
    while letting few more than ``k`` values through.
    """
    n_coarse = min(mins.shape[0], max(4 * k, 64))
    coarse = _fold_min(mins, n_coarse)
    tau = np.partition(coarse.T, k - 1, axis=1)[:, k - 1]
    if slack is None:
        return tau
    wide = tau.astype(np.float64) + 2 * slack
    threshold = wide.astype(mins.dtype)
    low = threshold < wide
    threshold[low] = np.nextafter(threshold[low], np.inf)
    return threshold


def _fold_min(A, n):
    """Minimum over rows ``r, r + n, r + 2n, ...`` for each ``r < n``."""
    full = A.shape[0] // n * n
    out = A[:full].reshape(-1, n, A.shape[1]).min(axis=0)
    tail = A.shape[0] - full
    np.minimum(out[:tail], A[full:], out=out[:tail])
    return out


# ----------------------------------------------------------------------------
# Sources: each turns a chunk of queries into a job that fills tiles of values.
# ----------------------------------------------------------------------------


class _Job:
    """One chunk of queries, prepared by a source.

    ``values(start, stop, out)`` returns (or writes into ``out``) the values
    of fitted points ``start:stop`` for the queries, shape (points, queries).
    When the values are only approximate, ``slack`` bounds their error per
    query and ``exact(rows, cols)`` gives the exact distances of candidate
    pairs.
    """

    def __init__(self, n_rows, dtype, values, exact=None, slack=None):
        self.n_rows, self.dtype, self.values = n_rows, dtype, values
        self.exact, self.slack = exact, slack
        self.refinable = slack is not None and dtype == np.float32

    def fill(self, start, stop, out):
        """Write the values of fitted points ``start:stop`` into a whole tile."""
        width = stop - start
        if width == out.shape[0]:
            self.values(start, stop, out)
        else:
            out[:width] = self.values(start, stop, None)
            out[width:] = np.inf


class DotSource:
    """Euclidean, squared euclidean or cosine values from one matrix product.

    Euclidean kinds: with ``x, y`` centred (dense data) and scaled by a power
    of two so that ``R = max |y| <= 1``, the value ``|y|^2 - 2 x.y``, that is
    ``|x - y|^2 - |x|^2``, is the product ``[x, 1] . [-2y, |y|^2]``.
    Cosine: the value ``-x.y`` on unit vectors, that is ``distance - 1``.
    A dot product of ``K`` terms in precision ``u`` errs by at most
    ``gamma_K sum_i |a_i b_i|`` with ``gamma_K = K u / (1 - K u)`` (Higham,
    *Accuracy and Stability of Numerical Algorithms*, 3.1). The factors carry
    their own rounding (``|y|^2`` and the unit vectors are sums of ``d < K``
    terms), so ``slack = 1.1 (2K + 8) u (2 |x| R + R^2)``, or
    ``1.1 (2K + 8) u`` for cosine, bounds the error of every value.
    """

    def __init__(self, Y, kind):
        self.Y, self.kind, self.n_samples = Y, kind, Y.shape[0]
        self.sparse = sp.issparse(Y)
        Y64 = _as_format(Y, self.sparse)
        self.center, self.scale, self.radius = None, 1.0, 1.0
        if kind == "cosine":
            self.norms = np.sqrt(_row_sq(Y64))
        else:
            self.center = None if self.sparse else Y64.mean(axis=0)
            shifted = Y64 if self.sparse else Y64 - self.center
            radius = float(np.sqrt(_row_sq(shifted).max()))
            self.scale = power_of_two_scale(radius)
            self.radius = radius * self.scale
        self._right = {}
        self._points(np.float64 if self.sparse else np.float32)

    def fitted_queries(self):
        return self.Y

    def _points(self, dtype):
        """The right-hand factor ``[-2y, |y|^2]`` or ``-y / |y|``, cached."""
        if dtype not in self._right:
            Y64 = _as_format(self.Y, self.sparse)
            if self.kind == "cosine":
                right = -_unit_rows(Y64)
            else:
                Z = (Y64 if self.center is None else Y64 - self.center) * self.scale
                right = _hstack([-2 * Z, _row_sq(Z)])
            self._right[dtype] = right.astype(dtype)
        return self._right[dtype]

    def prepare(self, Xc, precise=False):
        """A job for the queries ``Xc``, screened in float32 unless ``precise``."""
        X64 = _as_format(Xc, self.sparse)
        if self.kind == "cosine":
            left, span = _unit_rows(X64), 1.0
        else:
            Z = (X64 if self.center is None else X64 - self.center) * self.scale
            norm = np.sqrt(_row_sq(Z))
            left = _hstack([Z, np.ones(Xc.shape[0])])
            span = 2 * norm * self.radius + self.radius**2
            precise = precise or norm.max(initial=0) > 2.0**60  # float32 overflow
        dtype = np.float64 if precise or self.sparse else np.float32
        left, right = left.astype(dtype), self._points(dtype)
        slack = dot_slack(left.shape[1], np.finfo(dtype), span)

        def values(start, stop, out):
            if not self.sparse:
                return np.matmul(right[start:stop], left.T, out=out)
            product = (right[start:stop] @ left.T).toarray()
            if out is None:
                return product
            out[...] = product

        def exact(rows, cols, batch):
            return self._exact(X64, rows, cols, batch)

        return _Job(Xc.shape[0], dtype, values, exact, slack)

    def _exact(self, X64, rows, cols, batch):
        """Exact distances of the candidate pairs, from the original data."""
        if self.kind != "cosine":
            squared = _pair_sqdist(X64, self.Y, rows, cols, batch)
            return squared if self.kind == "sqeuclidean" else np.sqrt(squared)
        norms = np.sqrt(_row_sq(X64))[rows] * self.norms[cols]
        dots = _pair_dot(X64, self.Y, rows, cols, batch)
        cosine = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
        return np.clip(1 - cosine, 0, 2)


def power_of_two_scale(radius):
    """The power of two ``2^-ceil(log2 R)`` that brings a radius ``R`` to at most 1."""
    return 2.0 ** -math.ceil(math.log2(radius)) if radius > 0 else 1.0


def dot_slack(n_terms, info, span):
    """Bound on the rounding error of a value ``a . b`` of ``n_terms`` terms.

    ``1.1 (2K + 8) u span + 4 (2K + 8) tiny`` for ``K = n_terms``, unit
    roundoff ``u = eps / 2`` and the smallest subnormal ``tiny`` of ``info``
    (a ``finfo``), where ``span`` bounds ``sum_i |a_i b_i|`` (see
    :class:`DotSource`).
    """
    terms = 2 * n_terms + 8  # Python floats: span may be of any array namespace
    return 1.1 * terms * float(info.eps) / 2 * span + 4 * terms * float(info.smallest_subnormal)


class CdistSource:
    """Exact Minkowski-family distances by :func:`scipy.spatial.distance.cdist`."""

    def __init__(self, Y, p, w=None):
        self.Y, self.n_samples = np.asarray(Y, dtype=np.float64), Y.shape[0]
        self.name = _CDIST_NAME.get(p, "euclidean" if p == 2 else "minkowski")
        self.kwargs = {"p": p, "w": w} if self.name == "minkowski" else {}

    def fitted_queries(self):
        return self.Y

    def prepare(self, Xc, precise=False):
        X64 = _as_format(Xc, sparse=False)

        def values(start, stop, out):
            return cdist(self.Y[start:stop], X64, self.name, out=out, **self.kwargs)

        return _Job(Xc.shape[0], np.float64, values)


class PairwiseSource:
    """Exact distances by :func:`sklearn.metrics.pairwise_distances`.

    Covers every other metric name, callables and :class:`DistanceMetric`
    objects. NaN distances count as infinite.
    """

    def __init__(self, Y, metric, params):
        self.Y, self.n_samples = _index32(Y), Y.shape[0]
        self.metric, self.params = metric, dict(params)
        if metric == "pyfunc":
            self.metric = self.params.pop("func")

    def fitted_queries(self):
        return self.Y

    def prepare(self, Xc, precise=False):
        Xc = _index32(Xc)

        def values(start, stop, out):
            Y = self.Y[start:stop]
            if isinstance(self.metric, DistanceMetric):
                D = self.metric.pairwise(Xc, Y).T
            else:
                D = pairwise_distances(Xc, Y, metric=self.metric, **self.params).T
            D = np.where(np.isnan(D), np.inf, D)
            if out is None:
                return D
            out[...] = D

        return _Job(Xc.shape[0], np.float64, values)


class PrecomputedSource:
    """Rows of a dense precomputed distance matrix."""

    def __init__(self, D):
        self.D, self.n_samples = D, D.shape[1]

    def fitted_queries(self):
        return self.D

    def prepare(self, Xc, precise=False):
        def values(start, stop, out):
            if out is None:
                return Xc[:, start:stop].T
            out[...] = Xc[:, start:stop].T

        return _Job(Xc.shape[0], np.float64, values)


def _as_format(X, sparse):
    """``X`` as float64: a CSR array when ``sparse`` is true, else dense."""
    if sparse:
        return sp.csr_array(X, dtype=np.float64)
    X = X.toarray() if sp.issparse(X) else X
    return np.asarray(X, dtype=np.float64)


def _index32(X):
    """A sparse ``X`` as CSR with 32-bit indices, which some kernels require."""
    if not sp.issparse(X) or max(X.nnz, X.shape[1]) >= 2**31:
        return X
    X = sp.csr_matrix(X)
    return sp.csr_matrix(
        (X.data, X.indices.astype(np.int32), X.indptr.astype(np.int32)), shape=X.shape
    )


def _row_sq(X):
    """Squared euclidean norm of every row."""
    if sp.issparse(X):
        return np.asarray(X.multiply(X).sum(axis=1)).ravel()
    return np.einsum("ij,ij->i", X, X)


def _unit_rows(X):
    """Rows scaled to unit norm; zero rows stay zero."""
    norms = np.sqrt(_row_sq(X))
    inv = 1 / np.where(norms == 0, 1, norms)
    if sp.issparse(X):
        return sp.csr_array(sp.diags_array(inv) @ X)
    return X * inv[:, None]


def _hstack(parts):
    """Columns side by side; a 1-D part is one column. Sparse stays sparse."""
    parts = [p[:, None] if p.ndim == 1 else p for p in parts]
    if any(sp.issparse(p) for p in parts):
        return sp.csr_array(sp.hstack([sp.csr_array(p) for p in parts]))
    return np.hstack(parts)


def _pair_sqdist(X, Y, rows, cols, batch):
    """``|X[r] - Y[c]|^2`` for each candidate pair, by differences, in batches."""
    out = np.empty(len(rows))
    for s in range(0, len(rows), batch):
        r, c = rows[s : s + batch], cols[s : s + batch]
        if sp.issparse(X):
            out[s : s + batch] = _row_sq(X[r] - sp.csr_array(Y[c], dtype=np.float64))
        else:
            diff = X[r] - Y[c]
            out[s : s + batch] = np.einsum("ij,ij->i", diff, diff)
    return out


def _pair_dot(X, Y, rows, cols, batch):
    """``X[r] . Y[c]`` for each candidate pair, in batches."""
    out = np.empty(len(rows))
    for s in range(0, len(rows), batch):
        r, c = rows[s : s + batch], cols[s : s + batch]
        if sp.issparse(X):
            product = X[r].multiply(sp.csr_array(Y[c], dtype=np.float64))
            out[s : s + batch] = np.asarray(product.sum(axis=1)).ravel()
        else:
            out[s : s + batch] = np.einsum("ij,ij->i", X[r], Y[c])
    return out
