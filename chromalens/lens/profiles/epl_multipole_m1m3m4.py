"""EPL_MULTIPOLE_M1M3M4: EPL plus circular m = 1, 3 and 4 multipoles sharing its centre.

EPL of Tessore & Metcalf (2015) plus three ``MULTIPOLE`` terms (Xu et al. 2013; m = 1 as in the
reference) with strengths ``a_m = a{m}_a theta_E / sqrt(q)``, orientations
``phi_m = phi + delta_phi_m{m}`` and, for m = 1, reference radius ``r_E = theta_E``.

============  ======  ======================================================
name          unit    meaning
============  ======  ======================================================
theta_E       arcsec  Einstein radius
gamma         --      3-d logarithmic density slope
e1, e2        --      ellipticity components
center_x      arcsec  centre, first coordinate (default 0)
center_y      arcsec  centre, second coordinate (default 0)
a1_a          --      m = 1 strength relative to theta_E / sqrt(q)
delta_phi_m1  rad     m = 1 orientation relative to the EPL position angle
a3_a          --      m = 3 strength relative to theta_E / sqrt(q)
delta_phi_m3  rad     m = 3 orientation relative to the EPL position angle
a4_a          --      m = 4 strength relative to theta_E / sqrt(q)
delta_phi_m4  rad     m = 4 orientation relative to the EPL position angle
============  ======  ======================================================
"""

from __future__ import annotations

from .epl_multipole import combined_deflection, combined_hessian, combined_potential

PARAM_NAMES = (
    "theta_E", "gamma", "e1", "e2", "center_x", "center_y",
    "a1_a", "delta_phi_m1", "a3_a", "delta_phi_m3", "a4_a", "delta_phi_m4",
)
DEFAULTS = {"center_x": 0.0, "center_y": 0.0}

#: the multipole orders of this profile
ORDERS = (1, 3, 4)


def potential(x, y, p, opts=None):
    """Lensing potential (arcsec^2)."""
    return combined_potential(x, y, p, opts, ORDERS)


def deflection(x, y, p, opts=None):
    """Deflection ``(alpha_x, alpha_y)`` (arcsec)."""
    return combined_deflection(x, y, p, opts, ORDERS)


def hessian(x, y, p, opts=None):
    """``(f_xx, f_xy, f_yx, f_yy)`` (closed form)."""
    return combined_hessian(x, y, p, opts, ORDERS)
