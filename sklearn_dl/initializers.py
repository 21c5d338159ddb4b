"""Weight initializers: variance scaling by fan-in and fan-out.

Every scheme draws ``W`` with variance ``scale / fan``:

==========  =================  ========================
name        fan                scale
==========  =================  ========================
glorot      (fan_in+fan_out)/2  1   (Glorot & Bengio, 2010)
he          fan_in             2   (He et al., 2015)
lecun       fan_in             1   (LeCun et al., 1998)
==========  =================  ========================

from a uniform distribution on ``[-b, b]`` with ``b = sqrt(3 scale / fan)`` or
a normal distribution with standard deviation ``sqrt(scale / fan)``. Biases
start at zero.
"""

import numpy as np

from ._parts import Part, resolve
from ._validation import Interval, Real, StrOptions


class Initializer(Part):
    """Base class: ``sample(shape, rng, dtype)`` returns the initial weights."""


class VarianceScaling(Initializer):
    """Draw weights with variance ``scale / fan``.

    Parameters
    ----------
    scale : float, default=1.0
        Variance numerator.
    mode : {"fan_in", "fan_out", "fan_avg"}, default="fan_avg"
        Which fan divides the scale.
    distribution : {"uniform", "normal"}, default="uniform"
        Shape of the distribution.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.initializers import VarianceScaling
    >>> W = VarianceScaling(scale=2.0, mode="fan_in").sample(
    ...     (100, 50), np.random.default_rng(0), np.float64)
    >>> bool(abs(W.var() - 2.0 / 100) < 0.002)
    True
    """

    _parameter_constraints = {
        "scale": [Interval(Real, 0, None, closed="neither")],
        "mode": [StrOptions({"fan_in", "fan_out", "fan_avg"})],
        "distribution": [StrOptions({"uniform", "normal"})],
    }

    def __init__(self, scale=1.0, mode="fan_avg", distribution="uniform"):
        self.scale = scale
        self.mode = mode
        self.distribution = distribution

    def sample(self, shape, rng, dtype):
        """Return an array of ``shape`` (``fan_in, fan_out``) drawn from ``rng``."""
        fan_in, fan_out = shape
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
        variance = self.scale / max(fan[self.mode], 1)
        if self.distribution == "uniform":
            bound = np.sqrt(3.0 * variance)
            values = rng.uniform(-bound, bound, size=shape)
        elif self.distribution == "normal":
            values = rng.normal(0.0, np.sqrt(variance), size=shape)
        else:
            raise ValueError(
                f"distribution must be 'uniform' or 'normal'; got {self.distribution!r}."
            )
        return values.astype(dtype, copy=False)


class GlorotUniform(VarianceScaling):
    """Glorot (Xavier) uniform: ``b = sqrt(6 / (fan_in + fan_out))``."""

    def __init__(self, scale=1.0, mode="fan_avg", distribution="uniform"):
        super().__init__(scale, mode, distribution)


class GlorotNormal(VarianceScaling):
    """Glorot (Xavier) normal: ``std = sqrt(2 / (fan_in + fan_out))``."""

    def __init__(self, scale=1.0, mode="fan_avg", distribution="normal"):
        super().__init__(scale, mode, distribution)


class HeUniform(VarianceScaling):
    """He uniform: ``b = sqrt(6 / fan_in)``, suited to ReLU networks."""

    def __init__(self, scale=2.0, mode="fan_in", distribution="uniform"):
        super().__init__(scale, mode, distribution)


class HeNormal(VarianceScaling):
    """He normal: ``std = sqrt(2 / fan_in)``, suited to ReLU networks."""

    def __init__(self, scale=2.0, mode="fan_in", distribution="normal"):
        super().__init__(scale, mode, distribution)


class LecunUniform(VarianceScaling):
    """LeCun uniform: ``b = sqrt(3 / fan_in)``, suited to SELU networks."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="uniform"):
        super().__init__(scale, mode, distribution)


class LecunNormal(VarianceScaling):
    """LeCun normal: ``std = sqrt(1 / fan_in)``, suited to SELU networks."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="normal"):
        super().__init__(scale, mode, distribution)


class Zeros(Initializer):
    """Every weight starts at zero (the natural start of a convex linear model)."""

    def sample(self, shape, rng, dtype):
        return np.zeros(shape, dtype=dtype)


INITIALIZERS = {
    "zeros": Zeros,
    "glorot": GlorotUniform,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he": HeUniform,
    "he_uniform": HeUniform,
    "he_normal": HeNormal,
    "lecun": LecunUniform,
    "lecun_uniform": LecunUniform,
    "lecun_normal": LecunNormal,
}


def get_initializer(value, name="weight_init"):
    """Return a fresh initializer for a registry name or an instance."""
    return resolve(value, INITIALIZERS, Initializer, name)
