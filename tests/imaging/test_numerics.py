"""Numerics (supersampling, convolution) against the reference's
lenstronomy.ImSim.Numerics.numerics_subframe.NumericsSubFrame.

Each case builds the reference on lenstronomy's ImageData/PSF and ours on chromalens.data's
ImageData/PSF from the same inputs, evaluates the same smooth random surface brightness at
each side's ``coordinates_evaluate`` and compares the pixels. Tolerance: the two differ only
by floating-point summation order (FFT vs FFT, FFT vs direct sum, block means), so
``|ours - ref| <= 1e-12 * max|ref|``.
"""

from __future__ import annotations

import zlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from lenstronomy.Data.imaging_data import ImageData as RefImageData
from lenstronomy.Data.psf import PSF as RefPSF
from lenstronomy.ImSim.Numerics.numerics_subframe import NumericsSubFrame
from lenstronomy.Util import kernel_util
from scipy import ndimage, signal

from chromalens.data import PSF, ImageData
from chromalens.imaging.convolution import GaussianConvolution, next_fast_len, split_kernel
from chromalens.imaging.numerics import NUMERICS_KEYS, Numerics
from chromalens.imaging.point_source_rendering import placement_matrix
from chromalens.light.factored_basis import FactoredBasis

RTOL_MAX = 1e-12
PIXEL = 0.1


def _seed(*labels) -> int:
    return zlib.crc32(repr(labels).encode())


def _transform(rng):
    """A slightly rotated and sheared pixel grid with RA increasing to the left."""
    angle = rng.uniform(-0.3, 0.3)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return np.array([[-PIXEL, 0.0], [0.0, PIXEL]]) @ rot + rng.uniform(-0.005, 0.005, (2, 2))


def _data_pair(rng, ny=20, nx=20):
    transform = _transform(rng)
    origin = dict(ra_at_xy_0=rng.uniform(0.8, 1.1), dec_at_xy_0=rng.uniform(-1.1, -0.8))
    image = rng.normal(size=(ny, nx))
    ref = RefImageData(image, transform_pix2angle=transform, **origin)
    ours = ImageData(image, transform_pix2angle=transform, **origin)
    return ref, ours


def _kernel(rng, n=11):
    kernel = kernel_util.kernel_gaussian(n, PIXEL, rng.uniform(0.2, 0.35))
    return kernel * (1 + 0.3 * rng.uniform(size=kernel.shape))


def _psf_pair(kind, rng, variance=False):
    if kind == "PIXEL":
        kwargs = dict(psf_type="PIXEL", kernel_point_source=_kernel(rng))
        if variance:
            kwargs["psf_variance_map"] = 0.01 * rng.uniform(size=(11, 11))
    elif kind == "PIXEL_SUPERSAMPLED":
        kwargs = dict(psf_type="PIXEL", point_source_supersampling_factor=3,
                      kernel_point_source=kernel_util.kernel_gaussian(33, PIXEL / 3, 0.3)
                      * (1 + 0.1 * rng.uniform(size=(33, 33))))
    elif kind == "GAUSSIAN":
        kwargs = dict(psf_type="GAUSSIAN", fwhm=rng.uniform(0.2, 0.3), pixel_size=PIXEL,
                      truncation=rng.choice([3, 4, 5]))
    else:
        kwargs = dict(psf_type="NONE")
    return RefPSF(**kwargs), PSF(**kwargs)


def _random_light(rng):
    """Smooth random surface brightness: a few elliptical Gaussians and a wave, arcsec^-2."""
    blobs = [(rng.uniform(-0.7, 0.7), rng.uniform(-0.7, 0.7), rng.uniform(0.05, 0.4),
              rng.uniform(0.5, 1.5), rng.uniform(1, 5)) for _ in range(3)]
    k = rng.uniform(1, 4, 2)

    def light(ra, dec):
        ra, dec = np.asarray(ra), np.asarray(dec)
        out = 0.3 * np.cos(k[0] * ra) * np.sin(k[1] * dec) + 0.5
        for x0, y0, sigma, q, amp in blobs:
            out = out + amp * np.exp(-((ra - x0) ** 2 + ((dec - y0) / q) ** 2) / (2 * sigma**2))
        return out

    return light


def _compare(ref, ours, light, unconvolved=False):
    ra_ref, dec_ref = ref.coordinates_evaluate
    ra, dec = (np.asarray(c) for c in ours.coordinates_evaluate)
    np.testing.assert_allclose(ra, ra_ref, rtol=0, atol=1e-14)
    np.testing.assert_allclose(dec, dec_ref, rtol=0, atol=1e-14)
    expected = ref.re_size_convolve(light(ra_ref, dec_ref), unconvolved=unconvolved)
    got = np.asarray(ours.re_size_convolve(light(ra, dec), unconvolved=unconvolved))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=RTOL_MAX * np.max(np.abs(expected)))
    return got


def _disk(ny, nx, x0, y0, r2):
    x, y = np.meshgrid(np.arange(nx), np.arange(ny))
    return (x - x0) ** 2 + (y - y0) ** 2 < r2


REGULAR_CASES = {
    "s1": dict(),
    "s2": dict(supersampling_factor=2),
    "s3_conv": dict(supersampling_factor=3, supersampling_convolution=True),
    "s2_conv_k3": dict(supersampling_factor=2, supersampling_convolution=True,
                       supersampling_kernel_size=3),
    "s4_conv_k5_fft": dict(supersampling_factor=4, supersampling_convolution=True,
                           convolution_type="fft"),
    "s3_conv_cut5_grid": dict(supersampling_factor=3, supersampling_convolution=True,
                              convolution_kernel_size=5, convolution_type="grid"),
    "s2_conv_kNone": dict(supersampling_factor=2, supersampling_convolution=True,
                          supersampling_kernel_size=None),
    "s1_cut7_grid": dict(convolution_kernel_size=7, convolution_type="grid"),
    "s2_fft_trunc": dict(supersampling_factor=2, convolution_type="fft", truncation_conv=2.5),
}


@pytest.mark.parametrize("kind", ["PIXEL", "GAUSSIAN", "NONE"])
@pytest.mark.parametrize("case", list(REGULAR_CASES))
def test_regular_mode_matches_reference(kind, case):
    rng = np.random.default_rng(_seed(kind, case))
    ref_data, data = _data_pair(rng)
    ref_psf, psf = _psf_pair(kind, rng)
    kwargs = REGULAR_CASES[case]
    ref = NumericsSubFrame(ref_data, ref_psf, **kwargs)
    ours = Numerics(data, psf, **kwargs)
    light = _random_light(rng)
    _compare(ref, ours, light)
    _compare(ref, ours, light, unconvolved=True)


ADAPTIVE_CASES = {
    "s1": dict(supersampling_factor=1),
    "s2_noconv": dict(supersampling_factor=2),
    "s3_conv": dict(supersampling_factor=3, supersampling_convolution=True),
    "s2_conv_k3": dict(supersampling_factor=2, supersampling_convolution=True,
                       supersampling_kernel_size=3),
    "s3_conv_k3_compute": dict(supersampling_factor=3, supersampling_convolution=True,
                               supersampling_kernel_size=3, compute_indexes="disk"),
    "s4_conv_cut9": dict(supersampling_factor=4, supersampling_convolution=True,
                         convolution_kernel_size=9),
}


@pytest.mark.parametrize("kind", ["PIXEL", "NONE"])
@pytest.mark.parametrize("case", list(ADAPTIVE_CASES))
def test_adaptive_mode_matches_reference(kind, case):
    rng = np.random.default_rng(_seed(kind, case, "adaptive"))
    ref_data, data = _data_pair(rng)
    ref_psf, psf = _psf_pair(kind, rng)
    kwargs = dict(ADAPTIVE_CASES[case])
    if kwargs.get("compute_indexes") == "disk":
        kwargs["compute_indexes"] = _disk(20, 20, 10, 10, 60)
    kwargs["supersampled_indexes"] = _disk(20, 20, 9, 8, 20)
    ref = NumericsSubFrame(ref_data, ref_psf, compute_mode="adaptive", **kwargs)
    ours = Numerics(data, psf, compute_mode="adaptive", **kwargs)
    _compare(ref, ours, _random_light(rng))


def test_adaptive_all_supersampled_equals_regular():
    rng = np.random.default_rng(5)
    _, data = _data_pair(rng)
    _, psf = _psf_pair("PIXEL", rng)
    light = _random_light(rng)
    kwargs = dict(supersampling_factor=2, supersampling_convolution=True,
                  supersampling_kernel_size=3)
    regular = Numerics(data, psf, **kwargs)
    adaptive = Numerics(data, psf, compute_mode="adaptive",
                        supersampled_indexes=np.ones((20, 20), bool), **kwargs)
    a = regular.re_size_convolve(light(*regular.coordinates_evaluate))
    b = adaptive.re_size_convolve(light(*adaptive.coordinates_evaluate))
    np.testing.assert_allclose(b, a, rtol=0, atol=1e-13 * np.max(a))


@pytest.mark.parametrize("kind", ["PIXEL", "GAUSSIAN", "NONE"])
def test_symmetric_flux_mask_matches_reference(kind):
    """Where the reference's sub-frame code works (mask symmetric under transposition, s=1)."""
    rng = np.random.default_rng({"PIXEL": 1, "GAUSSIAN": 2, "NONE": 3}[kind])
    ref_data, data = _data_pair(rng)
    ref_psf, psf = _psf_pair(kind, rng)
    mask = _disk(20, 20, 9, 9, 26) & ~_disk(20, 20, 9, 9, 3)
    ref = NumericsSubFrame(ref_data, ref_psf, flux_evaluate_indexes=mask)
    ours = Numerics(data, psf, flux_evaluate_indexes=mask)
    _compare(ref, ours, _random_light(rng))


# ---------------------------------------------------------------- fixed reference bugs
@pytest.mark.parametrize("s", [1, 2, 3])
def test_flux_mask_fixed_behaviour_no_psf(s):
    """Asymmetric mask, any s: inside the mask the image equals the unmasked one, zero
    elsewhere (the reference transposes the sub-frame and picks wrong sub-pixels)."""
    rng = np.random.default_rng(10 + s)
    _, data = _data_pair(rng, ny=18, nx=23)
    _, psf = _psf_pair("NONE", rng)
    light = _random_light(rng)
    mask = np.zeros((18, 23), bool)
    mask[3:9, 5:19] = True
    mask[9:12, 14:16] = True
    full = Numerics(data, psf, supersampling_factor=s)
    masked = Numerics(data, psf, supersampling_factor=s, flux_evaluate_indexes=mask)
    assert masked.num_evaluate == mask.sum() * s * s
    image_full = np.asarray(full.re_size_convolve(light(*full.coordinates_evaluate)))
    image_masked = np.asarray(masked.re_size_convolve(light(*masked.coordinates_evaluate)))
    np.testing.assert_allclose(image_masked[mask], image_full[mask], rtol=1e-14)
    assert np.all(image_masked[~mask] == 0)
    every = Numerics(data, psf, supersampling_factor=s,
                     flux_evaluate_indexes=np.ones((18, 23), bool))
    np.testing.assert_allclose(every.re_size_convolve(light(*every.coordinates_evaluate)),
                               image_full, rtol=1e-14)


@pytest.mark.parametrize("compute_mode", ["regular", "adaptive"])
def test_flux_mask_fixed_behaviour_pixel_psf(compute_mode):
    """PIXEL PSF: masked flux convolved with zero boundary, kept on the mask's bounding box."""
    rng = np.random.default_rng(21)
    _, data = _data_pair(rng, ny=18, nx=23)
    _, psf = _psf_pair("PIXEL", rng)
    light = _random_light(rng)
    mask = np.zeros((18, 23), bool)
    mask[4:10, 2:17] = True
    mask[10:13, 11:13] = True
    kwargs = dict(supersampling_factor=2, compute_mode=compute_mode)
    if compute_mode == "adaptive":
        kwargs["supersampled_indexes"] = _disk(18, 23, 8, 7, 12)
    unconvolved = Numerics(data, psf, **kwargs)
    image = np.asarray(unconvolved.re_size_convolve(light(*unconvolved.coordinates_evaluate),
                                                    unconvolved=True))
    expected = signal.fftconvolve(image * mask, psf.kernel_point_source, mode="same")
    box = np.zeros_like(mask)
    box[4:13, 2:17] = True
    expected[~box] = 0
    masked = Numerics(data, psf, flux_evaluate_indexes=mask, **kwargs)
    got = np.asarray(masked.re_size_convolve(light(*masked.coordinates_evaluate)))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-13 * np.max(expected))


def test_non_square_image():
    """The reference needs nx == ny; here a (ny, nx) = (14, 23) grid against direct numpy."""
    rng = np.random.default_rng(31)
    _, data = _data_pair(rng, ny=14, nx=23)
    _, psf = _psf_pair("PIXEL", rng)
    light = _random_light(rng)
    s = 3
    numerics = Numerics(data, psf, supersampling_factor=s)
    ra, dec = (np.asarray(c) for c in numerics.coordinates_evaluate)
    offsets = (np.arange(s) + 0.5) / s - 0.5
    x = (np.arange(23)[:, None] + offsets).ravel()
    y = (np.arange(14)[:, None] + offsets).ravel()
    xx, yy = np.meshgrid(x, y)
    ra_expected, dec_expected = data.map_pix2coord(xx, yy)
    np.testing.assert_allclose(ra, ra_expected.ravel(), rtol=0, atol=1e-14)
    np.testing.assert_allclose(dec, dec_expected.ravel(), rtol=0, atol=1e-14)
    sub = light(ra, dec).reshape(14 * s, 23 * s)
    low = sub.reshape(14, s, 23, s).mean(axis=(1, 3)) * data.pixel_area
    expected = signal.fftconvolve(low, psf.kernel_point_source, mode="same")
    got = np.asarray(numerics.re_size_convolve(light(ra, dec)))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-13 * np.max(expected))
    # Gaussian PSF: scipy's gaussian_filter with edge replication
    _, gauss = _psf_pair("GAUSSIAN", rng)
    numerics = Numerics(data, gauss, supersampling_factor=s, supersampling_convolution=True)
    sigma = gauss.fwhm / (2 * np.sqrt(2 * np.log(2))) / data.pixel_width * s
    high = ndimage.gaussian_filter(sub, sigma, mode="nearest", truncate=gauss.truncation)
    expected = high.reshape(14, s, 23, s).mean(axis=(1, 3)) * data.pixel_area
    got = np.asarray(numerics.re_size_convolve(light(ra, dec)))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-13 * np.max(expected))


# ---------------------------------------------------------------- batching and jax
def _random_factored(rng, points: int, n: int = 5) -> FactoredBasis:
    """A factored basis of ``n`` distinct images from 3 x 4 random factor rows."""
    pairs = [(a, b) for a in range(3) for b in range(4)][:n]
    return FactoredBasis(jnp.asarray(rng.normal(size=(3, points))),
                         jnp.asarray(rng.normal(size=(4, points))),
                         np.array([a for a, _ in pairs]), np.array([b for _, b in pairs]))


@pytest.mark.parametrize("supersampling_convolution", [False, True])
def test_blocks_equal_stack(supersampling_convolution):
    """Blocks resized one by one (factored blocks tile by tile, or with the strided binning
    under sub-pixel convolution) give the images of the stacked call, rows in block order."""
    rng = np.random.default_rng(43)
    _, data = _data_pair(rng, ny=14, nx=23)
    _, psf = _psf_pair("PIXEL", rng)
    numerics = Numerics(data, psf, supersampling_factor=3,
                        supersampling_convolution=supersampling_convolution)
    ra, dec = numerics.coordinates_evaluate
    rows = np.stack([_random_light(rng)(ra, dec) for _ in range(2)])
    factored = [_random_factored(rng, ra.size, n) for n in (3, 5)]
    blocks = [rows[:1], factored[0], rows[1:], factored[1]]
    stack = np.concatenate([rows[:1], factored[0].images(), rows[1:], factored[1].images()])
    expected = np.asarray(numerics.re_size_convolve_stack(stack))
    got = np.asarray(jax.jit(lambda b: numerics.re_size_convolve_blocks(b))(blocks))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-14 * np.max(np.abs(expected)))
    with pytest.raises(ValueError, match="blocks must have shape"):
        numerics.re_size_convolve_blocks([rows[:, :-1]])
    short = factored[0].with_factors(factored[0].left[:, :-1], factored[0].right[:, :-1])
    with pytest.raises(ValueError, match="blocks must have shape"):
        numerics.re_size_convolve_blocks([short])


@pytest.mark.parametrize("tile_bytes", [1, 5000, 2**30])
@pytest.mark.parametrize("supersampling_factor", [1, 3])
def test_factored_block_mean_equals_block_mean(monkeypatch, tile_bytes, supersampling_factor):
    """Tiles of one pixel row, of uneven height (the last one shorter) and one tile give the
    block means of the formed images; a grid with flux_evaluate_indexes forms them at once."""
    from chromalens.imaging import grids

    monkeypatch.setattr(grids, "FACTOR_TILE_BYTES", tile_bytes)
    rng = np.random.default_rng(tile_bytes + supersampling_factor)
    s, ny, nx = supersampling_factor, 11, 9
    grid = grids.RegularGrid(nx, ny, np.eye(2) * 0.1, -0.5, -0.6, s)
    basis = _random_factored(rng, grid.num_evaluate)
    rows = grids.factored_tile_rows(basis, nx, s, ny)
    assert rows == {1: 1, 5000: max(1, 5000 // (7 * s * s * nx * 8)), 2**30: ny}[tile_bytes]
    expected = np.asarray(grids.block_mean(basis.images().reshape(-1, ny * s, nx * s), s))
    got = np.asarray(jax.jit(grid.factored_block_mean)(basis))
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-14)
    mask = rng.random((ny, nx)) < 0.7
    masked = grids.RegularGrid(nx, ny, np.eye(2) * 0.1, -0.5, -0.6, s,
                               flux_evaluate_indexes=mask)
    basis = _random_factored(rng, masked.num_evaluate)
    expected = masked.flux_array2image_low_high(basis.images(), high_res_return=False)[0]
    np.testing.assert_allclose(np.asarray(masked.factored_block_mean(basis)),
                               np.asarray(expected), rtol=1e-14, atol=1e-14)


def test_factored_tiles_are_capped(monkeypatch):
    """No more than MAX_FACTOR_TILES tiles, however small the tile budget."""
    from chromalens.imaging import grids

    monkeypatch.setattr(grids, "FACTOR_TILE_BYTES", 1)
    basis = _random_factored(np.random.default_rng(0), 4)
    rows = grids.factored_tile_rows(basis, nx=10, factor=2, ny=100)
    assert rows == -(-100 // grids.MAX_FACTOR_TILES)
    assert -(-100 // rows) <= grids.MAX_FACTOR_TILES


@pytest.mark.parametrize("n", [1, 2, 5, 66])
def test_paired_convolution_equals_one_image_per_fft(n):
    """Two images per complex FFT (real and imaginary halves) give each image's convolution
    to round-off, odd stacks included (the last image's partner is zero)."""
    from chromalens.imaging.convolution import PixelKernelConvolution

    rng = np.random.default_rng(n)
    kernel = rng.random((7, 7))
    conv = PixelKernelConvolution(kernel, (13, 18))
    images = rng.normal(size=(n, 13, 18))
    expected = np.stack([signal.convolve2d(image, kernel, mode="same") for image in images])
    got = np.asarray(jax.jit(conv.convolution2d_paired)(images))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-13 * np.max(np.abs(expected)))
    with pytest.raises(ValueError, match="stack of shape"):
        conv.convolution2d_paired(images[0])


def test_repeated_profile_rows_stay_bit_identical():
    """Two equal non-fusible blocks (a profile repeated in a model) give bit-identical images
    beside a paired (fusible) block: the normal matrix of such a model stays exactly
    singular, as in the reference."""
    rng = np.random.default_rng(44)
    _, data = _data_pair(rng, ny=14, nx=23)
    _, psf = _psf_pair("PIXEL", rng)
    numerics = Numerics(data, psf, supersampling_factor=2)
    ra, dec = numerics.coordinates_evaluate
    light = _random_light(rng)(ra, dec)[None]
    basis = _random_factored(rng, ra.size, 4)
    images = np.asarray(jax.jit(lambda b: numerics.re_size_convolve_blocks(b))(
        [light, light.copy(), basis]))
    np.testing.assert_array_equal(images[0], images[1])


@pytest.mark.parametrize("factor", [2, 3, 5])
def test_block_mean_methods_equal_reshape(factor):
    from chromalens.imaging.grids import BINNING_METHODS, block_mean

    image = np.random.default_rng(factor).normal(size=(3, 4 * factor, 7 * factor))
    expected = image.reshape(3, 4, factor, 7, factor).mean(axis=(2, 4))
    for method in BINNING_METHODS:
        np.testing.assert_allclose(np.asarray(block_mean(image, factor, method)), expected,
                                   rtol=1e-14, atol=1e-15)
        # under jit and with a batch axis (vmap) too
        np.testing.assert_allclose(
            np.asarray(jax.jit(jax.vmap(lambda x, m=method: block_mean(x, factor, m)))(
                image[None])[0]), expected, rtol=1e-14, atol=1e-15)


def test_contracted_binning_batches_and_differentiates_by_the_reduction():
    """The contraction is the code of a single call only: vmapped it is the reduction (the
    batched contraction ran twice as slow), and its tangent is the reduction, whose transpose
    is a broadcast (the product's transpose, another product, slowed the gradient)."""
    from chromalens.imaging.grids import block_mean

    rng = np.random.default_rng(3)
    image = jnp.asarray(rng.normal(size=(3, 6, 10)))
    weights = jnp.asarray(rng.normal(size=(3, 3, 5)))
    single = str(jax.make_jaxpr(lambda x: block_mean(x, 2))(image))
    assert single.count("dot_general") == 1 and "reduce_sum" not in single
    batched = str(jax.make_jaxpr(jax.vmap(lambda x: block_mean(x, 2)))(image))
    assert "dot_general" not in batched and "reduce_sum" in batched
    gradient = str(jax.make_jaxpr(jax.grad(lambda x: jnp.sum(weights * block_mean(x, 2))))(
        image))
    assert gradient.count("dot_general") == 1  # the value's; none in the reverse pass
    np.testing.assert_allclose(
        np.asarray(jax.vmap(lambda x: block_mean(x, 2))(image)),
        np.asarray(block_mean(image, 2)), rtol=1e-14, atol=1e-15)


def test_block_mean_refuses_an_unknown_method():
    from chromalens.imaging.grids import block_mean

    with pytest.raises(ValueError, match="method must be one of"):
        block_mean(np.zeros((4, 4)), 2, "sum")


def test_grids_refuse_an_unknown_binning():
    """Also where the binning has no effect (no supersampling, adaptive grid)."""
    from chromalens.imaging.grids import AdaptiveGrid, RegularGrid

    regular = RegularGrid(4, 4, np.eye(2) * 0.1, -0.15, -0.15, 1)
    adaptive = AdaptiveGrid(4, 4, np.eye(2) * 0.1, -0.15, -0.15, np.ones((4, 4), bool), 2)
    for grid in (regular, adaptive):
        values = np.zeros(grid.coordinates_evaluate[0].shape[-1])
        with pytest.raises(ValueError, match="binning must be one of"):
            grid.flux_array2image_low_high(values, binning="sum")


@pytest.mark.parametrize("factor", [2, 3])
def test_block_mean_derivatives(factor):
    """The binnings have the same derivatives in both modes: forward mode gives the binned
    tangent, reverse mode spreads each pixel's cotangent evenly over its sub-pixels (the
    strided binning's tangent is computed by the reduction, whose transpose is a broadcast)."""
    from chromalens.imaging.grids import BINNING_METHODS, block_mean

    rng = np.random.default_rng(10 + factor)
    image = jnp.asarray(rng.normal(size=(2, 3 * factor, 5 * factor)))
    tangent = jnp.asarray(rng.normal(size=image.shape))
    weights = jnp.asarray(rng.normal(size=(2, 3, 5)))
    expected_tangent = np.asarray(tangent).reshape(2, 3, factor, 5, factor).mean(axis=(2, 4))
    expected_gradient = np.repeat(np.repeat(np.asarray(weights), factor, axis=1), factor,
                                  axis=2) / factor**2
    for method in BINNING_METHODS:
        value, jvp = jax.jvp(lambda x, m=method: block_mean(x, factor, m), (image,), (tangent,))
        np.testing.assert_array_equal(np.asarray(value),
                                      np.asarray(block_mean(image, factor, method)))
        np.testing.assert_allclose(np.asarray(jvp), expected_tangent, rtol=1e-14, atol=1e-15)
        gradient = jax.grad(lambda x, m=method: jnp.sum(weights * block_mean(x, factor, m)))(
            image)
        np.testing.assert_allclose(np.asarray(gradient), expected_gradient, rtol=1e-14,
                                   atol=1e-16)
        if method == "strided":  # no sub-pixel-sized padding in the reverse pass
            assert " pad[" not in str(jax.make_jaxpr(jax.grad(
                lambda x: jnp.sum(weights * block_mean(x, factor, "strided"))))(image))
        hessian_vector = jax.jvp(jax.grad(lambda x, m=method: jnp.sum(
            block_mean(x, factor, m) ** 2)), (image,), (tangent,))[1]
        np.testing.assert_allclose(np.asarray(hessian_vector), np.repeat(np.repeat(
            2 * expected_tangent, factor, axis=1), factor, axis=2) / factor**2, rtol=1e-13,
            atol=1e-15)


def test_stack_jit_and_grad():
    rng = np.random.default_rng(41)
    _, data = _data_pair(rng)
    _, psf = _psf_pair("PIXEL", rng)
    numerics = Numerics(data, psf, supersampling_factor=2, supersampling_convolution=True,
                        supersampling_kernel_size=3)
    ra, dec = numerics.coordinates_evaluate
    stack = np.stack([_random_light(rng)(ra, dec) for _ in range(3)])
    batched = numerics.re_size_convolve_stack(stack)
    assert batched.shape == (3, 20, 20)
    for i in range(3):
        np.testing.assert_allclose(batched[i], numerics.re_size_convolve(stack[i]),
                                   rtol=0, atol=1e-15 * np.max(batched[i]))
    jitted = jax.jit(numerics.re_size_convolve)(stack)
    np.testing.assert_allclose(jitted, batched, rtol=0, atol=1e-14 * np.max(batched))
    vmapped = jax.vmap(numerics.re_size_convolve)(stack)
    np.testing.assert_allclose(vmapped, batched, rtol=0, atol=1e-14 * np.max(batched))
    # linear operator: the gradient of sum(image * w) is the adjoint applied to w
    weights = rng.normal(size=(20, 20))
    grad = jax.grad(lambda f: (numerics.re_size_convolve(f) * weights).sum())(stack[0])
    probe = rng.normal(size=stack[0].shape)
    lhs = float((numerics.re_size_convolve(probe) * weights).sum())
    np.testing.assert_allclose(float(np.dot(grad, probe)), lhs, rtol=1e-10)


# ---------------------------------------------------------------- point sources
@pytest.mark.parametrize("kind", ["PIXEL", "PIXEL_SUPERSAMPLED", "GAUSSIAN", "NONE"])
@pytest.mark.parametrize("ps_factor", [None, 2, pytest.param(1, marks=pytest.mark.slow),
                                       pytest.param(3, marks=pytest.mark.slow)])
def test_point_source_rendering_matches_reference(kind, ps_factor):
    rng = np.random.default_rng(_seed(kind, ps_factor))
    ref_data, data = _data_pair(rng)
    ref_psf, psf = _psf_pair(kind, rng)
    ref = NumericsSubFrame(ref_data, ref_psf, point_source_supersampling_factor=ps_factor)
    ours = Numerics(data, psf, point_source_supersampling_factor=ps_factor)
    # (exact pixel centres are tested in test_placement_matches_add_layer2image: the
    # reference drops a kernel row for a shift of +1e-16, so round trips through two
    # different coordinate inversions must avoid them)
    x = np.concatenate([rng.uniform(-2, 21, 5), [5.1, 0.3, 19.6]])
    y = np.concatenate([rng.uniform(-2, 21, 5), [7.3, 10.2, 18.9]])
    ra, dec = ref_data.map_pix2coord(x, y)
    amp = rng.uniform(1, 10, x.size)
    for unconvolved in (True, False):
        expected = ref.point_source_rendering(ra, dec, amp, unconvolved=unconvolved)
        got = np.asarray(ours.point_source_rendering(ra, dec, amp, unconvolved=unconvolved))
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-13 * np.max(expected))
    images = ours.point_source_images(ra, dec, amp)
    assert images.shape == (x.size, 20, 20)
    np.testing.assert_allclose(images.sum(axis=0), expected, rtol=0,
                               atol=1e-13 * np.max(expected))


def test_placement_matches_add_layer2image():
    """Bilinear kernel placement against the reference's image_util.add_layer2image, on
    random, integer and half-integer positions, inside and outside the frame."""
    from lenstronomy.Util import image_util

    rng = np.random.default_rng(55)
    kernel = rng.uniform(size=(7, 7))
    positions = np.concatenate([rng.uniform(-6, 25, (40, 2)),
                                [[5.0, 7.0], [0.0, 12.0], [3.5, 4.5], [18.5, 2.5], [-3.0, 9.0]]])

    @jax.jit
    def place(x, y):
        a_y = placement_matrix(y, 17, 7)
        a_x = placement_matrix(x, 20, 7)
        return jax.numpy.einsum("mya,ab,mxb->myx", a_y, kernel, a_x,
                                precision=jax.lax.Precision.HIGHEST)

    got = np.asarray(place(positions[:, 0], positions[:, 1]))
    for (x, y), image in zip(positions, got, strict=True):
        expected = image_util.add_layer2image(np.zeros((17, 20)), x, y, kernel)
        np.testing.assert_allclose(image, expected, rtol=0, atol=1e-14)


def test_point_source_rendering_jit_grad_and_flux():
    rng = np.random.default_rng(51)
    _, data = _data_pair(rng)
    _, psf = _psf_pair("PIXEL", rng)
    numerics = Numerics(data, psf, point_source_supersampling_factor=2)
    ra, dec = data.map_pix2coord(np.array([6.3, 11.8]), np.array([9.4, 12.1]))
    amp = np.array([2.0, 5.0])
    eager = numerics.point_source_rendering(ra, dec, amp)
    np.testing.assert_allclose(jax.jit(numerics.point_source_rendering)(ra, dec, amp), eager,
                               rtol=0, atol=1e-15 * np.max(eager))
    per_image = numerics.point_source_images(ra, dec, amp)
    np.testing.assert_allclose(per_image.sum(axis=0), eager, rtol=0, atol=1e-15)
    # far from the edges the whole (normalised) PSF lands on the image, bar the bilinear
    # shift's loss of the kernel's outermost sub-pixel row/column
    np.testing.assert_allclose(per_image.sum(axis=(1, 2)), amp, rtol=2e-2)

    def total(r):
        return (numerics.point_source_rendering(r, dec, amp) ** 2).sum()

    grad = jax.grad(total)(ra)
    step = 1e-7
    for i in range(2):
        shift = np.zeros(2)
        shift[i] = step
        fd = (total(ra + shift) - total(ra - shift)) / (2 * step)
        np.testing.assert_allclose(grad[i], fd, rtol=1e-5)


def test_point_source_rendering_non_square():
    """Non-square grid against the reference's own layer placement (image_util)."""
    from lenstronomy.Util import image_util

    rng = np.random.default_rng(61)
    _, data = _data_pair(rng, ny=13, nx=22)
    ref_psf, psf = _psf_pair("PIXEL", rng)
    s = 3
    numerics = Numerics(data, psf, point_source_supersampling_factor=s)
    x, y = np.array([3.3, 17.6, 21.2]), np.array([6.7, 1.1, 11.5])
    amp = np.array([1.0, 2.0, 3.0])
    kernel = ref_psf.kernel_point_source_supersampled(s)
    grid = np.zeros((13 * s, 22 * s))
    for xi, yi, ai in zip(x * s + (s - 1) / 2, y * s + (s - 1) / 2, amp, strict=True):
        grid = image_util.add_layer2image(grid, xi, yi, ai * kernel)
    expected = grid.reshape(13, s, 22, s).sum(axis=(1, 3))
    got = np.asarray(numerics.point_source_rendering(*data.map_pix2coord(x, y), amp))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-13 * np.max(expected))


def test_psf_variance_map_matches_reference():
    rng = np.random.default_rng(71)
    ref_data, data = _data_pair(rng)
    ref_psf, psf = _psf_pair("PIXEL", rng, variance=True)
    ref = NumericsSubFrame(ref_data, ref_psf)
    ours = Numerics(data, psf)
    image = rng.uniform(-0.2, 3, (20, 20))
    x = np.array([4.4, 9.6, 15.49, 2.6, 17.4, 3.2, 10.5])
    y = np.array([5.2, 13.7, 16.6, 9.1, 8.2, 2.4, -3.0])
    ra, dec = ref_data.map_pix2coord(x, y)
    expected = ref.psf_variance_map(ra, dec, None, image)
    got = np.asarray(ours.psf_variance_map(ra, dec, None, image))
    assert np.max(expected) > 0
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-13 * np.max(expected))
    got_jit = jax.jit(ours.psf_variance_map)(ra, dec, None, image)
    np.testing.assert_allclose(got_jit, expected, rtol=0, atol=1e-13 * np.max(expected))
    # fixed amplitude: the reference only works with one amplitude for all images
    expected = ref.psf_variance_map(ra[:1], dec[:1], 2.5, image, fix_psf_variance_map=True)
    got = ours.psf_variance_map(ra[:1], dec[:1], np.array([2.5]), image,
                                fix_psf_variance_map=True)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-13 * np.max(expected))


# ---------------------------------------------------------------- validation
def test_bad_input_raises_clear_errors():
    rng = np.random.default_rng(81)
    _, data = _data_pair(rng)
    _, psf = _psf_pair("PIXEL", rng)
    _, gauss = _psf_pair("GAUSSIAN", rng)
    assert len(NUMERICS_KEYS) == 11
    with pytest.raises(ValueError, match="supersampling_factr"):
        Numerics.from_kwargs(data, psf, {"supersampling_factr": 2})
    assert Numerics.from_kwargs(data, psf, {"supersampling_factor": np.int64(2)}).num_evaluate \
        == 1600
    with pytest.raises(ValueError, match="compute_mode"):
        Numerics(data, psf, compute_mode="fancy")
    with pytest.raises(ValueError, match="convolution_type"):
        Numerics(data, psf, convolution_type="fftw")
    with pytest.raises(TypeError, match="supersampling_factor"):
        Numerics(data, psf, supersampling_factor=2.0)
    with pytest.raises(ValueError, match="adaptive"):
        Numerics(data, gauss, compute_mode="adaptive")
    with pytest.raises(ValueError, match="flux_evaluate_indexes"):
        Numerics(data, psf, flux_evaluate_indexes=np.ones((20, 21), bool))
    with pytest.raises(ValueError, match="no True"):
        Numerics(data, psf, flux_evaluate_indexes=np.zeros((20, 20), bool))
    with pytest.raises(ValueError, match="supersampling_kernel_size"):
        Numerics(data, psf, supersampling_factor=2, supersampling_convolution=True,
                 supersampling_kernel_size=4)
    with pytest.raises(ValueError, match="convolution_kernel_size"):
        Numerics(data, psf, convolution_kernel_size=13)
    numerics = Numerics(data, psf)
    with pytest.raises(ValueError, match="evaluation points"):
        numerics.re_size_convolve(np.zeros(399))
    with pytest.raises(ValueError, match="amplitudes"):
        numerics.point_source_rendering(np.zeros(3), np.zeros(3), np.ones(2))


# ---------------------------------------------------------------- building blocks
@pytest.mark.parametrize("sigma, truncate, shape", [(3.0, 5, (7, 9)), (1e-16, 5, (5, 6)),
                                                    (0.3, 4, (10, 13)), (12.0, 4, (20, 11))])
def test_gaussian_convolution_equals_scipy_gaussian_filter(sigma, truncate, shape):
    """Including radii larger than the image and a sigma that scipy treats as zero."""
    image = np.random.default_rng(91).uniform(size=shape)
    conv = GaussianConvolution(sigma, 1.0, shape, truncation=truncate)
    expected = ndimage.gaussian_filter(image, sigma, mode="nearest", truncate=truncate)
    np.testing.assert_allclose(conv.convolution2d(image), expected, rtol=0, atol=1e-14)


@pytest.mark.parametrize("n, s, size", [(33, 3, 3), (41, 2, 5), (44, 4, 3), (15, 3, 7)])
def test_split_kernel_matches_reference(n, s, size):
    rng = np.random.default_rng(n)
    kernel = rng.uniform(size=(n | 1, n | 1))
    hole_ref, center_ref = kernel_util.split_kernel(kernel, size, s)
    hole, center = split_kernel(kernel, size, s)
    np.testing.assert_allclose(center, center_ref, rtol=0, atol=0)
    np.testing.assert_allclose(hole, hole_ref, rtol=1e-13)


def test_next_fast_len():
    for n in range(1, 400):
        m = next_fast_len(n)
        assert m >= n
        k = m
        for p in (2, 3, 5, 7):
            while k % p == 0:
                k //= p
        assert k == 1
        assert all(next_fast_len(j) == m for j in range(n, m + 1))


def test_adaptive_non_square_masked_stack():
    """Adaptive mode on a non-square grid with a flux mask, batched: all-supersampled
    equals regular mode, and the stack equals the single-image calls."""
    rng = np.random.default_rng(95)
    _, data = _data_pair(rng, ny=14, nx=23)
    _, psf = _psf_pair("PIXEL", rng)
    mask = np.zeros((14, 23), bool)
    mask[2:11, 4:20] = True
    kwargs = dict(supersampling_factor=2, supersampling_convolution=True,
                  supersampling_kernel_size=3, flux_evaluate_indexes=mask)
    regular = Numerics(data, psf, **kwargs)
    adaptive = Numerics(data, psf, compute_mode="adaptive",
                        supersampled_indexes=np.ones((14, 23), bool), **kwargs)
    lights = [_random_light(rng) for _ in range(2)]
    stack_regular = np.stack([f(*regular.coordinates_evaluate) for f in lights])
    stack_adaptive = np.stack([f(*adaptive.coordinates_evaluate) for f in lights])
    a = np.asarray(regular.re_size_convolve_stack(stack_regular))
    b = np.asarray(adaptive.re_size_convolve_stack(stack_adaptive))
    assert b.shape == (2, 14, 23)
    np.testing.assert_allclose(b, a, rtol=0, atol=1e-13 * np.max(a))
    np.testing.assert_allclose(b[1], adaptive.re_size_convolve(stack_adaptive[1]), rtol=0,
                               atol=1e-15 * np.max(a))
