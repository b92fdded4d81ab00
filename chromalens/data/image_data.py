"""Imaging data of one band: pixels, their grid, the noise model and the likelihood.

``ImageData(**kwargs_data)`` accepts every imaging key of the reference's ``kwargs_data``.

Noise and likelihood (reference conventions, ``likelihood_method='diagonal'``):

* ``C_D``: per-pixel variance estimated from the *data* (used as weights of the linear solve);
* ``C_D_model(model)``: the same noise model evaluated on the *model* (used by the likelihood);
* ``log_likelihood(model, mask, additional_error_map=0) =
  -1/2 sum(mask * (model - data)^2 / (C_D_model(model) + |additional_error_map|))``,
  with no normalisation constant.

Non-finite data pixels (NaN / inf) are accepted here and recorded in ``nonfinite_mask``;
internally they are replaced by 0 so that no NaN can leak into a sum. They are legal only
where a likelihood mask excludes them: ``log_likelihood`` refuses a concrete mask that
includes one, and the imaging classes check their ``likelihood_mask`` at construction.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .noise import covariance_diagonal, floor_exposure_time
from .pixel_grid import PixelGrid

_LIKELIHOOD_METHODS = ("diagonal", "interferometry_natwt")


class ImageData(PixelGrid):
    """Image pixels, pixel grid and noise model of one band.

    Parameters
    ----------
    image_data : array, shape (ny, nx)
        Image in counts per second (e.g. electrons/s).
    exposure_time : float or array (ny, nx), optional
        Exposure time in seconds, scalar or per-pixel map; values <= 1e-10 are floored at 1e-10
        (on a copy). Negative values are refused.
    background_rms : float, optional
        Rms of the Gaussian background noise, counts per second (> 0).
    noise_map : array (ny, nx), optional
        Total 1-sigma noise per pixel; replaces background_rms and exposure_time in the noise
        model.
    gradient_boost_factor : float, optional
        Adds ``(g * sobel(image))^2`` to the variance.
    ra_at_xy_0, dec_at_xy_0 : float
        Coordinates of pixel (0, 0), arcsec.
    transform_pix2angle : array (2, 2), optional
        Pixel-to-angle matrix (arcsec per pixel); identity when omitted.
    ra_shift, dec_shift : float
        Shift of the coordinate origin added to ra_at_xy_0 / dec_at_xy_0, arcsec.
    phi_rot : float
        Rotation (radian) applied to the pixel transform: ``T @ R(phi_rot)``.
    log_likelihood_constant : float
        Added to the interferometric likelihood only (as in the reference).
    antenna_primary_beam : array (ny, nx), optional
        Interferometric primary beam; stored, not used by the diagonal likelihood.
    likelihood_method : {'diagonal'}
        Only the diagonal (CCD) likelihood is implemented; 'interferometry_natwt' is refused
        with a clear error.
    flux_scaling : float
        Multiplies every model component of this band (zero points of different exposures).
    """

    def __init__(self, image_data, exposure_time=None, background_rms=None, noise_map=None,
                 gradient_boost_factor=None, ra_at_xy_0=0, dec_at_xy_0=0,
                 transform_pix2angle=None, ra_shift=0, dec_shift=0, phi_rot=0,
                 log_likelihood_constant=0, antenna_primary_beam=None,
                 likelihood_method="diagonal", flux_scaling=1):
        data = _as_image("image_data", image_data)
        ny, nx = data.shape
        if likelihood_method not in _LIKELIHOOD_METHODS:
            raise ValueError(
                f"likelihood_method {likelihood_method!r} not supported; use 'diagonal'"
            )
        if likelihood_method == "interferometry_natwt":
            raise NotImplementedError(
                "likelihood_method 'interferometry_natwt' is not implemented in chromalens"
            )
        if transform_pix2angle is None:
            transform_pix2angle = np.eye(2)
        cos_phi, sin_phi = np.cos(phi_rot), np.sin(phi_rot)
        rotation = np.array([[cos_phi, -sin_phi], [sin_phi, cos_phi]])
        transform = np.dot(np.asarray(transform_pix2angle, dtype=float), rotation)
        super().__init__(nx, ny, transform, ra_at_xy_0 + ra_shift, dec_at_xy_0 + dec_shift)

        self._noise_map = None
        self._exp_map = None
        self._background_rms = None
        if noise_map is not None:
            noise = _as_image("noise_map", noise_map, shape=data.shape)
            if not np.all(np.isfinite(noise)) or np.any(noise <= 0):
                raise ValueError("noise_map must be finite and > 0 in every pixel")
            self._noise_map = noise
        if background_rms is not None:
            rms = np.asarray(background_rms, dtype=float)
            if rms.ndim not in (0, 2) or (rms.ndim == 2 and rms.shape != data.shape):
                raise ValueError(
                    f"background_rms must be a scalar or of the image shape {data.shape}, "
                    f"got shape {rms.shape}"
                )
            if not np.all(np.isfinite(rms)) or np.any(rms <= 0):
                raise ValueError(f"background_rms must be finite and > 0, got {background_rms!r}")
            self._background_rms = float(rms) if rms.ndim == 0 else rms
        if exposure_time is not None:
            exposure = np.asarray(exposure_time, dtype=float)
            if exposure.ndim not in (0, 2) or (exposure.ndim == 2 and exposure.shape != data.shape):
                raise ValueError(
                    f"exposure_time must be a scalar or of the image shape {data.shape}, "
                    f"got shape {exposure.shape}"
                )
            if not np.all(np.isfinite(exposure)) or np.any(exposure < 0):
                raise ValueError("exposure_time must be finite and >= 0")
            self._exp_map = floor_exposure_time(exposure)
        if noise_map is None and (background_rms is None or exposure_time is None):
            missing = "background_rms" if background_rms is None else "exposure_time"
            self._noise_incomplete = missing
        else:
            self._noise_incomplete = None
        if gradient_boost_factor is not None and not np.isfinite(gradient_boost_factor):
            raise ValueError("gradient_boost_factor must be finite")
        if not np.isfinite(flux_scaling):
            raise ValueError(f"flux_scaling must be finite, got {flux_scaling!r}")
        if antenna_primary_beam is not None:
            _as_image("antenna_primary_beam", antenna_primary_beam, shape=data.shape)

        self._gradient_boost_factor = gradient_boost_factor
        self._logL_constant = log_likelihood_constant
        self._logL_method = likelihood_method
        self._primary_beam = antenna_primary_beam
        self.flux_scaling = flux_scaling
        self._set_data(data)

    # ------------------------------------------------------------------ data
    def _set_data(self, data: np.ndarray) -> None:
        self._data = data
        self.nonfinite_mask = ~np.isfinite(data)
        self._data_clean = np.where(self.nonfinite_mask, 0.0, data)
        self._C_D = None

    def update_data(self, image_data) -> None:
        """Replace the pixels (same shape); the data-based variance ``C_D`` is recomputed."""
        data = _as_image("image_data", image_data, shape=(self.ny, self.nx))
        self._set_data(data)

    @property
    def data(self) -> np.ndarray:
        """The image, shape (ny, nx), as given (non-finite pixels included)."""
        return self._data

    @property
    def data_finite(self) -> np.ndarray:
        """The image with non-finite pixels replaced by 0 (what computations use)."""
        return self._data_clean

    @property
    def num_nonfinite(self) -> int:
        """Number of NaN / inf pixels in the data."""
        return int(np.sum(self.nonfinite_mask))

    # ------------------------------------------------------------------ noise
    @property
    def background_rms(self):
        """Background rms (counts/s); the median of noise_map when only that was given."""
        if self._background_rms is None:
            if self._noise_map is None:
                raise ValueError("background_rms was not given (and there is no noise_map)")
            return float(np.median(self._noise_map))
        return self._background_rms

    @property
    def exposure_map(self):
        """Exposure time (scalar or map, s), floored at 1e-10."""
        if self._exp_map is None and self._noise_map is None:
            raise ValueError("exposure_time was not given (and there is no noise_map)")
        return self._exp_map

    @property
    def noise_map(self):
        """The given noise map (1-sigma per pixel) or None."""
        return self._noise_map

    def _require_noise_model(self) -> None:
        if self._noise_incomplete is not None:
            raise ValueError(
                f"the noise model needs {self._noise_incomplete} (or a noise_map) in kwargs_data"
            )

    @property
    def C_D(self):
        """Per-pixel variance estimated from the data, shape (ny, nx) (weights of the solve)."""
        if self._C_D is None:
            self._require_noise_model()
            if self._noise_map is not None:
                self._C_D = np.asarray(self._noise_map**2)
            elif self._gradient_boost_factor is None:  # numpy: no eager XLA compilations
                data = np.asarray(self._data_clean)
                self._C_D = (np.where(data >= 0, data, 0.0) / np.asarray(self._exp_map)
                             + np.asarray(self._background_rms) ** 2)
            else:
                with jax.ensure_compile_time_eval():  # concrete even if first asked under jit
                    self._C_D = np.asarray(covariance_diagonal(
                        self._data_clean, self._background_rms, self._exp_map,
                        self._gradient_boost_factor))
        return self._C_D

    def C_D_model(self, model):
        """Per-pixel variance of the noise model evaluated on ``model``, shape (ny, nx).

        Works on numpy and traced JAX arrays.
        """
        if self._noise_map is not None:
            return jnp.asarray(self._noise_map**2)
        self._require_noise_model()
        return covariance_diagonal(model, self._background_rms, self._exp_map,
                                   self._gradient_boost_factor)

    # ------------------------------------------------------------------ likelihood
    def log_likelihood(self, model, mask, additional_error_map=0):
        """Gaussian log-likelihood of the data given ``model`` (no normalisation constant).

        Parameters
        ----------
        model : array (ny, nx)
            Model image, same units as the data.
        mask : array (ny, nx) of bool or 0/1
            Pixels with 0 are ignored.
        additional_error_map : float or array (ny, nx)
            Extra variance (e.g. PSF uncertainty around point sources); its absolute value is
            added to ``C_D_model(model)``.

        Returns
        -------
        float (or 0-d JAX array under tracing)
            ``-1/2 sum(mask * (model - data)^2 / (C_D_model(model) + |additional_error_map|))``.
        """
        if isinstance(mask, np.ndarray) and self.num_nonfinite:
            bad = int(np.sum(self.nonfinite_mask & (mask != 0)))
            if bad:
                raise ValueError(
                    f"the likelihood mask includes {bad} non-finite data pixel(s); mask them out"
                )
        variance = self.C_D_model(model) + jnp.abs(additional_error_map)
        chi2 = jnp.where(jnp.asarray(mask) != 0,
                         (model - self._data_clean) ** 2 / variance, 0.0)
        return -jnp.sum(chi2) / 2

    def likelihood_method(self) -> str:
        """Name of the likelihood ('diagonal')."""
        return self._logL_method

    @property
    def log_likelihood_constant(self) -> float:
        """Constant of the interferometric likelihood (unused by 'diagonal')."""
        return self._logL_constant

    @property
    def primary_beam(self):
        """Interferometric primary beam, or None."""
        return self._primary_beam


def _as_image(name: str, value, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Validate a 2-D float image (copy); ``shape`` forces (ny, nx)."""
    if value is None:
        raise ValueError(f"{name} is required")
    try:
        array = np.array(value, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a 2-D array of numbers: {err}") from None
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {array.shape}")
    if 0 in array.shape:
        raise ValueError(f"{name} is empty (shape {array.shape})")
    if shape is not None and array.shape != tuple(shape):
        raise ValueError(f"{name} has shape {array.shape}, expected the image shape {shape}")
    return array

