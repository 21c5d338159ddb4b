"""The numba kernels: one serial loop each, over flat contiguous arrays.

Each kernel computes what its numpy reference computes, operation for
operation and in the same order, in the arrays' dtype: scalars arrive already
cast to that dtype, as numpy casts a Python float against a float32 array.
``error_model="numpy"`` lets the loops vectorise (the Python error model's
zero-division checks block it); ``fastmath=False`` keeps IEEE results.
"""

import numba
import numpy as np

_jit = numba.njit(nogil=True, cache=True, error_model="numpy", fastmath=False)


@_jit
def adam_step(params, grads, m, v, size, b1, one_minus_b1, b2, lr, eps, decay, n_decayed):
    """Adam with ``v`` kept as ``v / (1 - β₂)``; AdamW's decay ``η λ`` on ``params[:n_decayed]``.

    ``lr`` and ``eps`` are already divided by ``sqrt(1 - β₂)``; ``size``
    receives the per-entry step size.
    """
    k = n_decayed
    _adam(params[:k], grads[:k], m[:k], v[:k], size[:k], b1, one_minus_b1, b2, lr, eps, decay)
    # Without decay, θ - s m - θ · 0 is θ - s m (up to the sign of a zero).
    zero = decay * 0
    _adam(params[k:], grads[k:], m[k:], v[k:], size[k:], b1, one_minus_b1, b2, lr, eps, zero)


@_jit
def _adam(params, grads, m, v, size, b1, one_minus_b1, b2, lr, eps, decay):
    # One loop without a branch, so that it vectorises.
    for i in range(params.shape[0]):
        g = grads[i]
        m_i = m[i] * b1 + g * one_minus_b1
        v_i = v[i] * b2 + g * g
        m[i] = m_i
        v[i] = v_i
        s = lr / (np.sqrt(v_i) + eps)
        size[i] = s
        p = params[i]
        params[i] = (p - s * m_i) - p * decay


@_jit
def momentum_step(params, grads, velocity, lr, mu, nesterov):
    """``v ← μ v - η g``; ``θ ← θ + v``, or ``θ ← θ - η g + μ v`` (Nesterov)."""
    for i in range(params.shape[0]):
        lr_g = grads[i] * lr
        v_i = velocity[i] * mu - lr_g
        velocity[i] = v_i
        if nesterov:
            params[i] = (params[i] - lr_g) + v_i * mu
        else:
            params[i] = params[i] + v_i
