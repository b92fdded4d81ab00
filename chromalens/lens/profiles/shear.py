"""SHEAR: external shear in Cartesian components.

Potential ``psi = (gamma1 (x^2 - y^2) + 2 gamma2 x y) / 2`` about the expansion point
``(ra_0, dec_0)``; deflection ``(gamma1 x + gamma2 y, gamma2 x - gamma1 y)``; constant Hessian
``(gamma1, gamma2, gamma2, -gamma1)`` (e.g. Kovner 1987; Keeton, Kochanek & Seljak 1997).

==========  ======  ==============================================
name        unit    meaning
==========  ======  ==============================================
gamma1      --      shear component along the axes
gamma2      --      shear component along the diagonals
ra_0        arcsec  expansion point, first coordinate (default 0)
dec_0       arcsec  expansion point, second coordinate (default 0)
==========  ======  ==============================================
"""

from __future__ import annotations

import jax.numpy as jnp

PARAM_NAMES = ("gamma1", "gamma2", "ra_0", "dec_0")
DEFAULTS = {"ra_0": 0.0, "dec_0": 0.0}


def shear_potential(x, y, gamma1, gamma2):
    """Potential of a shear ``(gamma1, gamma2)`` at already-shifted coordinates."""
    return 0.5 * (gamma1 * (x * x - y * y) + 2.0 * gamma2 * x * y)


def shear_deflection(x, y, gamma1, gamma2):
    """Deflection of a shear ``(gamma1, gamma2)`` at already-shifted coordinates."""
    return gamma1 * x + gamma2 * y, gamma2 * x - gamma1 * y


def shear_hessian(x, gamma1, gamma2):
    """Constant Hessian of a shear, broadcast to the shape of ``x``."""
    zero = jnp.zeros_like(x)
    return zero + gamma1, zero + gamma2, zero + gamma2, zero - gamma1


def potential(x, y, p, opts=None):
    """Lensing potential (arcsec^2)."""
    return shear_potential(x - p["ra_0"], y - p["dec_0"], p["gamma1"], p["gamma2"])


def deflection(x, y, p, opts=None):
    """Deflection ``(alpha_x, alpha_y)`` (arcsec)."""
    return shear_deflection(x - p["ra_0"], y - p["dec_0"], p["gamma1"], p["gamma2"])


def hessian(x, y, p, opts=None):
    """``(f_xx, f_xy, f_yx, f_yy)``."""
    return shear_hessian(x + 0.0 * y, p["gamma1"], p["gamma2"])
