"""Pixelated surface brightness interpolated on the sky: INTERPOL.

A 2-D image of surface brightness (flux per arcsec^2 at each pixel centre, *not* flux per
pixel) placed at ``(center_x, center_y)``, rotated by ``phi_G`` and scaled by ``scale``
(arcsec per pixel), read by **bilinear** interpolation on the image padded with one ring of
zeros, and constant (zero) outside the padded image. This is the reference's interpolant
(a degree-1, zero-smoothing tensor-product spline on the padded image, whose evaluation clamps
coordinates to the grid), written as explicit bilinear weights; both agree to round-off.

Pixel coordinates of a sky position ``(x, y)``::

    (u, v) = rotate((x - center_x) / scale, (y - center_y) / scale, phi_G)
    row = v + (n_rows + 1) / 2,   column = u + (n_cols + 1) / 2     (padded-image indices)

i.e. the image's first axis runs along ``v`` (dec) and the second along ``u`` (ra), with the
image centre at ``(center_x, center_y)``.

=============  ==================  ====================================================
name           unit                meaning
=============  ==================  ====================================================
image          flux / arcsec^2     2-D array (n_rows, n_cols) of surface brightness
amp            --                  multiplies the image (default 1)
center_x/y     arcsec              sky position of the image centre (default 0)
phi_G          rad                 rotation of the image (default 0)
scale          arcsec / pixel      pixel size of the image (default 1)
=============  ==================  ====================================================

Total flux = ``amp * sum(image) * scale^2``. Unlike the reference, which caches its
interpolator on first use (a changed ``image`` is ignored until ``delete_cache``), every call
uses the image it is given.
"""

from __future__ import annotations

import jax.numpy as jnp

from chromalens.ellipticity import rotate

PARAM_NAMES = ("image", "amp", "center_x", "center_y", "phi_G", "scale")
DEFAULTS = {"amp": 1.0, "center_x": 0.0, "center_y": 0.0, "phi_G": 0.0, "scale": 1.0}
OPTIONS: dict = {}


def num_linear(p, opts) -> int:
    """One linear coefficient (``amp``)."""
    return 1


def sky_to_pixel(x, y, center_x, center_y, phi_G, scale):
    """Rotated pixel offsets ``(u, v)`` of sky positions from the image centre (pixels)."""
    return rotate((x - center_x) / scale, (y - center_y) / scale, phi_G)


def bilinear_zero_padded(image, row, col):
    """Bilinear interpolation of ``image`` padded with one ring of zeros.

    ``row, col`` are fractional indices into the *padded* image; they are clamped to it, so the
    value outside is the zero border.
    """
    padded = jnp.pad(image, 1)
    n_rows, n_cols = padded.shape
    row = jnp.clip(row, 0.0, n_rows - 1.0)
    col = jnp.clip(col, 0.0, n_cols - 1.0)
    i0 = jnp.clip(jnp.floor(row), 0, n_rows - 2).astype(int)
    j0 = jnp.clip(jnp.floor(col), 0, n_cols - 2).astype(int)
    t = row - i0
    s = col - j0
    low = (1.0 - s) * padded[i0, j0] + s * padded[i0, j0 + 1]
    high = (1.0 - s) * padded[i0 + 1, j0] + s * padded[i0 + 1, j0 + 1]
    return (1.0 - t) * low + t * high


def basis(x, y, p, opts):
    """Interpolated image at ``amp = 1``, shape ``(1, *x.shape)``."""
    image = jnp.asarray(p["image"], dtype=float)
    if image.ndim != 2:
        raise ValueError(f"INTERPOL: 'image' must be a 2-D array, got shape {image.shape}")
    u, v = sky_to_pixel(x, y, p["center_x"], p["center_y"], p["phi_G"], p["scale"])
    n_rows, n_cols = image.shape
    value = bilinear_zero_padded(image, v + (n_rows + 1) / 2.0, u + (n_cols + 1) / 2.0)
    return value[None]


def surface_brightness(x, y, p, opts):
    """Surface brightness (flux/arcsec^2), shape of ``x``."""
    return p["amp"] * basis(x, y, p, opts)[0]


def total_flux(p, opts):
    """``amp * sum(image) * scale^2``."""
    return jnp.sum(jnp.asarray(p["image"], dtype=float)) * p["scale"] ** 2 * p["amp"]
