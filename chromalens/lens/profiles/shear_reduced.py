"""SHEAR_REDUCED: reduced shear as a shear plus a mass sheet.

For reduced shear ``(g1, g2)`` the reference uses the sheet ``kappa = 1 - 1/sqrt(1 - g1^2 - g2^2)``
and the shear ``(1 - kappa) (g1, g2)``; potential, deflection and Hessian are the sums of
``SHEAR`` and ``CONVERGENCE`` with those values.

==========  ======  ==============================================
name        unit    meaning
==========  ======  ==============================================
gamma1      --      reduced shear component along the axes
gamma2      --      reduced shear component along the diagonals
ra_0        arcsec  expansion point, first coordinate (default 0)
dec_0       arcsec  expansion point, second coordinate (default 0)
==========  ======  ==============================================
"""

from __future__ import annotations

import jax.numpy as jnp

from .shear import shear_deflection, shear_hessian, shear_potential

PARAM_NAMES = ("gamma1", "gamma2", "ra_0", "dec_0")
DEFAULTS = {"ra_0": 0.0, "dec_0": 0.0}


def _sheet_and_shear(p):
    g1, g2 = p["gamma1"], p["gamma2"]
    kappa = 1.0 - 1.0 / jnp.sqrt(1.0 - g1 * g1 - g2 * g2)
    return kappa, (1.0 - kappa) * g1, (1.0 - kappa) * g2


def potential(x, y, p, opts=None):
    """Lensing potential (arcsec^2)."""
    kappa, g1, g2 = _sheet_and_shear(p)
    dx, dy = x - p["ra_0"], y - p["dec_0"]
    return shear_potential(dx, dy, g1, g2) + 0.5 * kappa * (dx * dx + dy * dy)


def deflection(x, y, p, opts=None):
    """Deflection ``(alpha_x, alpha_y)`` (arcsec)."""
    kappa, g1, g2 = _sheet_and_shear(p)
    dx, dy = x - p["ra_0"], y - p["dec_0"]
    ax, ay = shear_deflection(dx, dy, g1, g2)
    return ax + kappa * dx, ay + kappa * dy


def hessian(x, y, p, opts=None):
    """``(f_xx, f_xy, f_yx, f_yy)``."""
    kappa, g1, g2 = _sheet_and_shear(p)
    f_xx, f_xy, f_yx, f_yy = shear_hessian(x + 0.0 * y, g1, g2)
    return f_xx + kappa, f_xy, f_yx, f_yy + kappa
