"""SPP: singular power-law sphere, 3-d density ``rho ~ r^-gamma``.

Convergence ``kappa = (3 - gamma)/2 (theta_E / r)^(gamma - 1)``; deflection
``alpha = theta_E (r / theta_E)^(2 - gamma)`` radially; potential
``psi = 2 E^2 / eta^2 (r / E)^eta`` with ``eta = 3 - gamma``,
``E = theta_E / ((3 - gamma)/2)^(1/(1 - gamma))`` (power-law lens, e.g. Suyu et al. 2013).

Reference quirks kept: the deflection divides by ``max(r^2, 1e-6)^(1/2)`` (so inside
1e-3 arcsec it is not the exact power law), the Hessian replaces ``r^2 = 0`` by 1e-6. At the
exact centre the deflection is 0 (the reference returns NaN for ``gamma > 2``).

==========  ======  ==========================================
name        unit    meaning
==========  ======  ==========================================
theta_E     arcsec  Einstein radius
gamma       --      3-d logarithmic density slope (2 = isothermal)
center_x    arcsec  centre, first coordinate (default 0)
center_y    arcsec  centre, second coordinate (default 0)
==========  ======  ==========================================
"""

from __future__ import annotations

import jax.numpy as jnp

PARAM_NAMES = ("theta_E", "gamma", "center_x", "center_y")
DEFAULTS = {"center_x": 0.0, "center_y": 0.0}

#: the reference's floor on r^2 (arcsec^2)
R2_FLOOR = 1e-6


def _safe_power(base, exponent):
    """``base ** exponent`` for ``base >= 0``, 0 (with finite gradients) at ``base == 0``."""
    positive = base > 0
    return jnp.where(positive, jnp.where(positive, base, 1.0) ** exponent, 0.0)


def _scale_radius(theta_E, gamma):
    return theta_E / ((3.0 - gamma) / 2.0) ** (1.0 / (1.0 - gamma))


def potential(x, y, p, opts=None):
    """Lensing potential (arcsec^2)."""
    dx, dy = x - p["center_x"], y - p["center_y"]
    gamma = p["gamma"]
    e = _scale_radius(p["theta_E"], gamma)
    eta = 3.0 - gamma
    return 2.0 * e * e / (eta * eta) * _safe_power((dx * dx + dy * dy) / (e * e), eta / 2.0)


def deflection(x, y, p, opts=None):
    """Deflection ``(alpha_x, alpha_y)`` (arcsec)."""
    dx, dy = x - p["center_x"], y - p["center_y"]
    theta_E, gamma = p["theta_E"], p["gamma"]
    r2 = dx * dx + dy * dy
    alpha = theta_E * _safe_power(r2 / theta_E**2, 1.0 - gamma / 2.0)
    scale = alpha / jnp.sqrt(jnp.maximum(r2, R2_FLOOR))
    return scale * dx, scale * dy


def hessian(x, y, p, opts=None):
    """``(f_xx, f_xy, f_yx, f_yy)``, closed form."""
    dx, dy = x - p["center_x"], y - p["center_y"]
    gamma = p["gamma"]
    e = _scale_radius(p["theta_E"], gamma)
    eta = 3.0 - gamma
    r2 = dx * dx + dy * dy
    a = jnp.where(r2 == 0, R2_FLOOR, r2)
    power = (a / e**2) ** (eta / 2.0 - 1.0)
    kappa = power / eta * ((eta - 2.0) * r2 / a + 2.0)
    gamma1 = power / eta * ((eta / 2.0 - 1.0) * (2.0 * dx * dx - 2.0 * dy * dy) / a)
    gamma2 = 4.0 * dx * dy * (0.5 - 1.0 / eta) * (a / e**2) ** (eta / 2.0 - 2.0) / e**2
    return kappa + gamma1, gamma2, gamma2, kappa - gamma1
