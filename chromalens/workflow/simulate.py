"""``chromalens simulate``: mock multi-band data in the datasets FITS layout, from a seed.

The ``simulate`` section of a run configuration::

    simulate:
      seed: 1
      truth: {kwargs_lens: [...], kwargs_source: [...], kwargs_lens_light: [...]}  # with amp
      flux_scaling: [1.0, 0.8]       # per band: the band's image is flux_scaling x the model
      backgrounds: [0.002, -0.001]   # per band: constant sky added (counts/s per pixel)
      size: 60                       # pixels (square)
      pixel_scale: 0.05              # arcsec
      background_rms: 0.01           # counts/s, one value or one per band
      exposure_time: 1000.0          # s, one value or one per band
      psf_fwhm: 0.1                  # arcsec, Gaussian, one value or one per band
      output: mock/                  # folder (default: where bands[i].file points)

Each band ``i`` is written to ``bands[i].file`` (or ``output/<basename>``) with HDUs SCI,
EXPTIME, PSF and the header keys of :func:`chromalens.io.load_band`. Noise: Gaussian with
variance ``background_rms^2 + max(image, 0) / exposure_time``. The model uses each band's
``supersampling_factor``.
"""

from __future__ import annotations

import copy
import pathlib

import numpy as np
from astropy.io import fits

from .config import ConfigError, load_config

__all__ = ["simulate", "write_band", "gaussian_kernel"]


def gaussian_kernel(fwhm: float, pixel_scale: float, size: int | None = None) -> np.ndarray:
    """Normalised, pixel-integrated (by 5x sub-sampling) Gaussian kernel, odd size."""
    sigma = fwhm / 2.3548200450309493 / pixel_scale
    size = size or int(2 * np.ceil(4 * sigma) + 1)
    sub = 5
    coordinates = (np.arange(size * sub) + 0.5) / sub - size / 2
    xx, yy = np.meshgrid(coordinates, coordinates)
    fine = np.exp(-(xx ** 2 + yy ** 2) / (2 * sigma ** 2))
    kernel = fine.reshape(size, sub, size, sub).sum(axis=(1, 3))
    return kernel / kernel.sum()


def write_band(path, image, exposure_time, kernel, background_rms: float, pixel_scale: float,
               name: str, object_name: str = "mock lens") -> None:
    """Write one band in the datasets layout (image centre at the coordinate origin)."""
    ny, nx = image.shape
    primary = fits.PrimaryHDU()
    header = primary.header
    header["OBJECT"] = object_name[:60]
    header["FILTER"] = name
    header["TELESCOP"] = "chromalens simulate"
    header["BUNIT"] = "ELECTRONS/S"
    header["BKGRMS"] = float(background_rms)
    header["RA_XY0"] = pixel_scale * (nx - 1) / 2
    header["DEC_XY0"] = -pixel_scale * (ny - 1) / 2
    header["PIX2A1_1"], header["PIX2A1_2"] = -pixel_scale, 0.0
    header["PIX2A2_1"], header["PIX2A2_2"] = 0.0, pixel_scale
    hdus = [primary, fits.ImageHDU(np.asarray(image, dtype=np.float64), name="SCI"),
            fits.ImageHDU(np.asarray(exposure_time, dtype=np.float64), name="EXPTIME"),
            fits.ImageHDU(np.asarray(kernel, dtype=np.float64), name="PSF")]
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fits.HDUList(hdus).writeto(path, overwrite=True)


def _per_band(value, count: int, field: str) -> list[float]:
    values = list(value) if isinstance(value, (list, tuple)) else [value] * count
    if len(values) != count:
        raise ConfigError(field, f"expected one value or {count} (one per band), got "
                                 f"{len(values)}")
    for i, v in enumerate(values):
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not np.isfinite(v):
            raise ConfigError(f"{field}[{i}]", f"expected a number, got {v!r}")
    return [float(v) for v in values]


def simulate(config, output: str | pathlib.Path | None = None) -> list[pathlib.Path]:
    """Write the mock bands of ``config`` (path or dict); returns the paths written."""
    from ..multiband import MultiLinear

    config = load_config(config, check_files=False)
    settings = config.get("simulate")
    if settings is None:
        raise ConfigError("simulate", "required by 'chromalens simulate'")
    if "truth" not in settings:
        raise ConfigError("simulate.truth", "required: the parameter pytree to simulate")
    bands = config["bands"]
    count = len(bands)
    seed = settings.get("seed", 0)
    if not isinstance(seed, int):
        raise ConfigError("simulate.seed", f"expected an integer, got {seed!r}")
    size = settings.get("size", 60)
    if not isinstance(size, int) or size < 5:
        raise ConfigError("simulate.size", f"expected an integer >= 5, got {size!r}")
    scale = _per_band(settings.get("pixel_scale", 0.05), 1, "simulate.pixel_scale")[0]
    rms = _per_band(settings.get("background_rms", 0.01), count, "simulate.background_rms")
    exposure = _per_band(settings.get("exposure_time", 1000.0), count,
                         "simulate.exposure_time")
    fwhm = _per_band(settings.get("psf_fwhm", 0.1), count, "simulate.psf_fwhm")
    scaling = _per_band(settings.get("flux_scaling", 1.0), count, "simulate.flux_scaling")
    backgrounds = _per_band(settings.get("backgrounds", 0.0), count, "simulate.backgrounds")
    rng = np.random.default_rng(seed)
    multi_band_list = []
    for b in range(count):
        kwargs_data = {"image_data": np.zeros((size, size)), "background_rms": rms[b],
                       "exposure_time": exposure[b], "flux_scaling": scaling[b],
                       "ra_at_xy_0": scale * (size - 1) / 2,
                       "dec_at_xy_0": -scale * (size - 1) / 2,
                       "transform_pix2angle": np.array([[-scale, 0.0], [0.0, scale]])}
        kernel = gaussian_kernel(fwhm[b], scale)
        multi_band_list.append([kwargs_data, {"psf_type": "PIXEL",
                                              "kernel_point_source": kernel},
                                {"supersampling_factor": bands[b]["supersampling_factor"]}])
    model = MultiLinear(multi_band_list, config["kwargs_model"])
    truth = copy.deepcopy(settings["truth"])
    args = [truth.get(g) or [] for g in ("kwargs_lens", "kwargs_source", "kwargs_lens_light",
                                         "kwargs_ps")]
    written = []
    folder = None if output is None and "output" not in settings else pathlib.Path(
        output if output is not None else settings["output"])
    for b, band in enumerate(bands):
        clean = np.asarray(model.image_model_list[b].image(*copy.deepcopy(args)))
        variance = rms[b] ** 2 + np.maximum(clean, 0.0) / exposure[b]
        image = clean + backgrounds[b] + np.sqrt(variance) * rng.standard_normal(clean.shape)
        target = band.get("file") or band.get("image") or f"band{b}.fits"
        path = pathlib.Path(target) if folder is None else folder / pathlib.Path(target).name
        write_band(path, image, np.full_like(image, exposure[b]),
                   multi_band_list[b][1]["kernel_point_source"], rms[b], scale,
                   band.get("name") or f"band{b}", config["name"])
        written.append(path)
    return written
