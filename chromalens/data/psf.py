"""Point-spread function of one band: NONE, GAUSSIAN or PIXEL.

``PSF(**kwargs_psf)`` takes the reference's ``kwargs_psf`` keys. Kernels are static numpy
arrays built once (the GAUSSIAN kernel as soon as the pixel size is known: from
``pixel_size`` or from the image grid through ``set_pixel_size``).

* GAUSSIAN: ``fwhm`` (arcsec), ``truncation`` (in sigma). The point-source kernel is the
  Gaussian sampled at pixel centres on ``2 r + 1`` pixels, ``r = max(round(truncation sigma /
  pixel), 1)`` (at most 221), normalised to 1.
* PIXEL: ``kernel_point_source`` (square, odd, finite, not all zero), normalised to 1 unless
  ``kernel_point_source_normalisation=False``. With ``point_source_supersampling_factor = s >
  1`` the given kernel is the supersampled one and the pixel kernel is derived from it.
* ``psf_variance_map``: variance of the normalised kernel per pixel, cropped / zero-padded to
  the kernel size. ``psf_error_map`` is accepted as its deprecated alias (the reference renamed
  it in 2025).
"""

from __future__ import annotations

import warnings

import numpy as np

from . import kernels

_PSF_TYPES = ("NONE", "GAUSSIAN", "PIXEL")
_MAX_GAUSSIAN_SIZE = 221
_MAX_SUPERSAMPLED_SIZE = 10000


class PSF:
    """Point-spread function.

    Parameters
    ----------
    psf_type : {'NONE', 'GAUSSIAN', 'PIXEL'}
    fwhm : float
        GAUSSIAN only: full width at half maximum, arcsec.
    truncation : float
        GAUSSIAN only: kernel radius in units of sigma (default 5).
    pixel_size : float, optional
        Pixel size in arcsec; set automatically by the imaging classes from the data grid.
    kernel_point_source : array (n, n), n odd
        PIXEL only: image of a point source.
    psf_variance_map : array, optional
        Variance of the (normalised) kernel per pixel.
    point_source_supersampling_factor : int
        PIXEL only: supersampling of ``kernel_point_source`` relative to the pixels.
    kernel_point_source_init : array, optional
        Kept for PSF iteration workflows (stored, unused).
    kernel_point_source_normalisation : bool
        Normalise the PIXEL kernel to sum 1 (default True).
    psf_error_map : array, optional
        Deprecated alias of ``psf_variance_map``.
    """

    def __init__(self, psf_type: str = "NONE", fwhm: float | None = None,
                 truncation: float = 5, pixel_size: float | None = None,
                 kernel_point_source=None, psf_variance_map=None,
                 point_source_supersampling_factor: int = 1, kernel_point_source_init=None,
                 kernel_point_source_normalisation: bool = True, psf_error_map=None):
        if psf_error_map is not None:
            warnings.warn("PSF: 'psf_error_map' is deprecated, use 'psf_variance_map'",
                          DeprecationWarning, stacklevel=2)
            if psf_variance_map is not None:
                raise ValueError("PSF: give psf_variance_map or psf_error_map, not both")
            psf_variance_map = psf_error_map
        if psf_type not in _PSF_TYPES:
            raise ValueError(f"psf_type {psf_type!r} not supported; use one of {_PSF_TYPES}")
        if pixel_size is not None and not (np.isfinite(pixel_size) and pixel_size > 0):
            raise ValueError(f"PSF: pixel_size must be finite and > 0, got {pixel_size!r}")
        self.psf_type = psf_type
        self._pixel_size = pixel_size
        self.kernel_point_source_init = kernel_point_source_init
        self._normalise = bool(kernel_point_source_normalisation)
        self._kernel_norm = 1.0
        self._supersampled_cache: dict[int, np.ndarray] = {}
        self._ps_factor_init = 1
        self._kernel = None

        if psf_type == "GAUSSIAN":
            if fwhm is None:
                raise ValueError("PSF GAUSSIAN needs 'fwhm' (arcsec)")
            if not (np.isfinite(fwhm) and fwhm > 0):
                raise ValueError(f"PSF GAUSSIAN: fwhm must be finite and > 0, got {fwhm!r}")
            if not (np.isfinite(truncation) and truncation > 0):
                raise ValueError(f"PSF GAUSSIAN: truncation must be > 0, got {truncation!r}")
            self._fwhm = float(fwhm)
            self.truncation = truncation
            if pixel_size is not None:
                self._build_gaussian()
        elif psf_type == "PIXEL":
            self._init_pixel(kernel_point_source, point_source_supersampling_factor)
        else:
            self._kernel = np.zeros((3, 3))
            self._kernel[1, 1] = 1.0

        if psf_variance_map is not None:
            variance = np.array(psf_variance_map, dtype=float)
            if variance.ndim != 2 or variance.shape[0] != variance.shape[1]:
                raise ValueError(
                    f"PSF: psf_variance_map must be a square 2-D array, got shape {variance.shape}"
                )
            if not np.all(np.isfinite(variance)):
                raise ValueError("PSF: psf_variance_map must be finite")
            self._psf_variance_input = variance
            self.psf_variance_map_bool = True
        else:
            self._psf_variance_input = None
            self.psf_variance_map_bool = False
        self._psf_variance_map = None
        if self._kernel is not None:
            self._build_variance_map()

    # ------------------------------------------------------------------ construction
    def _init_pixel(self, kernel_point_source, factor) -> None:
        if kernel_point_source is None:
            raise ValueError("PSF PIXEL needs 'kernel_point_source'")
        kernel = np.array(kernel_point_source, dtype=float)
        if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1]:
            raise ValueError(
                f"PSF: kernel_point_source must be square 2-D, got shape {kernel.shape}"
            )
        if kernel.shape[0] % 2 == 0:
            raise ValueError(
                f"PSF: kernel_point_source must have an odd size (centred on a pixel), got "
                f"{kernel.shape}; re-centre it on an odd grid"
            )
        if not np.all(np.isfinite(kernel)):
            raise ValueError("PSF: kernel_point_source contains non-finite values")
        total = np.sum(kernel)
        if not np.any(kernel != 0) or total == 0:
            raise ValueError("PSF: kernel_point_source is all zero (or sums to zero)")
        if isinstance(factor, bool) or int(factor) != factor or factor < 1:
            raise ValueError(
                f"PSF: point_source_supersampling_factor must be a positive integer, got {factor!r}"
            )
        factor = int(factor)
        self._kernel_input = kernel
        self._ps_factor_init = factor
        if self._normalise:
            kernel = kernel / total
        if factor > 1:
            self._supersampled_cache[factor] = kernel
            pixel_kernel = kernels.degrade_kernel(kernel, factor)
            if not self._normalise:
                pixel_kernel = pixel_kernel * total / np.sum(pixel_kernel)
        else:
            pixel_kernel = kernel
        if np.min(pixel_kernel) < 0:
            warnings.warn("PSF: kernel_point_source has negative values", stacklevel=3)
        self._kernel = pixel_kernel
        if not self._normalise:
            self._kernel_norm = float(total)

    def _build_gaussian(self) -> None:
        size = kernels.gaussian_kernel_size(self._fwhm, self.truncation, self._pixel_size)
        size = min(size, _MAX_GAUSSIAN_SIZE)
        self._kernel = kernels.gaussian_kernel(size, self._pixel_size, self._fwhm)
        self._supersampled_cache = {}

    def _build_variance_map(self) -> None:
        if self._psf_variance_input is None:
            return
        variance = kernels.match_kernel_size(self._psf_variance_input, len(self._kernel))
        if self._normalise and self.psf_type == "PIXEL":
            variance = variance / np.sum(self._kernel_input) ** 2
        self._psf_variance_map = variance

    def set_pixel_size(self, delta_pix: float) -> None:
        """Set the pixel size (arcsec); rebuilds a GAUSSIAN kernel."""
        if not (np.isfinite(delta_pix) and delta_pix > 0):
            raise ValueError(f"PSF: pixel size must be finite and > 0, got {delta_pix!r}")
        self._pixel_size = float(delta_pix)
        if self.psf_type == "GAUSSIAN":
            self._build_gaussian()
            self._build_variance_map()

    # ------------------------------------------------------------------ kernels
    def _require_kernel(self) -> None:
        if self._kernel is None:
            raise ValueError(
                "PSF GAUSSIAN: the pixel size is unknown; give pixel_size or call set_pixel_size"
            )

    @property
    def kernel_point_source(self) -> np.ndarray:
        """Point-source kernel at pixel scale, (n, n) with n odd, sum 1 (if normalised)."""
        self._require_kernel()
        return self._kernel

    @property
    def pixel_size(self) -> float | None:
        """Pixel size in arcsec (None until known)."""
        return self._pixel_size

    @property
    def sigma(self) -> float:
        """GAUSSIAN only: sigma of the Gaussian, arcsec."""
        if self.psf_type != "GAUSSIAN":
            raise ValueError("sigma is defined for GAUSSIAN PSFs only")
        return kernels.fwhm_to_sigma(self._fwhm)

    def kernel_point_source_supersampled(self, supersampling_factor: int,
                                         updata_cache: bool = True) -> np.ndarray:
        """Point-source kernel sampled ``supersampling_factor`` times finer than the pixels.

        GAUSSIAN: the Gaussian sampled on the fine grid; PIXEL: the given supersampled kernel
        when the factor matches, else an up-sampled one (``kernels.subgrid_kernel``) with an
        odd size ``n s`` (minus one if even), normalised. ``updata_cache`` is accepted for
        compatibility; results are always cached per factor.
        """
        factor = int(supersampling_factor)
        if factor == 1:
            return self.kernel_point_source
        if factor in self._supersampled_cache:
            return self._supersampled_cache[factor]
        if self.psf_type == "GAUSSIAN":
            self._require_kernel()
            size = kernels.gaussian_kernel_size(self._fwhm, self.truncation, self._pixel_size,
                                                factor)
            if size > _MAX_SUPERSAMPLED_SIZE:
                raise ValueError(
                    f"PSF GAUSSIAN: supersampled kernel of {size} pixels per side exceeds "
                    f"{_MAX_SUPERSAMPLED_SIZE}; lower truncation or supersampling_factor"
                )
            kernel = kernels.gaussian_kernel(size, self._pixel_size / factor, self._fwhm)
        elif self.psf_type == "PIXEL":
            fine = kernels.subgrid_kernel(self._kernel, factor, odd=True, num_iter=5)
            n_new = len(self._kernel) * factor
            if n_new % 2 == 0:
                n_new -= 1
            kernel = kernels.cut_kernel(fine, n_new)
            kernel = kernel * self._kernel_norm / np.sum(kernel)
        else:
            kernel = self._kernel
        self._supersampled_cache[factor] = kernel
        return kernel

    @property
    def point_source_supersampling_factor(self) -> int:
        """Supersampling factor of the given PIXEL kernel (1 otherwise)."""
        return self._ps_factor_init

    @property
    def psf_variance_map(self) -> np.ndarray:
        """Variance of the normalised kernel, pixel scale, same size as the kernel."""
        if self._psf_variance_map is None:
            return np.zeros_like(self.kernel_point_source)
        return self._psf_variance_map

    @property
    def psf_error_map(self) -> np.ndarray:
        """Deprecated alias of ``psf_variance_map``."""
        return self.psf_variance_map

    @property
    def fwhm(self) -> float:
        """Full width at half maximum, arcsec (measured from the kernel for PIXEL)."""
        if self.psf_type == "GAUSSIAN":
            return self._fwhm
        if self._pixel_size is None:
            raise ValueError("PSF: fwhm of a PIXEL kernel needs the pixel size")
        return kernels.kernel_fwhm(self.kernel_point_source) * self._pixel_size
