"""Weighted linear least squares for the amplitudes, and its marginalisation terms.

For a response matrix ``A`` (``m`` linear coefficients x ``n`` pixels), data ``d`` and
weights ``w = 1 / sigma^2`` the normal equations are ``M p = b`` with ``M = A W A^T`` and
``b = A W d``. Conventions of the reference:

* the solve is attempted only when ``cond(M) < 5 / eps`` (float64 eps); otherwise every
  amplitude (and the covariance) is returned as zero — a defined result, never NaN;
* ``cov_param = M^-1`` is returned only when asked (``inv_bool``), the linear parameters then
  being ``M^-1 b``;
* marginalising over the amplitudes with a flat prior adds ``log det(M^-1) / 2`` to the
  log-likelihood; with a Gaussian-width prior ``d_prior`` the eigenvalues of ``M^-1`` are
  capped at ``d_prior^2`` and ``m/2 log(pi/2) - m log(d_prior)`` is added
  (Birrer, Amara & Refregier 2015, ApJ 813, 102, eq. 15).

Everything here is pure ``jax.numpy``: jit-able, vmap-able, differentiable. ``m`` may be 0.
"""

from __future__ import annotations

import jax.numpy as jnp
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
    M, b = normal_equations(A, weights, data)
    ok = _well_conditioned(M)
    m = M.shape[0]
    safe_M = jnp.where(ok, M, jnp.eye(m, dtype=M.dtype))
    if inv_bool:
        cov = jnp.where(ok, jnp.linalg.inv(safe_M), 0.0)
        param = cov @ b
    else:
        cov = None
        param = jnp.where(ok, jnp.linalg.solve(safe_M, b), 0.0) if m else b
    return param, cov, A.T @ param


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
    if d_prior is None:
        sign, log_det = jnp.linalg.slogdet(cov_param)
        return jnp.where(sign == 0, SINGULAR_LOG_DET, sign * log_det / 2)
    # the covariance is symmetric: its eigenvalues are real
    eigenvalues = jnp.linalg.eigvalsh((cov_param + cov_param.T) / 2)
    sign = jnp.prod(jnp.sign(eigenvalues))
    capped = jnp.minimum(jnp.abs(eigenvalues), d_prior**2)
    log_det = jnp.sum(jnp.log(capped)) * sign
    m = cov_param.shape[0]
    value = log_det / 2 + m / 2.0 * jnp.log(jnp.pi / 2.0) - m * jnp.log(d_prior)
    return jnp.where(jnp.isnan(value), SINGULAR_LOG_DET, value)
