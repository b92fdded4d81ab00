"""Core-Sérsic surface-brightness profile: CORE_SERSIC.

Graham, Erwin, Trujillo & Asensio Ramos (2003, AJ 125, 2951); Trujillo et al. (2004, AJ 127,
1917)::

    I(R) = amp [1 + (R_b / R)^alpha]^(gamma / alpha)
               exp(-b_n [((R^alpha + R_b^alpha) / R_sersic^alpha)^(1 / (alpha n)) - 1]),

with ``b_n = max(1.9992 n - 0.3271, 1e-5)`` (as SERSIC), ``R`` the product-average elliptical
radius (or the major-axis radius with the ``sersic_major_axis`` option) floored at
``smoothing`` (default 1e-4 arcsec). Unlike SERSIC, ``R_sersic`` is not floored and there is no
outer cut. No total flux is defined.

=============  ==================  ====================================================
name           unit                meaning
=============  ==================  ====================================================
amp            flux / arcsec^2     amplitude (the bracketed factors multiply it)
R_sersic       arcsec              half-light radius of the outer Sérsic part
Rb             arcsec              break (core) radius
n_sersic       --                  Sérsic index
gamma          --                  inner power-law slope
e1, e2         --                  complex ellipticity
center_x/y     arcsec              centre (default 0)
alpha          --                  sharpness of the transition (default 3)
max_R_frac     --                  accepted for compatibility, unused (default 1000)
=============  ==================  ====================================================
"""

from __future__ import annotations

import jax.numpy as jnp

from chromalens.light.profiles.sersic import OPTIONS as _SERSIC_OPTIONS
from chromalens.light.profiles.sersic import b_n, elliptical_radius

PARAM_NAMES = ("amp", "R_sersic", "Rb", "n_sersic", "gamma", "e1", "e2", "center_x", "center_y")
DEFAULTS = {"center_x": 0.0, "center_y": 0.0, "alpha": 3.0, "max_R_frac": 1000.0}
OPTIONS = dict(_SERSIC_OPTIONS)


def num_linear(p, opts) -> int:
    """One linear coefficient (``amp``)."""
    return 1


def basis(x, y, p, opts):
    """Profile at ``amp = 1``, shape ``(1, *x.shape)``."""
    radius = elliptical_radius(x, y, p["e1"], p["e2"], p["center_x"], p["center_y"], opts)
    radius = jnp.maximum(radius, opts.get("smoothing", OPTIONS["smoothing"]))
    alpha, rb, n = p["alpha"], p["Rb"], p["n_sersic"]
    inner = (1.0 + (rb / radius) ** alpha) ** (p["gamma"] / alpha)
    scaled = (radius**alpha + rb**alpha) / p["R_sersic"] ** alpha
    outer = jnp.exp(-b_n(n) * (scaled ** (1.0 / (alpha * n)) - 1.0))
    return jnp.nan_to_num(inner * outer)[None]


def surface_brightness(x, y, p, opts):
    """Surface brightness (flux/arcsec^2), shape of ``x``."""
    return jnp.nan_to_num(p["amp"] * basis(x, y, p, opts)[0])


#: the reference defines no total flux for CORE_SERSIC
total_flux = None
