"""The five multi-band classes against the reference's (lenstronomy.ImSim.MultiBand) on
randomized configurations: 2 to 4 bands, GAUSSIAN and PIXEL PSFs, rotated and offset grids,
supersampling 1 to 3, masks, flux_scaling, point sources, extinction, index lists."""

import copy

import numpy as np
import pytest
from lenstronomy.ImSim.MultiBand.joint_linear import JointLinear as RefJointLinear
from lenstronomy.ImSim.MultiBand.joint_linear_vary_background import (
    JointLinear_VaryBG as RefVaryBG,
)
from lenstronomy.ImSim.MultiBand.multi_linear import MultiLinear as RefMultiLinear
from lenstronomy.ImSim.MultiBand.single_band_multi_model import (
    SingleBandMultiModel as RefSingleBand,
)
from support.configurations import random_configuration

from chromalens.multiband import JointLinear, JointLinear_VaryBG, MultiLinear, SingleBandMultiModel

RTOL = 1e-8

FAST_SEEDS = [0, 1, 2]
SLOW_SEEDS = list(range(3, 24))


def close(a, b, rtol=RTOL, atol=0.0):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=rtol, atol=atol)


def build(cls, ref_cls, seed, **options):
    multi_band_list, kwargs_model, kwargs, masks = random_configuration(seed, **options)
    ours = cls(copy.deepcopy(multi_band_list), kwargs_model, likelihood_mask_list=masks)
    ref = ref_cls(copy.deepcopy(multi_band_list), kwargs_model, likelihood_mask_list=masks)
    return ours, ref, kwargs


def check_multi_linear(seed, **options):
    ours, ref, kwargs = build(MultiLinear, RefMultiLinear, seed, **options)
    assert ours.num_data_evaluate == ref.num_data_evaluate
    assert ours.num_response_list == ref.num_response_list
    assert ours.num_param_linear(*copy.deepcopy(kwargs[:4])) == ref.num_param_linear(
        *copy.deepcopy(kwargs[:4]))
    got = ours.image_linear_solve(*copy.deepcopy(kwargs), inv_bool=True)
    expected = ref.image_linear_solve(*copy.deepcopy(kwargs), inv_bool=True)
    scale = max(np.max(np.abs(m)) for m in expected[0])
    for a, b in zip(got[0], expected[0], strict=True):
        close(a, b, atol=1e-10 * scale)
    for index in (1, 2, 3):
        for a, b in zip(got[index], expected[index], strict=True):
            close(a, b, atol=1e-12)
    for a, b in zip(ours.reduced_residuals(got[0], got[1]),
                    ref.reduced_residuals(expected[0], expected[1]), strict=True):
        close(a, b, atol=1e-8)
    for options_ in ({}, {"source_marg": True},
                     {"source_marg": True, "linear_prior": [50.0] * ours.num_bands}):
        logL, params = ours.likelihood_data_given_model(*copy.deepcopy(kwargs), **options_)
        logL_ref, params_ref = ref.likelihood_data_given_model(*copy.deepcopy(kwargs), **options_)
        assert logL == pytest.approx(logL_ref, rel=RTOL)
        for a, b in zip(params, params_ref, strict=True):
            close(a, b)
    # amplitudes written into the caller's dicts, like the reference
    kwargs_ours, kwargs_ref = copy.deepcopy(kwargs), copy.deepcopy(kwargs)
    ours.image_linear_solve(*kwargs_ours)
    ref.image_linear_solve(*kwargs_ref)
    close(kwargs_ours[1][0]["amp"], kwargs_ref[1][0]["amp"])
    param = [np.arange(1, len(p) + 1, dtype=float) for p in got[3]]
    result = ours.update_linear_kwargs(param, 0, *copy.deepcopy(kwargs[:4]))
    result_ref = ref.update_linear_kwargs(param, 0, *copy.deepcopy(kwargs[:4]))
    assert result[1][0]["amp"] == result_ref[1][0]["amp"]


def check_joint(cls, ref_cls, seed, **options):
    ours, ref, kwargs = build(cls, ref_cls, seed, **options)
    close(ours.linear_response_matrix(*copy.deepcopy(kwargs)),
          ref.linear_response_matrix(*copy.deepcopy(kwargs)), atol=1e-12)
    close(ours.data_response, ref.data_response)
    variance, errors = ours.error_response(kwargs[0], kwargs[3], kwargs[5])
    variance_ref, errors_ref = ref.error_response(kwargs[0], kwargs[3], kwargs[5])
    close(variance, variance_ref)
    got = ours.image_linear_solve(*copy.deepcopy(kwargs), inv_bool=True)
    expected = ref.image_linear_solve(*copy.deepcopy(kwargs), inv_bool=True)
    for a, b in zip(got[0], expected[0], strict=True):
        close(a, b, atol=1e-10 * np.max(np.abs(b)))
    close(got[2], expected[2], atol=1e-14)
    close(got[3], expected[3], atol=1e-10)
    for options_ in ({}, {"source_marg": True}, {"source_marg": True, "linear_prior": 50.0}):
        logL, param = ours.likelihood_data_given_model(*copy.deepcopy(kwargs), **options_)
        logL_ref, param_ref = ref.likelihood_data_given_model(*copy.deepcopy(kwargs), **options_)
        assert logL == pytest.approx(logL_ref, rel=RTOL)
        close(param, param_ref, atol=1e-10)
    return ours, got


def _default_run(seeds, default_seed):
    """The seeds as parameters: ``default_seed`` in the default run, the others marked slow
    (each class keeps one configuration in the default run; the three fast seeds are spread
    over the three classes, and ``-m slow`` runs every class on every one of them)."""
    return [seed if seed == default_seed else pytest.param(seed, marks=pytest.mark.slow)
            for seed in seeds]


@pytest.mark.parametrize("seed", _default_run(FAST_SEEDS, 0))
def test_multi_linear(seed):
    check_multi_linear(seed)


@pytest.mark.parametrize("seed", _default_run(FAST_SEEDS, 1))
def test_joint_linear(seed):
    check_joint(JointLinear, RefJointLinear, seed)


@pytest.mark.parametrize("seed", _default_run(FAST_SEEDS, 2))
def test_joint_linear_vary_background(seed):
    ours, got = check_joint(JointLinear_VaryBG, RefVaryBG, seed)
    assert got[3].shape == (got[2].shape[0],)
    assert got[2].shape[0] == len(got[0]) + 4  # backgrounds last; m = 4 (source, light, 2 PS)


def test_extinction_and_index_lists():
    check_multi_linear(5, extinction=True, index_lists=True, num_bands=2)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SLOW_SEEDS)
def test_all_classes_slow_sweep(seed):
    options = {"extinction": seed % 3 == 0}
    check_multi_linear(seed, index_lists=seed % 2 == 0, **options)
    check_joint(JointLinear, RefJointLinear, seed, **options)
    check_joint(JointLinear_VaryBG, RefVaryBG, seed, **options)


@pytest.mark.parametrize("seed", [0, 3])
def test_single_band_multi_model_methods(seed):
    multi_band_list, kwargs_model, kwargs, masks = random_configuration(seed, index_lists=True,
                                                                        num_bands=2)
    for band in range(2):
        ours = SingleBandMultiModel(copy.deepcopy(multi_band_list), kwargs_model, masks,
                                    band_index=band)
        ref = RefSingleBand(copy.deepcopy(multi_band_list), kwargs_model, masks,
                            band_index=band)
        k = copy.deepcopy(kwargs)
        scale = np.max(np.abs(ref.image(*k)))
        close(ours.image(*k), ref.image(*k), atol=1e-12 * scale)
        close(ours.image(*k, unconvolved=True), ref.image(*k, unconvolved=True),
              atol=1e-12 * scale)
        close(ours.source_surface_brightness(k[1], k[0]),
              ref.source_surface_brightness(k[1], k[0]), atol=1e-12 * scale)
        close(ours.source_surface_brightness(k[1], k[0], de_lensed=True),
              ref.source_surface_brightness(k[1], k[0], de_lensed=True), atol=1e-12 * scale)
        close(ours.lens_surface_brightness(k[2]), ref.lens_surface_brightness(k[2]),
              atol=1e-12 * scale)
        close(ours.point_source(k[3], k[0]), ref.point_source(k[3], k[0]), atol=1e-12 * scale)
        close(ours.linear_response_matrix(*k), ref.linear_response_matrix(*k), atol=1e-12)
        assert ours.num_param_linear(*k[:4]) == ref.num_param_linear(*k[:4])
        assert ours.linear_param_from_kwargs(k[1], k[2], k[3]) == pytest.approx(
            ref.linear_param_from_kwargs(k[1], k[2], k[3]))
        _, _, cov, _ = ours.image_linear_solve(*copy.deepcopy(kwargs), inv_bool=True)
        x, y = np.linspace(-0.3, 0.3, 7), np.linspace(0.2, -0.2, 7)
        close(ours.error_map_source(k[1], x, y, cov), ref.error_map_source(k[1], x, y, cov),
              rtol=1e-8, atol=1e-14)
        logL, param = ours.likelihood_data_given_model(*copy.deepcopy(kwargs))
        logL_ref, param_ref = ref.likelihood_data_given_model(*copy.deepcopy(kwargs))
        assert logL == pytest.approx(logL_ref, rel=RTOL)
        close(param, param_ref)


def test_offset_bands_ray_shoot_in_one_batched_call():
    """Bands on grids of one shape but different coordinates form one ray-shooting group;
    identical grids share its entry; every result equals the band-by-band computation."""
    multi_band_list, kwargs_model, kwargs, masks = random_configuration(5, num_bands=3)
    multi_band_list = copy.deepcopy(multi_band_list)
    # band 2 on band 0's grid and numerics, band 1 with band 0's numerics on its own grid
    multi_band_list[2][0] = copy.deepcopy(multi_band_list[0][0])
    multi_band_list[2][2] = copy.deepcopy(multi_band_list[0][2])
    multi_band_list[1][2] = copy.deepcopy(multi_band_list[0][2])
    ours = MultiLinear(copy.deepcopy(multi_band_list), kwargs_model)
    assert ours._ray_shooting_groups() == [[(0, [0, 2]), (1, [1])]]
    logL, params = ours.likelihood_data_given_model(*copy.deepcopy(kwargs))
    total = 0.0
    for band in range(3):
        single = SingleBandMultiModel(copy.deepcopy(multi_band_list), kwargs_model,
                                      band_index=band)
        logL_band, param = single.likelihood_data_given_model(*copy.deepcopy(kwargs))
        close(params[band], param, rtol=1e-12)
        total += logL_band
    assert logL == pytest.approx(total, rel=1e-13)
    joint = JointLinear(copy.deepcopy(multi_band_list), kwargs_model)
    ref = RefJointLinear(copy.deepcopy(multi_band_list), kwargs_model)
    assert joint.likelihood_data_given_model(*copy.deepcopy(kwargs))[0] == pytest.approx(
        ref.likelihood_data_given_model(*copy.deepcopy(kwargs))[0], rel=RTOL)
