"""The least-squares problem of a linear model, and its exact solution.

The objective of a linear network with the squared error is a quadratic; the
engine's objective states it as a :class:`LeastSquares` problem, and the
Newton solver (:class:`~sklearn_dl.optimizers.Newton`) solves it in one step.
Public as ``sklearn_dl.optimizers.LeastSquares``.
"""

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import nnls
from scipy.sparse.linalg import LinearOperator, lsqr


@dataclass
class LeastSquares:
    """``F(W, b) = (½ Σ_i s_i ‖x_i W + b - y_i‖² + ½ ridge ‖W‖²) / Σ_i s_i``.

    The objective of a linear model with the squared error, over the flat
    parameters ``θ = [W.ravel(), b]`` (``W`` of shape (n_features,
    n_outputs)); ``intercept=False`` drops ``b``, ``nonnegative=True`` asks
    for ``W >= 0``. :meth:`solve` finds the exact minimiser as scikit-learn's
    ``LinearRegression`` does: the intercept is eliminated by centring ``X``
    and ``Y`` (weighted by ``s``), the rows are scaled by ``√s``, the ridge
    adds the rows ``√ridge · I``, and then

    - dense ``X``: the normal equations ``(XᵀX + ridge·I) W = XᵀY`` by
      Cholesky where ``XᵀX`` is well conditioned; otherwise
      :func:`scipy.linalg.lstsq` with ``cond=tol``: singular values below
      ``tol`` times the largest count as zero, and a rank-deficient problem
      gets the solution of least ``‖W‖``;
    - sparse ``X``: :func:`scipy.sparse.linalg.lsqr` with ``atol = btol =
      tol``, centring by a linear operator (``X`` stays sparse);
    - ``nonnegative``: :func:`scipy.optimize.nnls` (dense; sparse ``X`` is
      densified), one output at a time.

    All in float64, whatever the dtype of ``X``.

    Examples
    --------
    The line ``y = 2 x + 1`` through three points, as ``θ = [W, b]``:

    >>> import numpy as np
    >>> from sklearn_dl.optimizers import LeastSquares
    >>> X, Y = np.array([[0.0], [1.0], [2.0]]), np.array([[1.0], [3.0], [5.0]])
    >>> theta, converged = LeastSquares(X, Y).solve(tol=1e-10)
    >>> np.round(theta, 6), converged
    (array([2., 1.]), True)
    """

    X: object
    Y: np.ndarray
    sample_weight: np.ndarray = None
    intercept: bool = True
    ridge: float = 0.0
    nonnegative: bool = False

    def solve(self, tol: float) -> tuple[NDArray, bool]:
        """Return the minimiser ``θ`` and whether the solver converged."""
        X = self.X.toarray() if sp.issparse(self.X) and self.nonnegative else self.X
        Y = np.asarray(self.Y, dtype=np.float64)
        s = None if self.sample_weight is None else np.asarray(self.sample_weight, np.float64)
        x_mean, y_mean = self._means(X, Y, s)
        root = None if s is None else np.sqrt(s)
        Y = Y - y_mean
        if root is not None:
            Y *= root[:, None]
        self.rank_ = self.singular_ = None
        if sp.issparse(X):
            W, converged = self._sparse(X, Y, x_mean, root, tol)
        else:
            X = np.array(X, dtype=np.float64)  # a copy: centred in place
            X -= x_mean
            if root is not None:
                X *= root[:, None]
            W, converged = self._dense(X, Y, tol), True
        if not self.intercept:
            return W.ravel(), converged
        return np.concatenate([W.ravel(), y_mean - x_mean @ W]), converged

    def _means(self, X, Y, s):
        """Weighted means of the columns of ``X`` and ``Y`` (zeros without intercept)."""
        if not self.intercept:
            return np.zeros(X.shape[1]), np.zeros(Y.shape[1])
        if s is None:
            s = np.ones(X.shape[0])
        total = s.sum()
        x_mean = np.asarray(X.T @ s, dtype=np.float64).ravel() / total
        return x_mean, (s @ Y) / total

    def _dense(self, X, Y, tol):
        W = None if self.nonnegative else self._normal_equations(X, Y, tol)
        if W is not None:
            return W
        if self.ridge > 0:
            X = np.vstack([X, math.sqrt(self.ridge) * np.eye(X.shape[1])])
            Y = np.vstack([Y, np.zeros((X.shape[1], Y.shape[1]))])
        if self.nonnegative:
            return np.column_stack([nnls(X, y)[0] for y in Y.T])
        W, _, rank, singular = scipy.linalg.lstsq(X, Y, cond=tol)
        if not self.ridge:  # those of the centred X, as scikit-learn reports them
            self.rank_, self.singular_ = int(rank), singular
        return W

    def _normal_equations(self, X, Y, tol):
        """``W`` from the Cholesky factor of ``G = XᵀX + ridge·I``, or ``None``.

        One product ``XᵀX`` (n p² multiply-adds) replaces the SVD of ``X``,
        several times the work. Forming ``G`` squares the condition number,
        so the answer is kept only where LAPACK's estimate of ``κ(G)`` is
        below ``1e8``: there it agrees with the SVD solution to about
        ``κ(G) ε ≈ 1e-8``, and no singular value is under ``lstsq``'s cut-off
        ``tol · σ_max`` (``G``'s estimate within a factor 100 of it). Worse
        conditioned or rank-deficient ``X`` goes to :func:`~scipy.linalg.lstsq`.
        """
        G = X.T @ X
        if self.ridge:
            G.flat[:: G.shape[0] + 1] += self.ridge
        solve = cholesky_solver(G, max(1e-8, 100.0 * tol**2))
        if solve is None:
            return None
        W = solve(X.T @ Y)
        if not self.ridge:  # those of the centred X, as the SVD would give them
            eigenvalues = np.linalg.eigvalsh(G)[::-1]  # a quarter of scipy's time
            self.rank_, self.singular_ = X.shape[1], np.sqrt(np.maximum(eigenvalues, 0.0))
        return W

    def _sparse(self, X, Y, x_mean, root, tol):
        X = X.astype(np.float64)
        weight = np.ones(X.shape[0]) if root is None else root

        def matvec(w):
            return weight * (X @ w - x_mean @ w)

        def rmatvec(r):
            r = weight * r
            return X.T @ r - x_mean * r.sum()

        operator = LinearOperator(X.shape, matvec=matvec, rmatvec=rmatvec, dtype=np.float64)
        damp = math.sqrt(self.ridge)
        columns, converged = [], True
        for y in Y.T:
            w, stop = lsqr(operator, y, damp=damp, atol=tol, btol=tol)[:2]
            columns.append(w)
            converged &= stop != 7  # 7: lsqr's iteration limit
        return np.column_stack(columns), converged


def cholesky_solver(G, min_rcond):
    """``B ↦ G⁻¹ B`` by the Cholesky factor of the symmetric ``G``, or None.

    None where ``G`` is not positive definite, or where LAPACK's estimate of
    its reciprocal condition number (in the 1-norm) is at most
    ``min_rcond``. LAPACK is called directly: scipy's wrappers check their
    arguments at several times the cost of a small factorisation.
    """
    potrf, pocon, potrs = scipy.linalg.get_lapack_funcs(("potrf", "pocon", "potrs"), (G,))
    factor, info = potrf(G, lower=False, clean=False)
    if info != 0:
        return None
    norm = np.abs(G).sum(axis=0).max()  # ‖G‖₁, without np.linalg.norm's checks
    rcond, info = pocon(factor, norm)  # upper factor, the default
    if info != 0 or not rcond > min_rcond:
        return None
    return lambda B: potrs(factor, B, lower=False)[0]
