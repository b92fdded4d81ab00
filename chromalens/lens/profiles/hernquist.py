"""HERNQUIST: spherical Hernquist (1990, ApJ 356, 359) profile, projected (Keeton 2001,
astro-ph/0102341, eqs. 47-50).

``rho(r) = rho0 / ((r/Rs) (1 + r/Rs)^3)`` with ``sigma0 = rho0 Rs`` (deflection at ``R = Rs`` is
``2/3 sigma0 Rs``). With ``X = R / Rs`` and ``F0``, ``F = (1 - F0)/(X^2 - 1)`` from
``_projection``::

    alpha = 2 sigma0 Rs X F(X) (x, y) / R
    psi   = sigma0 Rs^2 (ln(X^2 / 4) + 2 F0(X)) = 2 sigma0 Rs^2 g(X),  g = ln(X/2) + F0

Floors as the reference (lenstronomy ``Hernquist``, array inputs): ``R >= 1e-5`` arcsec, and
``X >= 1e-5`` inside ``F`` and ``F0`` (not in the other factors).

Hessian: the reference takes a central finite difference of the deflection (step 1e-5); here it
is the exact Jacobian of the deflection, in closed form from the radial derivative of
``alpha(R)`` (compatibility policy item 4): equal to the reference to its own accuracy (~1e-9).

==========  ========  ===========================================================
name        unit      meaning
==========  ========  ===========================================================
sigma0      --        convergence normalisation ``rho0 Rs`` (lensing units)
Rs          arcsec    Hernquist scale radius
center_x    arcsec    centre, first coordinate (default 0)
center_y    arcsec    centre, second coordinate (default 0)
==========  ========  ===========================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp

from chromalens import fastmath

from ._projection import nfw_kappa_function, nfw_mass_function

PARAM_NAMES = ("sigma0", "Rs", "center_x", "center_y")
DEFAULTS = {"center_x": 0.0, "center_y": 0.0}

ArrayLike = Any
Params = Mapping[str, Any]
Options = Mapping[str, Any] | None

#: the reference's floors of R (arcsec) and of X = R / Rs inside F and F0
R_MIN = 1e-5
X_MIN = 1e-5


def _radius(dx, dy):
    return jnp.sqrt(jnp.maximum(dx * dx + dy * dy, R_MIN * R_MIN))


def _radial_deflection(R, sigma0, Rs):
    """Modulus of the deflection (arcsec) at floored radius ``R``."""
    X = R / Rs
    return 2.0 * sigma0 * Rs * X * nfw_kappa_function(jnp.maximum(X, X_MIN))


def potential(x: ArrayLike, y: ArrayLike, p: Params, opts: Options = None) -> jax.Array:
    """Lensing potential (arcsec^2), shape of ``x``."""
    dx, dy = x - p["center_x"], y - p["center_y"]
    Rs = p["Rs"]
    X = _radius(dx, dy) / Rs
    X_floored = jnp.maximum(X, X_MIN)
    # ln(X^2/4) + 2 F0(X_floored) = 2 g(X_floored) + 2 ln(X / X_floored), without cancellation
    return 2.0 * p["sigma0"] * Rs**2 * (nfw_mass_function(X_floored) + fastmath.log(X / X_floored))


def deflection(
    x: ArrayLike, y: ArrayLike, p: Params, opts: Options = None
) -> tuple[jax.Array, jax.Array]:
    """Deflection ``(alpha_x, alpha_y)`` (arcsec), shape of ``x``."""
    dx, dy = x - p["center_x"], y - p["center_y"]
    R = _radius(dx, dy)
    scale = _radial_deflection(R, p["sigma0"], p["Rs"]) / R
    return scale * dx, scale * dy


def hessian(
    x: ArrayLike, y: ArrayLike, p: Params, opts: Options = None
) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    """``(f_xx, f_xy, f_yx, f_yy)``: exact Jacobian of ``deflection``."""
    dx, dy = x - p["center_x"], y - p["center_y"]
    r2 = dx * dx + dy * dy
    outside = r2 > R_MIN * R_MIN
    R = jnp.sqrt(jnp.where(outside, r2, R_MIN * R_MIN))
    alpha, d_alpha = jax.jvp(
        lambda r: _radial_deflection(r, p["sigma0"], p["Rs"]), (R,), (jnp.ones_like(R),)
    )
    # inside the floor the deflection is alpha(R_MIN) (dx, dy) / R_MIN: isotropic Jacobian
    d_alpha = jnp.where(outside, d_alpha, alpha / R)
    radial = (d_alpha - alpha / R) / (R * R)
    isotropic = alpha / R
    f_xy = radial * dx * dy
    return isotropic + radial * dx * dx, f_xy, f_xy, isotropic + radial * dy * dy
