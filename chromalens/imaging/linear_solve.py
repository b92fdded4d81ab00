"""Weighted linear least squares for the amplitudes, and its marginalisation terms.

For a response matrix ``A`` (``m`` linear coefficients x ``n`` pixels), data ``d`` and
weights ``w = 1 / sigma^2`` the normal equations are ``M p = b`` with ``M = A W A^T`` and
``b = A W d``. Conventions of the reference:

* the solve (Cholesky: ``M`` is symmetric positive definite) is attempted only when
  ``cond(M) < 5 / eps`` (float64 eps); otherwise, or if it overflows, every amplitude (and
  the covariance) is returned as zero — a defined result, never NaN;
* ``cov_param = M^-1`` is returned only when asked (``inv_bool``), the linear parameters then
  being ``M^-1 b``;
* marginalising over the amplitudes with a flat prior adds ``log det(M^-1) / 2`` to the
  log-likelihood; with a Gaussian-width prior ``d_prior`` the eigenvalues of ``M^-1`` are
  capped at ``d_prior^2`` and ``m/2 log(pi/2) - m log(d_prior)`` is added
  (Birrer, Amara & Refregier 2015, ApJ 813, 102, eq. 15).

Everything here is pure ``jax.numpy``: jit-able, vmap-able, differentiable. ``m`` may be 0.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.linalg  # noqa: F401  (cho_factor / cho_solve)
import numpy as np

#: log-likelihood assigned to a singular covariance (reference value)
SINGULAR_LOG_DET = -1e15
_COND_LIMIT = 5.0 / np.finfo(float).eps


def normal_equations(A, weights, data):
    """Normal equations ``M = A W A^T`` (m, m) and ``b = A W d`` (m,); ``A`` is (m, n)."""
    weighted = A * weights[None, :]
    return weighted @ A.T, weighted @ data


def _well_conditioned(M):
    if M.shape[0] == 0:
        return jnp.array(True)
    singular_values = jnp.linalg.svd(M, compute_uv=False)
    cond = singular_values[0] / singular_values[-1]
    return jnp.isfinite(cond) & (cond < _COND_LIMIT)


def weighted_least_squares(A, weights, data, inv_bool: bool = False):
    """Solve for the linear amplitudes.

    Parameters
    ----------
    A : array (m, n)
        Response matrix: row ``i`` is the (masked, flattened) image of coefficient ``i`` at
        unit amplitude.
    weights : array (n,)
        Inverse variances ``1 / sigma^2`` of the pixels.
    data : array (n,)
        Data pixels.
    inv_bool : bool (static)
        Also return the covariance ``M^-1``.

    Returns
    -------
    param : array (m,)
        Amplitudes (zeros when ``M`` is ill-conditioned).
    cov_param : array (m, m) or None
        ``M^-1`` (zeros when ill-conditioned) if ``inv_bool`` else None.
    model : array (n,)
        ``A^T param``.
    """
    param, cov, models = weighted_least_squares_blocks([(A, weights, data)], inv_bool=inv_bool)
    return param, cov, models[0]


def weighted_least_squares_blocks(blocks, inv_bool: bool = False, background: bool = False,
                                  normal=None, with_solver: bool = False):
    """One solve for amplitudes shared by several blocks of pixels (bands).

    Equivalent to :func:`weighted_least_squares` on the blocks' responses, weights and data
    concatenated along the pixel axis, without building the concatenation: the normal
    equations are summed block by block. With ``background`` one more coefficient per block
    is solved for, a constant added to every pixel of that block (a response row of ones),
    whose rows and columns of ``M`` are written in closed form (``sum w``, ``A w``).

    Parameters
    ----------
    blocks : sequence of (A_b (m, n_b), w_b (n_b,), d_b (n_b,))
        Response, weights and data of each block; ``m`` is the same for all.
    inv_bool : bool (static)
        Also return the covariance.
    background : bool (static)
        Add one constant per block, after the ``m`` shared amplitudes.
    normal : sequence of (M_b, b_b), optional
        The blocks' :func:`normal_equations` if already computed (one per block).
    with_solver : bool (static)
        Also return ``solve(g)``: ``M^-1 g`` with the same factorisation and conditioning
        decision as the amplitudes (0 where the solve was refused); used by the adjoint
        gradient (:mod:`chromalens.imaging.adjoint`).

    Returns
    -------
    param : array (m,) or (m + B,)
    cov_param : array, square, or None
    models : list of arrays (n_b,)
        Model of each block, ``A_b^T param[:m]`` (+ its background).
    solve : callable, only with ``with_solver``
    """
    per_block = normal if normal is not None else [normal_equations(*block) for block in blocks]
    if len(per_block) != len(blocks):
        raise ValueError(f"normal: {len(per_block)} entries for {len(blocks)} blocks")
    M = sum(M_b for M_b, _ in per_block)
    b = sum(b_b for _, b_b in per_block)
    m = blocks[0][0].shape[0]
    if background:
        cross = jnp.stack([A @ w for A, w, _ in blocks], axis=1)  # (m, B)
        totals = jnp.stack([jnp.sum(w) for _, w, _ in blocks])
        M = jnp.block([[M, cross], [cross.T, jnp.diag(totals)]])
        b = jnp.concatenate([b, jnp.stack([jnp.dot(w, d) for _, w, d in blocks])])
    param, cov, solve = _solve_normal_equations(M, b, inv_bool)
    models = []
    for i, (A, _, _) in enumerate(blocks):
        model = param[:m] @ A
        models.append(model + param[m + i] if background else model)
    if with_solver:
        return param, cov, models, solve
    return param, cov, models


def _solve_normal_equations(M, b, inv_bool: bool):
    """``(param, cov or None, solve)`` of ``M p = b`` with the reference's conditioning rule
    (``solve(g)``: ``M^-1 g`` by the same factorisation, 0 where the solve is refused).

    The system is solved when ``cond(M) < 5 / eps`` and the trial solution (with
    ``inv_bool``: the trial inverse and the amplitudes from it) is finite; a system at the
    edge of the condition limit can still overflow, and then every amplitude (and the
    covariance) is 0, never NaN or inf. The decision uses values only (no gradient flows
    through it); the solve then runs on a matrix that is the identity where the decision
    failed, so gradients stay finite (double where).
    """
    m = M.shape[0]
    if m == 0:
        return b, (jnp.zeros((0, 0), dtype=M.dtype) if inv_bool else None), lambda g: g
    identity = jnp.eye(m, dtype=M.dtype)
    ok = _solvable(jax.lax.stop_gradient(M), jax.lax.stop_gradient(b), inv_bool)
    factor = jax.scipy.linalg.cho_factor(jnp.where(ok, M, identity))

    def solve(g):
        return jnp.where(ok, jax.scipy.linalg.cho_solve(factor, g), 0.0)

    if inv_bool:
        cov = jnp.where(ok, jax.scipy.linalg.cho_solve(factor, identity), 0.0)
        return cov @ b, cov, solve
    return solve(b), None, solve


def _solvable(M, b, inv_bool: bool):
    """``cond(M) < 5 / eps`` and a finite trial solution: ``M^-1 b`` (one right-hand side),
    or with ``inv_bool`` the inverse and ``M^-1 b`` from it (what is returned then)."""
    ok = _well_conditioned(M)
    identity = jnp.eye(M.shape[0], dtype=M.dtype)
    factor = jax.scipy.linalg.cho_factor(jnp.where(ok, M, identity))
    if inv_bool:
        inverse = jax.scipy.linalg.cho_solve(factor, identity)
        return ok & jnp.all(jnp.isfinite(inverse)) & jnp.all(jnp.isfinite(inverse @ b))
    return ok & jnp.all(jnp.isfinite(jax.scipy.linalg.cho_solve(factor, b)))


def marginalization(cov_param, d_prior=None):
    """Log-likelihood term of marginalising over the linear amplitudes.

    Parameters
    ----------
    cov_param : array (m, m)
        Covariance ``M^-1`` of the amplitudes.
    d_prior : float or None
        Width of a Gaussian prior on each amplitude; None for a flat prior.

    Returns
    -------
    float
        ``log det(cov) / 2`` (flat) or the capped-eigenvalue form; -1e15 for a singular
        covariance.
    """
    m = cov_param.shape[0]
    identity = jnp.eye(m, dtype=cov_param.dtype)
    if d_prior is None:
        sign, _ = jnp.linalg.slogdet(jax.lax.stop_gradient(cov_param))
        singular = sign == 0
        sign, log_det = jnp.linalg.slogdet(jnp.where(singular, identity, cov_param))
        return jnp.where(singular, SINGULAR_LOG_DET, sign * log_det / 2)
    # the covariance is symmetric: its eigenvalues are real
    symmetric = (cov_param + cov_param.T) / 2
    singular = jnp.any(jnp.linalg.eigvalsh(jax.lax.stop_gradient(symmetric)) == 0)
    eigenvalues = jnp.linalg.eigvalsh(jnp.where(singular, identity, symmetric))
    sign = jnp.prod(jnp.sign(eigenvalues))
    capped = jnp.minimum(jnp.abs(eigenvalues), d_prior**2)
    log_det = jnp.sum(jnp.log(capped)) * sign
    value = log_det / 2 + m / 2.0 * jnp.log(jnp.pi / 2.0) - m * jnp.log(d_prior)
    return jnp.where(singular | jnp.isnan(value), SINGULAR_LOG_DET, value)
