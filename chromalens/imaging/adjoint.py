"""Derivatives of the solved log-likelihood through the adjoint of the linear solve.

The likelihood of a band (or of several bands sharing one solve) is ``L = l(m, e)``: ``m``
the model of the weighted least-squares amplitudes ``a = M^-1 A W d`` (``M = A W A^T``,
``A`` one row per coefficient, ``m = A^T a``), ``e`` the PSF-variance error map,
``W = mask / (C_D + e)``; ``l_m`` and ``l_e`` are the derivatives of ``l`` by ``m`` and
``e``. Differentiating the solve (the normal equations' adjoint; e.g. Golub & Pereyra 1973,
SIAM J. Numer. Anal. 10, 413, on separable least squares) gives, block by block,

    dL = a^T dA s + z^T dA t + <de, r>,   z = M^-1 (sum_b A_b l_m,b)

    s = l_m - W A^T z,   t = W (d - m),   r = l_e - W^2 (A^T z) (d - m).

The cotangent of the response ``A`` (one row per coefficient) is therefore of rank 2,
``a (x) s + z (x) t``. Reverse mode through the response would push a dense cotangent back
through every basis image's convolution (66 transforms per band for a shapelet source) and
through the basis products; here the tangent is taken of two *model images* instead:
``a^T A(theta)`` is the band's image with amplitudes ``a``, whose derivative costs about one
image. :func:`with_adjoint_gradient` puts this in a ``jax.custom_jvp`` so that forward mode,
reverse mode, ``vmap`` and higher derivatives (the rule is itself differentiable: ``a``,
``z``, ``s``, ``t`` and ``r`` stay functions of the parameters) all use it.

Not covered (the plain derivative is used): ``source_marg`` (the marginalisation term
depends on ``M`` itself, whose cotangent is not of low rank).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

__all__ = ["ADJOINT_MIN_COEFFICIENTS", "Adjoint", "block_adjoints", "with_adjoint_gradient"]


class Adjoint(NamedTuple):
    """Adjoint vectors of one block (band) of a solve; ``a`` and ``z`` hold the block's
    response rows only (no background entries)."""

    a: Any  # (m,) amplitudes
    z: Any  # (m,) M^-1 g
    s: Any  # (n,) weight of a^T dA
    t: Any  # (n,) weight of z^T dA
    r: Any  # (n,) weight of the error-map tangent


def block_adjoints(blocks, param, models, solve, gradients, background: bool = False):
    """Adjoint vectors of a (joint) weighted solve, one :class:`Adjoint` per block.

    Parameters
    ----------
    blocks : sequence of (A_b (m, n_b), w_b (n_b,), d_b (n_b,))
        As :func:`~chromalens.imaging.linear_solve.weighted_least_squares_blocks`.
    param : array (m,) or (m + B,)
        The solved amplitudes (backgrounds last).
    models : sequence of arrays (n_b,)
        The solve's model of each block.
    solve : callable
        ``g -> M^-1 g`` of the same solve (0 where it was refused).
    gradients : sequence of (l_m (n_b,), l_e (n_b,) or any shape of n_b elements)
        Derivatives of the log-likelihood with respect to each block's model and its
        error map (the variance added to ``C_D``).
    background : bool
        The solve has one constant per block after the ``m`` shared amplitudes.
    """
    m = blocks[0][0].shape[0]
    g = sum(A @ l_m for (A, _, _), (l_m, _) in zip(blocks, gradients, strict=True))
    if background:
        g = jnp.concatenate([g, jnp.stack([jnp.sum(l_m) for l_m, _ in gradients])])
    z = solve(g)
    adjoints = []
    for i, ((A, w, d), model, (l_m, l_e)) in enumerate(zip(blocks, models, gradients,
                                                            strict=True)):
        z_model = z[:m] @ A
        if background:
            z_model = z_model + z[m + i]
        residual = d - model
        adjoints.append(Adjoint(param[:m], z[:m], l_m - w * z_model, w * residual,
                                jnp.ravel(l_e) - w * w * z_model * residual))
    return adjoints


#: extended-light coefficients per solve from which the adjoint pays. Measured, value_and_grad
#: of the three-band likelihoods (2 cores): shapelets (68 coefficients) MultiLinear 98 -> 48
#: ms, JointLinear 102 -> 46 ms; typical (2 coefficients) 2.7 -> 3.8 ms, large 57 -> 66 ms
#: (the surrogate's images cost as much as the plain reverse pass through 2 basis images)
ADJOINT_MIN_COEFFICIENTS = 8


def with_adjoint_gradient(evaluate: Callable, surrogate: Callable,
                          enabled: bool = True,
                          num_coefficients: Callable | None = None) -> Callable:
    """``f(kwargs) -> logL`` whose derivatives are those of ``surrogate`` at fixed adjoints.

    Parameters
    ----------
    evaluate : ``(kwargs, adjoint: bool) -> (logL, adjoints)``
        The log-likelihood; with ``adjoint`` also the adjoint vectors (any pytree).
    surrogate : ``(kwargs, adjoints) -> scalar``
        A function of the parameters whose derivative, at the adjoints of the same
        parameters, equals the log-likelihood's (``sum a^T A(kwargs) s + ...``).
    enabled : bool
        False: the plain ``evaluate(kwargs, False)[0]``, differentiated as it is computed
        (for ``source_marg``, see the module docstring).
    num_coefficients : ``kwargs -> int``, optional
        Extended-light coefficients of the (largest) solve, read when the derivative is
        traced; below :data:`ADJOINT_MIN_COEFFICIENTS` the derivative is that of
        ``evaluate`` as it is computed.
    """
    if not enabled:
        return lambda kwargs: evaluate(kwargs, False)[0]

    @jax.custom_jvp
    def log_likelihood(kwargs):
        return evaluate(kwargs, False)[0]

    @log_likelihood.defjvp
    def _jvp(primals, tangents):
        (kwargs,), (dkwargs,) = primals, tangents
        if (num_coefficients is not None
                and num_coefficients(kwargs) < ADJOINT_MIN_COEFFICIENTS):
            return jax.jvp(lambda k: evaluate(k, False)[0], primals, tangents)
        logL, adjoints = evaluate(kwargs, True)
        _, dlogL = jax.jvp(lambda k: surrogate(k, adjoints), (kwargs,), (dkwargs,))
        return logL, jnp.asarray(dlogL, dtype=jnp.result_type(logL))

    return log_likelihood
