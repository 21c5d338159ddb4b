"""Learning-rate schedules.

A schedule is reset by ``start(lr0, max_epochs)`` at the beginning of ``fit``,
asked ``rate(epoch, t)`` at the start of each epoch (``epoch`` counts finished
epochs, ``t`` the samples seen so far). A schedule depends on these two
only: rules that watch the loss, such as lowering the rate on a plateau,
are callbacks (:class:`~sklearn_dl.callbacks.ReduceLROnPlateau`).
"""

from __future__ import annotations

import math

from ._parts import Part, resolve
from ._validation import Integral, Interval, Real


class Schedule(Part):
    """Base class: a constant rate ``η_t = η₀``.

    Examples
    --------
    >>> from sklearn_dl.schedules import get_schedule
    >>> schedule = get_schedule("exponential")
    >>> schedule.start(0.1, max_epochs=10)
    >>> [round(schedule.rate(epoch, t=0), 4) for epoch in range(3)]
    [0.1, 0.095, 0.0902]
    """

    def start(self, lr0: float, max_epochs: int) -> None:
        """Reset the schedule for a new fit."""
        self.lr0_ = float(lr0)
        self.max_epochs_ = max_epochs

    def rate(self, epoch: int, t: int) -> float:
        """Learning rate for the epoch about to start."""
        return self.lr0_


class Constant(Schedule):
    """``η_t = η₀``.

    Examples
    --------
    >>> from sklearn_dl.schedules import Constant
    >>> schedule = Constant()
    >>> schedule.start(0.1, max_epochs=10)
    >>> schedule.rate(3, t=300)
    0.1
    """


class InvScaling(Schedule):
    """``η_t = η₀ / (t + 1)^power_t``, ``t`` the number of samples seen (scikit-learn's).

    Parameters
    ----------
    power_t : float, default=0.5
        Exponent of the decay.

    Examples
    --------
    After 99 samples the rate is ``0.1 / sqrt(100)``:

    >>> from sklearn_dl.schedules import InvScaling
    >>> schedule = InvScaling(power_t=0.5)
    >>> schedule.start(0.1, max_epochs=10)
    >>> round(schedule.rate(0, t=0), 4), round(schedule.rate(3, t=99), 4)
    (0.1, 0.01)
    """

    _parameter_constraints = {
        "power_t": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, power_t=0.5):
        self.power_t = power_t

    def rate(self, epoch, t):
        return self.lr0_ / (t + 1) ** self.power_t


class StepDecay(Schedule):
    """``η_t = η₀ γ^⌊epoch / step_size⌋``.

    Parameters
    ----------
    step_size : int, default=10
        Epochs between two decays.
    gamma : float, default=0.5
        Multiplier at each decay.

    Examples
    --------
    >>> from sklearn_dl.schedules import StepDecay
    >>> schedule = StepDecay(step_size=2, gamma=0.5)
    >>> schedule.start(0.1, max_epochs=10)
    >>> [round(schedule.rate(epoch, t=0), 4) for epoch in range(5)]
    [0.1, 0.1, 0.05, 0.05, 0.025]
    """

    _parameter_constraints = {
        "step_size": [Interval(Integral, 1, None, closed="left")],
        "gamma": [Interval(Real, 0, 1, closed="right")],
    }

    def __init__(self, step_size=10, gamma=0.5):
        self.step_size = step_size
        self.gamma = gamma

    def rate(self, epoch, t):
        return self.lr0_ * self.gamma ** (epoch // self.step_size)


class ExponentialDecay(Schedule):
    """``η_t = η₀ γ^epoch``.

    Parameters
    ----------
    gamma : float, default=0.95
        Multiplier per epoch.

    Examples
    --------
    >>> from sklearn_dl.schedules import ExponentialDecay
    >>> schedule = ExponentialDecay(gamma=0.5)
    >>> schedule.start(0.1, max_epochs=10)
    >>> round(schedule.rate(3, t=0), 4)
    0.0125
    """

    _parameter_constraints = {
        "gamma": [Interval(Real, 0, 1, closed="right")],
    }

    def __init__(self, gamma=0.95):
        self.gamma = gamma

    def rate(self, epoch, t):
        return self.lr0_ * self.gamma**epoch


class CosineAnnealing(Schedule):
    """``η_t = η_min + ½ (η₀ - η_min) (1 + cos(π epoch / T))``.

    Parameters
    ----------
    period : int or None, default=None
        ``T``, the epochs of one half cosine; ``None`` means ``max_iter``.
    min_lr : float, default=0.0
        ``η_min``.

    Examples
    --------
    >>> from sklearn_dl.schedules import CosineAnnealing
    >>> schedule = CosineAnnealing()
    >>> schedule.start(0.1, max_epochs=4)
    >>> [round(schedule.rate(epoch, t=0), 4) for epoch in range(5)]
    [0.1, 0.0854, 0.05, 0.0146, 0.0]
    """

    _parameter_constraints = {
        "period": [Interval(Integral, 1, None, closed="left"), None],
        "min_lr": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, period=None, min_lr=0.0):
        self.period = period
        self.min_lr = min_lr

    def rate(self, epoch, t):
        period = self.period or self.max_epochs_
        phase = min(epoch, period) / period
        return self.min_lr + 0.5 * (self.lr0_ - self.min_lr) * (1 + math.cos(math.pi * phase))


class WarmUp(Schedule):
    """Linear warm-up: ``η_t = η₀ (epoch + 1) / (epochs + 1)`` for ``epoch < epochs``.

    After the warm-up, the rate follows ``then``, counted from the end of
    the warm-up.

    Parameters
    ----------
    epochs : int, default=5
        Length of the warm-up.
    then : Schedule or str, default="constant"
        Schedule to follow afterwards.

    Examples
    --------
    >>> from sklearn_dl.schedules import ExponentialDecay, WarmUp
    >>> schedule = WarmUp(epochs=3, then=ExponentialDecay(gamma=0.5))
    >>> schedule.start(0.1, max_epochs=10)
    >>> [round(schedule.rate(epoch, t=0), 4) for epoch in range(6)]
    [0.025, 0.05, 0.075, 0.1, 0.05, 0.025]
    """

    _parameter_constraints = {
        "epochs": [Interval(Integral, 0, None, closed="left")],
        "then": [str, Schedule],
    }

    def __init__(self, epochs=5, then="constant"):
        self.epochs = epochs
        self.then = then

    def start(self, lr0, max_epochs):
        super().start(lr0, max_epochs)
        self.then_ = get_schedule(self.then, name="then")
        self.then_.start(lr0, max(max_epochs - self.epochs, 1))

    def rate(self, epoch, t):
        if epoch < self.epochs:
            return self.lr0_ * (epoch + 1) / (self.epochs + 1)
        return self.then_.rate(epoch - self.epochs, t)


SCHEDULES = {
    "constant": Constant,
    "invscaling": InvScaling,
    "step": StepDecay,
    "exponential": ExponentialDecay,
    "cosine": CosineAnnealing,
    "warmup": WarmUp,
}


# scikit-learn's learning_rate="adaptive" is a constant schedule lowered on
# plateaus: the estimator adds a ReduceLROnPlateau callback for it.
ON_PLATEAU = "adaptive"


def get_schedule(value, power_t=0.5, name="learning_rate"):
    """Return a fresh schedule; ``"invscaling"`` takes the estimator's ``power_t``."""
    if isinstance(value, str) and value == "invscaling":
        return InvScaling(power_t=power_t)
    if isinstance(value, str) and value == ON_PLATEAU:
        return Constant()
    return resolve(value, SCHEDULES, Schedule, name)
