"""SHEAR_GAMMA_PSI: external shear given by strength and angle.

``gamma1 = gamma_ext cos(2 psi_ext)``, ``gamma2 = gamma_ext sin(2 psi_ext)``, then as ``SHEAR``:
``psi = gamma_ext r^2 cos(2 (phi - psi_ext)) / 2``.

==========  ======  ==============================================
name        unit    meaning
==========  ======  ==============================================
gamma_ext   --      shear strength
psi_ext     rad     shear angle (counter-clockwise from +x)
ra_0        arcsec  expansion point, first coordinate (default 0)
dec_0       arcsec  expansion point, second coordinate (default 0)
==========  ======  ==============================================
"""

from __future__ import annotations

import jax.numpy as jnp

from .shear import shear_deflection, shear_hessian, shear_potential

PARAM_NAMES = ("gamma_ext", "psi_ext", "ra_0", "dec_0")
DEFAULTS = {"ra_0": 0.0, "dec_0": 0.0}


def _components(p):
    angle = 2.0 * p["psi_ext"]
    return p["gamma_ext"] * jnp.cos(angle), p["gamma_ext"] * jnp.sin(angle)


def potential(x, y, p, opts=None):
    """Lensing potential (arcsec^2)."""
    return shear_potential(x - p["ra_0"], y - p["dec_0"], *_components(p))


def deflection(x, y, p, opts=None):
    """Deflection ``(alpha_x, alpha_y)`` (arcsec)."""
    return shear_deflection(x - p["ra_0"], y - p["dec_0"], *_components(p))


def hessian(x, y, p, opts=None):
    """``(f_xx, f_xy, f_yx, f_yy)``."""
    return shear_hessian(x + 0.0 * y, *_components(p))
