"""PJAFFE: spherical pseudo-Jaffe / dual pseudo-isothermal profile (Eliasdottir et al. 2007,
arXiv:0710.5636, appendix A).

``rho(r) = rho0 / ((1 + r^2/Ra^2) (1 + r^2/Rs^2))`` with ``Rs > Ra``; in lensing units
``sigma0 = pi rho0 Ra Rs / (Ra + Rs)``::

    kappa = sigma0 Ra Rs / (Rs - Ra) (1/sqrt(Ra^2 + R^2) - 1/sqrt(Rs^2 + R^2))
    alpha = 2 sigma0 Ra Rs / (Rs - Ra) f(R/Ra, R/Rs) (x, y) / R
    f(u, v) = u / (1 + sqrt(1 + u^2)) - v / (1 + sqrt(1 + v^2))
    psi   = -2 sigma0 Ra Rs / (Rs - Ra) (sqrt(Rs^2 + R^2) - sqrt(Ra^2 + R^2)
            + Ra ln(Ra + sqrt(Ra^2 + R^2)) - Rs ln(Rs + sqrt(Rs^2 + R^2)))

As the reference (lenstronomy ``PseudoJaffe``): ``Ra`` and ``Rs`` are swapped if ``Ra >= Rs``;
then ``Ra >= 1e-8`` and, if ``Rs < Ra + 1e-8``, ``Rs`` is increased by 2e-8. Deflection and
Hessian floor ``R`` at 1e-4 arcsec (the Hessian is the reference's closed form ``kappa + gamma``
with that floor); the potential is not floored.

==========  ======  ===========================================================
name        unit    meaning
==========  ======  ===========================================================
sigma0      --      central convergence normalisation ``Sigma0 / Sigma_crit``
Ra          arcsec  core radius
Rs          arcsec  transition radius (log slope -2 to -4)
center_x    arcsec  centre, first coordinate (default 0)
center_y    arcsec  centre, second coordinate (default 0)
==========  ======  ===========================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp

from chromalens import fastmath

PARAM_NAMES = ("sigma0", "Ra", "Rs", "center_x", "center_y")
DEFAULTS = {"center_x": 0.0, "center_y": 0.0}

ArrayLike = Any
Params = Mapping[str, Any]
Options = Mapping[str, Any] | None

#: the reference's floors: R (arcsec) in deflection and Hessian, Ra (arcsec), Rs - Ra (arcsec)
R_MIN = 1e-4
RA_MIN = 1e-8
SEPARATION_MIN = 1e-8


def sort_radii(Ra, Rs):
    """The reference's ordering and floors of ``(Ra, Rs)`` (see module docstring)."""
    Ra, Rs = jnp.minimum(Ra, Rs), jnp.maximum(Ra, Rs)
    Ra = jnp.maximum(Ra, RA_MIN)
    Rs = jnp.where(Rs < Ra + SEPARATION_MIN, Rs + 2.0 * SEPARATION_MIN, Rs)
    return Ra, Rs


def _setup(x, y, p):
    Ra, Rs = sort_radii(p["Ra"], p["Rs"])
    dx, dy = x - p["center_x"], y - p["center_y"]
    return p["sigma0"] * Ra * Rs / (Rs - Ra), Ra, Rs, dx, dy


def potential(x: ArrayLike, y: ArrayLike, p: Params, opts: Options = None) -> jax.Array:
    """Lensing potential (arcsec^2), shape of ``x``."""
    norm, Ra, Rs, dx, dy = _setup(x, y, p)
    r2 = dx * dx + dy * dy
    root_a = jnp.sqrt(Ra * Ra + r2)
    root_s = jnp.sqrt(Rs * Rs + r2)
    return -2.0 * norm * (root_s - root_a + Ra * fastmath.log(Ra + root_a)
                          - Rs * fastmath.log(Rs + root_s))


def _floored_radius(dx, dy):
    return jnp.sqrt(jnp.maximum(dx * dx + dy * dy, R_MIN * R_MIN))


def deflection(
    x: ArrayLike, y: ArrayLike, p: Params, opts: Options = None
) -> tuple[jax.Array, jax.Array]:
    """Deflection ``(alpha_x, alpha_y)`` (arcsec), shape of ``x``."""
    norm, Ra, Rs, dx, dy = _setup(x, y, p)
    R = _floored_radius(dx, dy)
    u, v = R / Ra, R / Rs
    f = u / (1.0 + jnp.sqrt(1.0 + u * u)) - v / (1.0 + jnp.sqrt(1.0 + v * v))
    scale = 2.0 * norm * f / R
    return scale * dx, scale * dy


def hessian(
    x: ArrayLike, y: ArrayLike, p: Params, opts: Options = None
) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    """``(f_xx, f_xy, f_yx, f_yy)`` (dimensionless), closed form ``kappa + gamma``."""
    norm, Ra, Rs, dx, dy = _setup(x, y, p)
    R = _floored_radius(dx, dy)
    R2 = R * R
    root_a = jnp.sqrt(Ra * Ra + R2)
    root_s = jnp.sqrt(Rs * Rs + R2)
    kappa_shape = 1.0 / root_a - 1.0 / root_s
    kappa = norm * kappa_shape
    shear = norm * (2.0 * (1.0 / (Ra + root_a) - 1.0 / (Rs + root_s)) - kappa_shape)
    gamma1 = shear * (dy * dy - dx * dx) / R2
    gamma2 = -2.0 * shear * dx * dy / R2
    return kappa + gamma1, gamma2, gamma2, kappa - gamma1
