"""Callbacks: small hooks called by the trainer.

``on_fit_begin(trainer)`` once, ``on_epoch_end(trainer, epoch, logs)`` after
each epoch (return ``True`` to stop training), ``on_fit_end(trainer)`` once
at the end of ``fit`` (``partial_fit`` calls continue one training that does
not end). ``epoch`` counts from 0 in each training state: a warm start
begins again at 0 while ``history`` goes on. ``logs`` holds the epoch's
``loss`` and, with validation data, ``val_loss`` and ``val_score``. The
trainer exposes ``params`` (the flat parameter vector), ``estimator``, and
``state``, the training state that ``partial_fit`` calls continue: its
``schedule``, ``lr_factor`` (a multiplier on the scheduled rate),
``history``, ``t`` (samples seen) and ``epoch``.

scikit-learn's flags are shortcuts that build these: ``early_stopping``,
``tol`` and ``n_iter_no_change`` an :class:`EarlyStopping`, ``verbose`` a
:class:`ProgressPrinter`.
"""

from __future__ import annotations

import math
from typing import Any

from ._array_api import numpy_like
from ._parts import Part
from ._validation import Integral, Interval, Real, StrOptions


class Callback(Part):
    """Base class: every hook does nothing.

    Examples
    --------
    A callback that stops training after the third epoch (``epoch`` counts from 0):

    >>> import numpy as np
    >>> from sklearn_dl.callbacks import Callback
    >>> from sklearn_dl.neural_network import MLPRegressor
    >>> class StopAtThree(Callback):
    ...     def on_epoch_end(self, trainer, epoch, logs):
    ...         return epoch == 2
    >>> X = np.linspace(0, 1, 8).reshape(-1, 1)
    >>> est = MLPRegressor(hidden_layer_sizes=(3,), solver="sgd", callbacks=[StopAtThree()])
    >>> est.fit(X, X.ravel()).n_iter_
    3
    """

    # ``trainer`` is the engine's private training loop; the hooks use only
    # the attributes the module docstring lists.
    def on_fit_begin(self, trainer: Any) -> None:
        """Called before the first epoch."""

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> bool:
        """Called after each epoch; return True to stop training."""
        return False

    def on_fit_end(self, trainer: Any) -> None:
        """Called after the last epoch."""


def _mode(monitor, mode):
    if mode != "auto":
        return mode
    return "max" if monitor.endswith("score") else "min"


class _Monitor(Callback):
    """Shared bookkeeping: watch ``logs[monitor]`` and count epochs without progress.

    An epoch makes progress when it beats the best value so far by more than
    ``min_delta``; the best value itself follows every improvement, however
    small (scikit-learn's rule).
    """

    def on_fit_begin(self, trainer):
        self.mode_ = _mode(self.monitor, self.mode)
        self.best_ = math.inf if self.mode_ == "min" else -math.inf
        self.wait_ = 0

    def _update(self, logs):
        """Record ``logs``; return True when this epoch improved the best value."""
        if self.monitor not in logs:
            raise ValueError(
                f"{type(self).__name__} monitors {self.monitor!r}, which this fit "
                f"does not log; logged values are {sorted(logs)}. Monitor "
                "'val_loss' or 'val_score' only with validation data."
            )
        sign = 1.0 if self.mode_ == "min" else -1.0
        value = sign * logs[self.monitor]
        best = sign * self.best_
        self.wait_ = 0 if value < best - self.min_delta else self.wait_ + 1
        if value < best:
            self.best_ = logs[self.monitor]
            return True
        return False


class EarlyStopping(_Monitor):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    Parameters
    ----------
    monitor : {"loss", "val_loss", "val_score"}, default="val_loss"
        Logged value to watch.
    patience : int, default=10
        Epochs in a row without progress before stopping.
    min_delta : float, default=0.0
        Smallest change that counts as progress.
    restore_best : bool, default=True
        At the end, put back the parameters of the best epoch.
    mode : {"auto", "min", "max"}, default="auto"
        Whether smaller or larger is better; "auto" means "max" for scores.

    Examples
    --------
    With a ``min_delta`` no epoch can reach, training stops after ``patience``
    epochs past the first:

    >>> import numpy as np
    >>> from sklearn_dl.callbacks import EarlyStopping
    >>> from sklearn_dl.neural_network import MLPRegressor
    >>> stop = EarlyStopping(monitor="loss", patience=2, min_delta=1e9)
    >>> X = np.linspace(0, 1, 8).reshape(-1, 1)
    >>> est = MLPRegressor(hidden_layer_sizes=(3,), solver="sgd", callbacks=[stop])
    >>> est = est.fit(X, X.ravel())
    >>> est.n_iter_, est.callbacks_[0].stopped_epoch_
    (3, 2)
    """

    _parameter_constraints = {
        "monitor": [str],
        "patience": [Interval(Integral, 0, None, closed="left")],
        "min_delta": [Interval(Real, 0, None, closed="left")],
        "restore_best": ["boolean"],
        "mode": [StrOptions({"auto", "min", "max"})],
    }

    def __init__(
        self,
        monitor="val_loss",
        patience=10,
        min_delta=0.0,
        restore_best=True,
        mode="auto",
    ):
        self.monitor = monitor
        self.patience = patience
        self.min_delta = min_delta
        self.restore_best = restore_best
        self.mode = mode

    def on_fit_begin(self, trainer):
        super().on_fit_begin(trainer)
        self.best_params_ = None
        self.stopped_epoch_ = None

    def on_epoch_end(self, trainer, epoch, logs):
        if self._update(logs) and self.restore_best:
            self.best_params_ = numpy_like(trainer.params).copy(trainer.params)
        if self.wait_ == 0 or self.wait_ < self.patience:  # progress, or still patient
            return False
        self.stopped_epoch_ = epoch
        return True

    def on_fit_end(self, trainer):
        if self.restore_best and self.best_params_ is not None:
            trainer.params[...] = self.best_params_


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without progress.

    The rate is lowered while it is above ``min_lr``. With ``stop_at_min_lr``,
    a plateau at or below ``min_lr`` stops training: scikit-learn's
    ``learning_rate="adaptive"`` is this callback with ``factor=0.2``,
    ``min_lr=1e-6``, ``patience=n_iter_no_change + 1`` and ``min_delta=tol``.

    Parameters
    ----------
    monitor : str, default="loss"
        Logged value to watch.
    factor : float, default=0.1
        Multiplier applied on each plateau.
    patience : int, default=5
        Epochs in a row without progress before reducing.
    min_delta : float, default=1e-4
        Smallest change that counts as progress.
    min_lr : float, default=0.0
        The rate is lowered only while it is above this.
    mode : {"auto", "min", "max"}, default="auto"
        Whether smaller or larger is better.
    stop_at_min_lr : bool, default=False
        Stop training at a plateau that finds the rate at or below ``min_lr``.

    Examples
    --------
    Every epoch after the first is a plateau here: the rate halves until it
    is below ``min_lr``, and the next plateau stops training.

    >>> import numpy as np
    >>> from sklearn_dl.callbacks import ReduceLROnPlateau
    >>> from sklearn_dl.neural_network import MLPRegressor
    >>> plateau = ReduceLROnPlateau(
    ...     factor=0.5, patience=1, min_delta=1e9, min_lr=0.02, stop_at_min_lr=True)
    >>> X = np.linspace(0, 1, 8).reshape(-1, 1)
    >>> est = MLPRegressor(
    ...     hidden_layer_sizes=(3,), solver="sgd", learning_rate_init=0.1, callbacks=[plateau])
    >>> est.fit(X, X.ravel()).history_["lr"]
    [0.1, 0.1, 0.05, 0.025, 0.0125]
    """

    _parameter_constraints = {
        "monitor": [str],
        "factor": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 0, None, closed="left")],
        "min_delta": [Interval(Real, 0, None, closed="left")],
        "min_lr": [Interval(Real, 0, None, closed="left")],
        "mode": [StrOptions({"auto", "min", "max"})],
        "stop_at_min_lr": ["boolean"],
    }

    def __init__(
        self,
        monitor="loss",
        factor=0.1,
        patience=5,
        min_delta=1e-4,
        min_lr=0.0,
        mode="auto",
        stop_at_min_lr=False,
    ):
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.min_delta = min_delta
        self.min_lr = min_lr
        self.mode = mode
        self.stop_at_min_lr = stop_at_min_lr

    def on_epoch_end(self, trainer, epoch, logs):
        self._update(logs)
        if self.wait_ == 0 or self.wait_ < self.patience:  # progress, or still patient
            return False
        self.wait_ = 0
        if logs.get("lr", 0.0) > self.min_lr:
            trainer.state.lr_factor *= self.factor
            return False
        return self.stop_at_min_lr


class ProgressPrinter(Callback):
    """Print one line per epoch, as scikit-learn's ``verbose=True`` does.

    Parameters
    ----------
    print_fn : callable or None, default=None
        Called with each line; ``None`` means :func:`print`. (A function rather
        than a stream, because ``fit`` clones callbacks and a copied stream
        would not be the caller's.)

    Examples
    --------
    >>> from sklearn_dl.callbacks import ProgressPrinter
    >>> ProgressPrinter().on_epoch_end(None, 0, {"loss": 0.5, "val_loss": 0.25})
    Iteration 1, loss = 0.50000000, validation loss = 0.25000000
    False
    """

    _parameter_constraints = {
        "print_fn": [callable, None],
    }

    def __init__(self, print_fn=None):
        self.print_fn = print_fn

    def on_epoch_end(self, trainer, epoch, logs):
        line = f"Iteration {epoch + 1}, loss = {logs['loss']:.8f}"
        if "val_loss" in logs:
            line += f", validation loss = {logs['val_loss']:.8f}"
        if "val_score" in logs:
            line += f", validation score = {logs['val_score']:.6f}"
        (self.print_fn or print)(line)
        return False


class LambdaCallback(Callback):
    """Call ``func(trainer, epoch, logs)`` after every epoch; a true result stops training.

    Parameters
    ----------
    func : callable
        The function to call.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.callbacks import LambdaCallback
    >>> from sklearn_dl.neural_network import MLPRegressor
    >>> two_epochs = LambdaCallback(lambda trainer, epoch, logs: epoch == 1)
    >>> X = np.linspace(0, 1, 8).reshape(-1, 1)
    >>> est = MLPRegressor(hidden_layer_sizes=(3,), solver="sgd", callbacks=[two_epochs])
    >>> est.fit(X, X.ravel()).n_iter_
    2
    """

    _parameter_constraints = {
        "func": [callable],
    }

    def __init__(self, func):
        self.func = func

    def on_epoch_end(self, trainer, epoch, logs):
        return bool(self.func(trainer, epoch, logs))
