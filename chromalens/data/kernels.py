"""PSF kernel utilities (static, numpy): Gaussian kernels, resampling between pixel scales.

These run once, when a PSF is built, never inside a likelihood evaluation, so they are plain
numpy/scipy. Conventions follow the reference so that supersampled kernels agree to round-off:

* a kernel is a square, odd-sized array centred on its middle pixel;
* ``degrade_kernel(k, s)`` turns a kernel sampled ``s`` times finer into the pixel scale
  (flux-conserving: block sums), with the reference's split of edge sub-pixels for even ``s``;
* ``subgrid_kernel(k, s)`` goes the other way: bilinear up-sampling, iteratively corrected so
  that degrading the result reproduces the input.
"""

from __future__ import annotations

import numpy as np


def fwhm_to_sigma(fwhm: float) -> float:
    """Gaussian sigma from its full width at half maximum."""
    return fwhm / (2.0 * np.sqrt(2.0 * np.log(2.0)))


def gaussian_kernel(num_pix: int, delta_pix: float, fwhm: float) -> np.ndarray:
    """Circular Gaussian sampled at the centres of a ``num_pix`` square grid, sum 1.

    Parameters
    ----------
    num_pix : int
        Kernel size (pixels per side, odd).
    delta_pix : float
        Pixel size, arcsec.
    fwhm : float
        Full width at half maximum, arcsec.
    """
    sigma = fwhm_to_sigma(fwhm)
    offsets = (np.arange(num_pix) - (num_pix - 1) / 2.0) * delta_pix
    x, y = np.meshgrid(offsets, offsets)
    kernel = np.exp(-(x**2 + y**2) / (2.0 * sigma**2))
    return kernel / np.sum(kernel)


def gaussian_kernel_size(fwhm: float, truncation: float, pixel_size: float,
                         supersampling_factor: int = 1) -> int:
    """Odd kernel size ``2 r + 1`` with ``r = max(round(truncation * sigma / pixel), 1)``."""
    sigma = fwhm_to_sigma(fwhm)
    radius = max(round(truncation * sigma / pixel_size * supersampling_factor), 1)
    return 2 * radius + 1


def block_mean(image: np.ndarray, factor: int) -> np.ndarray:
    """Mean over ``factor x factor`` blocks of a 2-D array whose sides divide by ``factor``."""
    ny, nx = image.shape
    return image.reshape(ny // factor, factor, nx // factor, factor).mean(axis=(1, 3))


def _degrade_odd(kernel: np.ndarray, factor: int) -> np.ndarray:
    n_kernel = len(kernel)
    num_pix = int(round(n_kernel / factor))
    if num_pix % 2 == 0:
        num_pix += 1
    n_high = num_pix * factor
    padded = np.zeros((n_high, n_high))
    start = (n_high - n_kernel) // 2
    padded[start:start + n_kernel, start:start + n_kernel] = kernel
    return block_mean(padded, factor)


def _degrade_even(kernel: np.ndarray, factor: int) -> np.ndarray:
    """Block mean for an even factor: an odd kernel's block edges fall on sub-pixel centres,
    so edge sub-pixels are shared half / half (corners a quarter each) between pixels."""
    n_kernel = len(kernel)
    n_low = int(round(n_kernel / factor + 0.5))
    if n_low % 2 == 0:
        n_low += 1
    n_high = n_low * factor - 1
    if n_high == n_kernel:
        padded = kernel
    else:
        start = (n_high - n_kernel) // 2
        padded = np.zeros((n_high, n_high))
        padded[start:start + n_kernel, start:start + n_kernel] = kernel
    low = np.zeros((n_low, n_low))
    last = factor - 1
    for i in range(last):
        for j in range(last):
            low += padded[i::factor, j::factor]
    for j in range(last):
        half = padded[last::factor, j::factor] / 2
        low[1:, :] += half
        low[:-1, :] += half
    for i in range(last):
        half = padded[i::factor, last::factor] / 2
        low[:, 1:] += half
        low[:, :-1] += half
    quarter = padded[last::factor, last::factor] / 4
    low[1:, 1:] += quarter
    low[:-1, 1:] += quarter
    low[1:, :-1] += quarter
    low[:-1, :-1] += quarter
    return low / factor**2


def degrade_kernel(kernel_super: np.ndarray, factor: int) -> np.ndarray:
    """Pixel-scale kernel from one sampled ``factor`` times finer (flux conserving)."""
    if factor == 1:
        return kernel_super
    if factor % 2 == 0:
        low = _degrade_even(kernel_super, factor)
    else:
        low = _degrade_odd(kernel_super, factor)
    return low * factor**2


def _bilinear_resample(kernel: np.ndarray, n_out: int) -> np.ndarray:
    from scipy.interpolate import RectBivariateSpline  # heavy import, needed only here

    n_in = len(kernel)
    grid_in = (np.arange(n_in) + 0.5) / n_in
    grid_out = (np.arange(n_out) + 0.5) / n_out
    spline = RectBivariateSpline(grid_in, grid_in, kernel, kx=1, ky=1, s=0)
    out = spline(grid_out, grid_out)
    return out / np.sum(out)


def subgrid_kernel(kernel: np.ndarray, factor: int, odd: bool = True,
                   num_iter: int = 5) -> np.ndarray:
    """Kernel sampled ``factor`` times finer than ``kernel``, consistent with it.

    Bilinear up-sampling, then ``num_iter`` corrections: the residual between the input and
    the re-degraded result is added back before re-sampling. With ``odd=True`` an even output
    size is reduced by one. The result has the input's total flux.
    """
    factor = int(factor)
    if factor == 1:
        return kernel
    norm = np.sum(kernel)
    current = np.array(kernel, dtype=float) / norm
    n = len(kernel)
    n_new = n * factor
    if odd and n_new % 2 == 0:
        n_new -= 1
    sub = _bilinear_resample(current, n_new)
    for _ in range(max(num_iter, 1)):
        if factor % 2 == 0:
            pixel = _degrade_even(sub, factor)
        else:
            pixel = block_mean(sub, factor)
        current = current + (kernel - pixel)
        sub = _bilinear_resample(current, n_new)
    if factor % 2 == 0:
        return sub
    pixel = block_mean(sub, factor)
    pixel = pixel / np.sum(pixel)
    delta = pixel - kernel / np.sum(kernel)
    sub = sub - np.kron(delta, np.ones((factor, factor))) / factor**2
    return sub / np.sum(sub) * norm


def cut_kernel(kernel: np.ndarray, size: int, normalise: bool = True) -> np.ndarray:
    """Central ``size x size`` part of an odd kernel (``size`` odd), optionally renormalised."""
    n = len(kernel)
    if size > n:
        raise ValueError(f"cannot cut a {n}x{n} kernel to {size}x{size}")
    if (n - size) % 2:
        raise ValueError(f"kernel size {n} and cut size {size} must both be odd")
    start = (n - size) // 2
    cut = np.array(kernel[start:start + size, start:start + size], dtype=float)
    return cut / np.sum(cut) if normalise else cut


def match_kernel_size(image: np.ndarray, size: int) -> np.ndarray:
    """Crop or zero-pad a square array symmetrically to ``size x size`` (copy)."""
    n = len(image)
    if n == size:
        return np.array(image, dtype=float)
    if n > size:
        lo = int((n - size) / 2)
        hi = int(n - (n - size) / 2)
        return np.array(image[lo:hi, lo:hi], dtype=float)
    out = np.zeros((size, size))
    lo = int((size - n) / 2)
    hi = int(size - (size - n) / 2)
    out[lo:hi, lo:hi] = image
    return out


def kernel_fwhm(kernel: np.ndarray) -> float:
    """FWHM of an odd kernel in pixels, from its azimuthally averaged radial profile."""
    n = len(kernel)
    if n % 2 == 0:
        raise ValueError("kernel_fwhm needs an odd kernel")
    centre = (n - 1) / 2.0
    y, x = np.indices(kernel.shape)
    r = np.sqrt((x - centre) ** 2 + (y - centre) ** 2).astype(int)
    profile = np.bincount(r.ravel(), kernel.ravel()) / np.bincount(r.ravel())
    half = kernel[int(centre), int(centre)] / 2.0
    radii = np.linspace(0, centre, int((n + 1) / 2)) + 0.33
    for i in range(1, len(profile)):
        if profile[i] < half:
            return 2.0 * ((half - profile[i - 1]) / (profile[i] - profile[i - 1]) + radii[i - 1])
    raise ValueError("the kernel does not fall to half its maximum: FWHM undefined")
