"""CONVERGENCE: uniform mass sheet.

``psi = kappa r^2 / 2``, ``alpha = kappa (x, y)``, Hessian ``(kappa, 0, 0, kappa)`` about
``(ra_0, dec_0)`` (mass-sheet degeneracy; Falco, Gorenstein & Shapiro 1985).

==========  ======  ==============================================
name        unit    meaning
==========  ======  ==============================================
kappa       --      convergence of the sheet
ra_0        arcsec  expansion point, first coordinate (default 0)
dec_0       arcsec  expansion point, second coordinate (default 0)
==========  ======  ==============================================
"""

from __future__ import annotations

import jax.numpy as jnp

PARAM_NAMES = ("kappa", "ra_0", "dec_0")
DEFAULTS = {"ra_0": 0.0, "dec_0": 0.0}


def potential(x, y, p, opts=None):
    """Lensing potential (arcsec^2)."""
    dx, dy = x - p["ra_0"], y - p["dec_0"]
    return 0.5 * p["kappa"] * (dx * dx + dy * dy)


def deflection(x, y, p, opts=None):
    """Deflection ``(alpha_x, alpha_y)`` (arcsec)."""
    return p["kappa"] * (x - p["ra_0"]), p["kappa"] * (y - p["dec_0"])


def hessian(x, y, p, opts=None):
    """``(f_xx, f_xy, f_yx, f_yy)``."""
    zero = jnp.zeros_like(x + 0.0 * y)
    return zero + p["kappa"], zero, zero, zero + p["kappa"]
