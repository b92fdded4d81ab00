"""HERNQUIST_ELLIPSE_CSE: Hernquist profile with elliptical convergence, as a sum of cored
steep ellipsoids (Oguri 2021, PASP 133, 074504, arXiv:2106.11464, Table 2; decomposition in
``cse``).

As the reference (lenstronomy ``HernquistEllipseCSE``): the 41 CSEs of Oguri's Table 2 are
evaluated in the major-axis frame at ``(x, y) / Rs`` with the major-axis radius
``xi^2 = x^2 + y^2/q^2`` (no product averaging), with normalisation ``sigma0 Rs^2 / q``.
Ellipticity from ``(e1, e2)`` as ``_geometry.ellipticity_to_phi_q`` (``|e| <= 0.9999``).
Potential, deflection and Hessian are the closed forms of the CSE sum.

==========  ======  ===========================================================
name        unit    meaning
==========  ======  ===========================================================
sigma0      --      convergence normalisation (as ``HERNQUIST``)
Rs          arcsec  Hernquist scale radius
e1, e2      --      ellipticity components of the convergence
center_x    arcsec  centre, first coordinate (default 0)
center_y    arcsec  centre, second coordinate (default 0)
==========  ======  ===========================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax

from . import cse
from ._geometry import ellipticity_to_phi_q, from_major_axis_frame, to_major_axis_frame

PARAM_NAMES = ("sigma0", "Rs", "e1", "e2", "center_x", "center_y")
DEFAULTS = {"center_x": 0.0, "center_y": 0.0}

ArrayLike = Any
Params = Mapping[str, Any]
Options = Mapping[str, Any] | None

TABLE = cse.HERNQUIST_TABLE_2


def _setup(x, y, p):
    phi, q = ellipticity_to_phi_q(p["e1"], p["e2"])
    Rs = p["Rs"]
    x_major, y_major = to_major_axis_frame(x, y, p["center_x"], p["center_y"], phi)
    norm = p["sigma0"] * Rs**2 / q
    return x_major / Rs, y_major / Rs, phi, q, Rs, norm


def potential(x: ArrayLike, y: ArrayLike, p: Params, opts: Options = None) -> jax.Array:
    """Lensing potential (arcsec^2), shape of ``x``."""
    u, v, _, q, _, norm = _setup(x, y, p)
    return norm * cse.potential(u, v, TABLE, q)


def deflection(
    x: ArrayLike, y: ArrayLike, p: Params, opts: Options = None
) -> tuple[jax.Array, jax.Array]:
    """Deflection ``(alpha_x, alpha_y)`` (arcsec), shape of ``x``."""
    u, v, phi, q, Rs, norm = _setup(x, y, p)
    f_u, f_v = cse.deflection(u, v, TABLE, q)
    f_x, f_y = from_major_axis_frame(f_u, f_v, phi)
    return norm / Rs * f_x, norm / Rs * f_y


def hessian(
    x: ArrayLike, y: ArrayLike, p: Params, opts: Options = None
) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    """``(f_xx, f_xy, f_yx, f_yy)`` (dimensionless), closed form."""
    u, v, phi, q, Rs, norm = _setup(x, y, p)
    f_uu, f_uv, f_vv = cse.hessian(u, v, TABLE, q)
    f_xx, f_xy, f_yy = cse.rotate_hessian(f_uu, f_uv, f_vv, phi)
    scale = norm / Rs**2
    return scale * f_xx, scale * f_xy, scale * f_xy, scale * f_yy
