"""HERNQUIST and HERNQUIST_ELLIPSE: the projected Hernquist profile as a light distribution.

Source: Hernquist 1990, ApJ 356, 359, eq. (32)-(33); the form used is that of Keeton 2001
(arXiv:astro-ph/0102341, eq. 48 for ``F``). With ``X = R / Rs``::

    I(R) = amp / (X^2 - 1)^2 * [-3 + (2 + X^2) F(X)],
    F(X) = atanh(sqrt(1 - X^2)) / sqrt(1 - X^2)   (X < 1),
           atan(sqrt(X^2 - 1)) / sqrt(X^2 - 1)    (X > 1),

the line-of-sight integral of the 3D density ``rho0 / ((r/Rs)(1 + r/Rs)^3)`` with
``rho0 = amp / Rs``. ``R`` is the circular radius (HERNQUIST) or the product-average elliptical
radius ``sqrt(q x_maj^2 + y_min^2/q)`` (HERNQUIST_ELLIPSE). Total flux ``2 pi amp Rs^2``;
the half-light radius is ``Rs / 0.551``.

Numerics (reference: lenstronomy ``LensModel/Profiles/hernquist.py``):

* ``F`` is evaluated at ``max(X, 1e-5)`` (the reference's floor at the centre) while the other
  factors use the unfloored ``X``, so ``I(0)`` is finite and equals the reference's value;
* near ``X = 1`` the closed form cancels catastrophically: its relative error is about
  ``1e-16 / (X^2 - 1)^2`` (above 1e-8 for ``|X - 1| < 5e-5``; the reference substitutes
  ``X = 1.000001`` at exactly 1 and is off by ~5e-4 there). Here ``|X^2 - 1| < 0.2`` uses
  the exact Taylor series in ``t = X^2 - 1``,
  ``I / amp = sum_j (-1)^j 4 (j+1) / (4 (j+2)^2 - 1) t^j`` (``4/15`` at ``X = 1``), accurate to
  round-off. Elsewhere both agree to round-off (compatibility policy 4).
* everything is a function of ``X^2``, so values and gradients are finite at ``R = 0``.

==========  ===============  ===================================================
name        unit             meaning
==========  ===============  ===================================================
amp         flux / arcsec^2  ``sigma0 = rho0 Rs``; ``I(Rs) = 4/15 amp``
Rs          arcsec           Hernquist scale radius
e1, e2      --               complex ellipticity (HERNQUIST_ELLIPSE only)
center_x    arcsec           centre, first coordinate (default 0)
center_y    arcsec           centre, second coordinate (default 0)
==========  ===============  ===================================================
"""

from __future__ import annotations

from types import SimpleNamespace

import jax.numpy as jnp
import numpy as np

from chromalens import fastmath
from chromalens.ellipticity import product_average_coordinates

#: the reference's floor of X = R / Rs inside F(X)
X_FLOOR = 1e-5
#: |X^2 - 1| below which the Taylor series replaces the closed form
SERIES_HALF_WIDTH = 0.2
_SERIES_TERMS = 26
#: Taylor coefficients of [-3 + (3 + t) F] / t^2 in t = X^2 - 1, lowest order first
_SERIES_COEFFICIENTS = tuple(
    float((-1) ** j * 4.0 * (j + 1) / (4.0 * (j + 2) ** 2 - 1.0))
    for j in range(_SERIES_TERMS)
)
_CENTER = {"center_x": 0.0, "center_y": 0.0}


def projected_shape(x2):
    """Dimensionless projected Hernquist profile ``I / amp`` as a function of ``X^2``.

    Parameters
    ----------
    x2 : array
        ``X^2 = (R / Rs)^2 >= 0``.

    Returns
    -------
    array like ``x2``: ``[-3 + (2 + X^2) F(max(X, 1e-5))] / (X^2 - 1)^2``.
    """
    t = x2 - 1.0
    near_one = jnp.abs(t) < SERIES_HALF_WIDTH
    # Taylor series around X = 1 (exact in the limit; no cancellation)
    t_series = jnp.where(near_one, t, 0.0)
    series = fastmath.polynomial(t_series, _SERIES_COEFFICIENTS)
    # closed form away from X = 1, F evaluated at the floored X like the reference
    inside = x2 < 1.0
    x2_floored = jnp.maximum(x2, X_FLOOR**2)
    s_in = jnp.sqrt(jnp.where(inside & ~near_one, 1.0 - x2_floored, 0.5))
    s_out = jnp.sqrt(jnp.where(~inside & ~near_one, x2 - 1.0, 0.5))
    f_of_x = jnp.where(inside, fastmath.arctanh(s_in) / s_in, fastmath.arctan(s_out) / s_out)
    t_closed = jnp.where(near_one, 1.0, t)
    closed = (-3.0 + (2.0 + x2) * f_of_x) / (t_closed * t_closed)
    return jnp.where(near_one, series, closed)


def _unit_profile(x, y, p, elliptical):
    if elliptical:
        dx, dy = product_average_coordinates(x, y, p["e1"], p["e2"], p["center_x"], p["center_y"])
    else:
        dx, dy = x - p["center_x"], y - p["center_y"]
    rs = p["Rs"]
    return projected_shape((dx * dx + dy * dy) / (rs * rs))


def _total_flux(p, opts=None):
    """Total flux ``2 pi amp Rs^2`` (flux units)."""
    return 2.0 * np.pi * p["amp"] * p["Rs"] ** 2


def _make(name: str, elliptical: bool) -> SimpleNamespace:
    shape_params = ("amp", "Rs", "e1", "e2") if elliptical else ("amp", "Rs")

    def basis(x, y, p, opts=None):
        """Profile at ``amp = 1``, shape ``(1, *x.shape)``."""
        return _unit_profile(jnp.asarray(x), jnp.asarray(y), p, elliptical)[None]

    def surface_brightness(x, y, p, opts=None):
        """Surface brightness (flux / arcsec^2), like ``x``."""
        return p["amp"] * _unit_profile(jnp.asarray(x), jnp.asarray(y), p, elliptical)

    return SimpleNamespace(
        NAME=name,
        PARAM_NAMES=(*shape_params, "center_x", "center_y"),
        DEFAULTS=dict(_CENTER),
        OPTIONS={},
        num_linear=lambda p, opts=None: 1,
        basis=basis,
        surface_brightness=surface_brightness,
        total_flux=_total_flux,
    )


PROFILES: dict[str, SimpleNamespace] = {
    "HERNQUIST": _make("HERNQUIST", elliptical=False),
    "HERNQUIST_ELLIPSE": _make("HERNQUIST_ELLIPSE", elliptical=True),
}
