"""The loops: epochs of mini-batch steps, or one full-batch solver run.

:class:`Trainer` runs one ``fit`` or ``partial_fit`` call on a
:class:`TrainingState`, which the estimator keeps from one call to the next;
it records the history and calls the callbacks. :class:`PerSampleTrainer`
takes one step per sample (the perceptron's rule).
"""

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from .. import _kernels
from .._threads import quiet_other_blas, training_threads
from .data import batches
from .full_batch import FullBatch
from .objective import Objective

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

    objective: Objective
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
    micro_batch_size: int | None = None  # None: each batch in one piece

    @property
    def network(self):
        return self.objective.network

    @property
    def params(self):
        return self.objective.network.params

    # -- the loops -------------------------------------------------------------------

    def fit(self, train, validation=None, epochs=None):
        """Train on ``train``; ``epochs`` overrides ``max_iter`` (``partial_fit`` uses 1).

        Callbacks begin with a training state's first call and end with every
        ``fit``; the ``partial_fit`` calls (``epochs`` given) of one state are
        one training that never ends, so ``on_fit_end`` (e.g. restoring the
        best parameters) does not run between them.
        """
        for callback in self.callbacks if self.state.epoch == 0 else ():
            callback.on_fit_begin(self)
        self._train_weight = train.total_weight
        full_batch = self.state.solver.full_batch
        rows = train.n_samples if full_batch else self.batch_size
        n_epochs = epochs or self.max_iter
        # Steps ahead: a full-batch solver's iterations, or the mini-batches.
        steps = self.max_iter if full_batch else n_epochs * -(-train.n_samples // rows)
        with (
            training_threads(self.network.largest_product(rows)),
            np.errstate(over="ignore", invalid="ignore", divide="ignore"),
            _kernels.for_work(steps * self.params.shape[0]),
        ):
            try:
                if full_batch:
                    converged = self._run_full_batch(train, validation)
                else:
                    converged = self._run_epochs(train, validation, n_epochs)
            finally:
                self.network.release()
        if epochs is not None:  # a partial_fit call
            return self
        for callback in self.callbacks:
            callback.on_fit_end(self)
        if not converged:
            # stacklevel: Trainer.fit, the estimator's _fit and fit, fit_context: the caller.
            warnings.warn(
                f"The {type(self.state.solver).__name__} solver reached max_iter="
                f"{self.max_iter} iterations without converging; increase "
                "max_iter, or scale the input data.",
                ConvergenceWarning,
                stacklevel=5,
            )
        return self

    def _run_epochs(self, train, validation, max_epochs):
        """Mini-batch epochs; return True when training stopped before ``max_epochs``."""
        if getattr(self.state.solver, "n_weights_", None) is None:  # slots not created yet
            self.state.solver.init(self.params, self.network.n_weights)
        best_loss, best_start = np.inf, None
        xp = self.network.xp
        for epoch in range(max_epochs):
            lr = self.state.schedule.rate(self.state.epoch, self.state.t) * self.state.lr_factor
            start = xp.copy(self.params)
            # The penalty at the start of the epoch, like the data loss of the
            # first batch: with one batch per epoch, ``loss`` is then exactly F.
            penalty = self.objective.penalty_value()
            loss = float(self._epoch(train, lr) + penalty) / self._train_weight
            self.state.t += train.n_samples
            self.n_iter += 1
            if epoch == 0:  # a finite loss this far above the first one only diverges further
                ceiling = _GROWTH * max(abs(loss), 1.0)
            if not (math.isfinite(loss) and loss <= ceiling and self._finite()):
                restore = start if best_start is None else best_start
                return self._diverged(restore, lr, loss, best_loss, validation)
            if loss < best_loss:
                best_loss, best_start = loss, start
            if self._end_epoch(loss, lr, validation):
                return True
        return False

    def _finite(self):
        """Whether every parameter is finite."""
        xp = self.network.xp
        return bool(xp.all(xp.isfinite(self.params)))

    def _epoch(self, train, lr):
        """One pass over ``train`` in mini-batches; return ``Σ s_i loss_i`` (inf on divergence).

        On a device the batches' losses add up there, and are read once, at
        the end of the epoch: a non-finite one shows then.
        """
        order = self.state.rng.permutation(train.n_samples) if self.shuffle else None
        train = train.in_order(order)
        objective, total = self.objective, self._train_weight
        # The solver's kernel adds the penalty in its step: the gradients leave it out.
        folded = objective.penalty is not None and self.state.solver.folds_penalty(self.params)
        data_loss = 0.0
        for batch in batches(train.n_samples, self.batch_size):
            if self.micro_batch_size is None:
                X, Y, weight = train.rows(batch)
                value = objective.gradient(X, Y, weight, total, self.state.rng, not folded)
            else:  # gradient accumulation: the rows are gathered part by part too
                parts = train.micro_batches(batch, self.micro_batch_size)
                value = objective.accumulated_gradient(parts, total, self.state.rng, not folded)
            if isinstance(value, float) and not math.isfinite(value):
                return math.inf
            self._step(lr, folded)
            data_loss += value
        return data_loss

    def _step(self, lr, folded):
        """One optimizer step from ``network.grads``, with the penalty's L1 proximal step.

        ``folded``: ``network.grads`` holds the data term alone, and the
        solver's kernel adds the penalty in the same pass over the parameters;
        where that kernel fails, the penalty's own passes run instead.
        """
        objective, solver, total = self.objective, self.state.solver, self._train_weight
        params, grads = self.params, self.network.grads
        if folded:
            scale = objective.alpha / total
            # The step sizes are not needed here: keep_size=False spares their stores.
            penalty = objective.penalty
            done = solver.penalised_step(params, grads, lr, penalty, scale, keep_size=False)
            if done is not None:
                return
            objective.add_penalty_gradient(total)
        objective.prox(solver.step(params, grads, lr), total)

    def _diverged(self, restore, lr, loss, best_loss=math.inf, validation=None):
        """Put back ``restore``; raise, or (``stop_on_divergence``) log the epoch and warn."""
        grew = math.isfinite(loss) and self._finite()
        self.params[...] = restore
        if grew:
            what = f"Training diverged: the loss grew from {best_loss:.3g} to {loss:.3g}"
        else:
            what = f"{_NON_FINITE} Training diverged: the loss became infinite or NaN"
        if lr:
            cause = f"with a learning rate of {lr:.3g}: lower learning_rate_init, or"
        else:  # full-batch solvers choose their own steps
            solver = type(self.state.solver).__name__
            cause = f"with the {solver} solver: the data are likely not scaled;"
        message = (
            f"{what} {cause} standardise the features (e.g. "
            "sklearn.preprocessing.StandardScaler). The parameters were restored to "
            "earlier, finite values."
        )
        if not self.stop_on_divergence:
            raise DivergenceError(message)
        # No validation figures for a diverged network: NaN, as scikit-learn logs.
        nan = {key: math.nan for key in ("val_loss", "val_score") if validation is not None}
        self._log({"loss": loss, "lr": lr, **nan})
        # stacklevel: two loop frames, then Trainer.fit's four above.
        warnings.warn(f"{message} Training stopped there.", ConvergenceWarning, stacklevel=7)
        return True

    def _end_epoch(self, loss, lr, validation):
        """Log one epoch and call the callbacks; return True to stop."""
        logs = {"loss": loss, "lr": lr}
        if validation is not None:
            # The same objective as ``loss``: the penalty is scaled by the
            # training weight, so that the two are comparable.
            logs["val_loss"] = (
                self.objective.evaluate(validation) / validation.total_weight
                + self.objective.penalty_value() / self._train_weight
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
        penalty = self.objective.penalty
        split_l1 = penalty is not None and penalty.l1 > 0
        if split_l1 and not self.state.solver.supports_bounds:
            raise ValueError(
                f"penalty with an L1 part needs a solver that handles it; the "
                f"{type(self.state.solver).__name__} solver does not. Use solver='lbfgs' "
                "or a stochastic solver such as 'sgd' or 'adam'."
            )
        objective = FullBatch(self.objective, train, split_l1, self.state.rng)
        stopped = []

        def callback(intermediate_result):
            objective.set(intermediate_result.x)
            self.state.t += train.n_samples
            if self._end_epoch(intermediate_result.fun, 0.0, validation):
                stopped.append(True)
                raise StopIteration

        with quiet_other_blas(self.network.largest_product(train.n_samples)):
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
        if not self._finite() or not np.isfinite(result.fun):
            return self._diverged(objective.start, 0.0, math.inf, validation=validation)
        if self.n_iter == 0:  # already optimal at the start: log the objective once
            self._end_epoch(float(result.fun), 0.0, validation)
        return bool(stopped) or result.status != 1


@dataclass
class PerSampleTrainer(Trainer):
    """The trainer with steps on one sample at a time, scikit-learn's SGD rule (the perceptron's).

    It replaces only the epoch; the numba kernels take the same steps when
    they pay for themselves, and ``_numpy_epoch`` is their reference.

    Each step is ``θ ← θ - η (s ∇loss + alpha ∇R)`` on a linear network:
    the sample's weight ``s`` multiplies its step (a mini-batch of one would
    divide it out), and ``alpha`` weighs the penalty of every step.
    """

    def fit(self, train, validation=None, epochs=None):
        # The objective divides alpha by the total sample weight, so that a
        # step's penalty is alpha / Σ s; multiplied back, it is alpha, and the
        # logged loss is the mean loss plus alpha R(w).
        self.objective.alpha *= train.total_weight
        return super().fit(train, validation, epochs)

    def _run_epochs(self, train, validation, max_epochs):
        stopped = super()._run_epochs(train, validation, max_epochs)
        return stopped or self.tol is None  # tol=None asks for max_iter epochs

    def _epoch(self, train, lr):
        """One pass in a random order; return ``Σ s_i loss_i`` before each step."""
        n = train.n_samples
        order = self.state.rng.permutation(n) if self.shuffle else np.arange(n)
        rows = order if train.index is None else train.index[order]
        penalty, layer = self.objective.penalty, self.network.layers[0]
        scale = self.objective.alpha / self._train_weight
        decay = scale * penalty.l2 if penalty is not None else 0.0
        threshold = lr * scale * penalty.l1 if penalty is not None else 0.0
        if _kernels.enabled_for_steps(n):
            total = np.zeros(1)
            weights = train.sample_weight
            weights = np.ones(train.X.shape[0], layer.W_.dtype) if weights is None else weights
            bias = layer.b_ if layer.use_bias else np.zeros(0, layer.W_.dtype)
            X = train.X
            data = (X.data, X.indices, X.indptr) if sp.issparse(X) else (X,)
            kind = "sparse" if sp.issparse(X) else "dense"
            scalars = [layer.W_.dtype.type(x) for x in (lr, decay, threshold)]
            arguments = (*data, rows, train.Y, weights, layer.W_, bias, *scalars, total)
            if _kernels.call(f"perceptron_epoch_{kind}", *arguments):
                return float(total[0])
        return self._numpy_epoch(train, rows, lr, scale)

    def _numpy_epoch(self, train, rows, lr, scale):
        """The reference: each step through the loss, the penalty and the SGD solver."""
        X, Y, weights = train.X, train.Y, train.sample_weight
        network, objective = self.network, self.objective
        layer, loss, penalty = network.layers[0], objective.loss, objective.penalty
        sparse = sp.issparse(X)
        total = 0.0
        for i in rows:
            if sparse:
                columns = X.indices[X.indptr[i] : X.indptr[i + 1]]
                values = X.data[X.indptr[i] : X.indptr[i + 1]]
                z = values @ layer.W_[columns]
            else:
                z = X[i] @ layer.W_
            if layer.use_bias:
                z += layer.b_
            weight = None if weights is None else weights[i : i + 1]
            value, g = loss.loss_gradient(Y[i : i + 1], z[None], weight)
            total += value
            if sparse:
                layer.dW_[...] = 0
                layer.dW_[columns] = np.outer(values, g[0])
            else:
                np.outer(X[i], g[0], out=layer.dW_)
            if layer.use_bias:
                layer.db_[...] = g[0]
            if penalty is not None:
                penalty.add_smooth_gradient(network.weights, network.weight_grads, scale)
            step = self.state.solver.step(network.params, network.grads, lr)
            objective.prox(step, self._train_weight)
        return total
