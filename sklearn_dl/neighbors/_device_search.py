"""Exact brute-force k-nearest-neighbour search under array API dispatch.

:class:`DeviceBruteIndex` answers ``query(X, k) -> (distances, indices)``
like the indexes of :mod:`._search`, in the namespace and on the device of
the fitted points (a PyTorch tensor or a CuPy array, on the CPU or a GPU),
for the euclidean and squared euclidean metrics. It screens with the values
and the rounding bound of :class:`._search.DotSource` and keeps, per query,
the ``k'`` smallest values of every tile (a top-k), then ranks the kept
points by their exact distances.
"""

import math

import numpy as np
from sklearn import get_config

from .._array_api import float_dtype, namespace, namespace_name, set_rows, smallest_k
from ._search import _ROWS, _TILE, dot_slack, power_of_two_scale

# Effective metric names the device search answers, and what it returns.
DEVICE_METRICS = {"euclidean": "euclidean", "l2": "euclidean", "sqeuclidean": "sqeuclidean"}


class DeviceBruteIndex:
    """Brute-force search on the device of the fitted points.

    The fitted points ``y``, centred on their mean and scaled by a power of
    two so that ``R = max |y| <= 1``, give the factor ``[-2y, |y|^2]``; a
    query ``x``, centred and scaled alike, gives ``[x, 1]``. Their product
    ``v = |y|^2 - 2 x.y = |x - y|^2 - |x|^2`` ranks the points as the
    distance does, computed in float32 within the bound ``slack`` of
    :func:`._search.dot_slack`. Tile by tile, the ``k'`` smallest values of
    each query are merged with those kept so far. The kept points hold every
    neighbour when the largest kept value exceeds the ``k``-th smallest by
    more than ``2 slack``; queries where it does not are searched again with
    twice as many kept. The kept points' distances ``|x - y|`` are computed
    from the original data in the device's most precise float (float64 where
    it has one) and sorted, ties by index, as the numpy search does.
    """

    def __init__(self, Y, metric):
        xp, device = namespace(Y)
        self.xp, self.device, self.kind = xp, device, DEVICE_METRICS[metric]
        self.Y, self.n_samples = Y, Y.shape[0]
        self.exact_dtype = float_dtype(xp, device)
        Y64 = xp.astype(Y, self.exact_dtype)
        self.center = xp.mean(Y64, axis=0)
        radius = float(xp.max(xp.sqrt(_row_sq(xp, Y64 - self.center))))
        self.scale = power_of_two_scale(radius)
        self.radius = radius * self.scale
        self._right = {}

    def _points(self, dtype):
        """The factor ``[-2y, |y|^2]`` of the centred, scaled points, cached."""
        if dtype not in self._right:
            xp = self.xp
            Z = (xp.astype(self.Y, self.exact_dtype) - self.center) * self.scale
            right = xp.concat([-2 * Z, _row_sq(xp, Z)[:, None]], axis=1)
            self._right[dtype] = xp.astype(right, dtype)
        return self._right[dtype]

    def query(self, X, k, n_jobs=None, exclude_self=False):
        """Distances and indices of the ``k`` nearest fitted points, sorted.

        ``n_jobs`` has no effect: the device runs each product in parallel.
        """
        xp = self.xp
        if not exclude_self and namespace(X)[0] is not xp:
            raise ValueError(
                f"The estimator was fitted on {namespace_name(xp)} arrays under array API "
                "dispatch; query it with such arrays and dispatch on "
                "(sklearn.set_config(array_api_dispatch=True)), or move it to numpy "
                "with sklearn.utils._array_api.move_estimator_to."
            )
        X = self.Y if exclude_self else X
        self_ind = xp.arange(X.shape[0], device=self.device) if exclude_self else None
        return self._search(X, k, self_ind, 2 * k + 8)

    def _search(self, X, k, self_ind, kept):
        """The ``k`` nearest of queries ``X`` (``self_ind``: their own points, or None).

        In chunks of queries whose tiles and kept points fit the memory
        budget (see :func:`_blocks`); queries whose ``kept`` points may miss
        a neighbour are searched again with twice as many.
        """
        xp = self.xp
        n_valid = self.n_samples - (self_ind is not None)
        kept = min(kept, n_valid)
        rows, width = _blocks(X.shape[0], self.n_samples, X.shape[1], kept)
        if rows < X.shape[0]:
            parts = [
                self._search(X[s : s + rows, ...], k, _part(self_ind, s, rows), kept)
                for s in range(0, X.shape[0], rows)
            ]
            return tuple(xp.concat(found, axis=0) for found in zip(*parts, strict=True))
        left, slack = self._prepare(X)
        vals, cand = self._screen(left, kept, self_ind, width)
        dist, ind = self._exact(X, cand, k, self_ind)
        if kept == n_valid:
            return dist, ind
        gap = xp.astype(vals[:, kept - 1], slack.dtype) - xp.astype(vals[:, k - 1], slack.dtype)
        redo = xp.nonzero(~(gap > 2 * slack))[0]
        if redo.shape[0] > 0:
            sub_self = None if self_ind is None else xp.take(self_ind, redo)
            sub = self._search(xp.take(X, redo, axis=0), k, sub_self, 2 * kept)
            set_rows(dist, redo, sub[0])
            set_rows(ind, redo, sub[1])
        return dist, ind

    def _prepare(self, Xc):
        """The left factor ``[x, 1]`` of the queries and the bound on each value."""
        xp = self.xp
        Z = (xp.astype(Xc, self.exact_dtype) - self.center) * self.scale
        norm = xp.sqrt(_row_sq(xp, Z))
        # float32 overflows for such norms: screen in the precise float instead.
        precise = float(xp.max(norm)) > 2.0**60 and self.exact_dtype != xp.float32
        dtype = self.exact_dtype if precise else xp.float32
        ones = xp.ones((Xc.shape[0], 1), dtype=Z.dtype, device=self.device)
        left = xp.astype(xp.concat([Z, ones], axis=1), dtype)
        info = np.finfo(np.float64 if precise else np.float32)
        span = 2 * norm * self.radius + self.radius**2
        return left, dot_slack(left.shape[1], info, span)

    def _screen(self, left, kept, self_ind, width):
        """The ``kept`` smallest values of each query and their points, ascending."""
        xp, right = self.xp, self._points(left.dtype)
        best = None
        for start in range(0, self.n_samples, width):
            tile = right[start : start + width, ...]
            values = left @ xp.permute_dims(tile, (1, 0))
            cols = xp.arange(start, start + tile.shape[0], device=self.device)
            if self_ind is not None:
                values = xp.where(cols[None, :] == self_ind[:, None], xp.inf, values)
            labels = xp.broadcast_to(cols[None, :], values.shape)
            found = smallest_k(xp, values, min(kept, tile.shape[0]), labels)
            if best is not None:
                merged = [xp.concat([a, b], axis=1) for a, b in zip(best, found, strict=True)]
                found = smallest_k(xp, merged[0], min(kept, merged[0].shape[1]), merged[1])
            best = found
        return best

    def _exact(self, Xc, cand, k, self_ind):
        """The ``k`` candidates of smallest exact distance, ties by index."""
        xp = self.xp
        m, kept = cand.shape
        # Features first: each distance then sums its terms in the same order,
        # so equal points give equal distances whatever their place in memory.
        points = xp.take(self.Y, xp.reshape(cand, (-1,)), axis=0)
        points = xp.reshape(
            xp.astype(xp.permute_dims(points, (1, 0)), self.exact_dtype), (-1, m, kept)
        )
        diff = points - xp.permute_dims(xp.astype(Xc, self.exact_dtype), (1, 0))[:, :, None]
        dist = xp.sum(diff * diff, axis=0)
        if self_ind is not None:
            dist = xp.where(cand == self_ind[:, None], xp.inf, dist)
        if self.kind == "euclidean":
            dist = xp.sqrt(dist)
        by_index = xp.argsort(cand, axis=1, stable=True)
        cand, dist = (xp.take_along_axis(a, by_index, axis=1) for a in (cand, dist))
        order = xp.argsort(dist, axis=1, stable=True)[:, :k]
        return xp.take_along_axis(dist, order, axis=1), xp.take_along_axis(cand, order, axis=1)


def _part(self_ind, start, rows):
    """The own points of queries ``start:start + rows``, or None."""
    return None if self_ind is None else self_ind[start : start + rows]


def _row_sq(xp, X):
    """Squared euclidean norm of every row."""
    return xp.sum(X * X, axis=1)


def _blocks(n_queries, n_points, n_features, kept):
    """Queries per chunk and fitted points per tile.

    A tile of float32 values (queries x points) takes at most a quarter of
    scikit-learn's ``working_memory``, leaving room for the top-k's
    temporaries; it is as square as the data allows (a device is fastest on
    large products) and at least ``_ROWS`` queries by ``_TILE`` points, the
    numpy search's tile. The exact distances of a chunk's kept points
    (float64, ``kept`` per query) take at most as much again.
    """
    cells = max(get_config()["working_memory"] * 2**20 // 16, _ROWS * _TILE)
    width = min(n_points, max(_TILE, math.isqrt(cells)))
    rows = min(cells // width, cells // (2 * kept * max(n_features, 1)))
    return max(1, min(n_queries, rows)), width
