"""Read one imaging band from a multi-extension FITS file.

Layout (that of ``chromalens/datasets`` and the shared HST cutouts):

=========  ================================================================================
HDU        content
=========  ================================================================================
PRIMARY    header: ``BKGRMS`` (background rms, counts/s), ``RA_XY0``, ``DEC_XY0`` (arcsec of
           pixel (0, 0)), ``PIX2A1_1 PIX2A1_2 PIX2A2_1 PIX2A2_2`` (pixel-to-angle matrix,
           arcsec per pixel), and ``OBJECT``, ``FILTER``, ``TELESCOP``, ``BUNIT``
SCI        image, counts per second
EXPTIME    exposure-time map, seconds
PSF        pixel PSF kernel (odd size, centred)
PSFVAR     optional: variance map of the PSF kernel
=========  ================================================================================
"""

from __future__ import annotations

import os

import numpy as np
from astropy.io import fits

_REQUIRED_KEYS = ("BKGRMS", "RA_XY0", "DEC_XY0", "PIX2A1_1", "PIX2A1_2", "PIX2A2_1", "PIX2A2_2")


def load_band(path: str | os.PathLike) -> tuple[dict, dict]:
    """Load one band as ``(kwargs_data, kwargs_psf)``.

    Parameters
    ----------
    path : str or path-like
        Multi-extension FITS file in the layout above.

    Returns
    -------
    kwargs_data : dict
        ``image_data``, ``exposure_time`` (map), ``background_rms``, ``ra_at_xy_0``,
        ``dec_at_xy_0``, ``transform_pix2angle``: ready for ``ImageData(**kwargs_data)``.
    kwargs_psf : dict
        ``psf_type='PIXEL'``, ``kernel_point_source`` and, when present, ``psf_variance_map``.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such FITS file: {path}")
    with fits.open(path) as hdul:
        names = [hdu.name for hdu in hdul]
        for extension in ("SCI", "EXPTIME", "PSF"):
            if extension not in names:
                raise ValueError(f"{path}: missing FITS extension {extension!r} (has {names})")
        header = hdul[0].header
        missing = [key for key in _REQUIRED_KEYS if key not in header]
        if missing:
            raise ValueError(f"{path}: primary header lacks {', '.join(missing)}")
        transform = np.array([[header["PIX2A1_1"], header["PIX2A1_2"]],
                              [header["PIX2A2_1"], header["PIX2A2_2"]]], dtype=float)
        kwargs_data = {
            "image_data": _native(hdul["SCI"].data),
            "exposure_time": _native(hdul["EXPTIME"].data),
            "background_rms": float(header["BKGRMS"]),
            "ra_at_xy_0": float(header["RA_XY0"]),
            "dec_at_xy_0": float(header["DEC_XY0"]),
            "transform_pix2angle": transform,
        }
        kwargs_psf = {"psf_type": "PIXEL", "kernel_point_source": _native(hdul["PSF"].data)}
        if "PSFVAR" in names:
            kwargs_psf["psf_variance_map"] = _native(hdul["PSFVAR"].data)
    return kwargs_data, kwargs_psf


def band_metadata(path: str | os.PathLike) -> dict:
    """Header facts of a band file: object, filter, telescope, flux unit (strings or None)."""
    with fits.open(os.fspath(path)) as hdul:
        header = hdul[0].header
        return {key.lower(): header.get(key) for key in ("OBJECT", "FILTER", "TELESCOP", "BUNIT")}


def _native(array) -> np.ndarray:
    """Native-endian float64 copy (FITS data are big-endian)."""
    return np.array(array, dtype=np.float64)
