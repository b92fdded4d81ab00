"""Pixel noise model of CCD imaging: background plus Poisson, or a given noise map.

Variance per pixel (flux in counts per second, exposure time in seconds)::

    sigma^2 = max(f, 0) / t_exp + sigma_bkg^2 + (g * sobel(f))^2

where ``f`` is the data (weights of the linear solve) or the model (likelihood), and the
gradient term is present only when a ``gradient_boost_factor`` ``g`` is given. A noise map
``sigma`` replaces all of it by ``sigma^2``.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

#: smallest exposure time (s): the reference floors non-positive exposures here
MIN_EXPOSURE_TIME = 1e-10


def sobel_magnitude(image):
    """Sobel gradient magnitude with reflected borders, ``sqrt((g_x^2 + g_y^2) / 2)``.

    The per-axis kernels are the normalised ``[1, 2, 1] / 4`` smoothing times the
    ``[1, 0, -1]`` difference, borders by half-sample symmetric reflection (the convention of
    ``skimage.filters.sobel``, which the reference calls).
    """
    image = jnp.asarray(image)
    padded = jnp.pad(image, 1, mode="symmetric")

    def correlate(axis_diff: int):
        # difference along axis_diff, smoothing along the other axis
        smooth = jnp.array([1.0, 2.0, 1.0]) / 4.0
        diff = jnp.array([1.0, 0.0, -1.0])
        out = jnp.zeros_like(image)
        ny, nx = image.shape
        for i in range(3):
            for j in range(3):
                w = diff[i] * smooth[j] if axis_diff == 0 else smooth[i] * diff[j]
                out = out + w * padded[i:i + ny, j:j + nx]
        return out

    gy, gx = correlate(0), correlate(1)
    return jnp.sqrt((gx**2 + gy**2) / 2.0)


def covariance_diagonal(flux, background_rms, exposure_time, gradient_boost_factor=None):
    """Variance per pixel of the background + Poisson noise model.

    Parameters
    ----------
    flux : array (ny, nx)
        Data or model in counts per second (negative values add no Poisson term).
    background_rms : float or array (ny, nx)
        Background noise rms, counts per second.
    exposure_time : float or array (ny, nx)
        Exposure time in seconds (already floored at ``MIN_EXPOSURE_TIME``).
    gradient_boost_factor : float or None
        Adds ``(g * sobel(flux))^2`` when given.

    Returns
    -------
    array (ny, nx)
        Variance, (counts per second)^2.
    """
    flux = jnp.asarray(flux)
    variance = jnp.where(flux >= 0, flux, 0.0) / exposure_time + background_rms**2
    if gradient_boost_factor is not None:
        variance = variance + (sobel_magnitude(flux) * gradient_boost_factor) ** 2
    return variance


def floor_exposure_time(exposure_time):
    """Copy of ``exposure_time`` with values <= 1e-10 s raised to 1e-10 s (never in place)."""
    if np.ndim(exposure_time) == 0:
        return max(float(exposure_time), MIN_EXPOSURE_TIME)
    exposure = np.array(exposure_time, dtype=float)
    exposure[exposure <= MIN_EXPOSURE_TIME] = MIN_EXPOSURE_TIME
    return exposure
