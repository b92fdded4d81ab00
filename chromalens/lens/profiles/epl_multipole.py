"""EPL_MULTIPOLE_M3M4: EPL plus circular m = 3 and m = 4 multipoles sharing its centre.

EPL of Tessore & Metcalf (2015) (see ``epl``) plus two ``MULTIPOLE`` terms (Xu et al. 2013) with
strengths ``a_m = a{m}_a theta_E / sqrt(q)`` and orientations ``phi_m = phi + delta_phi_m{m}``,
where ``(phi, q)`` are the EPL's position angle and axis ratio (reference convention).

============  ======  ======================================================
name          unit    meaning
============  ======  ======================================================
theta_E       arcsec  Einstein radius
gamma         --      3-d logarithmic density slope
e1, e2        --      ellipticity components
center_x      arcsec  centre, first coordinate (default 0)
center_y      arcsec  centre, second coordinate (default 0)
a3_a          --      m = 3 strength relative to theta_E / sqrt(q)
delta_phi_m3  rad     m = 3 orientation relative to the EPL position angle
a4_a          --      m = 4 strength relative to theta_E / sqrt(q)
delta_phi_m4  rad     m = 4 orientation relative to the EPL position angle
============  ======  ======================================================
"""

from __future__ import annotations

import jax.numpy as jnp

from . import epl, multipole
from ._geometry import ellipticity_to_phi_q

PARAM_NAMES = (
    "theta_E", "gamma", "e1", "e2", "center_x", "center_y",
    "a3_a", "delta_phi_m3", "a4_a", "delta_phi_m4",
)
DEFAULTS = {"center_x": 0.0, "center_y": 0.0}

#: the multipole orders of this profile
ORDERS = (3, 4)


def multipole_terms(p, orders):
    """``[(m, a_m, phi_m, r_E), ...]`` of the multipoles attached to an EPL."""
    phi, q = ellipticity_to_phi_q(p["e1"], p["e2"])
    scale = p["theta_E"] / jnp.sqrt(q)
    return [
        (m, p[f"a{m}_a"] * scale, phi + p[f"delta_phi_m{m}"], p["theta_E"] if m == 1 else 1.0)
        for m in orders
    ]


def _polar(x, y, p):
    return multipole._polar(x, y, p["center_x"], p["center_y"])


def combined_potential(x, y, p, opts, orders):
    """EPL plus the given circular multipoles: potential (arcsec^2)."""
    r, phi = _polar(x, y, p)
    total = epl.potential(x, y, p, opts)
    for m, a_m, phi_m, r_E in multipole_terms(p, orders):
        total = total + multipole.potential_polar(r, phi, m, a_m, phi_m, r_E)
    return total


def combined_deflection(x, y, p, opts, orders):
    """EPL plus the given circular multipoles: deflection (arcsec)."""
    r, phi = _polar(x, y, p)
    alpha_x, alpha_y = epl.deflection(x, y, p, opts)
    for m, a_m, phi_m, r_E in multipole_terms(p, orders):
        ax, ay = multipole.deflection_polar(r, phi, m, a_m, phi_m, r_E)
        alpha_x, alpha_y = alpha_x + ax, alpha_y + ay
    return alpha_x, alpha_y


def combined_hessian(x, y, p, opts, orders):
    """EPL plus the given circular multipoles: Hessian (closed forms)."""
    r, phi = _polar(x, y, p)
    total = list(epl.hessian(x, y, p, opts))
    for m, a_m, phi_m, _ in multipole_terms(p, orders):
        parts = multipole.hessian_polar(r, phi, m, a_m, phi_m)
        total = [t + part for t, part in zip(total, parts, strict=True)]
    return tuple(total)


def potential(x, y, p, opts=None):
    """Lensing potential (arcsec^2)."""
    return combined_potential(x, y, p, opts, ORDERS)


def deflection(x, y, p, opts=None):
    """Deflection ``(alpha_x, alpha_y)`` (arcsec)."""
    return combined_deflection(x, y, p, opts, ORDERS)


def hessian(x, y, p, opts=None):
    """``(f_xx, f_xy, f_yx, f_yy)`` (closed form)."""
    return combined_hessian(x, y, p, opts, ORDERS)
