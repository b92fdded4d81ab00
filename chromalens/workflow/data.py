"""Build the ``multi_band_list`` and the likelihood masks of a validated run configuration."""

from __future__ import annotations

import numpy as np
from astropy.io import fits

from ..io import load_band
from ..io.fits import band_metadata

__all__ = ["build_bands", "pixel_coordinates", "make_mask"]


def pixel_coordinates(kwargs_data: dict) -> tuple[np.ndarray, np.ndarray]:
    """RA / Dec (arcsec) of every pixel centre of a band, each (ny, nx)."""
    ny, nx = np.shape(kwargs_data["image_data"])
    yy, xx = np.mgrid[0:ny, 0:nx]
    transform = np.asarray(kwargs_data["transform_pix2angle"], dtype=float)
    ra = kwargs_data["ra_at_xy_0"] + transform[0, 0] * xx + transform[0, 1] * yy
    dec = kwargs_data["dec_at_xy_0"] + transform[1, 0] * xx + transform[1, 1] * yy
    return ra, dec


def make_mask(mask: dict | None, kwargs_data: dict, field: str = "mask") -> np.ndarray:
    """Likelihood mask (ny, nx) of 0/1 from a validated mask description."""
    shape = np.shape(kwargs_data["image_data"])
    if mask is None or mask["type"] == "none":
        return np.ones(shape, dtype=int)
    if mask["type"] == "fits":
        data = np.asarray(fits.getdata(mask["file"]), dtype=float)
        if data.shape != shape:
            raise ValueError(f"{field}.file: mask {mask['file']} has shape {data.shape}, the "
                             f"band image {shape}")
        return (data != 0).astype(int)
    ra, dec = pixel_coordinates(kwargs_data)
    r2 = (ra - mask["center"][0]) ** 2 + (dec - mask["center"][1]) ** 2
    inside = r2 < mask["radius"] ** 2
    if mask["type"] == "annulus":
        inside &= r2 >= mask["inner_radius"] ** 2
    if not inside.any():
        raise ValueError(f"{field}: the mask selects no pixel of the band")
    return inside.astype(int)


def _read_image(path: str) -> np.ndarray:
    with fits.open(path) as hdul:
        for hdu in hdul:
            if hdu.data is not None:
                return np.array(hdu.data, dtype=np.float64)
    raise ValueError(f"{path}: no image data in any HDU")


def _crop(kwargs_data: dict, crop: dict, field: str) -> dict:
    ny, nx = np.shape(kwargs_data["image_data"])
    size = crop["size"]
    x0 = int(round(crop["center"][0] - (size - 1) / 2))
    y0 = int(round(crop["center"][1] - (size - 1) / 2))
    if x0 < 0 or y0 < 0 or x0 + size > nx or y0 + size > ny:
        raise ValueError(f"{field}: a {size} px cut-out around {crop['center']} leaves the "
                         f"{ny} x {nx} image")
    transform = np.asarray(kwargs_data["transform_pix2angle"], dtype=float)
    origin = np.array([kwargs_data["ra_at_xy_0"], kwargs_data["dec_at_xy_0"]])
    new_origin = origin + transform @ np.array([x0, y0], dtype=float)
    out = dict(kwargs_data)
    for key in ("image_data", "exposure_time", "noise_map"):
        if isinstance(out.get(key), np.ndarray) and np.ndim(out[key]) == 2:
            out[key] = np.ascontiguousarray(out[key][y0:y0 + size, x0:x0 + size])
    out["ra_at_xy_0"], out["dec_at_xy_0"] = float(new_origin[0]), float(new_origin[1])
    return out


def _crop_psf(kwargs_psf: dict, size: int, field: str) -> dict:
    kernel = np.asarray(kwargs_psf["kernel_point_source"])
    if size > kernel.shape[0]:
        raise ValueError(f"{field}: psf_size {size} is larger than the kernel {kernel.shape}")
    half, c = size // 2, kernel.shape[0] // 2
    out = dict(kwargs_psf)
    window = (slice(c - half, c + half + 1),) * 2
    out["kernel_point_source"] = np.ascontiguousarray(kernel[window])
    if "psf_variance_map" in out:
        out["psf_variance_map"] = np.ascontiguousarray(np.asarray(out["psf_variance_map"])[window])
    return out


def load_config_band(band: dict, index: int) -> tuple[dict, dict, str]:
    """``(kwargs_data, kwargs_psf, name)`` of one validated band entry."""
    field = f"bands[{index}]"
    if "file" in band:
        kwargs_data, kwargs_psf = load_band(band["file"])
        name = band.get("name") or band_metadata(band["file"]).get("filter") or f"band{index}"
    else:
        image = _read_image(band["image"])
        ny, nx = image.shape
        scale = band["pixel_scale"]
        kwargs_data = {"image_data": image, "transform_pix2angle": np.array([[-scale, 0.0],
                                                                             [0.0, scale]]),
                       "ra_at_xy_0": scale * (nx - 1) / 2, "dec_at_xy_0": -scale * (ny - 1) / 2}
        if "noise" in band:
            noise = _read_image(band["noise"])
            if noise.shape != image.shape:
                raise ValueError(f"{field}.noise: shape {noise.shape} differs from the image "
                                 f"{image.shape}")
            kwargs_data["noise_map"] = noise
        else:
            kwargs_data["background_rms"] = band["background_rms"]
            kwargs_data["exposure_time"] = band["exposure_time"]
        kwargs_psf = {"psf_type": "PIXEL", "kernel_point_source": _read_image(band["psf"])}
        name = band.get("name") or f"band{index}"
    if "crop" in band:
        kwargs_data = _crop(kwargs_data, band["crop"], f"{field}.crop")
    if "psf_size" in band:
        kwargs_psf = _crop_psf(kwargs_psf, band["psf_size"], f"{field}.psf_size")
    kwargs_data["flux_scaling"] = band["flux_scaling"]
    return kwargs_data, kwargs_psf, str(name)


def build_bands(config: dict) -> tuple[list, list[np.ndarray], list[str]]:
    """``(multi_band_list, likelihood masks, band names)`` of a validated configuration."""
    multi_band_list, masks, names = [], [], []
    for index, band in enumerate(config["bands"]):
        kwargs_data, kwargs_psf, name = load_config_band(band, index)
        kwargs_numerics = {"supersampling_factor": band["supersampling_factor"]}
        multi_band_list.append([kwargs_data, kwargs_psf, kwargs_numerics])
        if band.get("mask") is not None:
            masks.append(make_mask(band["mask"], kwargs_data, f"bands[{index}].mask"))
        else:
            masks.append(make_mask(config.get("mask"), kwargs_data, "mask"))
        names.append(name)
    return multi_band_list, masks, names
