"""Real data: the two-band HST lens SL2SJ0219-0829 (F475X + F600LP) modelled with
MultiLinear, JointLinear and JointLinear_VaryBG, against the reference's classes
(lenstronomy.ImSim.MultiBand) on identical inputs.

Model: EPL + SHEAR lens; SERSIC_ELLIPSE + SHAPELETS (n_max = 4) source; a SERSIC_ELLIPSE lens
light per band (MultiLinear, through ``index_lens_light_model_list``) or one shared
SERSIC_ELLIPSE lens light (the joint classes, which need the same models in every band, with
each band's ``flux_scaling`` taken from the reference's own per-band fit, the workflow the
reference recommends for JointLinear_VaryBG). Circular likelihood mask around the lens.

The images are cropped to 80 x 80 pixels around the lens and the 61 x 61 PSFs to 31 x 31 so
the test stays fast; both codes receive deep copies of the same dicts. The non-linear
parameters are plausible values for this lens, jittered with a seeded RNG.
"""

import copy
import pathlib

import numpy as np
import pytest
from lenstronomy.ImSim.MultiBand.joint_linear import JointLinear as RefJointLinear
from lenstronomy.ImSim.MultiBand.joint_linear_vary_background import (
    JointLinear_VaryBG as RefVaryBG,
)
from lenstronomy.ImSim.MultiBand.multi_linear import MultiLinear as RefMultiLinear

from chromalens.io import load_band
from chromalens.multiband import JointLinear, JointLinear_VaryBG, MultiLinear

RTOL = 1e-8
LENS_DIR = pathlib.Path(__file__).resolve().parents[2] / "chromalens" / "datasets" / \
    "SL2SJ0219-0829"
BANDS = ("F475X", "F600LP")
#: crop window (rows and columns, pixels) of the 130 x 130 cutouts, centred on the lens
CROP = slice(25, 105)
PSF_HALF = 15
#: lens-galaxy position (pixel x, y of the 130 x 130 cutout), read off the images
LENS_PIXEL = (63.0, 65.0)
MASK_RADIUS = 1.6  # arcsec: contains the arc (about 1.35" from the lens)
N_MAX = 4
BETA = 0.1
NUMERICS = {"supersampling_factor": 2}


def _crop_band(path: pathlib.Path) -> tuple[dict, dict, np.ndarray]:
    """Load one band, crop image / exposure map / PSF; returns also the lens position."""
    kwargs_data, kwargs_psf = load_band(path)
    transform = np.asarray(kwargs_data["transform_pix2angle"])
    origin = np.array([kwargs_data["ra_at_xy_0"], kwargs_data["dec_at_xy_0"]])
    start = np.array([CROP.start, CROP.start], dtype=float)  # (x, y) of the new pixel (0, 0)
    new_origin = origin + transform @ start
    kwargs_data = dict(kwargs_data)
    kwargs_data["image_data"] = np.ascontiguousarray(kwargs_data["image_data"][CROP, CROP])
    kwargs_data["exposure_time"] = np.ascontiguousarray(
        kwargs_data["exposure_time"][CROP, CROP])
    kwargs_data["ra_at_xy_0"], kwargs_data["dec_at_xy_0"] = (float(v) for v in new_origin)
    kernel = np.asarray(kwargs_psf["kernel_point_source"])
    c = kernel.shape[0] // 2
    kwargs_psf = {"psf_type": "PIXEL",
                  "kernel_point_source": kernel[c - PSF_HALF:c + PSF_HALF + 1,
                                                c - PSF_HALF:c + PSF_HALF + 1]}
    lens_position = origin + transform @ np.asarray(LENS_PIXEL)
    return kwargs_data, kwargs_psf, lens_position


def _circular_mask(kwargs_data: dict, centre: np.ndarray, radius: float) -> np.ndarray:
    ny, nx = kwargs_data["image_data"].shape
    yy, xx = np.mgrid[0:ny, 0:nx]
    transform = np.asarray(kwargs_data["transform_pix2angle"])
    ra = kwargs_data["ra_at_xy_0"] + transform[0, 0] * xx + transform[0, 1] * yy
    dec = kwargs_data["dec_at_xy_0"] + transform[1, 0] * xx + transform[1, 1] * yy
    return ((ra - centre[0]) ** 2 + (dec - centre[1]) ** 2 < radius ** 2).astype(int)


@pytest.fixture(scope="module")
def setup():
    """``(multi_band_list, masks, kwargs_lens, kwargs_source, lens-light template)``."""
    multi_band_list, masks, lens_positions = [], [], []
    for band in BANDS:
        kwargs_data, kwargs_psf, lens_position = _crop_band(LENS_DIR / f"{band}.fits")
        multi_band_list.append([kwargs_data, kwargs_psf, dict(NUMERICS)])
        lens_positions.append(lens_position)
    centre = np.mean(lens_positions, axis=0)
    masks = [_circular_mask(band[0], centre, MASK_RADIUS) for band in multi_band_list]
    rng = np.random.default_rng(219)
    cx, cy = centre + rng.uniform(-0.02, 0.02, 2)
    kwargs_lens = [
        {"theta_E": rng.uniform(1.2, 1.3), "gamma": rng.uniform(1.9, 2.1),
         "e1": rng.uniform(-0.1, 0.1), "e2": rng.uniform(-0.1, 0.1), "center_x": cx,
         "center_y": cy},
        {"gamma1": rng.uniform(-0.05, 0.05), "gamma2": rng.uniform(-0.05, 0.05),
         "ra_0": 0.0, "dec_0": 0.0},
    ]
    # the arc lies on the negative-RA side of the lens: the source sits slightly that way
    sx, sy = cx - rng.uniform(0.1, 0.2), cy + rng.uniform(-0.05, 0.05)
    kwargs_source = [
        {"amp": 1.0, "R_sersic": rng.uniform(0.15, 0.3), "n_sersic": rng.uniform(1.0, 2.0),
         "e1": rng.uniform(-0.1, 0.1), "e2": rng.uniform(-0.1, 0.1), "center_x": sx,
         "center_y": sy},
        {"amp": np.ones((N_MAX + 1) * (N_MAX + 2) // 2), "n_max": N_MAX, "beta": BETA,
         "center_x": sx, "center_y": sy},
    ]
    kwargs_lens_light = {"amp": 1.0, "R_sersic": rng.uniform(0.5, 0.8),
                         "n_sersic": rng.uniform(3.0, 4.0), "e1": rng.uniform(-0.1, 0.1),
                         "e2": rng.uniform(-0.1, 0.1), "center_x": cx, "center_y": cy}
    return multi_band_list, masks, kwargs_lens, kwargs_source, kwargs_lens_light


def _kwargs_model(per_band_lens_light: bool) -> dict:
    kwargs_model = {"lens_model_list": ["EPL", "SHEAR"],
                    "source_light_model_list": ["SERSIC_ELLIPSE", "SHAPELETS"]}
    if per_band_lens_light:
        kwargs_model["lens_light_model_list"] = ["SERSIC_ELLIPSE", "SERSIC_ELLIPSE"]
        kwargs_model["index_lens_light_model_list"] = [[0], [1]]
    else:
        kwargs_model["lens_light_model_list"] = ["SERSIC_ELLIPSE"]
    return kwargs_model


def _all_kwargs(setup, num_lens_light: int):
    _, _, kwargs_lens, kwargs_source, lens_light = setup
    return (copy.deepcopy(kwargs_lens), copy.deepcopy(kwargs_source),
            [copy.deepcopy(lens_light) for _ in range(num_lens_light)], [], None, None)


def _close(a, b, rtol=RTOL, atol=0.0):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=rtol, atol=atol)


@pytest.fixture(scope="module")
def multi_linear_pair(setup):
    multi_band_list, masks = setup[0], setup[1]
    kwargs_model = _kwargs_model(per_band_lens_light=True)
    ours = MultiLinear(copy.deepcopy(multi_band_list), kwargs_model,
                       likelihood_mask_list=[m.copy() for m in masks])
    ref = RefMultiLinear(copy.deepcopy(multi_band_list), kwargs_model,
                         likelihood_mask_list=[m.copy() for m in masks])
    return ours, ref


def test_multi_linear_real_data(setup, multi_linear_pair):
    ours, ref = multi_linear_pair
    num_source = 1 + (N_MAX + 1) * (N_MAX + 2) // 2
    assert ours.num_data_evaluate == ref.num_data_evaluate > 3000
    for source_marg in (False, True):
        kwargs_ours, kwargs_ref = _all_kwargs(setup, 2), _all_kwargs(setup, 2)
        logL, params = ours.likelihood_data_given_model(*kwargs_ours, source_marg=source_marg)
        logL_ref, params_ref = ref.likelihood_data_given_model(*kwargs_ref,
                                                               source_marg=source_marg)
        assert np.isfinite(logL_ref)
        assert logL == pytest.approx(logL_ref, rel=RTOL)
        for band, (p, p_ref) in enumerate(zip(params, params_ref, strict=True)):
            assert len(p) == num_source + 1
            _close(p, p_ref, atol=1e-10 * np.max(np.abs(p_ref)))
            # the lens light is bright in both bands: a well-determined, positive amplitude
            assert p_ref[-1] > 0, band
        # amplitudes written into the caller's dicts: per-band lens light, shared source
        _close(kwargs_ours[2][0]["amp"], kwargs_ref[2][0]["amp"])
        _close(kwargs_ours[2][1]["amp"], kwargs_ref[2][1]["amp"])
        _close(kwargs_ours[1][1]["amp"], kwargs_ref[1][1]["amp"],
               atol=1e-10 * np.max(np.abs(kwargs_ref[1][1]["amp"])))
    # model images and covariances of the per-band solves
    got = ours.image_linear_solve(*_all_kwargs(setup, 2), inv_bool=True)
    expected = ref.image_linear_solve(*_all_kwargs(setup, 2), inv_bool=True)
    for model, model_ref in zip(got[0], expected[0], strict=True):
        _close(model, model_ref, atol=1e-10 * np.max(np.abs(model_ref)))
    for cov, cov_ref in zip(got[2], expected[2], strict=True):
        _close(cov, cov_ref, atol=1e-10 * np.max(np.abs(cov_ref)))


@pytest.fixture(scope="module")
def joint_bands(setup, multi_linear_pair):
    """The bands with ``flux_scaling`` = the reference's per-band lens-light amplitude ratio."""
    _, ref = multi_linear_pair
    _, params = ref.likelihood_data_given_model(*_all_kwargs(setup, 2))
    scaling = [1.0, float(params[1][-1] / params[0][-1])]
    multi_band_list = copy.deepcopy(setup[0])
    for band, factor in zip(multi_band_list, scaling, strict=True):
        band[0]["flux_scaling"] = factor
    return multi_band_list


@pytest.mark.parametrize("cls, ref_cls", [(JointLinear, RefJointLinear),
                                          (JointLinear_VaryBG, RefVaryBG)],
                         ids=["JointLinear", "JointLinear_VaryBG"])
def test_joint_real_data(setup, joint_bands, cls, ref_cls):
    masks = setup[1]
    kwargs_model = _kwargs_model(per_band_lens_light=False)
    ours = cls(copy.deepcopy(joint_bands), kwargs_model,
               likelihood_mask_list=[m.copy() for m in masks])
    ref = ref_cls(copy.deepcopy(joint_bands), kwargs_model,
                  likelihood_mask_list=[m.copy() for m in masks])
    m = 1 + (N_MAX + 1) * (N_MAX + 2) // 2 + 1
    num_param = m + (2 if cls is JointLinear_VaryBG else 0)
    for source_marg in (False, True):
        logL, param = ours.likelihood_data_given_model(*_all_kwargs(setup, 1),
                                                       source_marg=source_marg)
        logL_ref, param_ref = ref.likelihood_data_given_model(*_all_kwargs(setup, 1),
                                                              source_marg=source_marg)
        assert np.isfinite(logL_ref)
        assert logL == pytest.approx(logL_ref, rel=RTOL)
        assert param.shape == param_ref.shape == (num_param,)
        _close(param, param_ref, atol=1e-10 * np.max(np.abs(param_ref)))
    wls, errors, cov, param = ours.image_linear_solve(*_all_kwargs(setup, 1), inv_bool=True)
    wls_ref, _, cov_ref, param_ref = ref.image_linear_solve(*_all_kwargs(setup, 1),
                                                            inv_bool=True)
    assert cov.shape == cov_ref.shape == (num_param, num_param)
    _close(cov, cov_ref, atol=1e-10 * np.max(np.abs(cov_ref)))
    _close(param, param_ref, atol=1e-10 * np.max(np.abs(param_ref)))
    for model, model_ref in zip(wls, wls_ref, strict=True):
        _close(model, model_ref, atol=1e-10 * np.max(np.abs(model_ref)))
    if cls is JointLinear_VaryBG:
        backgrounds, backgrounds_ref = param[-2:], param_ref[-2:]
        # the sky levels: each comparable to the band's noise, matched at the tolerance
        _close(backgrounds, backgrounds_ref, rtol=RTOL)
        assert np.all(np.abs(backgrounds_ref) < 0.2)
        _close(ours.backgrounds(param), backgrounds_ref, rtol=RTOL)
