"""The numba kernels: one serial loop each, over contiguous arrays (or their transposes).

Each kernel computes what its numpy reference computes, operation for
operation and in the same order, in the arrays' dtype: scalars arrive already
cast to that dtype, as numpy casts a Python float against a float32 array.
``error_model="numpy"`` lets the loops vectorise (the Python error model's
zero-division checks block it); ``fastmath=False`` keeps IEEE results.

The optimizer kernels take the penalty in the same pass: on the weights
(``params[:n_weights]``) the gradient gains ``l2 θ`` and the updated entry is
soft-thresholded, as the separate numpy passes do it. The other entries run
the same loop with zeros: ``g + θ · 0`` is ``g`` (up to the sign of a zero),
and without an L1 term the loop skips the threshold, by a branch that is the
same for every entry, which the compiler moves out of the loop.
"""

import numba
import numpy as np

from . import IDENTITY, LOGISTIC, RELU, TANH

_jit = numba.njit(nogil=True, cache=True, error_model="numpy", fastmath=False)


@_jit
def adam_step(
    params, grads, m, v, size, b1, one_minus_b1, b2, lr, eps, decay, n_weights, l2, scale, l1
):
    """Adam with ``v`` kept as ``v / (1 - β₂)``, the penalty and AdamW's decay on the weights.

    ``lr`` and ``eps`` are already divided by ``sqrt(1 - β₂)``; ``size``
    receives the per-entry step size ``s`` (unless it is empty). On ``params[:n_weights]`` the
    gradient is ``g + l2 θ``, AdamW's decay ``η λ`` applies, and the result
    is soft-thresholded by ``(s · scale) · l1``.
    """
    k, zero, rates = n_weights, l2 - l2, (b1, one_minus_b1, b2, lr, eps)
    _adam(params[:k], grads[:k], m[:k], v[:k], size[:k], *rates, decay, l2, scale, l1)
    _adam(params[k:], grads[k:], m[k:], v[k:], size[k:], *rates, zero, zero, zero, zero)


@_jit
def _adam(params, grads, m, v, size, b1, one_minus_b1, b2, lr, eps, decay, l2, scale, l1):
    # The two branches are the same for every entry: the compiler takes them out of the loop.
    zero = l2 - l2
    thresholded, keep = l1 != zero, size.shape[0] > 0
    for i in range(params.shape[0]):
        p = params[i]
        g = grads[i] + p * l2
        m_i = m[i] * b1 + g * one_minus_b1
        v_i = v[i] * b2 + g * g
        m[i] = m_i
        v[i] = v_i
        s = lr / (np.sqrt(v_i) + eps)
        if keep:
            size[i] = s
        p = (p - s * m_i) - p * decay
        params[i] = _shrink(p, (s * scale) * l1, zero) if thresholded else p


@_jit
def momentum_step(params, grads, velocity, lr, mu, nesterov, n_weights, l2, threshold):
    """``v ← μ v - η g``; ``θ ← θ + v``, or ``θ ← θ - η g + μ v`` (Nesterov).

    On ``params[:n_weights]`` the gradient is ``g + l2 θ`` and the result is
    soft-thresholded by ``threshold``.
    """
    k, zero = n_weights, l2 - l2
    _momentum(params[:k], grads[:k], velocity[:k], lr, mu, nesterov, l2, threshold)
    _momentum(params[k:], grads[k:], velocity[k:], lr, mu, nesterov, zero, zero)


@_jit
def _momentum(params, grads, velocity, lr, mu, nesterov, l2, threshold):
    zero = l2 - l2
    thresholded = threshold != zero
    for i in range(params.shape[0]):
        p = params[i]
        lr_g = (grads[i] + p * l2) * lr
        v_i = velocity[i] * mu - lr_g
        velocity[i] = v_i
        if nesterov:
            p = (p - lr_g) + v_i * mu
        else:
            p = p + v_i
        params[i] = _shrink(p, threshold, zero) if thresholded else p


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


@_jit
def rms_step(params, grads, acc, size, rho, one_minus_rho, lr, eps, n_weights, l2, scale, l1):
    """``A ← ρ A + (1 - ρ) g²``; ``s = η / (sqrt(A) + ε)``; ``θ ← θ - s g``.

    RMSProp; Adagrad is ``ρ = 1 - ρ = 1`` (``A ← A + g²``, exactly).
    ``size`` receives ``s`` (unless it is empty). On ``params[:n_weights]`` the gradient is
    ``g + l2 θ`` and the result is soft-thresholded by ``(s · scale) · l1``.
    """
    k, zero, rates = n_weights, l2 - l2, (rho, one_minus_rho, lr, eps)
    _rms(params[:k], grads[:k], acc[:k], size[:k], *rates, l2, scale, l1)
    _rms(params[k:], grads[k:], acc[k:], size[k:], *rates, zero, zero, zero)


@_jit
def _rms(params, grads, acc, size, rho, one_minus_rho, lr, eps, l2, scale, l1):
    zero = l2 - l2
    thresholded, keep = l1 != zero, size.shape[0] > 0
    for i in range(params.shape[0]):
        p = params[i]
        g = grads[i] + p * l2
        a = acc[i] * rho + (g * g) * one_minus_rho
        acc[i] = a
        s = lr / (np.sqrt(a) + eps)
        if keep:
            size[i] = s
        p = p - s * g
        params[i] = _shrink(p, (s * scale) * l1, zero) if thresholded else p


@_jit
def adadelta_step(
    params, grads, mean_g, mean_d, size, rho, one_minus_rho, lr, eps, n_weights, l2, scale, l1
):
    """Adadelta: ``E_g``, then ``s = η sqrt(E_Δ + ε) / sqrt(E_g + ε)``, ``E_Δ``, ``θ ← θ - s g``.

    On ``params[:n_weights]`` the gradient is ``g + l2 θ`` and the result is
    soft-thresholded by ``(s · scale) · l1``.
    """
    k, zero, rates = n_weights, l2 - l2, (rho, one_minus_rho, lr, eps)
    _adadelta(params[:k], grads[:k], mean_g[:k], mean_d[:k], size[:k], *rates, l2, scale, l1)
    _adadelta(params[k:], grads[k:], mean_g[k:], mean_d[k:], size[k:], *rates, zero, zero, zero)


@_jit
def _adadelta(params, grads, mean_g, mean_d, size, rho, one_minus_rho, lr, eps, l2, scale, l1):
    zero = l2 - l2
    thresholded, keep = l1 != zero, size.shape[0] > 0
    for i in range(params.shape[0]):
        p = params[i]
        g = grads[i] + p * l2
        e_g = mean_g[i] * rho + (one_minus_rho * g) * g
        mean_g[i] = e_g
        s = lr * np.sqrt(mean_d[i] + eps) / np.sqrt(e_g + eps)
        if keep:
            size[i] = s
        delta = s * g
        step = delta / lr
        mean_d[i] = mean_d[i] * rho + one_minus_rho * (step * step)
        p = p - delta
        params[i] = _shrink(p, (s * scale) * l1, zero) if thresholded else p


@_jit
def sgd_step(params, grads, lr, n_weights, l2, threshold):
    """``θ ← θ - η g``.

    On ``params[:n_weights]`` the gradient is ``g + l2 θ`` and the result is
    soft-thresholded by ``threshold``.
    """
    k, zero = n_weights, l2 - l2
    _sgd(params[:k], grads[:k], lr, l2, threshold)
    _sgd(params[k:], grads[k:], lr, zero, zero)


@_jit
def _sgd(params, grads, lr, l2, threshold):
    zero = l2 - l2
    thresholded = threshold != zero
    for i in range(params.shape[0]):
        p = params[i]
        p = p - (grads[i] + p * l2) * lr
        params[i] = _shrink(p, threshold, zero) if thresholded else p


# The layer and loss kernels take ``one``, 1 in the arrays' dtype: an integer
# literal against a float32 would compute in float64, unlike numpy.


@_jit
def bias_activation(Z, b, kind, one):
    """``Z ← f(Z + b)`` in place, row by row; ``f`` by its number ``kind``.

    relu is ``0 if z < 0 else z`` (numpy's ``maximum(z, 0)``: NaN stays NaN);
    logistic is ``1 / (1 + exp(-z))``; the identity is the bias alone.
    """
    zero = one - one
    for i in range(Z.shape[0]):
        row = Z[i]
        if kind == RELU:
            for j in range(row.shape[0]):
                z = row[j] + b[j]
                row[j] = zero if z < zero else z
        elif kind == LOGISTIC:
            for j in range(row.shape[0]):
                row[j] = one / (one + np.exp(-(row[j] + b[j])))
        elif kind == IDENTITY:
            for j in range(row.shape[0]):
                row[j] = row[j] + b[j]


@_jit
def activation_backward(A, dA, db, kind, one):
    """``dA ← dA ⊙ f'`` in place, from ``A = f(Z)`` (2-D), and ``db ← Σ_rows dA`` after it.

    relu ``A > 0``; tanh ``1 - A²``; logistic ``A (1 - A)``, in numpy's
    order. The bias gradient comes in the same pass over the rows, summed in
    float64 and rounded once (where the separate pass multiplies by a vector
    of ones); an empty ``db`` leaves it out, by a branch the compiler takes
    out of the loop.
    """
    # One loop per kind, alike but for the derivative: one loop calling a
    # per-entry helper made the tanh pass with its sum 1.3-1.7 times slower.
    zero = one - one
    summed = db.shape[0] > 0
    total = np.zeros(db.shape[0])
    for i in range(A.shape[0]):
        a_row, d_row = A[i], dA[i]
        if kind == RELU:
            for j in range(a_row.shape[0]):
                d = d_row[j] * (one if a_row[j] > zero else zero)
                d_row[j] = d
                if summed:
                    total[j] += d
        elif kind == TANH:
            for j in range(a_row.shape[0]):
                a = a_row[j]
                d = d_row[j] * (one - a * a)
                d_row[j] = d
                if summed:
                    total[j] += d
        elif kind == LOGISTIC:
            for j in range(a_row.shape[0]):
                a = a_row[j]
                d = (d_row[j] * a) * (one - a)
                d_row[j] = d
                if summed:
                    total[j] += d
    for j in range(db.shape[0]):
        db[j] = total[j]


@_jit
def squared_error(Y, Z, G, S, one, scale):
    """``G = (s (Z - Y)) · scale``; return ``Σ_i s_i Σ_k ½ (z - y)²``.

    One pass where numpy takes three (the residual, its square's sum and the
    scaling) and allocates the residual. The squares are summed in float64,
    in four running sums per output, taken by turns of rows: with one running
    sum every entry waits for the one before it, which made the loop twice
    as slow in float64. ``S`` holds the sample weights ``s_i``, or nothing
    when every ``s_i`` is 1.
    """
    width, weighted = Z.shape[1], S.shape[0] > 0
    sums = np.zeros(4 * width)
    for i in range(Z.shape[0]):
        s, lane = S[i] if weighted else one, (i & 3) * width
        for k in range(width):
            r = Z[i, k] - Y[i, k]
            G[i, k] = r * s * scale
            sums[lane + k] += r * r * s if weighted else r * r
    return 0.5 * sums.sum()


@_jit
def binary_cross_entropy(Y, Z, G, S, one, scale):
    """``G = (s (sigmoid(Z) - Y)) · scale``; return ``Σ_i s_i Σ_k log(1 + exp(z)) - y z``.

    With ``e = exp(-|z|)``: ``log(1 + exp(z)) = max(z, 0) + log1p(e)`` and
    ``sigmoid(z)`` is ``1 / (1 + e)`` for ``z >= 0``, ``e / (1 + e)`` below:
    one exponential per entry, and no overflow. ``S`` holds the sample
    weights ``s_i``, or nothing when every ``s_i`` is 1. The sum is in float64.
    """
    zero, total, weighted = one - one, 0.0, S.shape[0] > 0
    for i in range(Z.shape[0]):
        row = zero
        for k in range(Z.shape[1]):
            z, y = Z[i, k], Y[i, k]
            e = np.exp(-abs(z))
            p = one / (one + e)
            G[i, k] = (p if z >= zero else e * p) - y
            row += (max(z, zero) + np.log1p(e)) - y * z
        if weighted:
            for k in range(Z.shape[1]):
                G[i, k] *= S[i]
            total += row * S[i]
        else:
            total += row
        for k in range(Z.shape[1]):
            G[i, k] *= scale
    return total


@_jit
def categorical_cross_entropy(Y, Z, G, S, one, scale):
    """``G = (s (softmax(Z) - Y)) · scale``; return ``Σ_i s_i loss_i``.

    ``loss_i = (Σ_k y_k) log Σ_k exp(c_k) - Σ_k y_k c_k`` with ``c = z - max
    z`` per row, as the numpy reference shifts it; rows summed in float64.
    ``S`` holds the sample weights ``s_i``, or nothing when every ``s_i`` is 1.
    """
    total, weighted = 0.0, S.shape[0] > 0
    for i in range(Z.shape[0]):
        z, g, y = Z[i], G[i], Y[i]
        # The row's maximum, NaN if any entry is (as numpy's): on rows of a few
        # classes this loop takes half the time of z.max(), and the kernel 0.6-0.7.
        top = z[0]
        for k in range(1, z.shape[0]):
            if z[k] > top or z[k] != z[k]:
                top = z[k]
        norm, y_sum, y_c = one - one, one - one, one - one
        for k in range(z.shape[0]):
            e = np.exp(z[k] - top)
            g[k] = e
            norm += e
        for k in range(z.shape[0]):
            g[k] = g[k] / norm - y[k]
            y_sum += y[k]
            y_c += y[k] * (z[k] - top)
        row = np.log(norm) * y_sum - y_c
        if weighted:
            for k in range(z.shape[0]):
                g[k] *= S[i]
            total += row * S[i]
        else:
            total += row
        for k in range(z.shape[0]):
            g[k] *= scale
    return total


@_jit
def add_scaled(grad, W, scale):
    """``grad ← grad + W · scale``: the L2 part of the penalty's gradient."""
    for i in range(W.shape[0]):
        grad[i] = grad[i] + W[i] * scale


@_jit
def _shrink(w, threshold, zero):
    """``sign(w) max(|w| - threshold, 0)``; NaN stays NaN, as numpy's ``maximum``."""
    shrunk = abs(w) - threshold
    return np.copysign(zero if shrunk < zero else shrunk, w)


@_jit
def soft_threshold(W, step, scale, l1):
    """``W ← shrink(W, (step · scale) · l1)`` in place, ``step`` one per entry."""
    zero = scale - scale
    for i in range(W.shape[0]):
        W[i] = _shrink(W[i], (step[i] * scale) * l1, zero)


@_jit
def soft_threshold_scalar(W, threshold):
    """``W ← shrink(W, threshold)`` in place."""
    zero = threshold - threshold
    for i in range(W.shape[0]):
        W[i] = _shrink(W[i], threshold, zero)
