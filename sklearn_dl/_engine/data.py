"""Training and validation data as the trainer reads them: rows, batches and chunks."""

from dataclasses import dataclass, replace

import numpy as np

from .._array_api import numpy_like
from .chunked import is_dask


@dataclass
class Data:
    """Training (or validation) data with targets encoded for the loss.

    ``index`` selects the rows of ``X`` that belong to this set (``None``: all
    of them), so that a validation split shares ``X`` instead of copying it.
    """

    X: object
    Y: np.ndarray
    sample_weight: np.ndarray = None
    index: np.ndarray = None
    y: object = None  # the targets as given, for scorers (validation data only)

    @property
    def n_samples(self):
        return self.X.shape[0] if self.index is None else len(self.index)

    @property
    def total_weight(self):
        if self.sample_weight is None:
            return float(self.n_samples)
        weight = self.targets()[1]
        return float(numpy_like(weight).sum(weight, dtype=np.float64))

    def rows(self, batch):
        """The rows ``batch`` (a slice or an integer array) of this set."""
        index = batch if self.index is None else self.index[batch]
        if isinstance(index, slice) or not isinstance(self.X, np.ndarray):
            xp = numpy_like(self.X)
            if xp.on_device and not isinstance(index, slice):  # (no copy if already there)
                index = xp.asarray(index)
            weight = None if self.sample_weight is None else self.sample_weight[index]
            return self.X[index], self.Y[index], weight
        # ``take`` gathers rows faster than fancy indexing does.
        weight = None if self.sample_weight is None else self.sample_weight.take(index)
        X = self.X.take(index, axis=0)
        # An autoencoder's targets are its inputs: the rows are gathered once.
        return X, X if self.Y is self.X else self.Y.take(index, axis=0), weight

    def in_order(self, order=None):
        """The same set with its rows in ``order``, a permutation of them drawn on the host.

        ``None`` keeps the rows as they are. Where ``X`` lives on a device the
        rows' index goes there once, and each batch's rows are then a slice
        of it: one copy to the device per epoch rather than one per batch.
        """
        if order is None:
            index = self.index
        else:
            index = order if self.index is None else self.index[order]
        xp = numpy_like(self.X)
        on_host = index is None or not xp.on_device
        return replace(self, index=index if on_host else xp.asarray(index))

    def all_rows(self):
        """``X, Y, sample_weight`` of the whole set (no copy when ``index`` is None)."""
        if self.index is None:
            return self.X, self.Y, self.sample_weight
        return self.rows(slice(None))

    def targets(self):
        """``Y`` and the sample weights of this set, without touching ``X``."""
        if self.index is None:
            return self.Y, self.sample_weight
        weight = None if self.sample_weight is None else self.sample_weight[self.index]
        return self.Y[self.index], weight

    def labels(self):
        """``y`` as given (not encoded) for the rows of this set."""
        return self.y if self.index is None else self.y[self.index]

    def every(self, step):
        """Every ``step``-th row, in memory, weighted to the total weight of this set.

        Each row's weight is scaled by ``Σ s_i / Σ_sample s_i``, so that a
        weighted mean over the sample estimates the one over every row and
        a penalty divided by the total weight means the same. Dask arrays
        are computed here: only the sample comes to the client.
        """
        X, Y, weight = self.rows(slice(None, None, step))
        if is_dask(X):
            import dask

            X, Y, weight = dask.compute(X, Y, weight)
        n, total = X.shape[0], self.total_weight
        if weight is None:
            return Data(X, Y, np.full(n, total / n, dtype=X.dtype))
        sample_total = float(weight.sum(dtype=np.float64))
        return Data(X, Y, weight * (total / sample_total) if sample_total > 0 else weight)

    def micro_batches(self, batch, size):
        """The rows ``batch`` (a slice from :func:`batches`) in slices of at most ``size`` rows."""
        for start in range(batch.start, batch.stop, size):
            yield self.rows(slice(start, min(start + size, batch.stop)))

    def loss_sum(self, objective):
        """``Σ s_i loss_i`` of ``objective`` over these rows in inference mode, by chunks."""
        total = 0.0
        for X, Y, weight in self.chunks():
            total += objective.loss.value(Y, objective.network.forward(X), weight)
        return total

    def chunks(self, size=4096):
        """``X, Y, sample_weight`` in chunks of ``size`` rows, in order."""
        for batch in batches(self.n_samples, size):
            yield self.rows(batch)


def check_validation_weight(validation):
    """Refuse validation data of total weight 0: they give no loss or score."""
    if not validation.total_weight > 0:
        raise ValueError(
            "The validation data have a total sample weight of 0, so no validation "
            "loss or score can be computed; give some validation samples a "
            "positive weight (or a larger validation_fraction)."
        )


def batches(n_samples, batch_size):
    """Slices that cover ``range(n_samples)`` in steps of ``batch_size``."""
    for start in range(0, n_samples, batch_size):
        yield slice(start, min(start + batch_size, n_samples))
