"""PSF convolution of pixel images: pixel kernels (FFT or direct), split sub-pixel kernels,
Gaussian filters, and the adaptive (partly supersampled) scheme.

All operators act on the last two axes of arrays of shape ``(..., ny, nx)``, so a stack of
component images is convolved in one batched call. Kernels, their Fourier transforms and
filter matrices are computed once, at construction (numpy); applying an operator is pure
``jax.numpy`` (jit-, vmap- and grad-friendly).

Conventions (those of lenstronomy, Birrer & Amara 2018, Phys. Dark Universe 22, 189):

* convolution is the true 2-D convolution with zero boundary, cropped to the input ("same"
  output; the crop starts at ``(k - 1) // 2`` of the full result);
* a Gaussian PSF applied to extended light is ``scipy.ndimage.gaussian_filter`` with
  ``mode='nearest'``: a separable, sampled and normalised 1-D Gaussian of radius
  ``int(truncate * sigma_pix + 0.5)`` with edge replication (here: edge padding, then one
  FFT convolution with the outer product of the 1-D weights);
* with supersampled convolution a kernel sampled ``s`` times finer is split into a central
  part (``supersampling_kernel_size`` pixels wide, applied to the super-image, then block
  averaged) and the rest (degraded to pixel scale, applied to the pixel image).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from chromalens._trace_sharing import gate
from chromalens.cpu_runtime import on_cpu
from chromalens.data.kernels import degrade_kernel
from chromalens.imaging.grids import block_mean

__all__ = [
    "CONVOLUTION_TYPES",
    "AdaptiveConvolution",
    "GaussianConvolution",
    "PixelKernelConvolution",
    "SubgridKernelConvolution",
    "cut_kernel_center",
    "gaussian_kernel_1d",
    "next_fast_len",
    "split_kernel",
]

CONVOLUTION_TYPES = ("fft", "fft_static", "grid")


#: independent FFT chains of a paired stack on the CPU (:meth:`PixelKernelConvolution.
#: convolution2d_paired`). XLA's CPU runtime runs an FFT (DUCC) on one thread when it is called
#: from one of the runtime's worker threads, as it is inside any program of more than a few
#: operations; independent parts of the stack can then run on two workers at once. Whether
#: they do is the runtime's choice: its thunk executor hands ready operations to another
#: worker only when more than a threshold of them (8 in XLA's source) are ready together, and
#: otherwise runs them in turn on the current thread. In the single-band shapelet program the
#: two chains run side by side; in the three-band one (forward transforms shared, inverse ones
#: per band) a thread trace shows them one after the other. Measured, 2 cores:
#:
#: * single-band shapelet likelihood (33 complex 112 x 112 images): 5.5-6.0 ms in one chain,
#:   4.3-4.9 ms in two, 5.5-5.7 ms in three, 5.8-6.2 ms in four (2026-11-28 again: two
#:   4.55-4.67 ms, four 5.64-5.89 ms);
#: * three-band shapelet JointLinear: two 10.5-12.0 ms, three 10.3-11.4 ms, four 10.6-10.7 ms,
#:   six 11.2-11.5 ms (all within the machine's noise). Tying the chains together so that
#:   their buffers cannot be shared (a value of every chain's input read after all of them)
#:   made the forward transforms run side by side, each about twice as slow: no gain.
#:
#: Tried and slower (single-band shapelet likelihood; per variant three processes, each giving
#: its lowest of five 200-call medians; 2026-11-28, on a host about 2.5x slower than the
#: figures above): each chain forming its own packed images from the shapelet factors, the
#: products, binning, packing and padding then fused into one operation per chain: 15.7-19.4 ms
#: with two chains, 17.6-17.9 ms with twelve, against 11.6-12.9 ms for binning the whole stack
#: first (thread traces: the transforms then ran mostly on one worker); XLA's
#: ``--xla_cpu_scheduler_type=CPU_SCHEDULER_TYPE_MEMORY_OPTIMIZED``: 14.7-16.6 ms against
#: 12.5-12.7 ms for the default (``..._CONCURRENCY_OPTIMIZED``: 12.5-13.7 ms).
CPU_FFT_CHAINS = 2


def next_fast_len(n: int) -> int:
    """Smallest integer ``>= n`` whose only prime factors are 2, 3, 5 and 7 (sizes that the
    FFT library transforms fastest)."""
    n = int(n)
    if n <= 6:
        return max(n, 1)
    best = None
    p7 = 1
    while p7 < 2 * n:
        p5 = p7
        while p5 < 2 * n:
            p35 = p5
            while p35 < 2 * n:
                m = p35
                while m < n:
                    m *= 2
                if best is None or m < best:
                    best = m
                p35 *= 3
            p5 *= 5
        p7 *= 7
    return best


def cut_kernel_center(kernel: np.ndarray, size: int) -> np.ndarray:
    """Central ``size x size`` part of a square kernel (sizes of equal parity), no rescaling."""
    kernel = np.asarray(kernel, dtype=float)
    n = kernel.shape[0]
    if size > n:
        raise ValueError(f"cannot cut a {n}x{n} kernel to {size}x{size}")
    if (n - size) % 2:
        raise ValueError(
            f"cannot cut a {n}x{n} kernel to {size}x{size}: sizes must be both odd or both even"
        )
    start = (n - size) // 2
    return kernel[start:start + size, start:start + size].copy()


def split_kernel(kernel_super: np.ndarray, supersampling_kernel_size: int,
                 supersampling_factor: int) -> tuple[np.ndarray, np.ndarray]:
    """Split a supersampled kernel into a pixel-scale "hole" kernel and a central part.

    Parameters
    ----------
    kernel_super : ndarray, shape (n, n)
        Kernel sampled ``s`` times finer than the pixels (odd ``n``).
    supersampling_kernel_size : int
        Odd width, in pixels, of the central part kept at sub-pixel resolution.
    supersampling_factor : int
        ``s > 1``.

    Returns
    -------
    hole : ndarray
        ``kernel_super`` with its central ``m x m`` sub-pixels zeroed (``m`` =
        ``supersampling_kernel_size * s``, made odd, at most ``n``), degraded to pixel scale
        (flux conserving).
    center : ndarray, shape (m, m)
        The central part, at sub-pixel resolution.
    """
    s = int(supersampling_factor)
    if s <= 1:
        raise ValueError(f"splitting a kernel needs supersampling_factor > 1, got {s}")
    if supersampling_kernel_size % 2 == 0:
        raise ValueError(
            "supersampling_kernel_size must be an odd number, got "
            f"{supersampling_kernel_size}"
        )
    kernel_super = np.asarray(kernel_super, dtype=float)
    n_super = kernel_super.shape[0]
    n_sub = supersampling_kernel_size * s
    if n_sub % 2 == 0:
        n_sub += 1
    n_sub = min(n_sub, n_super)
    lo = (n_super - 1) // 2 - (n_sub - 1) // 2
    hi = lo + n_sub
    hole = kernel_super.copy()
    hole[lo:hi, lo:hi] = 0.0
    return degrade_kernel(hole, s), kernel_super[lo:hi, lo:hi].copy()


class PixelKernelConvolution:
    """'same'-size 2-D convolution with a pixel kernel, zero boundary.

    Parameters
    ----------
    kernel : array_like, shape (ky, kx)
        Convolution kernel (used as given; no normalisation).
    image_shape : (int, int)
        ``(ny, nx)`` of the images to convolve.
    convolution_type : {'fft_static', 'fft', 'grid'}
        All three give the same convolution, computed by FFT with the kernel transform
        precomputed: 'grid' (direct summation in the reference) differs from it only by
        round-off (~1e-16 of the image maximum), and XLA's direct float64 convolution is
        one to two orders of magnitude slower on CPU.
    """

    def __init__(self, kernel, image_shape: tuple[int, int],
                 convolution_type: str = "fft_static"):
        if convolution_type not in CONVOLUTION_TYPES:
            raise ValueError(
                f"convolution_type {convolution_type!r} not supported; "
                f"choose one of {CONVOLUTION_TYPES}"
            )
        kernel = np.asarray(kernel, dtype=float)
        if kernel.ndim != 2:
            raise ValueError(f"convolution kernel must be 2-D, got shape {kernel.shape}")
        self._kernel = kernel
        self._type = convolution_type
        self._shape = (int(image_shape[0]), int(image_shape[1]))
        ny, nx = self._shape
        ky, kx = kernel.shape
        self._start = ((ky - 1) // 2, (kx - 1) // 2)
        # a circular convolution of length L equals the linear one on the cropped output
        # rows [start, start + n) when L >= n + k - 1 - start (the wrapped tail misses them)
        self._fshape = (next_fast_len(ny + ky - 1 - self._start[0]),
                        next_fast_len(nx + kx - 1 - self._start[1]))
        # numpy FFT + device_put: construction compiles nothing (no eager XLA calls)
        self._kernel_ft = jax.device_put(np.fft.rfft2(kernel, s=self._fshape))
        # full complex transform, for convolution2d_paired
        self._kernel_ft_full = jax.device_put(np.fft.fft2(kernel, s=self._fshape))

    @property
    def kernel(self) -> np.ndarray:
        """The convolution kernel."""
        return self._kernel

    def convolution2d(self, image):
        """Convolve the last two axes.

        Parameters
        ----------
        image : array, shape (..., ny, nx)

        Returns
        -------
        array, shape (..., ny, nx)
        """
        image = jnp.asarray(image)
        ny, nx = self._shape
        if image.shape[-2:] != (ny, nx):
            raise ValueError(f"expected images of shape (..., {ny}, {nx}), got {image.shape}")
        # each image is transformed on its own (real FFT): identical images give bit-identical
        # results, so a degenerate model (two equal components) stays exactly singular, as in
        # the reference
        image_ft = jnp.fft.rfft2(image, s=self._fshape)
        # gate: in a multi-band program this band's convolution waits for the previous band
        full = jnp.fft.irfft2(image_ft * gate(self._kernel_ft), s=self._fshape)
        sy, sx = self._start
        return full[..., sy:sy + ny, sx:sx + nx]

    def convolution2d_paired(self, image):
        """:meth:`convolution2d` of a stack, two images per complex FFT.

        The first half of the stack is the real part and the second half the imaginary part
        of one complex stack: the kernel is real, so the real and imaginary parts of the
        convolved stack are the two halves' convolutions. This is half the transforms of
        :meth:`convolution2d` (measured 2x faster for 66 images of 100 x 100 on the CPU).
        Results equal it to round-off (~1e-15 of the stack's maximum), but an image's
        round-off now depends on its partner: two equal images are no longer bit-identical,
        so use it only for stacks of linearly independent images (a shapelet basis), never
        across profiles that a model may repeat. On the CPU the complex stack is transformed
        in :data:`CPU_FFT_CHAINS` independent parts, which XLA's runtime runs side by side.

        Parameters
        ----------
        image : array, shape (n, ny, nx)

        Returns
        -------
        array, shape (n, ny, nx)
        """
        image = jnp.asarray(image)
        ny, nx = self._shape
        if image.ndim != 3 or image.shape[-2:] != (ny, nx):
            raise ValueError(f"expected a stack of shape (n, {ny}, {nx}), got {image.shape}")
        n = image.shape[0]
        if n < 2:
            return self.convolution2d(image)
        half = (n + 1) // 2
        imaginary = image[half:]
        if n % 2:
            imaginary = jnp.concatenate([imaginary, jnp.zeros_like(image[:1])])
        kernel_ft = gate(self._kernel_ft_full)
        sy, sx = self._start
        chains = min(CPU_FFT_CHAINS, half) if on_cpu() else 1
        bounds = np.linspace(0, half, chains + 1).astype(int)
        real, imag = [], []
        for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
            packed = jax.lax.complex(image[start:stop], imaginary[start:stop])
            full = jnp.fft.ifft2(jnp.fft.fft2(packed, s=self._fshape) * kernel_ft)
            full = full[..., sy:sy + ny, sx:sx + nx]
            real.append(jnp.real(full))
            imag.append(jnp.imag(full))
        return jnp.concatenate(real + imag)[:n]

    def re_size_convolve(self, image_low_res, image_high_res=None):
        """Convolve the pixel image (the super-image is not used)."""
        return self.convolution2d(image_low_res)


class SubgridKernelConvolution:
    """Convolution with a supersampled kernel, split into a sub-pixel and a pixel part.

    Parameters
    ----------
    kernel_supersampled : array_like, shape (n, n)
        Kernel sampled ``s`` times finer than the pixels.
    supersampling_factor : int
    image_shape : (int, int)
        Pixel-image shape ``(ny, nx)``; the super-image is ``(ny s, nx s)``.
    supersampling_kernel_size : int or None
        Width (pixels, odd) of the central part convolved at sub-pixel resolution; the rest
        is degraded and convolved at pixel resolution. ``None``: the whole kernel is applied
        to the super-image.
    convolution_type : {'fft_static', 'fft', 'grid'}
    """

    def __init__(self, kernel_supersampled, supersampling_factor: int,
                 image_shape: tuple[int, int], supersampling_kernel_size: int | None = None,
                 convolution_type: str = "fft_static"):
        s = int(supersampling_factor)
        self._s = s
        ny, nx = image_shape
        kernel_supersampled = np.asarray(kernel_supersampled, dtype=float)
        if supersampling_kernel_size is None:
            self._low_conv = None
            kernel_high = kernel_supersampled
        else:
            kernel_low, kernel_high = split_kernel(
                kernel_supersampled, supersampling_kernel_size, s
            )
            self._low_conv = PixelKernelConvolution(kernel_low, (ny, nx), convolution_type)
        self._high_conv = PixelKernelConvolution(kernel_high, (ny * s, nx * s),
                                                 convolution_type)

    def re_size_convolve(self, image_low_res, image_high_res):
        """Convolved pixel image.

        Parameters
        ----------
        image_low_res : array, shape (..., ny, nx)
        image_high_res : array, shape (..., ny s, nx s)

        Returns
        -------
        array, shape (..., ny, nx)
        """
        out = block_mean(self._high_conv.convolution2d(image_high_res), self._s, "strided")
        if self._low_conv is not None:
            out = out + self._low_conv.convolution2d(image_low_res)
        return out


def gaussian_kernel_1d(sigma: float, truncate: float) -> np.ndarray:
    """scipy.ndimage's 1-D Gaussian filter weights.

    The Gaussian sampled at integer offsets ``|m| <= int(truncate * sigma + 0.5)`` and
    normalised to sum 1; ``sigma <= 1e-15`` gives ``[1.0]`` (no filtering).

    Parameters
    ----------
    sigma : float
        Standard deviation in samples.
    truncate : float
        Half-width in standard deviations.

    Returns
    -------
    ndarray, shape (2 r + 1,)
    """
    if sigma <= 1e-15:
        return np.ones(1)
    radius = int(truncate * float(sigma) + 0.5)
    offsets = np.arange(-radius, radius + 1)
    weights = np.exp(-0.5 / (sigma * sigma) * offsets**2)
    return weights / weights.sum()


class GaussianConvolution:
    """Gaussian PSF on extended light: scipy's ``gaussian_filter(mode='nearest')``.

    The image is padded by edge replication by the filter radius, convolved (FFT, kernel
    transform precomputed) with the outer product of the sampled, normalised 1-D Gaussian,
    and cropped back: the same numbers as the separable filter with edge replication.

    Parameters
    ----------
    sigma : float
        PSF standard deviation, arcsec.
    pixel_scale : float
        Pixel width, arcsec.
    image_shape : (int, int)
        Pixel-image shape ``(ny, nx)``.
    supersampling_factor : int
    supersampling_convolution : bool
        Filter the super-image (sigma in sub-pixels) and block-average; else filter the
        pixel image.
    truncation : float
        Filter half-width in standard deviations.
    """

    def __init__(self, sigma: float, pixel_scale: float, image_shape: tuple[int, int],
                 supersampling_factor: int = 1, supersampling_convolution: bool = False,
                 truncation: float = 5.0):
        s = int(supersampling_factor)
        self._s = s
        self._supersampled = bool(supersampling_convolution)
        sigma_pix = sigma / pixel_scale
        ny, nx = image_shape
        if self._supersampled:
            sigma_pix = sigma_pix * s
            ny, nx = ny * s, nx * s
        weights = gaussian_kernel_1d(sigma_pix, truncation)
        self._radius = (weights.size - 1) // 2
        r = self._radius
        self._conv = PixelKernelConvolution(np.outer(weights, weights), (ny + 2 * r, nx + 2 * r))

    def convolution2d(self, image):
        """Filter the last two axes of ``image`` (shape (..., n_rows, n_cols))."""
        r = self._radius
        if r == 0:
            return image
        pad = [(0, 0)] * (image.ndim - 2) + [(r, r), (r, r)]
        padded = jnp.pad(image, pad, mode="edge")
        return self._conv.convolution2d(padded)[..., r:-r, r:-r]

    def re_size_convolve(self, image_low_res, image_high_res):
        """Convolved pixel image, shape (..., ny, nx)."""
        if self._supersampled:
            return block_mean(self.convolution2d(image_high_res), self._s, "strided")
        return self.convolution2d(image_low_res)


class AdaptiveConvolution:
    """Pixel-scale FFT convolution, corrected at sub-pixel resolution on selected pixels.

    ``out = K_low * low  +  C . [block_mean(K_cut * (S_hi . high)) - K_cut_low * (S . low)]``
    where ``K_low`` is the kernel degraded to pixel scale, ``K_cut`` its central
    ``supersampling_kernel_size`` pixels at sub-pixel resolution and ``K_cut_low`` that part
    degraded; ``S`` marks the supersampled pixels (``S_hi`` their sub-pixels) and ``C`` the
    pixels whose correction is computed (``compute_pixels``).

    Parameters
    ----------
    kernel_super : array_like, shape (n, n)
        Kernel sampled ``s`` times finer than the pixels.
    supersampling_factor : int
    image_shape : (int, int)
        ``(ny, nx)``.
    conv_supersample_pixels : bool array, shape (ny, nx)
    supersampling_kernel_size : int or None
        Odd width in pixels of the corrected kernel core; ``None``: the degraded kernel's
        width. (A core wider than the kernel is clamped to the kernel; the reference raises.)
    compute_pixels : bool array, shape (ny, nx), optional
        ``None``: all pixels.
    """

    def __init__(self, kernel_super, supersampling_factor: int, image_shape: tuple[int, int],
                 conv_supersample_pixels, supersampling_kernel_size: int | None = None,
                 compute_pixels=None):
        s = int(supersampling_factor)
        self._s = s
        ny, nx = image_shape
        kernel_super = np.asarray(kernel_super, dtype=float)
        kernel_low = degrade_kernel(kernel_super, s)
        self._low_conv = PixelKernelConvolution(kernel_low, (ny, nx), "fft_static")
        if supersampling_kernel_size is None:
            supersampling_kernel_size = kernel_low.shape[0]
        n_cut = supersampling_kernel_size * s
        if n_cut % 2 == 0:
            n_cut += 1
        n_cut = min(n_cut, kernel_super.shape[0])
        kernel_super_cut = cut_kernel_center(kernel_super, n_cut)
        kernel_cut = degrade_kernel(kernel_super_cut, s)
        self._low_partial = PixelKernelConvolution(kernel_cut, (ny, nx), "fft_static")
        self._high_partial = PixelKernelConvolution(kernel_super_cut, (ny * s, nx * s),
                                                    "fft_static")
        supersampled = np.asarray(conv_supersample_pixels, dtype=bool)
        if compute_pixels is None:
            compute_pixels = np.ones((ny, nx), dtype=bool)
        compute_pixels = np.asarray(compute_pixels, dtype=bool)
        for name, mask in (("supersampled_indexes", supersampled),
                           ("compute_indexes", compute_pixels)):
            if mask.shape != (ny, nx):
                raise ValueError(f"{name} must have shape {(ny, nx)}, got {mask.shape}")
        self._supersampled = jnp.asarray(supersampled, dtype=float)
        self._supersampled_high = jnp.asarray(
            np.repeat(np.repeat(supersampled, s, axis=0), s, axis=1), dtype=float
        )
        self._compute = jnp.asarray(compute_pixels, dtype=float)

    def re_size_convolve(self, image_low_res, image_high_res):
        """Convolved pixel image.

        Parameters
        ----------
        image_low_res : array, shape (..., ny, nx)
        image_high_res : array, shape (..., ny s, nx s)

        Returns
        -------
        array, shape (..., ny, nx)
        """
        full = self._low_conv.convolution2d(image_low_res)
        high = block_mean(
            self._high_partial.convolution2d(image_high_res * self._supersampled_high), self._s,
            "strided")
        low = self._low_partial.convolution2d(image_low_res * self._supersampled)
        return full + self._compute * (high - low)
