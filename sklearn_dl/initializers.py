"""Weight initializers: variance scaling by fan-in and fan-out.

Every scheme draws ``W`` with variance ``scale / fan``:

==========  ==================  ========================
name        fan                 scale
==========  ==================  ========================
glorot      (fan_in+fan_out)/2  1   (Glorot & Bengio, 2010)
he          fan_in              2   (He et al., 2015)
lecun       fan_in              1   (LeCun et al., 1998)
==========  ==================  ========================

from a uniform distribution on ``[-b, b]`` with ``b = sqrt(3 scale / fan)`` or
a normal distribution with standard deviation ``sqrt(scale / fan)``. Biases
start at zero.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ._parts import Part, resolve
from ._validation import Interval, Real, StrOptions


class Initializer(Part):
    """Base class: ``sample(shape, rng, dtype)`` returns the initial weights.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.initializers import get_initializer
    >>> W = get_initializer("he").sample((4, 3), np.random.default_rng(0), np.float32)
    >>> W.shape, W.dtype
    ((4, 3), dtype('float32'))
    """

    def sample(self, shape: tuple[int, int], rng: np.random.Generator, dtype: DTypeLike) -> NDArray:
        """Return an array of ``shape`` (``fan_in, fan_out``) drawn from ``rng``."""
        raise NotImplementedError

    def sample_bias(
        self, shape: tuple[int, int], rng: np.random.Generator, dtype: DTypeLike
    ) -> NDArray:
        """Return the biases of a layer whose weights have ``shape``: zeros unless overridden."""
        return np.zeros(shape[1], dtype=dtype)


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
    """Glorot (Xavier) uniform: ``b = sqrt(6 / (fan_in + fan_out))``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.initializers import GlorotUniform
    >>> W = GlorotUniform().sample((30, 20), np.random.default_rng(0), np.float64)
    >>> W.shape, bool(np.abs(W).max() <= np.sqrt(6 / (30 + 20)))
    ((30, 20), True)
    """

    def __init__(self, scale=1.0, mode="fan_avg", distribution="uniform"):
        super().__init__(scale, mode, distribution)


class GlorotNormal(VarianceScaling):
    """Glorot (Xavier) normal: ``std = sqrt(2 / (fan_in + fan_out))``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.initializers import GlorotNormal
    >>> W = GlorotNormal().sample((200, 200), np.random.default_rng(0), np.float64)
    >>> W.shape, round(float(W.std()), 2)
    ((200, 200), 0.07)
    """

    def __init__(self, scale=1.0, mode="fan_avg", distribution="normal"):
        super().__init__(scale, mode, distribution)


class HeUniform(VarianceScaling):
    """He uniform: ``b = sqrt(6 / fan_in)``, suited to ReLU networks.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.initializers import HeUniform
    >>> W = HeUniform().sample((50, 10), np.random.default_rng(0), np.float64)
    >>> W.shape, bool(np.abs(W).max() <= np.sqrt(6 / 50))
    ((50, 10), True)
    """

    def __init__(self, scale=2.0, mode="fan_in", distribution="uniform"):
        super().__init__(scale, mode, distribution)


class HeNormal(VarianceScaling):
    """He normal: ``std = sqrt(2 / fan_in)``, suited to ReLU networks.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.initializers import HeNormal
    >>> W = HeNormal().sample((200, 100), np.random.default_rng(0), np.float64)
    >>> W.shape, round(float(W.std()), 2)
    ((200, 100), 0.1)
    """

    def __init__(self, scale=2.0, mode="fan_in", distribution="normal"):
        super().__init__(scale, mode, distribution)


class LecunUniform(VarianceScaling):
    """LeCun uniform: ``b = sqrt(3 / fan_in)``, suited to SELU networks.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.initializers import LecunUniform
    >>> W = LecunUniform().sample((12, 5), np.random.default_rng(0), np.float64)
    >>> W.shape, bool(np.abs(W).max() <= np.sqrt(3 / 12))
    ((12, 5), True)
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="uniform"):
        super().__init__(scale, mode, distribution)


class LecunNormal(VarianceScaling):
    """LeCun normal: ``std = sqrt(1 / fan_in)``, suited to SELU networks.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.initializers import LecunNormal
    >>> W = LecunNormal().sample((100, 100), np.random.default_rng(0), np.float64)
    >>> W.shape, round(float(W.std()), 2)
    ((100, 100), 0.1)
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="normal"):
        super().__init__(scale, mode, distribution)


class Zeros(Initializer):
    """Every weight starts at zero (the natural start of a convex linear model).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.initializers import Zeros
    >>> Zeros().sample((2, 3), np.random.default_rng(0), np.float32)
    array([[0., 0., 0.],
           [0., 0., 0.]], dtype=float32)
    """

    def sample(self, shape, rng, dtype):
        return np.zeros(shape, dtype=dtype)


class ScikitLearnUniform(VarianceScaling):
    """scikit-learn's MLP initialisation: weights *and* biases uniform on ``[-b, b]``.

    ``b = sqrt(6 / (fan_in + fan_out))`` (Glorot's), or ``sqrt(2 / (fan_in + fan_out))``
    (``scale=1/3``) for the logistic activation. Spread-out biases matter for
    ReLU units on inputs that are not centred: with zero biases every unit's
    hyperplane passes through the origin. The MLPs' ``weight_init="auto"``;
    the parameters are :class:`VarianceScaling`'s.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_dl.initializers import ScikitLearnUniform
    >>> b = ScikitLearnUniform().sample_bias((3, 5), np.random.default_rng(0), np.float64)
    >>> b.shape, bool(np.all(np.abs(b) <= np.sqrt(6 / 8)))
    ((5,), True)
    """

    def __init__(self, scale=1.0, mode="fan_avg", distribution="uniform"):
        super().__init__(scale, mode, distribution)

    def sample_bias(self, shape, rng, dtype):
        fan_in, fan_out = shape
        bound = np.sqrt(6.0 * self.scale / (fan_in + fan_out))
        return rng.uniform(-bound, bound, size=fan_out).astype(dtype, copy=False)


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
