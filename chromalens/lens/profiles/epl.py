"""EPL: elliptical power-law mass profile (Tessore & Metcalf 2015, A&A 580, A79; arXiv:1507.01819).

Convergence ``kappa = (3 - gamma)/2 (theta_E / sqrt(q x^2 + y^2/q))^(gamma - 1)`` in the frame of
the major axis. With ``b = theta_E sqrt(q)``, ``t = gamma - 1``, ``Z = q x + i y``, ``R = |Z|`` and
``f = (1 - q)/(1 + q)`` the deflection (their eq. 13) is::

    alpha_x + i alpha_y = 2/(1+q) (b/R)^t Z 2F1(1, t/2; 2 - t/2; z),   z = -f Z/conj(Z)

and the potential ``psi = (x alpha_x + y alpha_y) / (2 - t)``. The Hessian is the closed form of
their eq. 17 (convergence and shear from the deflection), as the reference uses.

**Fixed-cost hypergeometric function.** ``|z| = f`` can approach 1 (``q -> 0``), where the Taylor
series of 2F1 in ``z`` converges as ``f^n`` (90 terms at q = 0.2). This module evaluates it with
a series in the conformal variable ``zeta = (1 - sqrt(1 - z)) / (1 + sqrt(1 - z))``, which maps the
cut plane of 2F1 onto the unit disk. Writing 2F1(1, t/2; 2 - t/2; z) as the incomplete beta
integral ``(1 - t/2) z^(t/2-1) (1-z)^(1-t) int_0^z s^(-t/2) (1-s)^(t-2) ds`` and substituting
``s = 4 sigma/(1+sigma)^2`` gives (derivation in this module, not in the paper)::

    2F1 = (1 + zeta)^t (1 - zeta)^(2 - 2t) sum_k (1 - t/2) h_k / (k + 1 - t/2) zeta^k,

where ``h_k`` are the Taylor coefficients of ``(1 - sigma)^(2t-3) (1 + sigma)^(1-t)``, from the
recurrence ``(k+1) h_{k+1} = (4 - 3t) h_k + (k + 1 - t) h_{k-1}``, ``h_0 = 1``. On the circle
``|z| = f`` the worst case ``|zeta| = (1 - sqrt(2q/(1+q)))/(1 + sqrt(2q/(1+q)))`` is 0.27 at
q = 0.2 and 0.53 at q = 0.05 (vs ``f`` = 0.67 and 0.90), so ``NUM_TERMS = 45`` fixed terms give
~1e-14 relative accuracy for q >= 0.05 and every gamma in (1, 3), with no value-dependent
branch: the cost is the same for every parameter set (and under ``vmap``). The number of
terms is a static profile option (``profile_kwargs_list`` entry ``{"num_terms": n}``).

The reference floors ``R`` at 1e-9 (deflection) and 1e-8 (Hessian); so does this module. At the
exact centre deflection is 0 and the shear part of the Hessian is 0 (the reference's NaN
replacement).

==========  ======  ===================================================
name        unit    meaning
==========  ======  ===================================================
theta_E     arcsec  Einstein radius (product-averaged / circularised)
gamma       --      3-d logarithmic density slope (2 = isothermal)
e1, e2      --      ellipticity components (see ``_geometry``)
center_x    arcsec  centre, first coordinate (default 0)
center_y    arcsec  centre, second coordinate (default 0)
==========  ======  ===================================================
"""

from __future__ import annotations

import jax.numpy as jnp
from jax import lax

from ._geometry import (
    ellipticity_to_phi_q,
    from_major_axis_frame,
    safe_hypot,
    to_major_axis_frame,
)

PARAM_NAMES = ("theta_E", "gamma", "e1", "e2", "center_x", "center_y")
DEFAULTS = {"center_x": 0.0, "center_y": 0.0}

#: default number of terms of the conformal series (static; see module docstring)
NUM_TERMS = 45
#: Horner steps fused per scan iteration (compile time vs passes over memory)
HORNER_UNROLL = 4
#: the reference's radius floors (arcsec) for the deflection and the Hessian
R_FLOOR_DEFLECTION = 1e-9
R_FLOOR_HESSIAN = 1e-8


def _num_terms(opts) -> int:
    return int((opts or {}).get("num_terms", NUM_TERMS))


def series_coefficients(t, num_terms: int):
    """Coefficients ``(1 - t/2) h_k / (k + 1 - t/2)``, k < num_terms, of the conformal series.

    ``t`` is a scalar (traced or not); ``num_terms`` is static. Returns an array (num_terms,).
    """

    def step(carry, k):
        h_previous, h_current = carry
        coefficient = (1.0 - t / 2.0) * h_current / (k + 1.0 - t / 2.0)
        h_next = ((4.0 - 3.0 * t) * h_current + (k + 1.0 - t) * h_previous) / (k + 1.0)
        return (h_current, h_next), coefficient

    start = (jnp.zeros_like(t), jnp.ones_like(t))
    _, coefficients = lax.scan(step, start, jnp.arange(num_terms, dtype=float))
    return coefficients


def hyp2f1_epl(z, t, num_terms: int = NUM_TERMS):
    """``2F1(1, t/2; 2 - t/2; z)`` for complex ``|z| < 1``, by the conformal series (fixed cost).

    Horner's scheme runs as a ``lax.scan`` over the (static) number of terms, unrolled by
    ``HORNER_UNROLL``: short compile times (also for gradients of the Hessian) and few passes
    over the pixel arrays, which keeps batched (``vmap``) evaluation as cheap per parameter set
    as single calls.
    """
    root = jnp.sqrt(1.0 - z)
    zeta = z / (1.0 + root) ** 2  # = (1 - root)/(1 + root), without cancellation
    coefficients = series_coefficients(t, num_terms)

    def horner_step(total, coefficient):
        return total * zeta + coefficient, None

    total, _ = lax.scan(
        horner_step,
        jnp.zeros_like(zeta) + coefficients[-1],
        coefficients[:-1][::-1],
        unroll=HORNER_UNROLL,
    )
    prefactor = jnp.exp(t * jnp.log1p(zeta) + (2.0 - 2.0 * t) * jnp.log1p(-zeta))
    return prefactor * total


def deflection_major_axis(x, y, b, t, q, num_terms: int = NUM_TERMS):
    """EPL deflection in the frame of the major axis, ``(alpha_x, alpha_y)`` (arcsec)."""
    z_complex = q * x + 1j * y
    modulus = safe_hypot(q * x, y)
    positive = modulus > 0
    modulus_safe = jnp.where(positive, modulus, 1.0)
    unit = jnp.where(positive, z_complex / modulus_safe, 1.0 + 0.0j)
    f = (1.0 - q) / (1.0 + q)
    series = hyp2f1_epl(-f * unit * unit, t, num_terms)
    radius = jnp.maximum(modulus, R_FLOOR_DEFLECTION)
    alpha = 2.0 / (1.0 + q) * (b / radius) ** t * z_complex * series
    return jnp.real(alpha), jnp.imag(alpha)


def hessian_major_axis(x, y, alpha_x, alpha_y, b, t, q):
    """EPL Hessian in the frame of the major axis from its deflection there.

    Returns ``(kappa, gamma1, gamma2)``: convergence and shear (Tessore & Metcalf 2015, eq. 17
    as corrected in the reference).
    """
    radius = jnp.maximum(safe_hypot(q * x, y), R_FLOOR_HESSIAN)
    kappa = (2.0 - t) / 2.0 * (b / radius) ** t
    r = safe_hypot(x, y)
    positive = r > 0
    r_safe = jnp.where(positive, r, 1.0)
    cos, sin = x / r_safe, y / r_safe
    cos2, sin2 = cos * cos * 2.0 - 1.0, sin * cos * 2.0
    gamma1 = (1.0 - t) * (alpha_x * cos - alpha_y * sin) / r_safe - kappa * cos2
    gamma2 = (1.0 - t) * (alpha_y * cos + alpha_x * sin) / r_safe - kappa * sin2
    return kappa, jnp.where(positive, gamma1, 0.0), jnp.where(positive, gamma2, 0.0)


def _parameters(p):
    phi, q = ellipticity_to_phi_q(p["e1"], p["e2"])
    return p["theta_E"] * jnp.sqrt(q), p["gamma"] - 1.0, q, phi


def deflection(x, y, p, opts=None):
    """Deflection ``(alpha_x, alpha_y)`` (arcsec)."""
    b, t, q, phi = _parameters(p)
    xm, ym = to_major_axis_frame(x, y, p["center_x"], p["center_y"], phi)
    return from_major_axis_frame(*deflection_major_axis(xm, ym, b, t, q, _num_terms(opts)), phi)


def potential(x, y, p, opts=None):
    """Lensing potential (arcsec^2)."""
    b, t, q, phi = _parameters(p)
    xm, ym = to_major_axis_frame(x, y, p["center_x"], p["center_y"], phi)
    alpha_x, alpha_y = deflection_major_axis(xm, ym, b, t, q, _num_terms(opts))
    return (xm * alpha_x + ym * alpha_y) / (2.0 - t)


def hessian(x, y, p, opts=None):
    """``(f_xx, f_xy, f_yx, f_yy)`` (closed form from the deflection)."""
    b, t, q, phi = _parameters(p)
    xm, ym = to_major_axis_frame(x, y, p["center_x"], p["center_y"], phi)
    alpha_x, alpha_y = deflection_major_axis(xm, ym, b, t, q, _num_terms(opts))
    kappa, gamma1_major, gamma2_major = hessian_major_axis(xm, ym, alpha_x, alpha_y, b, t, q)
    cos2, sin2 = jnp.cos(2.0 * phi), jnp.sin(2.0 * phi)
    gamma1 = cos2 * gamma1_major - sin2 * gamma2_major
    gamma2 = sin2 * gamma1_major + cos2 * gamma2_major
    return kappa + gamma1, gamma2, gamma2, kappa - gamma1
