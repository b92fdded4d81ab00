"""NFW: spherical Navarro, Frenk & White (1997) halo, projected (Golse & Kneib 2002;
Keeton 2001, astro-ph/0102341, eqs. 47-54).

``rho(r) = rho0 / ((r/Rs) (1 + r/Rs)^2)``, normalised by the deflection at ``R = Rs``:
``rho0 = alpha_Rs / (4 Rs^2 (1 + ln 1/2))``. With ``X = R / Rs`` and the functions of
``_projection`` (``F = (1 - F0)/(X^2 - 1)``, ``g = ln(X/2) + F0``,
``h = ln^2(X/2) - (1 - X^2) F0^2``)::

    kappa = 2 rho0 Rs F(X)
    alpha = 4 rho0 Rs g(X) / X^2 (x, y)
    psi   = 2 rho0 Rs^3 h(X)
    gamma = 2 rho0 Rs (2 g(X) / X^2 - F(X))

Floors as the reference (lenstronomy ``NFW``, array inputs): ``Rs >= 1e-7`` (after ``rho0`` is
computed from the unfloored ``Rs``); deflection ``R >= 1e-8`` and ``X >= 1e-6``; potential
``X >= 1e-6``; Hessian: convergence at the unfloored ``R`` (``X = 0`` read as ``X = 1e-7``), shear
with ``R >= 1e-6`` and ``X >= 1e-6``. The Hessian is the closed form
``kappa + gamma`` of the reference, written with those floors (inside ``R < 1e-6`` it is the
reference's formula, not the Jacobian of the floored deflection).

Profile option ``interpol`` (default False) with ``num_interp_X`` (1000) and ``max_interp_X``
(10): as the reference, ``F``, ``g`` and ``h`` are then linearly interpolated on
``linspace(0, max_interp_X, num_interp_X)`` and are 0 beyond ``max_interp_X`` (see
``_interpolated`` for the reference's first node); the floors on ``X`` are then not applied.

==========  ======  ===========================================================
name        unit    meaning
==========  ======  ===========================================================
Rs          arcsec  scale radius (turn-over of the 3D slope)
alpha_Rs    arcsec  deflection at projected radius ``Rs``
center_x    arcsec  centre, first coordinate (default 0)
center_y    arcsec  centre, second coordinate (default 0)
==========  ======  ===========================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp

from ._geometry import safe_sqrt
from ._projection import nfw_kappa_function, nfw_mass_function, nfw_potential_function

PARAM_NAMES = ("Rs", "alpha_Rs", "center_x", "center_y")
DEFAULTS = {"center_x": 0.0, "center_y": 0.0}

ArrayLike = Any
Params = Mapping[str, Any]
Options = Mapping[str, Any] | None

#: floors of the reference (arcsec, arcsec, arcsec, dimensionless)
RS_MIN = 1e-7
R_MIN_DEFLECTION = 1e-8
R_MIN_HESSIAN = 1e-6
X_MIN = 1e-6
#: the reference evaluates the convergence function at X = 0 as at X = 1e-7
X_KAPPA_AT_ZERO = 1e-7

#: 1 + ln(1/2): g(1), the NFW mass function at X = 1
G_AT_ONE = 1.0 + math.log(0.5)


def alpha_to_rho0(alpha_Rs, Rs):
    """Density normalisation ``rho0`` (arcsec^-1, lensing units) from ``alpha_Rs`` and ``Rs``."""
    return alpha_Rs / (4.0 * Rs**2 * G_AT_ONE)


def _floored_radius(dx, dy, r_min):
    """``max(sqrt(dx^2 + dy^2), r_min)`` with finite gradients at the centre."""
    r2 = dx * dx + dy * dy
    return jnp.sqrt(jnp.maximum(r2, r_min * r_min))


def _interpolated(function: Callable, opts: Mapping[str, Any]) -> Callable:
    """Linear interpolation of ``function`` on the reference's grid (0 outside the grid).

    As the reference: the grid is ``linspace(0, max_interp_X, num_interp_X)``; for ``g`` and
    ``h`` its first node is moved to ``X = 1e-6`` (so 0 is returned below it); ``F(0)`` is
    tabulated as ``F`` at ``1e-7`` with ``sqrt(1 - X^2)`` set to 1.
    """
    num = int(opts.get("num_interp_X", 1000))
    x_max = float(opts.get("max_interp_X", 10))
    grid = jnp.linspace(0.0, x_max, num)
    if function is nfw_kappa_function:
        table = function(jnp.where(grid > 0, grid, 1.0))
        c = X_KAPPA_AT_ZERO
        table = table.at[0].set(-(1.0 - 2.0 * math.atanh(math.sqrt((1.0 - c) / (1.0 + c)))))
    else:
        grid = jnp.maximum(grid, X_MIN)
        table = function(grid)

    def interpolate(X):
        return jnp.interp(X, grid, table, left=0.0, right=0.0)

    return interpolate


def _functions(opts: Mapping[str, Any] | None):
    opts = opts or {}
    if opts.get("interpol", False):
        return (
            _interpolated(nfw_kappa_function, opts),
            _interpolated(nfw_mass_function, opts),
            _interpolated(nfw_potential_function, opts),
            True,
        )
    return nfw_kappa_function, nfw_mass_function, nfw_potential_function, False


def _setup(x, y, p):
    rho0 = alpha_to_rho0(p["alpha_Rs"], p["Rs"])
    Rs = jnp.maximum(p["Rs"], RS_MIN)
    return rho0, Rs, x - p["center_x"], y - p["center_y"]


def potential(x: ArrayLike, y: ArrayLike, p: Params, opts: Options = None) -> jax.Array:
    """Lensing potential (arcsec^2), shape of ``x``."""
    _, _, h_function, interpol = _functions(opts)
    rho0, Rs, dx, dy = _setup(x, y, p)
    X = safe_sqrt(dx * dx + dy * dy) / Rs
    if not interpol:
        X = jnp.maximum(X, X_MIN)
    return 2.0 * rho0 * Rs**3 * h_function(X)


def deflection(
    x: ArrayLike, y: ArrayLike, p: Params, opts: Options = None
) -> tuple[jax.Array, jax.Array]:
    """Deflection ``(alpha_x, alpha_y)`` (arcsec), shape of ``x``."""
    _, g_function, _, interpol = _functions(opts)
    rho0, Rs, dx, dy = _setup(x, y, p)
    X = _floored_radius(dx, dy, R_MIN_DEFLECTION) / Rs
    if not interpol:
        X = jnp.maximum(X, X_MIN)
    scale = 4.0 * rho0 * Rs * g_function(X) / X**2
    return scale * dx, scale * dy


def hessian(
    x: ArrayLike, y: ArrayLike, p: Params, opts: Options = None
) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    """``(f_xx, f_xy, f_yx, f_yy)`` (dimensionless), closed form ``kappa + gamma``."""
    F_function, g_function, _, interpol = _functions(opts)
    rho0, Rs, dx, dy = _setup(x, y, p)
    # convergence at the unfloored radius; the reference evaluates F(0) as F(1e-7)
    X_kappa = safe_sqrt(dx * dx + dy * dy) / Rs
    if not interpol:
        X_kappa = jnp.where(X_kappa > 0, X_kappa, X_KAPPA_AT_ZERO)
    kappa = 2.0 * rho0 * Rs * F_function(X_kappa)
    R = _floored_radius(dx, dy, R_MIN_HESSIAN)
    X = R / Rs
    if not interpol:
        X = jnp.maximum(X, X_MIN)
    shear = 2.0 * rho0 * Rs * (2.0 * g_function(X) / X**2 - F_function(X))
    R2 = R * R
    gamma1 = shear * (dy * dy - dx * dx) / R2
    gamma2 = -2.0 * shear * dx * dy / R2
    return kappa + gamma1, gamma2, gamma2, kappa - gamma1
