"""The shared training loop of every gradient-trained estimator.

Every estimator minimises the same objective over its network's flat
parameter vector ``θ`` (weights ``W`` and unpenalised parameters)::

    F(θ) = (Σ_i s_i loss(y_i, f_θ(x_i)) + alpha R(W)) / Σ_i s_i

with ``s_i`` the sample weights. A mini-batch ``B`` estimates it by
``Σ_B s_i loss_i / Σ_B s_i + alpha R(W) / Σ_i s_i``, so that ``alpha`` has
the same meaning whatever the solver and the batch size.

:class:`Trainer` runs either epochs of mini-batch steps (stochastic
optimizers) or one call to :func:`scipy.optimize.minimize` (full-batch
optimizers), records the history and calls the callbacks.
"""

import contextlib
import math
import os
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from ._threads import quiet_other_blas, single_blas_thread
from .activations import Identity
from .layers import Dense
from .losses import SquaredError
from .optimizers import LeastSquares

# Matrix products below this many multiply-adds run on one BLAS thread during
# training: for them, waking and joining a second thread costs more than it
# saves. On a busy machine every product does (see ``_busy_machine``).
SMALL_PRODUCT = 2**22

# An epoch loss this many times above the first epoch's (or 1) means divergence.
_GROWTH = 1e6

# scikit-learn's words for a diverged MLP: our messages begin with them.
_NON_FINITE = (
    "Solver produced non-finite parameter weights. The input data may contain large "
    "values and need to be preprocessed."
)


class DivergenceError(ValueError):
    """Training produced a non-finite loss or non-finite parameters."""


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
        return float(self.targets()[1].sum(dtype=np.float64))

    def rows(self, batch):
        """The rows ``batch`` (a slice or an integer array) of this set."""
        index = batch if self.index is None else self.index[batch]
        if isinstance(index, slice) or not isinstance(self.X, np.ndarray):
            weight = None if self.sample_weight is None else self.sample_weight[index]
            return self.X[index], self.Y[index], weight
        # ``take`` gathers rows faster than fancy indexing does.
        weight = None if self.sample_weight is None else self.sample_weight.take(index)
        return self.X.take(index, axis=0), self.Y.take(index, axis=0), weight

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

    def chunks(self, size=4096):
        """``X, Y, sample_weight`` in chunks of ``size`` rows, in order."""
        for batch in _batches(self.n_samples, size):
            yield self.rows(batch)


@dataclass
class TrainingState:
    """What training carries from one call to the next, owned by the estimator.

    ``fit`` builds it (a warm start keeps ``t`` and ``history``, as scikit-learn
    does); ``partial_fit`` continues it while the estimator's parameters are
    its ``settings``. ``epoch`` is the schedule's clock; at 0 the callbacks
    have not begun. ``lr_factor`` multiplies the scheduled rate.
    """

    solver: object
    schedule: object
    callbacks: list
    rng: np.random.Generator
    t: int = 0
    epoch: int = 0
    lr_factor: float = 1.0
    history: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)


@dataclass
class Trainer:
    """Minimise the objective of one estimator for one ``fit`` or ``partial_fit`` call.

    It works on ``state``, which outlives it; ``callbacks`` are the state's
    and any of this call only. With ``stop_on_divergence`` a diverging run stops with a warning
    and finite parameters instead of raising.
    """

    network: object
    loss: object
    penalty: object
    alpha: float
    state: TrainingState
    callbacks: list = ()
    max_iter: int = 200
    max_fun: int = 15000
    tol: float = 1e-4
    batch_size: int = 200
    shuffle: bool = True
    estimator: object = None
    val_score: object = None
    stop_on_divergence: bool = False
    n_iter: int = 0
    # Scratch for the penalty's gradient, shaped like the weights (fixed for a trainer).
    _work: np.ndarray = field(default=None, init=False, repr=False)

    @property
    def params(self):
        return self.network.params

    # -- the objective ---------------------------------------------------------------

    def gradient(self, X, Y, sample_weight, total_weight):
        """Fill ``network.grads`` with ``∇F`` on one batch; return ``Σ_B s_i loss_i``.

        ``total_weight`` is ``Σ s_i`` over the whole training set: it scales
        the smooth part of the penalty.
        """
        Z = self.network.forward(X, training=True, rng=self.state.rng)
        data_loss, dZ = self.loss.loss_gradient(Y, Z, sample_weight)
        data_loss += self.network.activity_loss()
        batch_weight = X.shape[0] if sample_weight is None else sample_weight.sum()
        if batch_weight > 0:
            dZ *= dZ.dtype.type(1.0 / batch_weight)
        self.network.backward(dZ)
        if self.penalty is not None:
            W, dW = self.network.weights, self.network.weight_grads
            if self._work is None:
                self._work = np.empty_like(W)
            self.penalty.add_smooth_gradient(W, dW, self.alpha / total_weight, self._work)
        return data_loss

    def penalty_value(self):
        if self.penalty is None:
            return 0.0
        return self.alpha * self.penalty.value(self.network.weights)

    def evaluate(self, data):
        """``Σ s_i loss_i`` over ``data`` in inference mode, by chunks."""
        total = 0.0
        for X, Y, weight in data.chunks():
            total += self.loss.value(Y, self.network.forward(X), weight)
        return total

    # -- the loops -------------------------------------------------------------------

    def fit(self, train, validation=None, epochs=None):
        """Train on ``train``; ``epochs`` overrides ``max_iter`` (``partial_fit`` uses 1)."""
        for callback in self.callbacks if self.state.epoch == 0 else ():
            callback.on_fit_begin(self)
        self._train_weight = train.total_weight
        rows = train.n_samples if self.state.solver.full_batch else self.batch_size
        with (
            _blas_threads(rows, self.network),
            np.errstate(over="ignore", invalid="ignore", divide="ignore"),
        ):
            try:
                if self.state.solver.full_batch:
                    converged = self._run_full_batch(train, validation)
                else:
                    converged = self._run_epochs(train, validation, epochs or self.max_iter)
            finally:
                self.network.release()
        for callback in self.callbacks:
            callback.on_fit_end(self)
        if not converged and epochs is None:
            warnings.warn(
                f"The {type(self.state.solver).__name__} solver reached max_iter="
                f"{self.max_iter} iterations without converging; increase "
                "max_iter, or scale the input data.",
                ConvergenceWarning,
                stacklevel=4,
            )
        return self

    def _run_epochs(self, train, validation, max_epochs):
        """Mini-batch epochs; return True when training stopped before ``max_epochs``."""
        if getattr(self.state.solver, "n_weights_", None) is None:  # slots not created yet
            self.state.solver.init(self.params, self.network.n_weights)
        best_loss, best_start = np.inf, None
        for epoch in range(max_epochs):
            lr = self.state.schedule.rate(self.state.epoch, self.state.t) * self.state.lr_factor
            start = self.params.copy()
            # The penalty at the start of the epoch, like the data loss of the
            # first batch: with one batch per epoch, ``loss`` is then exactly F.
            penalty = self.penalty_value()
            loss = (self._epoch(train, lr) + penalty) / self._train_weight
            self.state.t += train.n_samples
            self.n_iter += 1
            if epoch == 0:  # a finite loss this far above the first one only diverges further
                ceiling = _GROWTH * max(abs(loss), 1.0)
            if not (math.isfinite(loss) and loss <= ceiling and np.all(np.isfinite(self.params))):
                restore = start if best_start is None else best_start
                return self._diverged(restore, lr, loss, best_loss, validation)
            if loss < best_loss:
                best_loss, best_start = loss, start
            if self._end_epoch(loss, lr, validation):
                return True
        return False

    def _epoch(self, train, lr):
        """One pass over ``train`` in mini-batches; return ``Σ s_i loss_i`` (inf on divergence)."""
        order = self.state.rng.permutation(train.n_samples) if self.shuffle else None
        data_loss = 0.0
        for batch in _batches(train.n_samples, self.batch_size):
            X, Y, weight = train.rows(batch if order is None else order[batch])
            value = self.gradient(X, Y, weight, self._train_weight)
            if not math.isfinite(value):
                return math.inf
            step = self.state.solver.step(self.params, self.network.grads, lr)
            if self.penalty is not None and self.penalty.l1:
                if np.ndim(step):  # per-entry step sizes: keep the weights' share
                    step = step[: self.network.n_weights]
                self.penalty.prox(self.network.weights, step * (self.alpha / self._train_weight))
            data_loss += value
        return data_loss

    def _diverged(self, restore, lr, loss, best_loss=math.inf, validation=None):
        """Put back ``restore``; raise, or (``stop_on_divergence``) log the epoch and warn."""
        grew = math.isfinite(loss) and bool(np.all(np.isfinite(self.params)))
        self.params[...] = restore
        solver = type(self.state.solver).__name__
        message = (
            ("" if grew else f"{_NON_FINITE} ")
            + "Training diverged: the loss "
            + (f"grew from {best_loss:.3g} to {loss:.3g}" if grew else "became infinite or NaN")
            + (f" with a learning rate of {lr:.3g}: lower learning_rate_init, or" if lr else "")
            + ("" if lr else f" with the {solver} solver: the data are likely not scaled;")
            + " standardise the features (e.g. sklearn.preprocessing.StandardScaler). The "
            "parameters were restored to earlier, finite values."
        )
        if not self.stop_on_divergence:
            raise DivergenceError(message)
        # No validation figures for a diverged network: NaN, as scikit-learn logs.
        nan = {key: math.nan for key in ("val_loss", "val_score") if validation is not None}
        self._log({"loss": loss, "lr": lr, **nan})
        warnings.warn(f"{message} Training stopped there.", ConvergenceWarning, stacklevel=5)
        return True

    def _end_epoch(self, loss, lr, validation):
        """Log one epoch and call the callbacks; return True to stop."""
        logs = {"loss": loss, "lr": lr}
        if validation is not None:
            # The same objective as ``loss``: the penalty is scaled by the
            # training weight, so that the two are comparable.
            logs["val_loss"] = (
                self.evaluate(validation) / validation.total_weight
                + self.penalty_value() / self._train_weight
            )
            if self.val_score is not None:
                logs["val_score"] = self.val_score(validation)
        epoch = self._log(logs)
        stop = False
        for callback in self.callbacks:
            stop = bool(callback.on_epoch_end(self, epoch, logs)) or stop
        return stop

    def _log(self, logs):
        """Append ``logs`` to the history; return the number of the epoch (from 0)."""
        for key, value in logs.items():
            self.state.history.setdefault(key, []).append(float(value))
        self.state.epoch += 1
        return self.state.epoch - 1

    def _run_full_batch(self, train, validation):
        """One scipy.optimize.minimize run; return True when it converged."""
        split_l1 = self.penalty is not None and self.penalty.l1 > 0
        if split_l1 and not self.state.solver.supports_bounds:
            raise ValueError(
                f"penalty with an L1 part needs a solver that handles it; the "
                f"{type(self.state.solver).__name__} solver does not. Use solver='lbfgs' "
                "or a stochastic solver such as 'sgd' or 'adam'."
            )
        objective = _FullBatchObjective(self, train, split_l1)
        stopped = []

        def callback(intermediate_result):
            objective.set(intermediate_result.x)
            self.state.t += train.n_samples
            if self._end_epoch(intermediate_result.fun, 0.0, validation):
                stopped.append(True)
                raise StopIteration

        with quiet_other_blas():
            result = self.state.solver.minimize(
                objective,
                objective.x0(),
                max_iter=self.max_iter,
                max_fun=self.max_fun,
                tol=self.tol,
                callback=callback,
                bounds=objective.bounds(),
            )
        objective.set(result.x)
        self.n_iter = int(result.nit)
        if not np.all(np.isfinite(self.params)) or not np.isfinite(result.fun):
            return self._diverged(objective.start, 0.0, math.inf, validation=validation)
        if self.n_iter == 0:  # already optimal at the start: log the objective once
            self._end_epoch(float(result.fun), 0.0, validation)
        return bool(stopped) or result.status != 1


class _FullBatchObjective:
    """``F`` and ``∇F`` on the whole training set, in float64 for scipy.

    With an L1 part and a bounded solver, the weights are split as
    ``W = W⁺ - W⁻`` with ``W⁺, W⁻ >= 0``, which makes ``‖W‖₁ = Σ (W⁺ + W⁻)``
    smooth; solutions then have exact zeros at the bounds. A layer with
    ``nonnegative = True`` keeps its weights ``>= 0`` by bounds too.

    For a linear network (no hidden layers) the objective also offers its
    second derivatives to :class:`~sklearn_dl.optimizers.Newton`: as a
    least-squares problem for the squared error (``least_squares``), and as
    a Hessian matrix for the other smooth losses (``hessian``).
    """

    def __init__(self, trainer, train, split_l1):
        self.trainer = trainer
        self.train = train
        self.split = split_l1
        self.n_weights = trainer.network.n_weights
        self.total_weight = train.total_weight
        self.X, self.Y, self.sample_weight = train.all_rows()
        self.start = trainer.params.copy()

    def x0(self):
        params = self.trainer.params.astype(np.float64)
        W, nonnegative = params[: self.n_weights], self._nonnegative()
        if nonnegative is not None:  # start inside the bounds
            W[nonnegative] = np.maximum(W[nonnegative], 0)
        if not self.split:
            return params
        return np.concatenate([np.maximum(W, 0), np.maximum(-W, 0), params[self.n_weights :]])

    def bounds(self):
        nonnegative = self._nonnegative()
        if not self.split and nonnegative is None:
            return None
        n, n_others = self.n_weights, self.trainer.params.size - self.n_weights
        positive = np.zeros(n, bool) if nonnegative is None else nonnegative
        if not self.split:
            weights = [(0, None) if keep else (None, None) for keep in positive]
        else:  # W⁻ is pinned at 0 where W must not be negative
            weights = [(0, None)] * n + [(0, 0) if keep else (0, None) for keep in positive]
        return weights + [(None, None)] * n_others

    def _nonnegative(self):
        """Which weights must stay ``>= 0`` (from their layers), or None when none must."""
        masks = [
            np.full(sum(math.prod(shape) for shape in layer.weight_shapes()), keep)
            for layer in self.trainer.network.layers
            for keep in [getattr(layer, "nonnegative", False)]
        ]
        mask = np.concatenate(masks) if masks else np.zeros(0, bool)
        return mask if mask.any() else None

    def _linear_layer(self):
        """The network's only layer when the network is one linear map, else None."""
        layers = self.trainer.network.layers
        if len(layers) == 1 and isinstance(layers[0], Dense):
            if isinstance(layers[0].activation_, Identity):
                return layers[0]
        return None

    def least_squares(self):
        """``F`` as a :class:`~sklearn_dl.optimizers.LeastSquares` problem, or None.

        It is one for a linear network with the squared error and no L1 part;
        the ridge is the L2 part of the penalty, ``alpha * l2``.
        """
        trainer, layer = self.trainer, self._linear_layer()
        if layer is None or not isinstance(trainer.loss, SquaredError) or self.split:
            return None
        ridge = 0.0 if trainer.penalty is None else trainer.alpha * trainer.penalty.l2
        return LeastSquares(
            self.X,
            self.Y,
            self.sample_weight,
            intercept=layer.use_bias,
            ridge=ridge,
            nonnegative=self._nonnegative() is not None,
        )

    def hessian(self, x):
        """``∇²F(x)`` of a linear network, a dense float64 matrix over the parameters.

        With ``Θ = [W; b]`` (shape (n_in + 1, K)) flattened row by row, as the
        parameters are, the block of outputs ``k, l`` is
        ``X̃ᵀ diag(s ∂²loss/∂z_k∂z_l) X̃ / Σ s_i`` with ``X̃ = [X, 1]``; the L2
        part of the penalty adds ``alpha * l2 / Σ s_i`` on the weights.
        """
        trainer, layer = self.trainer, self._linear_layer()
        if layer is None or self.split:
            raise ValueError(
                "The Newton solver needs a network without hidden layers and a penalty "
                "without an L1 part; use solver='lbfgs'."
            )
        self.set(x)
        curvature = trainer.loss.curvature(self.Y, trainer.network.forward(self.X))
        curvature = curvature.astype(np.float64)
        scale = np.full(self.X.shape[0], 1.0 / self.total_weight)
        if self.sample_weight is not None:
            scale *= self.sample_weight
        size, K = layer.n_in_ + layer.use_bias, curvature.shape[1]
        H = np.zeros((size, K, size, K))
        for k in range(K):
            for j in range(k, K) if curvature.ndim == 3 else [k]:
                d = scale * (curvature[:, k, j] if curvature.ndim == 3 else curvature[:, k])
                H[:, k, :, j] = H[:, j, :, k] = _weighted_gram(self.X, d, layer.use_bias)
        H = H.reshape(size * K, size * K)
        if trainer.penalty is not None and trainer.penalty.l2:
            weights = np.arange(self.n_weights)
            H[weights, weights] += trainer.alpha * trainer.penalty.l2 / self.total_weight
        return H

    def set(self, x):
        """Write the point ``x`` into the network's parameters."""
        params, n = self.trainer.params, self.n_weights
        if self.split:
            params[:n] = x[:n] - x[n : 2 * n]
            params[n:] = x[2 * n :]
        else:
            params[...] = x

    def __call__(self, x):
        trainer = self.trainer
        self.set(x)
        data_loss = trainer.gradient(self.X, self.Y, self.sample_weight, self.total_weight)
        grads = trainer.network.grads.astype(np.float64)
        # ``gradient`` scaled the data part by 1 / Σ s_i already.
        value = (data_loss + trainer.penalty_value()) / self.total_weight
        if not np.isfinite(value):
            return np.inf, np.zeros_like(x)
        if not self.split:
            return value, grads
        n, l1 = self.n_weights, trainer.alpha * trainer.penalty.l1 / self.total_weight
        # The split objective charges l1 Σ(W⁺ + W⁻), which exceeds l1 ‖W⁺ - W⁻‖₁
        # wherever both halves are positive; value and gradient must agree.
        value += l1 * (x[: 2 * n].sum() - np.abs(x[:n] - x[n : 2 * n]).sum())
        gW = grads[:n]
        return value, np.concatenate([gW + l1, l1 - gW, grads[n:]])


def _weighted_gram(X, d, intercept):
    """``X̃ᵀ diag(d) X̃`` in float64, with ``X̃ = [X, 1]`` when ``intercept``."""
    DX = X.multiply(d[:, None]).tocsr() if sp.issparse(X) else X * d[:, None]
    G = X.T @ DX
    G = np.asarray(G.toarray() if sp.issparse(G) else G, dtype=np.float64)
    if not intercept:
        return G
    column = np.asarray(DX.sum(axis=0), dtype=np.float64).ravel()
    return np.block([[G, column[:, None]], [column[None, :], np.array([[d.sum()]])]])


def _busy_machine():
    """True when other work already holds the cores (1-minute load above the usable CPUs).

    A training step is a chain of matrix products separated by element-wise
    work on one thread. When the cores are taken, a second BLAS thread must
    wait for one at every product, and an epoch can take ten times longer
    than on a single thread.
    """
    try:
        return os.getloadavg()[0] > len(os.sched_getaffinity(0)) + 0.5
    except (AttributeError, OSError):  # not every platform reports these
        return False


def _blas_threads(rows, network):
    """One BLAS thread for small products (``SMALL_PRODUCT``) or on a busy machine."""
    sizes = [layer.W_.size for layer in network.dense_layers()]
    if rows * max(sizes, default=0) >= SMALL_PRODUCT and not _busy_machine():
        return contextlib.nullcontext()
    return single_blas_thread()


def _batches(n_samples, batch_size):
    """Slices that cover ``range(n_samples)`` in steps of ``batch_size``."""
    for start in range(0, n_samples, batch_size):
        yield slice(start, min(start + batch_size, n_samples))
