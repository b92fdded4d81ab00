"""CHAMELEON (light): a truncated double isothermal profile, the difference of two NIEs.

Source: Dutton et al. 2011 (MNRAS 417, 1621), Suyu et al. 2014 (ApJ 788, L35); reference:
lenstronomy ``LightModel/Profiles/chameleon.py`` with the parameter conversion of its
``LensModel/Profiles/chameleon.py``::

    I = amp' * [N(s_1) - N(s_2)],   N(s) = 1 / (2 sqrt(s^2 + R^2)),
    s_1 = 2 w_c / (1 + q),   s_2 = 2 w_t / (1 + q),   amp' = amp / [f(w_c) - f(w_t)],

with ``R`` the product-average elliptical radius, ``q`` the axis ratio from ``(e1, e2)`` (capped
at ``|e| = 0.9999``), and ``f(w)`` the deflection at 1 arcsec of a round NIE of unit Einstein
radius and core ``w``. As in the reference, ``f`` is taken from the NIE deflection formula of
Keeton & Kochanek 1998 with the axis ratio nudged to ``q0 = 0.99999999`` (the formula is 0/0 at
``q = 1``): ``f(w) = atan(k / (q0 sqrt(w^2 + 1) + w)) / k``, ``k = sqrt(1 - q0^2)``. For a round
profile ``amp`` is thus (up to that ~1e-9 nudge) the deflection angle 1 arcsec from the centre
that the same profile would produce as a convergence map (the lens CHAMELEON's ``alpha_1``).

The profile is zero where ``w_t < w_c`` (reference behaviour). Where ``w_t = w_c`` the
reference divides 0 by 0; here it returns 0. With ``w_c = 0`` the centre is singular; the NIE
floor (``s^2 + R^2 >= 1e-20``) keeps values and gradients finite.

==========  ===============  ===================================================
name        unit             meaning
==========  ===============  ===================================================
amp         arcsec           deflection at 1 arcsec of the equivalent lens profile
w_c         arcsec           core radius
w_t         arcsec           truncation radius (``w_t > w_c``)
e1, e2      --               complex ellipticity
center_x    arcsec           centre, first coordinate (default 0)
center_y    arcsec           centre, second coordinate (default 0)
==========  ===============  ===================================================
The total flux is not defined by the reference (``total_flux`` raises ``ValueError``).
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from chromalens import fastmath
from chromalens.ellipticity import MAX_ELLIPTICITY_MODULUS, safe_hypot
from chromalens.light.profiles.nie import unit_nie

NAME = "CHAMELEON"
PARAM_NAMES: tuple[str, ...] = ("amp", "w_c", "w_t", "e1", "e2", "center_x", "center_y")
DEFAULTS: dict[str, float] = {"center_x": 0.0, "center_y": 0.0}
OPTIONS: dict = {}

#: the reference's substitute axis ratio for a round NIE in its deflection formula
ROUND_AXIS_RATIO = 0.99999999
_K = math.sqrt(1.0 - ROUND_AXIS_RATIO**2)


def round_nie_deflection_at_one(core):
    """Deflection at (1, 0) arcsec of a round NIE with ``theta_E = 1`` and core ``core`` (arcsec).

    Uses the reference's nudged axis ratio ``q0`` (see the module docstring).
    """
    psi = jnp.sqrt(ROUND_AXIS_RATIO**2 * (core**2 + 1.0))
    return fastmath.arctan(_K / (psi + core)) / _K


def amplitude_and_cores(amp, w_c, w_t, e1, e2):
    """Return ``(amp', s_1, s_2)``: the NIE amplitude and the two core radii (arcsec)."""
    valid = w_t >= w_c
    denominator = round_nie_deflection_at_one(w_c) - round_nie_deflection_at_one(w_t)
    usable = valid & (denominator != 0)
    amp_nie = jnp.where(usable, amp / jnp.where(usable, denominator, 1.0), 0.0)
    c = jnp.minimum(safe_hypot(e1, e2), MAX_ELLIPTICITY_MODULUS)
    # s = 2 w / (1 + q) with q = (1 - c)/(1 + c), i.e. s = w (1 + c)
    scale = 1.0 + c
    s_1 = jnp.where(valid, jnp.abs(w_c) * scale, 1.0)
    s_2 = jnp.where(valid, jnp.abs(w_t) * scale, 1.0)
    return amp_nie, s_1, s_2


def _profile(x, y, p: dict, amp):
    amp_nie, s_1, s_2 = amplitude_and_cores(amp, p["w_c"], p["w_t"], p["e1"], p["e2"])
    args = (p["e1"], p["e2"])
    center = (p["center_x"], p["center_y"])
    inner = unit_nie(x, y, *args, s_1, *center)
    outer = unit_nie(x, y, *args, s_2, *center)
    return amp_nie * (inner - outer)


def num_linear(p: dict, opts: dict | None = None) -> int:
    """One linear coefficient (``amp``)."""
    return 1


def basis(x, y, p: dict, opts: dict | None = None):
    """Profile at ``amp = 1``, shape ``(1, *x.shape)``."""
    return _profile(x, y, p, 1.0)[None]


def surface_brightness(x, y, p: dict, opts: dict | None = None):
    """Surface brightness (flux / arcsec^2), like ``x``."""
    return _profile(x, y, p, p["amp"])


def total_flux(p: dict, opts: dict | None = None):
    """Not defined by the reference: raises ``ValueError``."""
    raise ValueError(f"profile {NAME} does not support flux normalization (as the reference)")
