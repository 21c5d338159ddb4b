"""What the perceptrons and the autoencoder share: hidden layers, solver settings, constraints."""

from numbers import Integral, Real

import numpy as np

from .._validation import Interval, StrOptions
from ..activations import ACTIVATIONS, Activation
from ..initializers import get_initializer
from ..schedules import get_schedule

# The parameters both kinds of network take, with scikit-learn's MLP constraints.
SHARED_CONSTRAINTS = {
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "activation": [StrOptions(set(ACTIVATIONS)), Activation, list, tuple],
    "power_t": [Interval(Real, 0, None, closed="left")],
    "momentum": [Interval(Real, 0, 1, closed="both")],
    "nesterovs_momentum": ["boolean"],
    "beta_1": [Interval(Real, 0, 1, closed="left")],
    "beta_2": [Interval(Real, 0, 1, closed="left")],
    "epsilon": [Interval(Real, 0, None, closed="neither")],
    "max_fun": [Interval(Integral, 1, None, closed="left")],
}

# Gradient accumulation, for the estimators that offer it (see ``_trainer``).
MICRO_BATCH_CONSTRAINTS = {
    "micro_batch_size": [Interval(Integral, 1, None, closed="left"), None],
}


class NetworkSettings:
    """The estimator base's hooks as the shared settings answer them.

    ``hidden_layer_sizes`` and ``activation`` describe the hidden layers;
    ``momentum``, ``nesterovs_momentum``, ``beta_1``, ``beta_2`` and
    ``epsilon`` configure the optimizers given by name; ``power_t`` the
    ``"invscaling"`` schedule; ``weight_init`` the initial weights;
    ``micro_batch_size`` splits each mini-batch for gradient accumulation.
    """

    def _layer_sizes(self):
        """The width of each hidden layer, checked."""
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if np.ndim(sizes) == 0 else list(sizes)
        if any(not isinstance(s, Integral | np.integer) or s < 1 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must be positive integers; got {self.hidden_layer_sizes!r}."
            )
        return [int(s) for s in sizes]

    def _initializer(self):
        return get_initializer(self.weight_init)

    def _solver_settings(self):
        adam = {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
        return {
            "sgd": {"momentum": self.momentum, "nesterov": self.nesterovs_momentum},
            "momentum": {"momentum": self.momentum, "nesterov": False},
            "nesterov": {"momentum": self.momentum, "nesterov": True},
            "adam": adam,
            "adamw": adam,
        }

    def _schedule(self):
        return get_schedule(self._learning_rate(), self.power_t)

    # An estimator without the parameter (or saved before it existed) computes
    # each batch in one piece.
    micro_batch_size = None

    def _trainer(self, n_samples):
        """The base's trainer, computing each batch in parts of ``micro_batch_size`` rows.

        A ``micro_batch_size`` of at least the batch size leaves the batch in
        one piece: it is clipped, as ``batch_size`` is clipped to the number
        of samples.
        """
        trainer = super()._trainer(n_samples)
        micro = self.micro_batch_size
        if micro is not None and micro < trainer.batch_size:
            trainer.micro_batch_size = int(micro)
        return trainer


def per_layer(value, n_layers, name):
    """``value`` repeated for every hidden layer, or a list checked to have one per layer."""
    if isinstance(value, list | tuple):
        if len(value) != n_layers:
            raise ValueError(
                f"{name} has {len(value)} entries but there are {n_layers} hidden "
                f"layers; give one {name} per hidden layer, or a single one."
            )
        return list(value)
    return [value] * n_layers
