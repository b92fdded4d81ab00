"""SIE: singular isothermal ellipsoid, the NIE of Keeton & Kochanek (1998) with a negligible core.

As the reference (``SIE(NIE=True)``), the SIE is the NIE with ``s_scale = 1e-10`` arcsec. The
Hessian is the exact Jacobian of the deflection (automatic differentiation); the reference
uses a forward finite difference (see ``nie``), so Hessians agree only to its accuracy.

==========  ======  ===================================================
name        unit    meaning
==========  ======  ===================================================
theta_E     arcsec  Einstein radius (product-averaged / circularised)
e1, e2      --      ellipticity components
center_x    arcsec  centre, first coordinate (default 0)
center_y    arcsec  centre, second coordinate (default 0)
==========  ======  ===================================================
"""

from __future__ import annotations

from .nie import deflection_with_core, potential_with_core

PARAM_NAMES = ("theta_E", "e1", "e2", "center_x", "center_y")
DEFAULTS = {"center_x": 0.0, "center_y": 0.0}

#: the reference's core radius of the SIE (arcsec)
S_SCALE = 1e-10


def deflection(x, y, p, opts=None):
    """Deflection ``(alpha_x, alpha_y)`` (arcsec)."""
    return deflection_with_core(
        x, y, p["theta_E"], p["e1"], p["e2"], S_SCALE, p["center_x"], p["center_y"]
    )


def potential(x, y, p, opts=None):
    """Lensing potential (arcsec^2)."""
    return potential_with_core(
        x, y, p["theta_E"], p["e1"], p["e2"], S_SCALE, p["center_x"], p["center_y"]
    )
