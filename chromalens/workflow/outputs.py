"""Write a fit's results: ``results.json`` and FITS images."""

from __future__ import annotations

import json
import pathlib
import platform

import numpy as np
from astropy.io import fits

__all__ = ["jsonable", "versions", "write_json", "write_fits"]


def jsonable(value):
    """Numpy / JAX values inside nested containers -> JSON-serialisable Python values."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (str, bool)) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value if np.isfinite(value) else None
    array = np.asarray(value)
    if array.dtype.kind in "fc" and array.ndim == 0:
        return float(array) if np.isfinite(array) else None
    if array.dtype.kind in "iu" and array.ndim == 0:
        return int(array)
    if array.dtype.kind == "b":
        return array.tolist()
    return [jsonable(v) for v in array.tolist()]


def versions() -> dict:
    """Versions of the software a result depends on."""
    import jax
    import scipy

    import chromalens

    return {"chromalens": chromalens.__version__, "jax": jax.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__,
            "python": platform.python_version()}


def write_json(path: pathlib.Path, results: dict) -> None:
    """Write ``results`` as indented JSON."""
    path.write_text(json.dumps(jsonable(results), indent=2) + "\n")


def write_fits(path: pathlib.Path, image, header: dict | None = None) -> None:
    """Write one image (float64) as a primary-HDU FITS file."""
    hdu = fits.PrimaryHDU(np.asarray(image, dtype=np.float64))
    for key, value in (header or {}).items():
        hdu.header[key] = value
    hdu.writeto(path, overwrite=True)
