"""NIE: non-singular isothermal ellipsoid (Keeton & Kochanek 1998, ApJ 495, 157).

In the frame of the major axis, with ``q`` the axis ratio, ``b = theta_E_major sqrt((1+q^2)/2)``,
``theta_E_major = theta_E / sqrt((1+q^2)/(2q))`` (``theta_E`` is the product-averaged Einstein
radius), ``s = s_scale / sqrt(q)`` and ``psi_KK = sqrt(q^2 (s^2 + x^2) + y^2)``::

    alpha_x = b / sqrt(1-q^2) atan (sqrt(1-q^2) x / (psi_KK + s))
    alpha_y = b / sqrt(1-q^2) atanh(sqrt(1-q^2) y / (psi_KK + q^2 s))
    psi     = x alpha_x + y alpha_y - b s ln((psi_KK + s)^2 + (1-q^2) x^2) / 2

``q >= 1`` is replaced by ``0.99999999`` in the deflection, as the reference does.

Hessian: the reference takes a forward finite difference of the deflection (step 1e-10, errors
up to ~1e-4 relative); here it is the exact Jacobian by automatic differentiation
(compatibility policy item 4), so Hessians agree with the reference only to its own accuracy.

==========  ======  ===================================================
name        unit    meaning
==========  ======  ===================================================
theta_E     arcsec  Einstein radius (product-averaged / circularised)
e1, e2      --      ellipticity components (see ``_geometry``)
s_scale     arcsec  core radius
center_x    arcsec  centre, first coordinate (default 0)
center_y    arcsec  centre, second coordinate (default 0)
==========  ======  ===================================================
"""

from __future__ import annotations

import jax.numpy as jnp

from chromalens import fastmath

from ._geometry import (
    ellipticity_to_phi_q,
    from_major_axis_frame,
    safe_sqrt,
    to_major_axis_frame,
)

PARAM_NAMES = ("theta_E", "e1", "e2", "s_scale", "center_x", "center_y")
DEFAULTS = {"center_x": 0.0, "center_y": 0.0}

#: the reference's replacement for q >= 1 in the deflection
Q_MAX = 0.99999999


def _parameters(theta_E, e1, e2, s_scale):
    phi, q = ellipticity_to_phi_q(e1, e2)
    theta_E_major = theta_E / jnp.sqrt((1.0 + q * q) / (2.0 * q))
    b = theta_E_major * jnp.sqrt((1.0 + q * q) / 2.0)
    s = s_scale / jnp.sqrt(q)
    return b, s, q, phi


def _safe_divide(numerator, denominator):
    nonzero = denominator != 0
    return jnp.where(nonzero, numerator / jnp.where(nonzero, denominator, 1.0), 0.0)


def _deflection_major_axis(x, y, b, s, q):
    q = jnp.where(q >= 1.0, Q_MAX, q)  # as the reference: only q >= 1 is replaced
    psi_kk = safe_sqrt(q * q * (s * s + x * x) + y * y)
    root = jnp.sqrt(1.0 - q * q)
    alpha_x = b / root * fastmath.arctan(_safe_divide(root * x, psi_kk + s))
    alpha_y = b / root * fastmath.arctanh(_safe_divide(root * y, psi_kk + q * q * s))
    return alpha_x, alpha_y


def _potential_major_axis(x, y, b, s, q):
    alpha_x, alpha_y = _deflection_major_axis(x, y, b, s, q)
    psi_kk = safe_sqrt(q * q * (s * s + x * x) + y * y)
    argument = (psi_kk + s) ** 2 + (1.0 - q * q) * x * x
    log_term = fastmath.log(jnp.where(argument > 0, argument, 1.0))
    return x * alpha_x + y * alpha_y - b * s * 0.5 * log_term


def deflection_with_core(x, y, theta_E, e1, e2, s_scale, center_x, center_y):
    """NIE deflection for explicit parameters (shared with SIE)."""
    b, s, q, phi = _parameters(theta_E, e1, e2, s_scale)
    xm, ym = to_major_axis_frame(x, y, center_x, center_y, phi)
    return from_major_axis_frame(*_deflection_major_axis(xm, ym, b, s, q), phi)


def potential_with_core(x, y, theta_E, e1, e2, s_scale, center_x, center_y):
    """NIE potential for explicit parameters (shared with SIE)."""
    b, s, q, phi = _parameters(theta_E, e1, e2, s_scale)
    xm, ym = to_major_axis_frame(x, y, center_x, center_y, phi)
    return _potential_major_axis(xm, ym, b, s, q)


def deflection(x, y, p, opts=None):
    """Deflection ``(alpha_x, alpha_y)`` (arcsec)."""
    return deflection_with_core(
        x, y, p["theta_E"], p["e1"], p["e2"], p["s_scale"], p["center_x"], p["center_y"]
    )


def potential(x, y, p, opts=None):
    """Lensing potential (arcsec^2)."""
    return potential_with_core(
        x, y, p["theta_E"], p["e1"], p["e2"], p["s_scale"], p["center_x"], p["center_y"]
    )
