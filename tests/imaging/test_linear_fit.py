"""ImageLinearFit against the reference's ``lenstronomy.ImSim.image_linear_solve.ImageLinearFit``.

Mirrored reference methods: ``linear_response_matrix`` (convolved and unconvolved),
``num_param_linear``, ``image_linear_solve`` (model, error map, ``cov_param`` with
``inv_bool``, amplitudes, and the amplitudes written into the caller's kwargs),
``likelihood_data_given_model`` (plain, ``source_marg``, ``linear_prior``,
``check_positive_flux``), ``update_linear_kwargs``, ``linear_param_from_kwargs``,
``error_map_source``, ``reduced_residuals``, ``reduced_chi2``, ``check_positive_flux`` and the
positivity penalty; plus the real quadruply imaged quasar (HST F814W) with an EPL+SHEAR lens,
Sersic lens light, Sersic host and four LENSED_POSITION point sources.

Tolerance: 1e-8 relative to each array's largest value (``support.assert_close``) for images,
response matrices, amplitudes and covariances; 1e-8 relative for log-likelihoods. Measured
differences are 1e-16 to 1e-13 (summation order). The configurations
(``support.imaging_configurations``) keep fixed-magnification point sources on SIS / EPL lenses
(the reference's SIE Hessian is a finite difference, good to ~1e-5 only) and give both
lens-equation solvers a 1e-14 arcsec precision limit for SOURCE_POSITION.

The reference keeps a point-source cache; every reference call goes through
``Pair.reference()``, which empties and disables it.
"""

from __future__ import annotations

import copy
import pathlib

import numpy as np
import pytest
from lenstronomy.Data.imaging_data import ImageData as RefImageData
from lenstronomy.Data.psf import PSF as RefPSF
from lenstronomy.ImSim.image_linear_solve import ImageLinearFit as RefImageLinearFit
from lenstronomy.ImSim.image_model import ImageModel as RefImageModel
from lenstronomy.LensModel.lens_model import LensModel as RefLensModel
from lenstronomy.LightModel.light_model import LightModel as RefLightModel
from lenstronomy.PointSource.point_source import PointSource as RefPointSource
from scipy import ndimage
from support.imaging_configurations import (
    FAST_CASES,
    SLOW_CASES,
    Case,
    assert_close,
    build_pair,
)

from chromalens.data import PSF, ImageData
from chromalens.imaging import ImageLinearFit
from chromalens.io import load_band
from chromalens.lens import LensModel
from chromalens.light import LightModel
from chromalens.point_source import PointSource

RTOL = 1e-8
QUASAR = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "hst" / "lensed_quasar" \
    / "F814W.fits"


def _no_none_ps(kwargs):
    """The reference's check_positive_flux iterates over kwargs_ps: give it [] for None."""
    kwargs = list(kwargs)
    if kwargs[3] is None:
        kwargs[3] = []
    return tuple(kwargs)


def check_linear_fit(case: Case) -> None:
    pair = build_pair(case)
    ours = pair.ours
    label = case.label

    n_linear = ours.num_param_linear(*pair.fresh()[:4])
    assert n_linear == pair.reference().num_param_linear(*pair.fresh()[:4])

    A = ours.linear_response_matrix(*pair.fresh())
    A_ref = pair.reference().linear_response_matrix(*pair.fresh())
    assert A.shape == (n_linear, ours.num_data_evaluate)
    assert_close(A, A_ref, RTOL, label=f"{label}: response matrix")
    A = ours.linear_response_matrix(*pair.fresh(), unconvolved=True)
    A_ref = pair.reference().linear_response_matrix(*pair.fresh(), unconvolved=True)
    assert_close(A, A_ref, RTOL, label=f"{label}: unconvolved response matrix")

    for inv_bool in (False, True):
        kwargs_ours, kwargs_ref = pair.fresh(), pair.fresh()
        model, error_map, cov, param = ours.image_linear_solve(*kwargs_ours, inv_bool=inv_bool)
        model_r, error_map_r, cov_r, param_r = pair.reference().image_linear_solve(
            *kwargs_ref, inv_bool=inv_bool)
        assert_close(model, model_r, RTOL, label=f"{label}: solved model")
        assert_close(error_map, error_map_r, RTOL, label=f"{label}: error map")
        assert_close(param, param_r, RTOL, label=f"{label}: amplitudes")
        if inv_bool:
            assert_close(cov, cov_r, RTOL, label=f"{label}: cov_param")
        else:
            assert cov is None and cov_r is None
        # the amplitudes are written into the caller's kwargs, as the reference does
        amplitudes = ours.linear_param_from_kwargs(*kwargs_ours[1:4])
        amplitudes_r = pair.ref.linear_param_from_kwargs(*kwargs_ref[1:4])
        assert_close(amplitudes, amplitudes_r, RTOL, label=f"{label}: linear_param_from_kwargs")
        assert_close(amplitudes, param, 1e-14, label=f"{label}: update_linear_kwargs")

    residuals = ours.reduced_residuals(model, error_map)
    assert_close(residuals, pair.ref.reduced_residuals(model_r, error_map_r), RTOL,
                 label=f"{label}: reduced residuals")
    assert ours.reduced_chi2(model, error_map) == pytest.approx(
        pair.ref.reduced_chi2(model_r, error_map_r), rel=RTOL)

    kwargs_source = pair.fresh()[1]
    x_grid, y_grid = np.meshgrid(np.linspace(-0.3, 0.3, 7), np.linspace(-0.25, 0.35, 7))
    x_grid, y_grid = x_grid.ravel(), y_grid.ravel()
    errors = ours.error_map_source(kwargs_source, x_grid, y_grid, cov)
    assert_close(errors, pair.ref.error_map_source(kwargs_source, x_grid, y_grid, cov_r), RTOL,
                 label=f"{label}: error_map_source")
    assert np.all(errors > 0)

    options_list = ({}, {"source_marg": True}, {"source_marg": True, "linear_prior": 30.0},
                    {"check_positive_flux": True})
    for options in options_list:
        logL, param = ours.likelihood_data_given_model(*_no_none_ps(pair.fresh()), **options)
        logL_r, param_r = pair.reference().likelihood_data_given_model(
            *_no_none_ps(pair.fresh()), **options)
        assert np.isfinite(logL)
        assert logL == pytest.approx(logL_r, rel=RTOL), options
        assert_close(param, param_r, RTOL, label=f"{label}: amplitudes {options}")

    # no linear solve: the kwargs' amplitudes, as the reference's ImageModel method
    logL = ours.likelihood_data_given_model(*pair.fresh(), linear_solver=False)[0]
    logL_r = RefImageModel.likelihood_data_given_model(pair.reference(), *pair.fresh())
    assert logL == pytest.approx(logL_r, rel=RTOL)

    values = np.arange(1.0, n_linear + 1.0) * np.where(np.arange(n_linear) % 3 == 1, -1, 1)
    updated = ours.update_linear_kwargs(values, *pair.fresh()[:4])
    updated_r = pair.reference().update_linear_kwargs(values, *pair.fresh()[:4])
    assert ours.linear_param_from_kwargs(*updated[1:4]) == pytest.approx(
        pair.ref.linear_param_from_kwargs(*updated_r[1:4]), rel=1e-15)
    kwargs_ps_r = [] if updated_r[3] is None else updated_r[3]
    assert ours.check_positive_flux(*updated[1:4]) is pair.ref.check_positive_flux(
        updated_r[1], updated_r[2], kwargs_ps_r)


DEFAULT_CASES = (FAST_CASES[3], FAST_CASES[5])


@pytest.mark.parametrize("case", DEFAULT_CASES, ids=lambda case: case.label)
def test_linear_fit_parity(case):
    check_linear_fit(case)


@pytest.mark.slow
@pytest.mark.parametrize("case", [case for case in FAST_CASES + SLOW_CASES
                                  if case not in DEFAULT_CASES], ids=lambda case: case.label)
def test_linear_fit_parity_sweep(case):
    check_linear_fit(case)


def test_positivity_penalty_matches_reference():
    """Negated data make the solved amplitudes negative: both subtract the 1e8 penalty."""
    pair = build_pair(Case(8, point_source="LENSED_POSITION"))
    kwargs_data = copy.deepcopy(pair.kwargs_data)
    kwargs_data["image_data"] = -kwargs_data["image_data"]
    pair.ours.update_data(ImageData(**copy.deepcopy(kwargs_data)))
    pair.ref.update_data(RefImageData(**copy.deepcopy(kwargs_data)))
    plain = pair.ours.likelihood_data_given_model(*pair.fresh())[0]
    logL, param = pair.ours.likelihood_data_given_model(*pair.fresh(), check_positive_flux=True)
    logL_r, param_r = pair.reference().likelihood_data_given_model(*pair.fresh(),
                                                                   check_positive_flux=True)
    assert np.min(param) < 0
    assert logL == pytest.approx(plain - 1e8, rel=1e-12)
    assert logL == pytest.approx(logL_r, rel=RTOL)
    assert_close(param, param_r, RTOL)


def test_updates_after_a_call_take_effect():
    """update_data / update_psf after a likelihood call: the next call uses the new data and
    PSF (the compiled call read them when it traced; it used to keep the old ones)."""
    pair = build_pair(Case(8, point_source="LENSED_POSITION"))
    first = pair.ours.likelihood_data_given_model(*pair.fresh())[0]
    names = ("kwargs_lens", "kwargs_source", "kwargs_lens_light", "kwargs_ps")
    params = dict(zip(names, pair.fresh(), strict=False))
    assert pair.ours.log_likelihood_batch([params], params)[0] == pytest.approx(first,
                                                                                 rel=1e-10)
    kwargs_data = copy.deepcopy(pair.kwargs_data)
    kwargs_data["image_data"] = 1.5 * kwargs_data["image_data"]
    pair.ours.update_data(ImageData(**copy.deepcopy(kwargs_data)))
    pair.ref.update_data(RefImageData(**copy.deepcopy(kwargs_data)))
    logL = pair.ours.likelihood_data_given_model(*pair.fresh())[0]
    assert logL != pytest.approx(first, rel=1e-3)
    assert logL == pytest.approx(
        pair.reference().likelihood_data_given_model(*pair.fresh())[0], rel=RTOL)
    assert pair.ours.log_likelihood_batch([params], params)[0] == pytest.approx(logL,
                                                                                 rel=1e-10)
    kwargs_psf = {"psf_type": "GAUSSIAN", "fwhm": 0.3, "truncation": 3}
    pair.ours.update_psf(PSF(**kwargs_psf))
    pair.ref.update_psf(RefPSF(**kwargs_psf))
    model = pair.ours.image_linear_solve(*pair.fresh())[0]
    assert_close(model, pair.reference().image_linear_solve(*pair.fresh())[0], RTOL,
                 label="model after update_psf")
    assert pair.ours.likelihood_data_given_model(*pair.fresh())[0] == pytest.approx(
        pair.reference().likelihood_data_given_model(*pair.fresh())[0], rel=RTOL)


REPEAT_CASES = (Case(9, lens="SIS", point_source="SOURCE_POSITION", psf_variance=True,
                     delta_image=True),
                Case(10, supersampling=2, point_source="LENSED_POSITION", psf_variance=True))


@pytest.mark.parametrize("case", [REPEAT_CASES[0],
                                  pytest.param(REPEAT_CASES[1], marks=pytest.mark.slow)],
                         ids=lambda case: case.label)
def test_repeated_calls_identical(case):
    """No hidden state: the same call gives identical results, also after a call with other
    lens / point-source parameters in between (SOURCE_POSITION: positions from the solver)."""
    pair = build_pair(case)
    first = pair.fresh()
    second = pair.fresh()
    second[0][0]["theta_E"] *= 1.05
    if "ra_source" in second[3][0]:
        second[3][0]["ra_source"] += 0.02
    else:
        second[3][0]["ra_image"] = second[3][0]["ra_image"] + 0.05
    logL_a, param_a = pair.ours.likelihood_data_given_model(*copy.deepcopy(first),
                                                            source_marg=True)
    solve_a = pair.ours.image_linear_solve(*copy.deepcopy(first), inv_bool=True)
    logL_b, _ = pair.ours.likelihood_data_given_model(*copy.deepcopy(second))
    assert logL_b != logL_a
    for _ in range(2):
        logL, param = pair.ours.likelihood_data_given_model(*copy.deepcopy(first),
                                                            source_marg=True)
        assert logL == logL_a
        np.testing.assert_array_equal(param, param_a)
        solve = pair.ours.image_linear_solve(*copy.deepcopy(first), inv_bool=True)
        for got, expected in zip(solve, solve_a, strict=True):
            np.testing.assert_array_equal(got, expected)


def test_linear_fit_input_errors():
    pair = build_pair(FAST_CASES[5])
    with pytest.raises(ValueError, match="no True pixel"):
        ImageLinearFit(pair.ours.Data, pair.ours.PSF,
                       likelihood_mask=np.zeros((pair.case.n, pair.case.n), dtype=bool))


# ------------------------------------------------------------------------------- real data
def _crop(kwargs_data, kwargs_psf, rows: slice, cols: slice):
    """Cut a sub-image out of a band, shifting the coordinate origin to the new pixel (0, 0)."""
    kwargs_data = dict(kwargs_data)
    transform = np.asarray(kwargs_data["transform_pix2angle"])
    shift = transform @ np.array([cols.start, rows.start], dtype=float)
    kwargs_data["ra_at_xy_0"] = float(kwargs_data["ra_at_xy_0"] + shift[0])
    kwargs_data["dec_at_xy_0"] = float(kwargs_data["dec_at_xy_0"] + shift[1])
    for key in ("image_data", "exposure_time", "noise_map"):
        if np.ndim(kwargs_data.get(key)) == 2:
            kwargs_data[key] = np.array(kwargs_data[key][rows, cols])
    return kwargs_data, dict(kwargs_psf)


def _quasar_images(kwargs_data, count=4):
    """(ra, dec) of the ``count`` brightest local maxima of the image (the quasar images),
    refined to the flux-weighted centroid of the 5x5 pixels around each maximum.

    (Centroids, not the maxima's pixel centres: a position exactly on a pixel centre is a
    discontinuity of the reference's own rendering rule, which drops the kernel's edge row on
    the side of a shift of even 1e-15 pixel; the two codes' coordinate round-off then decides
    which edge row goes, 5e-4 of the peak for this 61x61 PSF.)
    """
    image = kwargs_data["image_data"]
    peaks = (image == ndimage.maximum_filter(image, size=7)) & (image > 10 * np.median(image))
    rows, cols = np.nonzero(peaks)
    order = np.argsort(-image[rows, cols])[:count]
    rows, cols = rows[order].astype(float), cols[order].astype(float)
    for i, (row, col) in enumerate(zip(rows.astype(int), cols.astype(int), strict=True)):
        box = image[row - 2:row + 3, col - 2:col + 3]
        offsets = np.arange(-2, 3)
        rows[i] = row + np.sum(box.sum(axis=1) * offsets) / box.sum()
        cols[i] = col + np.sum(box.sum(axis=0) * offsets) / box.sum()
    transform = np.asarray(kwargs_data["transform_pix2angle"])
    ra = kwargs_data["ra_at_xy_0"] + transform[0, 0] * cols + transform[0, 1] * rows
    dec = kwargs_data["dec_at_xy_0"] + transform[1, 0] * cols + transform[1, 1] * rows
    return ra, dec


def test_real_quasar_matches_reference():
    """HST F814W quad: EPL+SHEAR, Sersic lens light, Sersic host, 4 LENSED_POSITION images."""
    kwargs_data, kwargs_psf = load_band(QUASAR)
    assert "psf_variance_map" in kwargs_psf
    kwargs_data, kwargs_psf = _crop(kwargs_data, kwargs_psf, slice(22, 106), slice(20, 104))
    ra, dec = _quasar_images(kwargs_data)
    assert len(ra) == 4
    x0, y0 = float(np.mean(ra)), float(np.mean(dec))
    theta_e = float(np.mean(np.hypot(ra - x0, dec - y0)))
    kwargs_lens = [{"theta_E": theta_e, "gamma": 2.05, "e1": 0.05, "e2": -0.03,
                    "center_x": x0, "center_y": y0},
                   {"gamma1": 0.02, "gamma2": -0.01}]
    beta_x, beta_y = RefLensModel(["EPL", "SHEAR"]).ray_shooting(ra, dec, kwargs_lens)
    kwargs_source = [{"amp": 1.0, "R_sersic": 0.2, "n_sersic": 1.5, "e1": 0.05, "e2": 0.0,
                      "center_x": float(np.mean(beta_x)), "center_y": float(np.mean(beta_y))}]
    kwargs_lens_light = [{"amp": 1.0, "R_sersic": 0.5, "n_sersic": 3.5, "e1": 0.02,
                          "e2": 0.05, "center_x": x0, "center_y": y0}]
    kwargs_ps = [{"ra_image": ra, "dec_image": dec, "point_amp": np.ones(4)}]
    kwargs = (kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps, None, None)
    kwargs_numerics = {"supersampling_factor": 2}

    def build(data_cls, psf_cls, lens_cls, light_cls, ps_cls, fit_cls):
        lens_model = lens_cls(["EPL", "SHEAR"])
        return fit_cls(data_cls(**copy.deepcopy(kwargs_data)), psf_cls(**copy.deepcopy(kwargs_psf)),
                       lens_model, light_cls(["SERSIC_ELLIPSE"]), light_cls(["SERSIC_ELLIPSE"]),
                       ps_cls(["LENSED_POSITION"], lens_model,
                              fixed_magnification_list=[False]),
                       kwargs_numerics=dict(kwargs_numerics))

    ours = build(ImageData, PSF, LensModel, LightModel, PointSource, ImageLinearFit)
    ref = build(RefImageData, RefPSF, RefLensModel, RefLightModel, RefPointSource,
                RefImageLinearFit)
    for options in ({}, {"source_marg": True}):
        logL, param = ours.likelihood_data_given_model(*copy.deepcopy(kwargs), **options)
        ref.reset_point_source_cache(False)
        logL_r, param_r = ref.likelihood_data_given_model(*copy.deepcopy(kwargs), **options)
        assert logL == pytest.approx(logL_r, rel=RTOL)
        np.testing.assert_allclose(param, param_r, rtol=RTOL)
    assert param.shape == (6,)
    assert np.all(param[2:] > 0)  # the four quasar images are bright
    ref.reset_point_source_cache(False)
    _, error_map, _, _ = ours.image_linear_solve(*copy.deepcopy(kwargs))
    _, error_map_r, _, _ = ref.image_linear_solve(*copy.deepcopy(kwargs))
    assert np.max(error_map) > 0
    assert_close(error_map, error_map_r, RTOL, label="quasar psf-variance error map")
