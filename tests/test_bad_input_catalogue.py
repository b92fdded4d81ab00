"""Catalogue of bad inputs: each raises a ValueError / TypeError (or NotImplementedError for
unsupported features) whose message names the offending band, model, key or shape."""

import copy

import numpy as np
import pytest

from chromalens.data import PSF, ImageData
from chromalens.lens import LensModel
from chromalens.light import LightModel
from chromalens.multiband import JointLinear, MultiLinear, SingleBandMultiModel
from chromalens.point_source import PointSource

N = 12
GOOD_DATA = {"image_data": np.ones((N, N)), "background_rms": 0.05, "exposure_time": 100.0,
             "transform_pix2angle": np.array([[-0.1, 0.0], [0.0, 0.1]]),
             "ra_at_xy_0": 0.55, "dec_at_xy_0": -0.55}
GOOD_PSF = {"psf_type": "GAUSSIAN", "fwhm": 0.2}
GOOD_BAND = [GOOD_DATA, GOOD_PSF, {"supersampling_factor": 1}]
MODEL = {"lens_model_list": ["SIE", "SHEAR"], "source_light_model_list": ["SERSIC"],
         "lens_light_model_list": ["SERSIC"], "point_source_model_list": ["LENSED_POSITION"]}
KWARGS = (
    [{"theta_E": 0.5, "e1": 0.1, "e2": 0.0, "center_x": 0.0, "center_y": 0.0},
     {"gamma1": 0.01, "gamma2": 0.0}],
    [{"amp": 1.0, "R_sersic": 0.1, "n_sersic": 1.0, "center_x": 0.0, "center_y": 0.0}],
    [{"amp": 1.0, "R_sersic": 0.3, "n_sersic": 3.0, "center_x": 0.0, "center_y": 0.0}],
    [{"ra_image": np.array([0.4, -0.4]), "dec_image": np.array([0.1, -0.1]),
      "point_amp": np.array([1.0, 1.0])}],
)


def bands(**changes):
    """Two good bands; ``changes`` maps 'data1' / 'psf1' / 'numerics1' to dict updates."""
    result = [copy.deepcopy(GOOD_BAND), copy.deepcopy(GOOD_BAND)]
    for key, update in changes.items():
        part, band = {"data": 0, "psf": 1, "numerics": 2}[key[:-1]], int(key[-1])
        result[band][part] = {**result[band][part], **update}
    return result


def kwargs_with(position, index, **update):
    kwargs = copy.deepcopy(KWARGS)
    kwargs[position][index].update(update)
    return kwargs


def remove(position, index, key):
    kwargs = copy.deepcopy(KWARGS)
    del kwargs[position][index][key]
    return kwargs


CONSTRUCTION = [
    # (builder, exception, message regex)
    (lambda: MultiLinear(bands(data1={"image_data": np.ones(5)}), MODEL), ValueError,
     "band 1.*image_data"),
    (lambda: MultiLinear(bands(data0={"exposure_time": np.ones((3, 3))}), MODEL), ValueError,
     "band 0.*exposure_time"),
    (lambda: MultiLinear(bands(data1={"noise_map": np.ones((N, N + 1))}), MODEL), ValueError,
     "band 1.*noise_map"),
    (lambda: MultiLinear(bands(data0={"background_rms": -1.0}), MODEL), ValueError,
     "band 0.*background_rms"),
    (lambda: MultiLinear(bands(data1={"exposure_time": -3.0}), MODEL), ValueError,
     "band 1.*exposure_time"),
    (lambda: MultiLinear(bands(data0={"foo": 1}), MODEL), TypeError, "band 0.*foo"),
    (lambda: MultiLinear(bands(psf1={"psf_type": "MOFFAT"}), MODEL), ValueError,
     "band 1.*psf_type"),
    (lambda: MultiLinear(bands(psf0={"fwhm": None}), MODEL), ValueError, "band 0.*fwhm"),
    (lambda: MultiLinear(bands(psf1={"psf_type": "PIXEL", "kernel_point_source": np.ones((4, 4))}),
                         MODEL), ValueError, "band 1.*odd"),
    (lambda: MultiLinear(bands(psf1={"psf_type": "PIXEL", "kernel_point_source": np.ones((3, 5))}),
                         MODEL), ValueError, "band 1.*square"),
    (lambda: MultiLinear(bands(psf0={"psf_type": "PIXEL", "kernel_point_source": np.zeros((5, 5))}),
                         MODEL), ValueError, "band 0.*zero"),
    (lambda: MultiLinear(bands(psf0={"psf_type": "PIXEL",
                                     "kernel_point_source": np.full((5, 5), np.nan)}), MODEL),
     ValueError, "band 0.*non-finite"),
    (lambda: MultiLinear(bands(numerics1={"supersampling_factr": 2}), MODEL), ValueError,
     "band 1.*supersampling_factr"),
    (lambda: MultiLinear(bands(numerics0={"supersampling_factor": 2.5}), MODEL),
     (ValueError, TypeError), "band 0.*supersampling_factor"),
    (lambda: MultiLinear(bands(), MODEL, likelihood_mask_list=[np.ones((N, N)), np.ones((3, 3))]),
     ValueError, "band 1.*likelihood_mask"),
    (lambda: MultiLinear(bands(), MODEL, likelihood_mask_list=[np.zeros((N, N)), None]),
     ValueError, "band 0.*no True pixel"),
    (lambda: MultiLinear(bands(data1={"image_data": np.full((N, N), np.nan)}), MODEL),
     ValueError, "band 1.*144 non-finite"),
    (lambda: MultiLinear(bands(), dict(MODEL, lens_model_list=["SIE", "SHEARR"])), ValueError,
     "band 0.*SHEARR"),
    (lambda: MultiLinear(bands(), dict(MODEL, source_light_model_list=["SERSIK"])), ValueError,
     "SERSIK"),
    (lambda: MultiLinear(bands(), dict(MODEL, point_source_model_list=["QUASAR"])), ValueError,
     "QUASAR"),
    (lambda: MultiLinear(bands(), dict(MODEL, lens_light_model_lists=["SERSIC"])), ValueError,
     "lens_light_model_lists"),
    (lambda: MultiLinear(bands(), dict(MODEL, index_source_light_model_list=[[0], [1]])),
     ValueError, "index_source_light_model_list.*band 1"),
    (lambda: MultiLinear(bands(), dict(MODEL, fixed_magnification_list=[True, False])),
     ValueError, "fixed_magnification_list"),
    (lambda: MultiLinear(bands(), dict(MODEL, multi_plane=True)), NotImplementedError,
     "multi_plane"),
    (lambda: MultiLinear(bands(), MODEL, compute_bool=[True]), ValueError, "compute_bool"),
    (lambda: MultiLinear(bands(), MODEL, compute_bool=[True, "yes"]), TypeError,
     r"compute_bool\[1\]"),
    (lambda: MultiLinear([GOOD_DATA, GOOD_PSF], MODEL), (ValueError, TypeError),
     r"multi_band_list\[0\]"),
    (lambda: SingleBandMultiModel(bands(), MODEL, band_index=2), ValueError, "band_index"),
    (lambda: JointLinear(bands(), dict(MODEL, lens_light_model_list=["SERSIC", "SERSIC"],
                                       index_lens_light_model_list=[[0], [1]])),
     ValueError, "index_lens_light_model_list"),
    (lambda: SingleBandMultiModel(bands(), MODEL, kwargs_pixelbased={"x": 1}),
     NotImplementedError, "pixel-based"),
    (lambda: PSF(psf_type="GAUSSIAN", fwhm=0.1, psf_variance_map=np.ones(3)), ValueError,
     "psf_variance_map"),
    (lambda: ImageData(np.ones((4, 4)), likelihood_method="interferometry"), ValueError,
     "likelihood_method"),
    (lambda: LightModel(["SERSIC"], profile_kwargs_list=[{"sersic_major_axiz": True}]),
     ValueError, "sersic_major_axiz"),
    (lambda: LensModel(["EPL"], multi_plane=True), NotImplementedError, "multi"),
]


@pytest.mark.parametrize("builder, error, match", CONSTRUCTION,
                         ids=[f"construct{i}" for i in range(len(CONSTRUCTION))])
def test_bad_construction(builder, error, match):
    with pytest.raises(error, match=match):
        builder()


CALLS = [
    (remove(0, 0, "theta_E"), "theta_E"),
    (kwargs_with(0, 0, theta_e=1.0), "theta_e"),
    (kwargs_with(1, 0, R_sersik=0.2), "R_sersik"),
    (remove(2, 0, "n_sersic"), "n_sersic"),
    (kwargs_with(3, 0, ra_image=np.array([np.nan, 0.1])), "ra_image.*not finite"),
    ((KWARGS[0][:1],) + copy.deepcopy(KWARGS[1:]), "2"),
    ((copy.deepcopy(KWARGS[0]), [], *copy.deepcopy(KWARGS[2:])), "1"),
]


@pytest.fixture(scope="module")
def multi():
    return MultiLinear(bands(), MODEL)


@pytest.mark.parametrize("kwargs, match", CALLS, ids=[f"call{i}" for i in range(len(CALLS))])
def test_bad_kwargs_at_call(multi, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        multi.likelihood_data_given_model(*copy.deepcopy(kwargs))


def test_catalogue_is_large_enough():
    assert len(CONSTRUCTION) + len(CALLS) >= 30


def test_unknown_point_source_type_in_pointsource():
    with pytest.raises(ValueError, match="QUASAR"):
        PointSource(["QUASAR"])
