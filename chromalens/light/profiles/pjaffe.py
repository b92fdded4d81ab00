"""PJAFFE and PJAFFE_ELLIPSE: the projected pseudo-Jaffe profile as a light distribution.

Source: Eliasdottir et al. 2007 (arXiv:0710.5636), eq. (A2)-(A4). The 3D density
``rho0 / ((1 + r^2/Ra^2)(1 + r^2/Rs^2))`` (core radius ``Ra``, truncation radius ``Rs > Ra``)
projects to::

    I(R) = amp * Ra Rs / (Rs - Ra) * [1 / sqrt(Ra^2 + R^2) - 1 / sqrt(Rs^2 + R^2)],

so ``I(0) = amp``. It is evaluated as ``amp Ra Rs (Ra + Rs) / (a b (a + b))`` with
``a = sqrt(Ra^2 + R^2)``, ``b = sqrt(Rs^2 + R^2)``, free of the cancellation of the difference
(the reference's form loses ~1e-7 relative accuracy when ``Rs - Ra ~ 1e-8``).

``R`` is the circular radius (PJAFFE) or, for PJAFFE_ELLIPSE, the reference's *square-average*
elliptical radius ``R^2 = (1 - e) x_maj^2 + (1 + e) y_min^2`` with ``e = (1 - q^2)/(1 + q^2)``
and ``q`` from ``(e1, e2)`` capped at ``|e| = 0.9999`` (note: not the
product average used by most other elliptical light profiles).

Conventions kept for parity with the reference (lenstronomy ``LightModel/Profiles/
pseudo_jaffe.py`` and ``LensModel/Profiles/pseudo_jaffe.py``):

* ``Ra`` and ``Rs`` are swapped if ``Ra >= Rs``; then ``Ra`` is floored at ``1e-8`` and ``Rs``
  is raised by ``2e-8`` if ``Rs < Ra + 1e-8``;
* ``amp`` is converted to ``rho0`` with the raw radii and back with the adjusted ones, so the
  effective amplitude is ``amp * [(Ra+Rs)/(Ra Rs)]_raw * [Ra Rs/(Ra+Rs)]_adjusted`` (1 to
  round-off unless an adjustment applied; taken as 1 for non-positive raw radii, where the
  reference divides by zero);
* the total flux is not defined by the reference (``total_flux`` raises ``ValueError``).

Values and gradients depend on ``R^2`` only, so they are finite at ``R = 0`` and ``e1 = e2 = 0``.

==========  ===============  ===================================================
name        unit             meaning
==========  ===============  ===================================================
amp         flux / arcsec^2  central surface brightness
Ra          arcsec           core radius
Rs          arcsec           truncation (transition) radius
e1, e2      --               complex ellipticity (PJAFFE_ELLIPSE only)
center_x    arcsec           centre, first coordinate (default 0)
center_y    arcsec           centre, second coordinate (default 0)
==========  ===============  ===================================================
"""

from __future__ import annotations

from types import SimpleNamespace

import jax.numpy as jnp

from chromalens.ellipticity import MAX_ELLIPTICITY_MODULUS

#: the reference's floor of the core radius and the minimal gap between the radii
RADIUS_FLOOR = 1e-8
_CENTER = {"center_x": 0.0, "center_y": 0.0}


def sorted_radii(ra, rs):
    """The reference's ordering and floors of the radii: ``Ra <= Rs``, ``Ra >= 1e-8``."""
    ra_sorted = jnp.minimum(ra, rs)
    rs_sorted = jnp.maximum(ra, rs)
    ra_sorted = jnp.maximum(ra_sorted, RADIUS_FLOOR)
    rs_sorted = jnp.where(
        rs_sorted < ra_sorted + RADIUS_FLOOR, rs_sorted + 2.0 * RADIUS_FLOOR, rs_sorted
    )
    return ra_sorted, rs_sorted


def square_average_radius2(x, y, e1, e2, center_x, center_y):
    """Squared square-average elliptical radius ``(1 - e) x_maj^2 + (1 + e) y_min^2`` (arcsec^2).

    With ``c = min(|e|, 0.9999)``: ``e = 2c / (1 + c^2)`` and ``cos 2phi = e1/|e|``,
    ``sin 2phi = e2/|e|``, so ``R^2 = r^2 - 2/(1 + c^2) (c/|e|) [(dx^2 - dy^2) e1 + 2 dx dy e2]``,
    smooth at ``e1 = e2 = 0`` (no angle is formed).
    """
    dx = x - center_x
    dy = y - center_y
    modulus2 = e1 * e1 + e2 * e2
    capped = modulus2 > MAX_ELLIPTICITY_MODULUS**2
    cap_ratio = jnp.where(
        capped, MAX_ELLIPTICITY_MODULUS / jnp.sqrt(jnp.where(capped, modulus2, 1.0)), 1.0
    )
    c2 = jnp.minimum(modulus2, MAX_ELLIPTICITY_MODULUS**2)
    factor = 2.0 / (1.0 + c2) * cap_ratio
    return dx * dx + dy * dy - factor * ((dx * dx - dy * dy) * e1 + 2.0 * dx * dy * e2)


def projected_shape(r2, ra, rs):
    """Dimensionless projected pseudo-Jaffe profile ``I / amp`` at squared radius ``r2``."""
    ra_s, rs_s = sorted_radii(ra, rs)
    positive = (ra > 0) & (rs > 0)
    ra_raw = jnp.where(positive, ra, 1.0)
    rs_raw = jnp.where(positive, rs, 1.0)
    round_trip = jnp.where(
        positive,
        (rs_raw + ra_raw) / ra_raw / rs_raw * (ra_s * rs_s / (rs_s + ra_s)),
        1.0,
    )
    # 1/a - 1/b = (Rs^2 - Ra^2) / (a b (a + b)): the closed form without its cancellation
    core = jnp.sqrt(ra_s**2 + r2)
    truncation = jnp.sqrt(rs_s**2 + r2)
    return round_trip * ra_s * rs_s * (ra_s + rs_s) / (core * truncation * (core + truncation))


def _radius2(x, y, p, elliptical):
    if elliptical:
        return square_average_radius2(x, y, p["e1"], p["e2"], p["center_x"], p["center_y"])
    dx = x - p["center_x"]
    dy = y - p["center_y"]
    return dx * dx + dy * dy


def _make(name: str, elliptical: bool) -> SimpleNamespace:
    shape_params = ("amp", "Ra", "Rs", "e1", "e2") if elliptical else ("amp", "Ra", "Rs")

    def unit(x, y, p):
        r2 = _radius2(jnp.asarray(x), jnp.asarray(y), p, elliptical)
        return projected_shape(r2, p["Ra"], p["Rs"])

    def basis(x, y, p, opts=None):
        """Profile at ``amp = 1``, shape ``(1, *x.shape)``."""
        return unit(x, y, p)[None]

    def surface_brightness(x, y, p, opts=None):
        """Surface brightness (flux / arcsec^2), like ``x``."""
        return p["amp"] * unit(x, y, p)

    def total_flux(p, opts=None):
        """Not defined by the reference: raises ``ValueError``."""
        raise ValueError(f"profile {name} does not support flux normalization (as the reference)")

    return SimpleNamespace(
        NAME=name,
        PARAM_NAMES=(*shape_params, "center_x", "center_y"),
        DEFAULTS=dict(_CENTER),
        OPTIONS={},
        num_linear=lambda p, opts=None: 1,
        basis=basis,
        surface_brightness=surface_brightness,
        total_flux=total_flux,
    )


PROFILES: dict[str, SimpleNamespace] = {
    "PJAFFE": _make("PJAFFE", elliptical=False),
    "PJAFFE_ELLIPSE": _make("PJAFFE_ELLIPSE", elliptical=True),
}
