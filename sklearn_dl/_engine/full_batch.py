"""``F`` and ``∇F`` on the whole training set, as scipy's solvers take them.

The full-batch solvers (L-BFGS, CG, Newton-CG, Newton) run their own loop and
evaluate :class:`FullBatch` at the points they choose; it adds the penalty to
the data term, which ``chunked`` sums in one piece, over row chunks in
memory, or over the chunks of dask arrays, each computed by
:class:`~sklearn_dl._engine.objective.Objective`.
"""

import functools
import math

import numpy as np

from ..losses import SquaredError
from . import chunked

# A sketch (``FullBatch.sketch``) has 100 rows per parameter, between 5,000
# and 10,000 rows (and at least 20 per parameter); it is taken from data with
# at least 3 times its rows and at most 512 parameters (its Hessian costs rows
# × parameters²). Measured on 16,000 to 1,000,000 rows with 50 features and 2
# or 5 classes (Gaussian, correlated, 0/1, nearly separable features; classes
# down to 0.1% of the rows): L-BFGS took 5-34 iterations instead of 16-277,
# the whole fit 0.07-0.7 of the time. Fewer rows cost iterations: for 255
# parameters, 12 with 5,000 rows against 9 with 10,000, and 317 (against 35
# without a sketch) with 500.
_SKETCH_ROWS = (5_000, 10_000)
_SKETCH_ROWS_PER_PARAMETER = (20, 100)
_SKETCH_MIN_RATIO = 3
_SKETCH_MAX_PARAMETERS = 512


class FullBatch:
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

    def __init__(self, objective, train, split_l1, rng=None):
        self.objective = objective
        self.params = objective.network.params
        self.rng = rng
        self.split = split_l1
        self.n_weights = objective.network.n_weights
        self.train = train
        self.total_weight = train.total_weight
        self.rows = chunked.evaluator(objective, train, self.total_weight, rng)
        self.xp = objective.network.xp
        self.start = self.xp.copy(self.params)

    def x0(self):
        params = self.xp.to_numpy(self.params).astype(np.float64)
        W, nonnegative = params[: self.n_weights], self.nonnegative
        if nonnegative is not None:  # start inside the bounds
            W[nonnegative] = np.maximum(W[nonnegative], 0)
        if not self.split:
            return params
        return np.concatenate([np.maximum(W, 0), np.maximum(-W, 0), params[self.n_weights :]])

    def bounds(self):
        nonnegative = self.nonnegative
        if not self.split and nonnegative is None:
            return None
        n, n_others = self.n_weights, self.params.shape[0] - self.n_weights
        positive = np.zeros(n, bool) if nonnegative is None else nonnegative
        if not self.split:
            weights = [(0, None) if keep else (None, None) for keep in positive]
        else:  # W⁻ is pinned at 0 where W must not be negative
            weights = [(0, None)] * n + [(0, 0) if keep else (0, None) for keep in positive]
        return weights + [(None, None)] * n_others

    @functools.cached_property
    def nonnegative(self):
        """Which weights must stay ``>= 0`` (from their layers), or None when none must."""
        masks = [
            np.full(sum(math.prod(shape) for shape in layer.weight_shapes()), layer.nonnegative)
            for layer in self.objective.network.layers
        ]
        mask = np.concatenate(masks) if masks else np.zeros(0, bool)
        return mask if mask.any() else None

    def _linear_layer(self):
        """The network's only layer when the network is one linear map, else None."""
        return chunked.linear_layer(self.objective.network)

    def least_squares(self):
        """``F`` as a :class:`~sklearn_dl.optimizers.LeastSquares` problem, or None.

        It is one for a linear network with the squared error and no L1 part;
        the ridge is the L2 part of the penalty, ``alpha * l2``.
        """
        objective, layer = self.objective, self._linear_layer()
        if layer is None or not isinstance(objective.loss, SquaredError) or self.split:
            return None
        self._refuse_device()
        ridge = 0.0 if objective.penalty is None else objective.alpha * objective.penalty.l2
        return self.rows.least_squares(
            intercept=layer.use_bias,
            ridge=ridge,
            nonnegative=self.nonnegative is not None,
        )

    def hessian(self, x):
        """``∇²F(x)`` of a linear network, a dense float64 matrix over the parameters.

        With ``Θ = [W; b]`` (shape (n_in + 1, K)) flattened row by row, as the
        parameters are, the block of outputs ``k, l`` is
        ``X̃ᵀ diag(s ∂²loss/∂z_k∂z_l) X̃ / Σ s_i`` with ``X̃ = [X, 1]``; the L2
        part of the penalty adds ``alpha * l2 / Σ s_i`` on the weights.
        """
        objective, layer = self.objective, self._linear_layer()
        if layer is None or self.split:
            raise ValueError(
                "The Newton solver needs a network without hidden layers and a penalty "
                "without an L1 part; use solver='lbfgs'."
            )
        self._refuse_device()
        self.set(x)
        H = self.rows.data_hessian(layer)
        if objective.penalty is not None and objective.penalty.l2:
            weights = np.arange(self.n_weights)
            H[weights, weights] += objective.alpha * objective.penalty.l2 / self.total_weight
        return H

    def sketch(self):
        """``F`` on every ``k``-th row, for :class:`~sklearn_dl.optimizers.LBFGS` to whiten by.

        The sample's weights are scaled to the total weight of all rows, so
        that its ``F`` (penalty included) estimates this one. None where a
        sketch does not pay or has no Hessian: a network with hidden layers,
        an L1 split, a loss without second derivatives, device arrays, more
        than ``_SKETCH_MAX_PARAMETERS`` parameters, or fewer than
        ``_SKETCH_MIN_RATIO`` times the sketch's rows. The sketch depends on
        the shape of the data alone, so dask arrays and arrays in memory get
        the same one, and the rows that come to the client do not grow with
        the data's: at most ``max(10,000, 20 × parameters)``.
        """
        if self._linear_layer() is None or self.split or self.xp.on_device:
            return None
        if not self.objective.loss.has_curvature:
            return None
        n_parameters, n_samples = self.params.shape[0], self.train.n_samples
        (fewest, most), (least, aim) = _SKETCH_ROWS, _SKETCH_ROWS_PER_PARAMETER
        rows = max(min(max(aim * n_parameters, fewest), most), least * n_parameters)
        if n_parameters > _SKETCH_MAX_PARAMETERS or n_samples < _SKETCH_MIN_RATIO * rows:
            return None
        sample = self.train.every(n_samples // rows)
        if not sample.total_weight > 0:  # every sampled row has weight 0
            return None
        return FullBatch(self.objective, sample, split_l1=False, rng=self.rng)

    def _refuse_device(self):
        if self.xp.on_device:
            raise ValueError(
                "The Newton solver factors its matrices on the host with scipy, which "
                "would bring the data there; under array API dispatch use "
                "solver='lbfgs' (which moves only the parameters and the gradient) or "
                "a mini-batch solver such as 'adam'."
            )

    def set(self, x):
        """Write the point ``x`` (a float64 numpy vector) into the network's parameters."""
        params, n, xp = self.params, self.n_weights, self.xp
        if self.split:
            params[:n] = xp.asarray(x[:n] - x[n : 2 * n])
            params[n:] = xp.asarray(x[2 * n :])
        else:
            params[...] = xp.asarray(x)

    def __call__(self, x):
        objective = self.objective
        self.set(x)
        data_loss, grads = self.rows.gradient()
        # ``gradient`` scaled the data part by 1 / Σ s_i already.
        value = (data_loss + objective.penalty_value()) / self.total_weight
        if not np.isfinite(value):
            return np.inf, np.zeros_like(x)
        if not self.split:
            return value, grads
        n, l1 = self.n_weights, objective.alpha * objective.penalty.l1 / self.total_weight
        # The split objective charges l1 Σ(W⁺ + W⁻), which exceeds l1 ‖W⁺ - W⁻‖₁
        # wherever both halves are positive; value and gradient must agree.
        value += l1 * (x[: 2 * n].sum() - np.abs(x[:n] - x[n : 2 * n]).sum())
        gW = grads[:n]
        return value, np.concatenate([gW + l1, l1 - gW, grads[n:]])
