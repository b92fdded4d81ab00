"""POINT_MASS: point lens (e.g. Schneider, Ehlers & Falco 1992, sec. 8.1.2).

``psi = theta_E^2 ln r``, ``alpha = theta_E^2 (x, y) / r^2``; as the reference, ``r`` is floored at
1e-25 arcsec (so the deflection is 0 at the centre and ``psi`` finite).

==========  ======  ==========================================
name        unit    meaning
==========  ======  ==========================================
theta_E     arcsec  Einstein radius
center_x    arcsec  centre, first coordinate (default 0)
center_y    arcsec  centre, second coordinate (default 0)
==========  ======  ==========================================
"""

from __future__ import annotations

import jax.numpy as jnp

from chromalens import fastmath

PARAM_NAMES = ("theta_E", "center_x", "center_y")
DEFAULTS = {"center_x": 0.0, "center_y": 0.0}

#: the reference's radius floor (arcsec)
R_MIN = 1e-25


def _shift(x, y, p):
    return x - p["center_x"], y - p["center_y"]


def potential(x, y, p, opts=None):
    """Lensing potential (arcsec^2)."""
    dx, dy = _shift(x, y, p)
    r2 = jnp.maximum(dx * dx + dy * dy, R_MIN**2)
    return p["theta_E"] ** 2 * 0.5 * fastmath.log(r2)


def deflection(x, y, p, opts=None):
    """Deflection ``(alpha_x, alpha_y)`` (arcsec)."""
    dx, dy = _shift(x, y, p)
    r2 = jnp.maximum(dx * dx + dy * dy, R_MIN**2)
    scale = p["theta_E"] ** 2 / r2
    return scale * dx, scale * dy


def hessian(x, y, p, opts=None):
    """``(f_xx, f_xy, f_yx, f_yy)``."""
    dx, dy = _shift(x, y, p)
    r2 = jnp.maximum(dx * dx + dy * dy, R_MIN**2)
    scale = p["theta_E"] ** 2 / (r2 * r2)
    f_xy = -2.0 * dx * dy * scale
    return (dy * dy - dx * dx) * scale, f_xy, f_xy, (dx * dx - dy * dy) * scale
