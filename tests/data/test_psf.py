"""PSF against the reference's PSF (lenstronomy.Data.psf.PSF)."""

import numpy as np
import pytest
from lenstronomy.Data.psf import PSF as RefPSF
from lenstronomy.Util import kernel_util

from chromalens.data import PSF


@pytest.mark.parametrize("fwhm, truncation, pixel", [(0.1, 5, 0.05), (0.37, 3, 0.04),
                                                      (0.5, 4.5, 0.11), (0.02, 5, 0.05)])
def test_gaussian_kernels_match_reference(fwhm, truncation, pixel):
    ours = PSF(psf_type="GAUSSIAN", fwhm=fwhm, truncation=truncation, pixel_size=pixel)
    ref = RefPSF(psf_type="GAUSSIAN", fwhm=fwhm, truncation=truncation, pixel_size=pixel)
    np.testing.assert_allclose(ours.kernel_point_source, ref.kernel_point_source, rtol=1e-12,
                               atol=1e-16)
    for factor in (2, 3, 4):
        np.testing.assert_allclose(ours.kernel_point_source_supersampled(factor),
                                   ref.kernel_point_source_supersampled(factor), rtol=1e-12,
                                   atol=1e-16)
    assert ours.fwhm == ref.fwhm
    assert ours.point_source_supersampling_factor == ref.point_source_supersampling_factor


def test_gaussian_kernel_follows_set_pixel_size():
    ours = PSF(psf_type="GAUSSIAN", fwhm=0.3)
    with pytest.raises(ValueError, match="pixel size"):
        _ = ours.kernel_point_source
    ours.set_pixel_size(0.05)
    ref = RefPSF(psf_type="GAUSSIAN", fwhm=0.3)
    ref.set_pixel_size(0.05)
    np.testing.assert_allclose(ours.kernel_point_source, ref.kernel_point_source, rtol=1e-12)
    np.testing.assert_allclose(ours.kernel_point_source.sum(), 1.0, rtol=1e-14)


def asymmetric_kernel(rng, n):
    kernel = kernel_util.kernel_gaussian(n, 0.05, rng.uniform(0.1, 0.3))
    return kernel * (1 + 0.2 * rng.uniform(size=kernel.shape))


@pytest.mark.parametrize("n, factor", [(11, 2), (11, 3), (15, 4), (9, 5)])
def test_pixel_supersampled_kernel_matches_reference(n, factor):
    rng = np.random.default_rng(n * factor)
    kernel = asymmetric_kernel(rng, n)
    ours = PSF(psf_type="PIXEL", kernel_point_source=kernel)
    ref = RefPSF(psf_type="PIXEL", kernel_point_source=kernel.copy())
    np.testing.assert_allclose(ours.kernel_point_source, ref.kernel_point_source, rtol=1e-13)
    np.testing.assert_allclose(ours.kernel_point_source_supersampled(factor),
                               ref.kernel_point_source_supersampled(factor), rtol=1e-9,
                               atol=1e-14)
    assert ours.kernel_point_source.sum() == pytest.approx(1.0, rel=1e-13)


@pytest.mark.parametrize("factor, n_super", [(2, 21), (3, 33), (4, 41), (3, 35)])
def test_supersampled_input_kernel_is_degraded_like_reference(factor, n_super):
    rng = np.random.default_rng(factor)
    kernel = asymmetric_kernel(rng, n_super)
    variance = rng.uniform(0, 1e-4, (9, 9))
    kwargs = dict(psf_type="PIXEL", kernel_point_source=kernel,
                  point_source_supersampling_factor=factor, psf_variance_map=variance)
    ours = PSF(**kwargs)
    ref = RefPSF(**{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()})
    np.testing.assert_allclose(ours.kernel_point_source, ref.kernel_point_source, rtol=1e-12,
                               atol=1e-17)
    np.testing.assert_allclose(ours.kernel_point_source_supersampled(factor),
                               ref.kernel_point_source_supersampled(factor), rtol=1e-12)
    np.testing.assert_allclose(ours.psf_variance_map, ref.psf_variance_map, rtol=1e-12)
    assert ours.point_source_supersampling_factor == factor
    assert ours.psf_variance_map_bool and ref.psf_variance_map_bool


def test_unnormalised_kernel_and_variance_map_match_reference():
    rng = np.random.default_rng(3)
    kernel = asymmetric_kernel(rng, 13) * 7.0
    variance = rng.uniform(0, 1e-3, (17, 17))
    kwargs = dict(psf_type="PIXEL", kernel_point_source=kernel, psf_variance_map=variance,
                  kernel_point_source_normalisation=False)
    ours = PSF(**kwargs)
    ref = RefPSF(**{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()})
    np.testing.assert_allclose(ours.kernel_point_source, ref.kernel_point_source, rtol=1e-14)
    np.testing.assert_allclose(ours.psf_variance_map, ref.psf_variance_map, rtol=1e-14)
    np.testing.assert_allclose(ours.kernel_point_source_supersampled(3),
                               ref.kernel_point_source_supersampled(3), rtol=1e-9)
    normalised = PSF(psf_type="PIXEL", kernel_point_source=kernel, psf_variance_map=variance)
    ref_norm = RefPSF(psf_type="PIXEL", kernel_point_source=kernel.copy(),
                      psf_variance_map=variance.copy())
    np.testing.assert_allclose(normalised.psf_variance_map, ref_norm.psf_variance_map,
                               rtol=1e-12)


def test_pixel_fwhm_matches_reference():
    kernel = kernel_util.kernel_gaussian(21, 0.05, 0.2)
    ours = PSF(psf_type="PIXEL", kernel_point_source=kernel, pixel_size=0.05)
    ref = RefPSF(psf_type="PIXEL", kernel_point_source=kernel.copy(), pixel_size=0.05)
    assert ours.fwhm == pytest.approx(ref.fwhm, rel=1e-12)


def test_none_psf_is_a_delta():
    psf = PSF()
    assert psf.kernel_point_source.shape == (3, 3)
    assert psf.kernel_point_source[1, 1] == 1 and psf.kernel_point_source.sum() == 1


def test_psf_error_map_alias_warns():
    kernel = kernel_util.kernel_gaussian(11, 0.05, 0.2)
    variance = np.full((11, 11), 1e-5)
    with pytest.warns(DeprecationWarning, match="psf_error_map"):
        psf = PSF(psf_type="PIXEL", kernel_point_source=kernel, psf_error_map=variance)
    assert psf.psf_variance_map_bool
    np.testing.assert_allclose(psf.psf_variance_map, variance / kernel.sum() ** 2)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(psf_type="MOFFAT"), ValueError, "psf_type"),
    (dict(psf_type="GAUSSIAN"), ValueError, "fwhm"),
    (dict(psf_type="GAUSSIAN", fwhm=-0.1), ValueError, "fwhm"),
    (dict(psf_type="PIXEL"), ValueError, "kernel_point_source"),
    (dict(psf_type="PIXEL", kernel_point_source=np.ones((4, 4))), ValueError, "odd"),
    (dict(psf_type="PIXEL", kernel_point_source=np.ones((3, 5))), ValueError, "square"),
    (dict(psf_type="PIXEL", kernel_point_source=np.zeros((5, 5))), ValueError, "all zero"),
    (dict(psf_type="PIXEL", kernel_point_source=np.full((5, 5), np.nan)), ValueError,
     "non-finite"),
    (dict(psf_type="PIXEL", kernel_point_source=np.ones((5, 5)),
          point_source_supersampling_factor=0), ValueError, "point_source_supersampling_factor"),
    (dict(psf_type="PIXEL", kernel_point_source=np.ones((5, 5)),
          psf_variance_map=np.ones(5)), ValueError, "psf_variance_map"),
    (dict(psf_type="GAUSSIAN", fwhm=0.1, kernel_size=3), TypeError, "kernel_size"),
])
def test_bad_psf_input_names_the_key(kwargs, error, match):
    with pytest.raises(error, match=match):
        PSF(**kwargs)
