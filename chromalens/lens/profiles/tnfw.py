"""TNFW: NFW halo truncated as ``rho_NFW(r) r_trunc^2 / (r^2 + r_trunc^2)``
(Baltz, Marshall & Oguri 2009, JCAP 01, 015, eqs. A.1-A.8).

Normalisation as NFW, ignoring the truncation: ``rho0 = alpha_Rs / (4 Rs^2 (1 + ln 1/2))``.
With ``x = R / Rs``, ``tau = r_trunc / Rs``, ``F0`` from ``_projection`` and
``L = ln(x / (tau + sqrt(tau^2 + x^2)))`` (Baltz et al. 2009)::

    kappa = 2 rho0 Rs F_t(x, tau)
    alpha = 4 rho0 Rs g_t(x, tau) / x^2 (x, y)
    psi   = 2 rho0 Rs^3 h_t(x, tau)
    gamma = 2 rho0 Rs (2 g_t / x^2 - F_t)

Floors as the reference (lenstronomy ``TNFW``): ``R >= 0.001 Rs`` and ``x >= 0.001`` everywhere
(potential, deflection and the closed-form Hessian ``kappa + gamma``).

==========  ======  ===========================================================
name        unit    meaning
==========  ======  ===========================================================
Rs          arcsec  scale radius
alpha_Rs    arcsec  deflection at ``Rs`` of the untruncated NFW profile
r_trunc     arcsec  truncation radius
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

from ._projection import arc_function, nfw_kappa_function
from .nfw import alpha_to_rho0

PARAM_NAMES = ("Rs", "alpha_Rs", "r_trunc", "center_x", "center_y")
DEFAULTS = {"center_x": 0.0, "center_y": 0.0}

ArrayLike = Any
Params = Mapping[str, Any]
Options = Mapping[str, Any] | None

#: the reference's floor of x = R / Rs
X_MIN = 0.001


def _log_term(x, tau):
    """``L(x, tau) = ln(x / (tau + sqrt(tau^2 + x^2)))``."""
    return fastmath.log(x / (tau + jnp.sqrt(tau * tau + x * x)))


def _kappa_function(x, tau):
    """Projected density in units of ``2 rho0 Rs``."""
    t2 = tau * tau
    root = jnp.sqrt(t2 + x * x)
    f0 = arc_function(x)
    return (
        t2
        / (t2 + 1.0) ** 2
        * (
            (t2 + 1.0) * nfw_kappa_function(x)
            + 2.0 * f0
            - jnp.pi / root
            + (t2 - 1.0) / (tau * root) * _log_term(x, tau)
        )
    )


def _mass_function(x, tau):
    """Enclosed projected mass function ``g_t``: ``alpha = 4 rho0 Rs g_t / x``."""
    t2 = tau * tau
    root = jnp.sqrt(t2 + x * x)
    return (
        t2
        / (t2 + 1.0) ** 2
        * (
            (t2 + 1.0 + 2.0 * (x * x - 1.0)) * arc_function(x)
            + tau * jnp.pi
            + (t2 - 1.0) * fastmath.log(tau)
            + root * (-jnp.pi + _log_term(x, tau) * (t2 - 1.0) / tau)
        )
    )


def _potential_function(x, tau):
    """Potential function ``h_t``: ``psi = 2 rho0 Rs^3 h_t``."""
    u = x * x
    t2 = tau * tau
    root = jnp.sqrt(t2 + u)
    L = _log_term(x, tau)
    f0 = arc_function(x)
    log_tau = fastmath.log(tau)
    return (
        2.0 * t2 * jnp.pi * (tau - root + tau * fastmath.log(tau + root))
        + 2.0 * (t2 - 1.0) * tau * root * L
        + t2 * (t2 - 1.0) * L * L
        + 4.0 * t2 * (u - 1.0) * f0
        + t2 * (t2 - 1.0) * (u - 1.0) * f0 * f0
        + t2 * ((t2 - 1.0) * log_tau - t2 - 1.0) * fastmath.log(u)
        - t2
        * (
            (t2 - 1.0) * log_tau * fastmath.log(4.0 * tau)
            + 2.0 * fastmath.log(0.5 * tau)
            - 2.0 * tau * (tau - jnp.pi) * fastmath.log(2.0 * tau)
        )
    ) / (t2 + 1.0) ** 2


def _setup(x, y, p):
    Rs = p["Rs"]
    rho0 = alpha_to_rho0(p["alpha_Rs"], Rs)
    dx, dy = x - p["center_x"], y - p["center_y"]
    r_min = X_MIN * Rs
    R = jnp.sqrt(jnp.maximum(dx * dx + dy * dy, r_min * r_min))
    xr = jnp.maximum(R / Rs, X_MIN)
    tau = p["r_trunc"] / Rs
    return rho0, Rs, dx, dy, R, xr, tau


def potential(x: ArrayLike, y: ArrayLike, p: Params, opts: Options = None) -> jax.Array:
    """Lensing potential (arcsec^2), shape of ``x``."""
    rho0, Rs, _, _, _, xr, tau = _setup(x, y, p)
    return 2.0 * rho0 * Rs**3 * _potential_function(xr, tau)


def deflection(
    x: ArrayLike, y: ArrayLike, p: Params, opts: Options = None
) -> tuple[jax.Array, jax.Array]:
    """Deflection ``(alpha_x, alpha_y)`` (arcsec), shape of ``x``."""
    rho0, Rs, dx, dy, _, xr, tau = _setup(x, y, p)
    scale = 4.0 * rho0 * Rs * _mass_function(xr, tau) / xr**2
    return scale * dx, scale * dy


def hessian(
    x: ArrayLike, y: ArrayLike, p: Params, opts: Options = None
) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    """``(f_xx, f_xy, f_yx, f_yy)`` (dimensionless), closed form ``kappa + gamma``."""
    rho0, Rs, dx, dy, R, xr, tau = _setup(x, y, p)
    F = _kappa_function(xr, tau)
    kappa = 2.0 * rho0 * Rs * F
    shear = 2.0 * rho0 * Rs * (2.0 * _mass_function(xr, tau) / xr**2 - F)
    R2 = R * R
    gamma1 = shear * (dy * dy - dx * dx) / R2
    gamma2 = -2.0 * shear * dx * dy / R2
    return kappa + gamma1, gamma2, gamma2, kappa - gamma1
