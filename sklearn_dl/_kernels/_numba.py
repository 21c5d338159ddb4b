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


@_jit
def perceptron_epoch_dense(X, rows, Y, weights, W, b, lr, decay, threshold, total):
    """Per-sample steps on the perceptron loss over ``rows`` of a dense ``X``; see below."""
    n_features, n_out = W.shape
    z = np.empty(n_out, W.dtype)
    g = np.empty(n_out, W.dtype)
    loss = 0.0
    for i in rows:
        for k in range(n_out):
            z[k] = 0
        for j in range(n_features):
            for k in range(n_out):
                z[k] += X[i, j] * W[j, k]
        loss += _perceptron_gradient(z, b, Y[i], weights[i], g)
        for j in range(n_features):
            for k in range(n_out):
                W[j, k] = _penalised_step(W[j, k], X[i, j] * g[k], lr, decay, threshold)
        for k in range(b.shape[0]):
            b[k] = b[k] - g[k] * lr
    total[0] = loss


@_jit
def perceptron_epoch_sparse(
    data, indices, indptr, rows, Y, weights, W, b, lr, decay, threshold, total
):
    """Per-sample steps on the perceptron loss over ``rows`` of a CSR ``X``.

    For each row ``x`` with target ``y`` and weight ``s``: ``z = x W + b``;
    ``g = s ∂loss/∂z`` (``-s t_k`` where ``t_k z_k <= 0``, ``t = 2y - 1``);
    ``W ← W - η (xᵀ g + decay W)``, then soft thresholding by ``threshold``;
    ``b ← b - η g``. Without a penalty only the row's non-zero features move.
    ``total[0]`` receives ``Σ s loss``.
    """
    n_features, n_out = W.shape
    z = np.empty(n_out, W.dtype)
    g = np.empty(n_out, W.dtype)
    dense = np.zeros(n_features, W.dtype)  # the row scattered, when every weight moves
    penalised = decay != 0 or threshold != 0
    loss = 0.0
    for i in rows:
        start, stop = indptr[i], indptr[i + 1]
        for k in range(n_out):
            z[k] = 0
        for p in range(start, stop):
            for k in range(n_out):
                z[k] += data[p] * W[indices[p], k]
        loss += _perceptron_gradient(z, b, Y[i], weights[i], g)
        if penalised:
            for p in range(start, stop):
                dense[indices[p]] = data[p]
            for j in range(n_features):
                for k in range(n_out):
                    W[j, k] = _penalised_step(W[j, k], dense[j] * g[k], lr, decay, threshold)
            for p in range(start, stop):
                dense[indices[p]] = 0
        else:
            for p in range(start, stop):
                for k in range(n_out):
                    W[indices[p], k] = W[indices[p], k] - data[p] * g[k] * lr
        for k in range(b.shape[0]):
            b[k] = b[k] - g[k] * lr
    total[0] = loss


@_jit
def _perceptron_gradient(z, b, y, s, g):
    """Add the bias to ``z``; ``g ← s ∂loss/∂z``; return ``s loss``."""
    loss = 0.0
    for k in range(z.shape[0]):
        if b.shape[0]:
            z[k] += b[k]
        sign = 2 * y[k] - 1
        margin = sign * z[k]
        if margin <= 0:
            loss -= margin
            g[k] = -sign * s
        else:
            g[k] = 0
    return loss * s


@_jit
def _penalised_step(w, data_gradient, lr, decay, threshold):
    """``w - η (data_gradient + decay w)``, soft-thresholded by ``threshold`` when positive."""
    w = w - (data_gradient + w * decay) * lr
    if threshold > 0:
        shrunk = abs(w) - threshold
        w = np.copysign(max(shrunk, 0), w)
    return w
