"""Randomized multi-band configurations for the parity tests (imported as ``support``).

Every configuration is built twice from the same numbers: the chromalens objects and the
reference's (lenstronomy) objects get deep copies, so in-place amplitude updates of one side
cannot leak into the other.
"""

from __future__ import annotations

import copy

import numpy as np
from lenstronomy.ImSim.MultiBand.single_band_multi_model import (
    SingleBandMultiModel as RefSingleBand,
)
from lenstronomy.Util import kernel_util


def _grid(rng, n, pixel):
    phi = rng.uniform(-0.2, 0.2)
    transform = pixel * np.array([[-np.cos(phi), np.sin(phi)], [np.sin(phi), np.cos(phi)]])
    offset = rng.uniform(-0.5, 0.5, 2) * pixel
    centre = np.array([(n - 1) / 2.0, (n - 1) / 2.0])
    ra0, dec0 = -(transform @ centre) + offset
    return transform, float(ra0), float(dec0)


def random_configuration(seed: int, num_bands: int | None = None, point_sources: bool = True,
                         extinction: bool = False, index_lists: bool = False):
    """A random multi-band setup: ``(multi_band_list, kwargs_model, kwargs tuple, masks)``.

    The kwargs tuple is ``(kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps,
    kwargs_extinction, kwargs_special)``. Image data are the reference's model plus a
    deterministic pattern, so both codes see identical pixels.
    """
    rng = np.random.default_rng(seed)
    num_bands = num_bands or int(rng.integers(2, 5))
    n = int(rng.integers(20, 31))
    pixel = float(rng.uniform(0.06, 0.1))
    lens_model = str(rng.choice(["SIE", "EPL", "SIS"]))
    kwargs_lens_main = {"theta_E": rng.uniform(0.6, 0.9), "center_x": rng.uniform(-0.05, 0.05),
                        "center_y": rng.uniform(-0.05, 0.05)}
    if lens_model != "SIS":
        kwargs_lens_main.update(e1=rng.uniform(-0.15, 0.15), e2=rng.uniform(-0.15, 0.15))
    if lens_model == "EPL":
        kwargs_lens_main["gamma"] = rng.uniform(1.8, 2.2)
    kwargs_lens = [kwargs_lens_main,
                   {"gamma1": rng.uniform(-0.05, 0.05), "gamma2": rng.uniform(-0.05, 0.05)}]
    kwargs_model = {"lens_model_list": [lens_model, "SHEAR"],
                    "source_light_model_list": ["SERSIC_ELLIPSE"],
                    "lens_light_model_list": ["SERSIC", "SERSIC"] if index_lists else ["SERSIC"]}
    kwargs_source = [{"amp": rng.uniform(5, 20), "R_sersic": rng.uniform(0.1, 0.3),
                      "n_sersic": rng.uniform(1, 3), "e1": rng.uniform(-0.2, 0.2),
                      "e2": rng.uniform(-0.2, 0.2), "center_x": rng.uniform(-0.1, 0.1),
                      "center_y": rng.uniform(-0.1, 0.1)}]
    kwargs_lens_light = [{"amp": rng.uniform(2, 6), "R_sersic": rng.uniform(0.3, 0.8),
                          "n_sersic": rng.uniform(2, 4), "center_x": kwargs_lens_main["center_x"],
                          "center_y": kwargs_lens_main["center_y"]}
                         for _ in kwargs_model["lens_light_model_list"]]
    if index_lists:
        kwargs_model["index_lens_light_model_list"] = [[band % 2] for band in range(num_bands)]
    kwargs_ps = None
    if point_sources:
        ps_type = str(rng.choice(["LENSED_POSITION", "UNLENSED"]))
        kwargs_model["point_source_model_list"] = [ps_type]
        kwargs_model["fixed_magnification_list"] = [False]
        kwargs_ps = [{"ra_image": rng.uniform(-0.7, 0.7, 2), "dec_image": rng.uniform(-0.7, 0.7, 2),
                      "point_amp": rng.uniform(3, 8, 2)}]
    kwargs_extinction = None
    kwargs_special = None
    if extinction:
        kwargs_model["optical_depth_model_list"] = ["GAUSSIAN"]
        kwargs_extinction = [{"amp": rng.uniform(0.1, 0.5), "sigma": rng.uniform(0.3, 0.6),
                              "center_x": 0.1, "center_y": -0.1}]
        kwargs_special = {"tau0_list": list(rng.uniform(0.5, 1.5, num_bands))}
        kwargs_model["tau0_index_list"] = list(range(num_bands))
    kwargs = (kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps, kwargs_extinction,
              kwargs_special)

    multi_band_list, masks = [], []
    for band in range(num_bands):
        transform, ra0, dec0 = _grid(rng, n, pixel)
        kwargs_data = {"image_data": np.zeros((n, n)), "background_rms": rng.uniform(0.01, 0.05),
                       "exposure_time": rng.uniform(100, 1000), "transform_pix2angle": transform,
                       "ra_at_xy_0": ra0, "dec_at_xy_0": dec0,
                       "flux_scaling": float(rng.uniform(0.7, 1.3))}
        if rng.uniform() < 0.5:
            kwargs_psf = {"psf_type": "GAUSSIAN", "fwhm": rng.uniform(0.1, 0.25), "truncation": 4}
        else:
            kernel = kernel_util.kernel_gaussian(int(rng.choice([7, 9, 11])), pixel,
                                                 rng.uniform(0.12, 0.3))
            kwargs_psf = {"psf_type": "PIXEL", "kernel_point_source": kernel}
        factor = int(rng.integers(1, 4))
        kwargs_numerics = {"supersampling_factor": factor,
                           "supersampling_convolution": bool(factor > 1 and rng.uniform() < 0.5
                                                             and kwargs_psf["psf_type"] == "PIXEL")}
        model = RefSingleBand([[kwargs_data, kwargs_psf, kwargs_numerics]], kwargs_model,
                              band_index=0) if not index_lists else RefSingleBand(
            [[kwargs_data, kwargs_psf, kwargs_numerics]] * num_bands, kwargs_model,
            band_index=band)
        image = model.image(*copy.deepcopy(kwargs))
        yy, xx = np.mgrid[0:n, 0:n]
        kwargs_data["image_data"] = image + 0.02 * np.sin(0.7 * xx + 0.3 * yy + band)
        multi_band_list.append([kwargs_data, kwargs_psf, kwargs_numerics])
        mask = np.ones((n, n), dtype=bool)
        if rng.uniform() < 0.5:
            mask[: int(rng.integers(1, 5)), :] = False
            mask[:, -int(rng.integers(1, 5)):] = False
        masks.append(mask)
    return multi_band_list, kwargs_model, kwargs, masks


def both(multi_band_list):
    """Two independent deep copies of a multi_band_list."""
    return copy.deepcopy(multi_band_list), copy.deepcopy(multi_band_list)
