"""Behaviours of the multi-band classes: the reference's documented values and the intent of
its own MultiBand tests, plus the reference bugs chromalens fixes (each pinned here)."""

import copy

import numpy as np
import pytest
from lenstronomy.Util import kernel_util

from chromalens.multiband import JointLinear, JointLinear_VaryBG, MultiLinear, SingleBandMultiModel

N, PIXEL = 40, 0.08


def data_kwargs(image, flux_scaling=1.0):
    transform = np.array([[-PIXEL, 0.0], [0.0, PIXEL]])
    return {"image_data": image, "background_rms": 0.02, "exposure_time": 500.0,
            "transform_pix2angle": transform, "ra_at_xy_0": (N - 1) / 2 * PIXEL,
            "dec_at_xy_0": -(N - 1) / 2 * PIXEL, "flux_scaling": flux_scaling}


PSF_GAUSSIAN = {"psf_type": "GAUSSIAN", "fwhm": 0.2, "truncation": 5}
PSF_PIXEL = {"psf_type": "PIXEL", "kernel_point_source": kernel_util.kernel_gaussian(11, PIXEL,
                                                                                   0.25)}
NUMERICS = {"supersampling_factor": 2, "supersampling_convolution": True}
KWARGS_MODEL = {"lens_model_list": ["EPL", "SHEAR"], "source_light_model_list": ["SERSIC_ELLIPSE"],
                "lens_light_model_list": ["SERSIC"],
                "point_source_model_list": ["LENSED_POSITION"],
                "fixed_magnification_list": [False]}
KWARGS = (
    [{"theta_E": 1.0, "gamma": 2.1, "e1": 0.1, "e2": -0.05, "center_x": 0.02, "center_y": -0.01},
     {"gamma1": 0.03, "gamma2": -0.02}],
    [{"amp": 20.0, "R_sersic": 0.15, "n_sersic": 1.5, "e1": 0.05, "e2": 0.1, "center_x": 0.05,
      "center_y": 0.02}],
    [{"amp": 5.0, "R_sersic": 0.6, "n_sersic": 3.0, "center_x": 0.02, "center_y": -0.01}],
    [{"ra_image": np.array([1.05, -0.8]), "dec_image": np.array([0.3, -0.6]),
      "point_amp": np.array([8.0, 5.0])}],
)


def fresh():
    return copy.deepcopy(KWARGS)


@pytest.fixture(scope="module")
def bands():
    """The reference notes' deterministic two-band setup (§7): data = model + pattern + sky."""
    yy, xx = np.mgrid[0:N, 0:N]
    pattern = 0.01 * np.sin(0.7 * xx + 0.3 * yy)
    result = []
    for psf, scale, sky in [(PSF_GAUSSIAN, 1.0, 0.0), (PSF_PIXEL, 0.8, 0.05)]:
        kwargs_data = data_kwargs(np.zeros((N, N)), scale)
        image = SingleBandMultiModel([[kwargs_data, psf, NUMERICS]], KWARGS_MODEL).image(*fresh())
        kwargs_data["image_data"] = image + pattern + sky
        result.append([kwargs_data, psf, NUMERICS])
    return result


def test_reference_values(bands):
    """Numbers the reference (lenstronomy 1.14.2) produced on this setup, from the spec."""
    image = SingleBandMultiModel([[data_kwargs(np.zeros((N, N))), PSF_GAUSSIAN, NUMERICS]],
                                 KWARGS_MODEL).image(*fresh())
    assert image.sum() == pytest.approx(161.05057873991774, rel=1e-10)
    assert image.max() == pytest.approx(1.1665473522638181, rel=1e-10)
    multi = MultiLinear(copy.deepcopy(bands), KWARGS_MODEL)
    logL, params = multi.likelihood_data_given_model(*fresh())
    assert logL == pytest.approx(-2606.8459016488496, rel=1e-10)
    np.testing.assert_allclose(params[0], [20.00506281185195, 5.001230246841233,
                                           7.884661356844315, 4.913931539298961], rtol=1e-9)
    np.testing.assert_allclose(params[1], [25.356869699067154, 7.896894631963865,
                                           7.91834261967074, 4.608040616997114], rtol=1e-9)
    logL, _ = multi.likelihood_data_given_model(*fresh(), source_marg=True)
    assert logL == pytest.approx(-2621.9656991823676, rel=1e-10)
    logL, _ = multi.likelihood_data_given_model(*fresh(), source_marg=True,
                                                linear_prior=[100, 100])
    assert logL == pytest.approx(-2657.0007298491146, rel=1e-10)
    joint = JointLinear(copy.deepcopy(bands), KWARGS_MODEL)
    logL, param = joint.likelihood_data_given_model(*fresh())
    assert logL == pytest.approx(-3459.568139382805, rel=1e-10)
    np.testing.assert_allclose(param, [22.045282479422433, 6.092633987149321, 7.966802252733818,
                                       4.869300679245421], rtol=1e-9)
    vary = JointLinear_VaryBG(copy.deepcopy(bands), KWARGS_MODEL)
    logL, param = vary.likelihood_data_given_model(*fresh(), source_marg=True)
    assert logL == pytest.approx(-164.9081742327871, rel=1e-10)
    np.testing.assert_allclose(param, [20.023679307979023, 5.011614686713693, 7.8667236964381075,
                                       4.897072549373291, -1.805067425959539e-4,
                                       0.04983728127482051], rtol=1e-8, atol=1e-12)


def test_joint_solve_needs_a_band(bands):
    """A joint solve over no band is refused at construction (it used to fail at the first
    call with an IndexError)."""
    for cls in (JointLinear, JointLinear_VaryBG):
        with pytest.raises(ValueError, match=rf"{cls.__name__}: compute_bool \[False, False\]"):
            cls(copy.deepcopy(bands), KWARGS_MODEL, compute_bool=[False, False])


def test_multi_linear_bookkeeping(bands):
    with pytest.raises(ValueError, match="compute_bool"):
        MultiLinear(copy.deepcopy(bands[:1]), KWARGS_MODEL, compute_bool=[True, False])
    with pytest.raises(ValueError, match="linear_solver"):
        MultiLinear(copy.deepcopy(bands), KWARGS_MODEL, linear_solver=False)
    multi = MultiLinear(copy.deepcopy(bands), KWARGS_MODEL, compute_bool=[True, np.bool_(False)])
    assert multi.num_bands == 2 and multi.num_data_evaluate == N * N
    assert multi.num_response_list == [N * N, N * N]
    kwargs = fresh()
    assert multi.num_param_linear(*kwargs) == 4
    models, errors, covs, params = multi.image_linear_solve(*kwargs)
    assert models[1] is None and params[1] is None and params[0].shape == (4,)
    residuals = multi.reduced_residuals(models, errors)
    assert len(residuals) == 1 and residuals[0].shape == (N, N)
    # numpy booleans count (the reference silently skips np.True_ bands)
    multi_np = MultiLinear(copy.deepcopy(bands), KWARGS_MODEL, compute_bool=[np.bool_(True)] * 2)
    assert multi_np.num_data_evaluate == 2 * N * N
    multi.reset_point_source_cache(True)
    kwargs = fresh()
    _, source, light, ps = multi.update_linear_kwargs([np.ones(4) * 10, None], 0, *kwargs)
    assert source[0]["amp"] == 10 and light[0]["amp"] == 10
    np.testing.assert_array_equal(ps[0]["point_amp"], [10, 10])


def test_joint_linear_shapes_and_refusals(bands):
    joint = JointLinear(copy.deepcopy(bands), KWARGS_MODEL)
    A = joint.linear_response_matrix(*fresh())
    assert A.shape == (4, 2 * N * N)
    assert joint.num_param_linear(*fresh()) == 8  # per-band sum, as the reference
    models, errors, cov, param = joint.image_linear_solve(*fresh(), inv_bool=True)
    assert len(models) == 2 and cov.shape == (4, 4)
    kwargs = fresh()
    joint.image_linear_solve(*kwargs)
    assert kwargs[1][0]["amp"] == 20.0  # the joint solve does not write amplitudes
    assert joint.update_linear_kwargs(param, 0, *kwargs) is not None
    model = dict(KWARGS_MODEL, lens_light_model_list=["SERSIC", "SERSIC"],
                 index_lens_light_model_list=[[0], [1]])
    with pytest.raises(ValueError, match="index_lens_light_model_list"):
        JointLinear(copy.deepcopy(bands), model)


def test_positivity_penalties(bands):
    kwargs = fresh()
    kwargs[2][0]["amp"] = -1.0
    joint = JointLinear(copy.deepcopy(bands), KWARGS_MODEL)
    logL, _ = joint.likelihood_data_given_model(*copy.deepcopy(kwargs))
    penalised, _ = joint.likelihood_data_given_model(*copy.deepcopy(kwargs),
                                                     check_positive_flux=True)
    assert penalised == pytest.approx(logL - 1e5)  # joint modes check the input amplitudes
    single = SingleBandMultiModel(copy.deepcopy(bands), KWARGS_MODEL)
    logL, _ = single.likelihood_data_given_model(*copy.deepcopy(kwargs),
                                                 check_positive_flux=True)
    assert logL > -1e8  # single band checks the solved (positive) amplitudes


def test_vary_background_recovers_skies_and_survives_a_skipped_band(bands):
    vary = JointLinear_VaryBG(copy.deepcopy(bands), KWARGS_MODEL)
    A = vary.linear_response_matrix(*fresh())
    assert A.shape == (4 + 2, 2 * N * N)
    np.testing.assert_array_equal(A[4, :N * N], 1.0)
    np.testing.assert_array_equal(A[4, N * N:], 0.0)
    models, errors, cov, param = vary.image_linear_solve(*fresh(), inv_bool=True)
    assert cov.shape == (6, 6) and param.shape == (6,)
    assert param[-1] == pytest.approx(0.05, abs=0.005)
    np.testing.assert_array_equal(vary.backgrounds(param), param[-2:])
    # reference bug fixed: a skipped band no longer makes the system singular (all zeros)
    skipped = JointLinear_VaryBG(copy.deepcopy(bands), KWARGS_MODEL, compute_bool=[True, False])
    logL, param = skipped.likelihood_data_given_model(*fresh(), source_marg=True)
    assert np.isfinite(logL) and logL > -1e10
    assert param.shape == (6,) and param[-1] == 0.0 and param[0] == pytest.approx(20.0, rel=0.01)


def test_single_band_linear_solver_switch(bands):
    linear = SingleBandMultiModel(copy.deepcopy(bands), KWARGS_MODEL, band_index=1)
    plain = SingleBandMultiModel(copy.deepcopy(bands), KWARGS_MODEL, band_index=1,
                                 linear_solver=False)
    kwargs = fresh()
    logL, param = linear.likelihood_data_given_model(*kwargs)
    # the solve wrote its amplitudes into kwargs: the fixed-amplitude likelihood agrees
    logL_plain, none = plain.likelihood_data_given_model(*kwargs)
    assert none is None and logL_plain == pytest.approx(logL, rel=1e-10)
    # per-call override reproduces the other instance
    kwargs2 = fresh()
    assert linear.likelihood_data_given_model(*kwargs2, linear_solver=False)[0] == \
        pytest.approx(plain.likelihood_data_given_model(*kwargs2)[0], rel=1e-12)
    assert plain.num_param_linear(*fresh()) == 0 and linear.num_param_linear(*fresh()) == 4
    assert plain.linear_param_from_kwargs(*fresh()[1:]) == []
    np.testing.assert_array_equal(plain.error_map_source(fresh()[1], np.zeros(5), np.zeros(5),
                                                         None), np.zeros(5))
    np.testing.assert_allclose(linear.extinction_map(), 1.0)
    kwargs = fresh()
    linear.update_linear_kwargs(np.ones(4) * 10, *kwargs)
    assert kwargs[1][0]["amp"] == 10 and kwargs[2][0]["amp"] == 10


def test_repeated_calls_are_identical(bands):
    model = dict(KWARGS_MODEL, lens_model_list=["SIE", "SHEAR"],
                 point_source_model_list=["SOURCE_POSITION"], fixed_magnification_list=[True])
    kwargs = list(fresh())
    kwargs[0][0].pop("gamma")
    kwargs[3] = [{"ra_source": 0.02, "dec_source": 0.01, "source_amp": 10.0}]
    multi = MultiLinear(copy.deepcopy(bands), model)
    first = multi.likelihood_data_given_model(*copy.deepcopy(kwargs))
    second = multi.likelihood_data_given_model(*copy.deepcopy(kwargs))
    assert first[0] == second[0]
    for a, b in zip(first[1], second[1], strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("mutate, error, match", [
    (lambda b, m: (b, dict(m, band_index=0)), TypeError, "band_index"),
    (lambda b, m: (b, dict(m, foo=1)), ValueError, "foo"),
    (lambda b, m: (b, dict(m, multi_plane=True)), NotImplementedError, "multi_plane"),
    (lambda b, m: (b, dict(m, index_lens_model_list=[[0, 5], [0]])), ValueError,
     "index_lens_model_list"),
    (lambda b, m: (b, dict(m, index_lens_model_list=[[0]])), ValueError, "2 bands"),
    (lambda b, m: ([b[0][:2], b[1]], m), ValueError, r"multi_band_list\[0\]"),
    (lambda b, m: ([[dict(b[0][0], noise=1), b[0][1], b[0][2]], b[1]], m), TypeError,
     "band 0.*noise"),
    (lambda b, m: ([b[0], [b[1][0], {"psf_type": "GAUSSIAN"}, b[1][2]]], m), ValueError,
     "band 1.*fwhm"),
    (lambda b, m: ([b[0], [b[1][0], b[1][1], {"supersampling_factr": 2}]], m), ValueError,
     "band 1.*supersampling_factr"),
])
def test_bad_configuration_names_band_and_key(bands, mutate, error, match):
    multi_band_list, kwargs_model = mutate(copy.deepcopy(bands), KWARGS_MODEL)
    with pytest.raises(error, match=match):
        MultiLinear(multi_band_list, kwargs_model)
