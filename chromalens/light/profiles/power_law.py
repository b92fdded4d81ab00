"""POWER_LAW (light): an elliptical power-law surface-brightness profile.

Source: the projected power-law (singular power-law ellipsoid) density, e.g. Barkana 1998
(ApJ 502, 531); reference: lenstronomy ``LightModel/Profiles/power_law.py``::

    I(x, y) = amp * (R^2 + s^2)^((1 - gamma) / 2),   s = 1e-4 arcsec,

with ``R`` the product-average elliptical radius ``sqrt(q x_maj^2 + y_min^2 / q)``. The fixed
softening ``s`` keeps the cusp finite at ``R = 0`` (values and gradients, since ``R`` enters
only through ``R^2``). The total flux diverges for ``gamma <= 3`` and the reference does not
define it (``total_flux`` raises ``ValueError``).

==========  =====================  =============================================
name        unit                   meaning
==========  =====================  =============================================
amp         flux / arcsec^(3-g)    surface brightness at ``R = 1`` arcsec
gamma       --                     projected slope: ``I ~ R^(1 - gamma)``
e1, e2      --                     complex ellipticity
center_x    arcsec                 centre, first coordinate (default 0)
center_y    arcsec                 centre, second coordinate (default 0)
==========  =====================  =============================================
"""

from __future__ import annotations

import jax.numpy as jnp

from chromalens.ellipticity import product_average_coordinates

NAME = "POWER_LAW"
PARAM_NAMES: tuple[str, ...] = ("amp", "gamma", "e1", "e2", "center_x", "center_y")
DEFAULTS: dict[str, float] = {"center_x": 0.0, "center_y": 0.0}
OPTIONS: dict = {}

#: the reference's softening length (arcsec)
SOFTENING = 1e-4


def _unit(x, y, p: dict):
    dx, dy = product_average_coordinates(
        jnp.asarray(x), jnp.asarray(y), p["e1"], p["e2"], p["center_x"], p["center_y"]
    )
    radius2 = dx * dx + dy * dy + SOFTENING**2
    return radius2 ** ((1.0 - p["gamma"]) / 2.0)


def num_linear(p: dict, opts: dict | None = None) -> int:
    """One linear coefficient (``amp``)."""
    return 1


def basis(x, y, p: dict, opts: dict | None = None):
    """Profile at ``amp = 1``, shape ``(1, *x.shape)``."""
    return _unit(x, y, p)[None]


def surface_brightness(x, y, p: dict, opts: dict | None = None):
    """Surface brightness (flux / arcsec^2), like ``x``."""
    return p["amp"] * _unit(x, y, p)


def total_flux(p: dict, opts: dict | None = None):
    """Not defined by the reference (the flux diverges): raises ``ValueError``."""
    raise ValueError(f"profile {NAME} does not support flux normalization (as the reference)")
