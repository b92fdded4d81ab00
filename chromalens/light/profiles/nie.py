"""NIE (light): the non-singular isothermal ellipse as a surface-brightness profile.

Source: Kormann, Schneider & Bartelmann 1994 (A&A 284, 285); Keeton & Kochanek 1998
(arXiv:astro-ph/9705194), the convergence of their NIE lens, here with an amplitude::

    I(x, y) = amp / 2 / sqrt(s_scale^2 + R^2),

with ``R`` the product-average elliptical radius ``sqrt(q x_maj^2 + y_min^2 / q)``
(reference: lenstronomy ``LightModel/Profiles/nie.py``). The total flux diverges and the
reference does not define it (``total_flux`` raises ``ValueError``).

For ``s_scale = 0`` the profile is singular at the centre; there ``s_scale^2 + R^2`` is floored
at ``1e-20`` arcsec^2 (the reference returns ``inf``), so values and gradients stay finite.

==========  ===============  ===================================================
name        unit             meaning
==========  ===============  ===================================================
amp         flux / arcsec    normalisation: ``I = amp / (2 R)`` for ``R >> s_scale``
e1, e2      --               complex ellipticity
s_scale     arcsec           core (smoothing) radius
center_x    arcsec           centre, first coordinate (default 0)
center_y    arcsec           centre, second coordinate (default 0)
==========  ===============  ===================================================
"""

from __future__ import annotations

import jax.numpy as jnp

from chromalens.ellipticity import product_average_coordinates

NAME = "NIE"
PARAM_NAMES: tuple[str, ...] = ("amp", "e1", "e2", "s_scale", "center_x", "center_y")
DEFAULTS: dict[str, float] = {"center_x": 0.0, "center_y": 0.0}
OPTIONS: dict = {}

#: floor of ``s_scale^2 + R^2`` (arcsec^2) that keeps the singular centre finite
CORE_FLOOR = 1e-20


def unit_nie(x, y, e1, e2, s_scale, center_x, center_y):
    """``1 / (2 sqrt(s_scale^2 + R^2))`` with the product-average radius ``R`` (1/arcsec)."""
    dx, dy = product_average_coordinates(jnp.asarray(x), jnp.asarray(y), e1, e2, center_x, center_y)
    core2 = jnp.maximum(s_scale**2 + dx * dx + dy * dy, CORE_FLOOR)
    return 0.5 / jnp.sqrt(core2)


def num_linear(p: dict, opts: dict | None = None) -> int:
    """One linear coefficient (``amp``)."""
    return 1


def basis(x, y, p: dict, opts: dict | None = None):
    """Profile at ``amp = 1``, shape ``(1, *x.shape)``."""
    return unit_nie(x, y, p["e1"], p["e2"], p["s_scale"], p["center_x"], p["center_y"])[None]


def surface_brightness(x, y, p: dict, opts: dict | None = None):
    """Surface brightness (flux / arcsec^2), like ``x``."""
    return p["amp"] * unit_nie(x, y, p["e1"], p["e2"], p["s_scale"], p["center_x"], p["center_y"])


def total_flux(p: dict, opts: dict | None = None):
    """Not defined by the reference (the flux diverges): raises ``ValueError``."""
    raise ValueError(f"profile {NAME} does not support flux normalization (as the reference)")
