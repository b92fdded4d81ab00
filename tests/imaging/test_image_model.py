"""ImageModel against the reference's ``lenstronomy.ImSim.image_model.ImageModel``.

Each configuration (``support.imaging_configurations``) builds both codes' ImageModel from the
same data arrays, PSF, numerics, lens / light / point-source / extinction models and kwargs,
and compares ``image`` (convolved, unconvolved, each component switched off),
``source_surface_brightness`` (lensed, unconvolved, de_lensed, per profile ``k``),
``lens_surface_brightness``, ``point_source``, ``extinction_map``, the non-linear
``likelihood_data_given_model``, ``error_response``, ``data_response``, ``reduced_residuals``
and ``reduced_chi2``.

Tolerance: 1e-8 relative to each array's largest value (``support.assert_close``); scalars
1e-8 relative. Measured differences are ~1e-14 (summation order of FFTs and sums). The
SOURCE_POSITION cases give both lens-equation solvers a precision limit of 1e-14 arcsec so
that the image positions agree to round-off; fixed-magnification cases use SIS or EPL lenses
(analytic Hessians in both codes; the reference's SIE Hessian is a finite difference good to
~1e-5, which is why SIE appears only with free point-source amplitudes).

The reference keeps a point-source cache; every reference call goes through
``Pair.reference()``, which empties and disables it, so each reference call is fresh.
"""

from __future__ import annotations

import numpy as np
import pytest
from support.imaging_configurations import (
    FAST_CASES,
    SLOW_CASES,
    Case,
    assert_close,
    build_pair,
)

from chromalens.imaging import ImageModel

RTOL = 1e-8


def check_image_model(case: Case) -> None:
    pair = build_pair(case, linear=False)
    ours = pair.ours
    k = pair.fresh()
    kr = pair.fresh()
    kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps, kwargs_ext, kwargs_special = k

    def compare(method, *args, label, **options):
        got = getattr(ours, method)(*args, **options)
        expected = getattr(pair.reference(), method)(*args, **options)
        assert_close(got, expected, RTOL, label=f"{case.label}: {label}")
        return got

    image = compare("image", *k, label="image")
    assert np.all(np.isfinite(image))
    assert np.max(np.abs(image)) > 0
    compare("image", *k, unconvolved=True, label="image unconvolved")
    compare("image", *k, source_add=False, label="image without source")
    compare("image", *k, lens_light_add=False, point_source_add=False,
            label="image source only")

    compare("source_surface_brightness", kwargs_source, kwargs_lens, kwargs_ext, kwargs_special,
            label="source")
    compare("source_surface_brightness", kwargs_source, kwargs_lens, kwargs_ext, kwargs_special,
            unconvolved=True, label="source unconvolved")
    compare("source_surface_brightness", kwargs_source, kwargs_lens, kwargs_ext, kwargs_special,
            de_lensed=True, label="source de_lensed")
    compare("source_surface_brightness", kwargs_source, kwargs_lens, kwargs_ext, kwargs_special,
            de_lensed=True, unconvolved=True, label="source de_lensed unconvolved")
    compare("source_surface_brightness", kwargs_source, kwargs_lens, kwargs_ext, kwargs_special,
            k=0, label="source k=0")
    compare("lens_surface_brightness", kwargs_lens_light, label="lens light")
    compare("lens_surface_brightness", kwargs_lens_light, unconvolved=True,
            label="lens light unconvolved")
    compare("lens_surface_brightness", kwargs_lens_light, k=0, label="lens light k=0")
    if kwargs_ps is not None:
        ps = compare("point_source", kwargs_ps, kwargs_lens, kwargs_special, label="point source")
        assert np.max(ps) > 0
        compare("point_source", kwargs_ps, kwargs_lens, kwargs_special, k=0,
                label="point source k=0")
    if kwargs_ext is not None:
        transmission = ours.extinction_map(kwargs_ext, kwargs_special)
        expected = pair.reference().extinction_map(kwargs_ext, kwargs_special)
        assert_close(transmission, expected, RTOL, label=f"{case.label}: extinction_map")
        assert np.all(transmission < 1)

    # likelihood with the kwargs' amplitudes (no linear solve)
    logL = ours.likelihood_data_given_model(*k)
    logL_ref = pair.reference().likelihood_data_given_model(*kr)
    assert logL == pytest.approx(logL_ref, rel=RTOL)

    variance, model_error = ours.error_response(kwargs_lens, kwargs_ps, kwargs_special)
    variance_ref, model_error_ref = pair.reference().error_response(kwargs_lens, kwargs_ps,
                                                                    kwargs_special)
    assert_close(variance, variance_ref, RTOL, label=f"{case.label}: C_D response")
    assert_close(model_error, model_error_ref, RTOL, label=f"{case.label}: model error")
    if case.psf_variance and kwargs_ps is not None and case.psf_error_map_bool_list is None:
        assert np.max(model_error) > 0
    assert_close(ours.data_response, pair.ref.data_response, 0.0, label="data_response")
    assert ours.num_data_evaluate == pair.ref.num_data_evaluate

    residuals = ours.reduced_residuals(image, model_error)
    assert_close(residuals, pair.ref.reduced_residuals(image, model_error_ref), RTOL,
                 label=f"{case.label}: reduced residuals")
    assert ours.reduced_chi2(image, model_error) == pytest.approx(
        pair.ref.reduced_chi2(image, model_error_ref), rel=RTOL)


@pytest.mark.parametrize("case", FAST_CASES[:3], ids=lambda case: case.label)
def test_image_model_parity(case):
    check_image_model(case)


@pytest.mark.slow
@pytest.mark.parametrize("case", FAST_CASES[3:] + SLOW_CASES, ids=lambda case: case.label)
def test_image_model_parity_sweep(case):
    check_image_model(case)


def test_image_model_repeated_calls_identical():
    """No hidden state: A, B, A with different lens / source positions returns A exactly."""
    case = Case(7, supersampling=2, lens="SIS", point_source="SOURCE_POSITION",
                fixed_magnification=True, psf_variance=True)
    pair = build_pair(case, linear=False)
    first = pair.fresh()
    second = pair.fresh()
    second[0][0]["theta_E"] *= 1.05
    second[3][0]["ra_source"] += 0.02
    image_a = pair.ours.image(*first)
    error_a = pair.ours.error_response(first[0], first[3], first[5])[1]
    logL_a = pair.ours.likelihood_data_given_model(*first)
    image_b = pair.ours.image(*second)
    assert np.max(np.abs(image_b - image_a)) > 1e-3 * np.max(np.abs(image_a))
    pair.ours.likelihood_data_given_model(*second)
    np.testing.assert_array_equal(pair.ours.image(*first), image_a)
    np.testing.assert_array_equal(pair.ours.error_response(first[0], first[3], first[5])[1],
                                  error_a)
    assert pair.ours.likelihood_data_given_model(*first) == logL_a


def test_image_model_input_errors():
    pair = build_pair(FAST_CASES[0], linear=False)
    data, psf = pair.ours.Data, pair.ours.PSF
    with pytest.raises(ValueError, match="likelihood_mask"):
        ImageModel(data, psf, likelihood_mask=np.ones((3, 3), dtype=bool))
    with pytest.raises(ValueError, match="bogus"):
        ImageModel(data, psf, kwargs_numerics={"bogus": 1})
    with pytest.raises(NotImplementedError, match="pixel"):
        ImageModel(data, psf, kwargs_pixelbased={})
