"""MULTIPOLE: circular multipole perturbation of order m (Xu et al. 2013, MNRAS 437, 3441, app. B;
arXiv:1307.4220; m = 1 term as in the reference, after Paugnat & Gilman 2025).

In polar coordinates ``(r, phi)`` about the centre:

* ``m >= 2``: ``psi = r a_m/(1 - m^2) cos(m (phi - phi_m))``, convergence
  ``kappa = a_m cos(m (phi - phi_m)) / (2 r)``; deflection independent of ``r``.
* ``m = 1``: ``psi = r ln(r / r_E) a_m/2 cos(phi - phi_m)`` with ``r`` floored at 1e-6.

The Hessian is the closed form (``r`` floored at 1e-6, as the reference). ``m`` may be a traced
value: both branches are computed and selected with ``where`` (no Python branch on values).

==========  ======  ====================================================
name        unit    meaning
==========  ======  ====================================================
m           --      multipole order (integer >= 1)
a_m         arcsec  multipole strength
phi_m       rad     multipole orientation
center_x    arcsec  centre, first coordinate (default 0)
center_y    arcsec  centre, second coordinate (default 0)
r_E         arcsec  reference radius of the m = 1 logarithm (default 1)
==========  ======  ====================================================
"""

from __future__ import annotations

import jax.numpy as jnp

from chromalens import fastmath

from ._geometry import safe_atan2, safe_hypot

PARAM_NAMES = ("m", "a_m", "phi_m", "center_x", "center_y", "r_E")
DEFAULTS = {"center_x": 0.0, "center_y": 0.0, "r_E": 1.0}

#: the reference's radius floor (arcsec) for the m = 1 term and the Hessians
R_FLOOR = 1e-6


def _polar(x, y, center_x, center_y):
    dx, dy = x - center_x, y - center_y
    return safe_hypot(dx, dy), safe_atan2(dy, dx)


def _order_factor(m):
    """``1/(1 - m^2)``, finite (0) at ``m = 1`` where the m >= 2 branch is not used."""
    denominator = 1.0 - m * m
    nonzero = denominator != 0
    return jnp.where(nonzero, 1.0 / jnp.where(nonzero, denominator, 1.0), 0.0)


def _select(m, first, higher):
    """Branch on the order: in Python for a static int ``m``, elementwise for a traced one."""
    if isinstance(m, int):
        return first() if m == 1 else higher()
    return jnp.where(m == 1, first(), higher())


def potential_polar(r, phi, m, a_m, phi_m, r_E):
    """Potential at polar coordinates about the centre (arcsec^2)."""

    def first():
        r1 = jnp.maximum(r, R_FLOOR)
        return r1 * fastmath.log(r1 / r_E) * a_m / 2.0 * jnp.cos(phi - phi_m)

    def higher():
        return r * a_m * _order_factor(m) * jnp.cos(m * (phi - phi_m))

    return _select(m, first, higher)


def deflection_polar(r, phi, m, a_m, phi_m, r_E):
    """Deflection ``(alpha_x, alpha_y)`` (arcsec) at polar coordinates about the centre."""
    cos, sin = jnp.cos(phi), jnp.sin(phi)

    def first():
        log_r = fastmath.log(jnp.maximum(r, R_FLOOR) / r_E)
        return jnp.stack([
            a_m / 2.0 * (jnp.cos(phi_m) * log_r + jnp.cos(phi - phi_m) * cos),
            a_m / 2.0 * (jnp.sin(phi_m) * log_r + jnp.cos(phi - phi_m) * sin),
        ])

    def higher():
        factor = a_m * _order_factor(m)
        angular_cos = jnp.cos(m * (phi - phi_m))
        angular_sin = m * jnp.sin(m * (phi - phi_m))
        return jnp.stack([
            factor * (cos * angular_cos + sin * angular_sin),
            factor * (sin * angular_cos - cos * angular_sin),
        ])

    alpha = _select(m, first, higher)
    return alpha[0], alpha[1]


def hessian_polar(r, phi, m, a_m, phi_m):
    """``(f_xx, f_xy, f_yx, f_yy)`` at polar coordinates about the centre."""
    r = jnp.maximum(r, R_FLOOR)
    cos, sin = jnp.cos(phi), jnp.sin(phi)

    def first():
        scale = a_m / (2.0 * r)
        cos_diff = jnp.cos(phi - phi_m)
        return jnp.stack([
            scale * (2.0 * jnp.cos(phi_m) * cos - cos_diff * jnp.cos(2.0 * phi)),
            scale * (jnp.sin(phi + phi_m) - cos_diff * jnp.sin(2.0 * phi)),
            scale * (2.0 * jnp.sin(phi_m) * sin + cos_diff * jnp.cos(2.0 * phi)),
        ])

    def higher():
        radial = a_m * jnp.cos(m * (phi - phi_m)) / r
        return jnp.stack([sin * sin * radial, -cos * sin * radial, cos * cos * radial])

    f_xx, f_xy, f_yy = _select(m, first, higher)
    return f_xx, f_xy, f_xy, f_yy


def potential(x, y, p, opts=None):
    """Lensing potential (arcsec^2)."""
    r, phi = _polar(x, y, p["center_x"], p["center_y"])
    return potential_polar(r, phi, p["m"], p["a_m"], p["phi_m"], p["r_E"])


def deflection(x, y, p, opts=None):
    """Deflection ``(alpha_x, alpha_y)`` (arcsec)."""
    r, phi = _polar(x, y, p["center_x"], p["center_y"])
    return deflection_polar(r, phi, p["m"], p["a_m"], p["phi_m"], p["r_E"])


def hessian(x, y, p, opts=None):
    """``(f_xx, f_xy, f_yx, f_yy)`` (closed form)."""
    r, phi = _polar(x, y, p["center_x"], p["center_y"])
    return hessian_polar(r, phi, p["m"], p["a_m"], p["phi_m"])
