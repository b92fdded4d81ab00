"""Gaussian surface-brightness profiles: GAUSSIAN, GAUSSIAN_ELLIPSE, MULTI_GAUSSIAN,
MULTI_GAUSSIAN_ELLIPSE.

Two-dimensional normalised Gaussian, and sums of them (multi-Gaussian expansion, Emsellem,
Monnet & Bacon 1994, A&A 285, 723; Cappellari 2002, MNRAS 333, 400)::

    I(x, y) = amp / (2 pi sigma^2) * exp(-r^2 / (2 sigma^2)),

with ``r^2 = dx^2 + dy^2`` (round) or the product-average elliptical radius
``r^2 = q x_maj^2 + y_min^2 / q`` (``*_ELLIPSE``), which preserves the total flux.

=============  ==================  ====================================================
name           unit                meaning
=============  ==================  ====================================================
amp            flux                total flux (array of ``len(sigma)`` for MULTI_*)
sigma          arcsec              standard deviation (array for MULTI_*)
e1, e2         --                  complex ellipticity (``*_ELLIPSE``)
center_x/y     arcsec              centre (default 0)
=============  ==================  ====================================================

The MULTI_* profiles have ``len(sigma)`` linear coefficients, one per Gaussian, in the order of
``sigma``. Total flux = ``amp`` (sum of ``amp`` for MULTI_*).
"""

from __future__ import annotations

from types import SimpleNamespace

import jax.numpy as jnp

from chromalens.ellipticity import product_average_coordinates

_CENTER = {"center_x": 0.0, "center_y": 0.0}


def unit_gaussian(dx, dy, sigma):
    """Unit-flux Gaussian (1/arcsec^2) at offsets ``dx, dy`` (arcsec); ``sigma`` broadcasts."""
    r2 = dx**2 / sigma**2 + dy**2 / sigma**2
    return 1.0 / (2.0 * jnp.pi * sigma**2) * jnp.exp(-r2 / 2.0)


def _offsets(x, y, p, elliptical):
    if elliptical:
        return product_average_coordinates(x, y, p["e1"], p["e2"], p["center_x"], p["center_y"])
    return x - p["center_x"], y - p["center_y"]


def _sigmas(p):
    return jnp.atleast_1d(jnp.asarray(p["sigma"], dtype=float))


def _make_single(name, elliptical):
    params = ("amp", "sigma", "e1", "e2") if elliptical else ("amp", "sigma")

    def basis(x, y, p, opts):
        dx, dy = _offsets(x, y, p, elliptical)
        return unit_gaussian(dx, dy, p["sigma"])[None]

    def surface_brightness(x, y, p, opts):
        return p["amp"] * basis(x, y, p, opts)[0]

    def total_flux(p, opts):
        return p["amp"]

    return SimpleNamespace(
        NAME=name,
        PARAM_NAMES=(*params, "center_x", "center_y"),
        DEFAULTS=dict(_CENTER),
        OPTIONS={},
        num_linear=lambda p, opts: 1,
        basis=basis,
        surface_brightness=surface_brightness,
        total_flux=total_flux,
    )


def _make_multi(name, elliptical):
    params = ("amp", "sigma", "e1", "e2") if elliptical else ("amp", "sigma")

    def num_linear(p, opts) -> int:
        return int(jnp.shape(_sigmas(p))[0])

    def basis(x, y, p, opts):
        dx, dy = _offsets(x, y, p, elliptical)
        sigma = _sigmas(p).reshape((-1,) + (1,) * jnp.ndim(dx))
        return unit_gaussian(dx[None], dy[None], sigma)

    def surface_brightness(x, y, p, opts):
        amp = jnp.atleast_1d(jnp.asarray(p["amp"], dtype=float))
        images = basis(x, y, p, opts)
        return jnp.tensordot(amp, images, axes=1)

    def total_flux(p, opts):
        return jnp.sum(jnp.atleast_1d(jnp.asarray(p["amp"], dtype=float)))

    return SimpleNamespace(
        NAME=name,
        PARAM_NAMES=(*params, "center_x", "center_y"),
        DEFAULTS=dict(_CENTER),
        OPTIONS={},
        SCALAR_AMP=False,
        num_linear=num_linear,
        basis=basis,
        surface_brightness=surface_brightness,
        total_flux=total_flux,
    )


GAUSSIAN = _make_single("GAUSSIAN", elliptical=False)
GAUSSIAN_ELLIPSE = _make_single("GAUSSIAN_ELLIPSE", elliptical=True)
MULTI_GAUSSIAN = _make_multi("MULTI_GAUSSIAN", elliptical=False)
MULTI_GAUSSIAN_ELLIPSE = _make_multi("MULTI_GAUSSIAN_ELLIPSE", elliptical=True)

PROFILES = {
    "GAUSSIAN": GAUSSIAN,
    "GAUSSIAN_ELLIPSE": GAUSSIAN_ELLIPSE,
    "MULTI_GAUSSIAN": MULTI_GAUSSIAN,
    "MULTI_GAUSSIAN_ELLIPSE": MULTI_GAUSSIAN_ELLIPSE,
}
