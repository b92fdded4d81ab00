"""SIS: singular isothermal sphere.

Convergence ``kappa = theta_E / (2 r)``; potential ``psi = theta_E r``; deflection
``alpha = theta_E (x, y) / r`` (textbook; e.g. Schneider, Ehlers & Falco 1992, sec. 8.1.4).
As the reference, deflection and Hessian are set to 0 at ``r = 0``.

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

from ._geometry import safe_hypot

PARAM_NAMES = ("theta_E", "center_x", "center_y")
DEFAULTS = {"center_x": 0.0, "center_y": 0.0}


def potential(x, y, p, opts=None):
    """Lensing potential (arcsec^2), shape of ``x``."""
    dx, dy = x - p["center_x"], y - p["center_y"]
    return p["theta_E"] * safe_hypot(dx, dy)


def deflection(x, y, p, opts=None):
    """Deflection ``(alpha_x, alpha_y)`` (arcsec); 0 at the centre."""
    dx, dy = x - p["center_x"], y - p["center_y"]
    r = safe_hypot(dx, dy)
    positive = r > 0
    scale = jnp.where(positive, p["theta_E"] / jnp.where(positive, r, 1.0), 0.0)
    return scale * dx, scale * dy


def hessian(x, y, p, opts=None):
    """``(f_xx, f_xy, f_yx, f_yy)`` (1/arcsec^0); 0 at the centre as the reference."""
    dx, dy = x - p["center_x"], y - p["center_y"]
    r2 = dx * dx + dy * dy
    positive = r2 > 0
    r2_safe = jnp.where(positive, r2, 1.0)
    prefactor = jnp.where(positive, p["theta_E"] / (r2_safe * jnp.sqrt(r2_safe)), 0.0)
    f_xy = -dx * dy * prefactor
    return dy * dy * prefactor, f_xy, f_xy, dx * dx * prefactor
