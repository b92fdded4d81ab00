"""The functional face: pure log-likelihoods of a parameter pytree, equal to the class
methods, and ready for jit, vmap, grad and batches without recompilation."""

import contextlib
import copy
from unittest import mock

import jax
import numpy as np
import pytest
from support.configurations import random_configuration

from chromalens.imaging.functional import KWARGS_NAMES
from chromalens.multiband import JointLinear, JointLinear_VaryBG, MultiLinear, SingleBandMultiModel

CLASSES = [MultiLinear, JointLinear, JointLinear_VaryBG]


def pytree(kwargs):
    return {name: copy.deepcopy(value) for name, value in zip(KWARGS_NAMES, kwargs, strict=True)
            if value is not None}


def parameter_sets(kwargs, count: int = 5) -> list:
    """``count`` parameter pytrees around ``kwargs`` (Einstein radius and source moved)."""
    sets = []
    for i in range(count):
        k = pytree(kwargs)
        k["kwargs_lens"][0]["theta_E"] += 0.01 * i
        k["kwargs_source"][0]["center_x"] -= 0.005 * i
        sets.append(k)
    return sets


def class_method_loop(model, sets) -> np.ndarray:
    """``likelihood_data_given_model`` of each set, one call at a time."""
    return np.array([model.likelihood_data_given_model(
        *[s.get(name) for name in KWARGS_NAMES])[0] for s in copy.deepcopy(sets)])


@pytest.fixture(scope="module")
def setup():
    multi_band_list, kwargs_model, kwargs, masks = random_configuration(11, num_bands=2)
    kwargs_model = dict(kwargs_model, lens_model_list=["SIE", "SHEAR"])
    kwargs[0][0].pop("gamma", None)
    return multi_band_list, kwargs_model, kwargs, masks


@pytest.mark.parametrize("cls", CLASSES)
def test_function_equals_class_method(setup, cls):
    multi_band_list, kwargs_model, kwargs, masks = setup
    model = cls(copy.deepcopy(multi_band_list), kwargs_model, likelihood_mask_list=masks)
    for options in ({}, {"source_marg": True}):
        expected, _ = model.likelihood_data_given_model(*copy.deepcopy(kwargs), **options)
        function = jax.jit(model.log_likelihood_function(**options))
        assert float(function(pytree(kwargs))) == pytest.approx(expected, rel=1e-12)
    models, _, _, params = model.image_linear_solve(*copy.deepcopy(kwargs))
    images = model.image_function()(pytree(kwargs))
    if cls is MultiLinear:
        pairs = [(image, param) for image, param in images]
    else:
        band_images, param = images
        pairs = list(zip(band_images, [param] * len(band_images), strict=True))
        params = [params] * len(band_images)
    for (image, param), expected_image, expected_param in zip(pairs, models, params,
                                                              strict=True):
        scale = np.max(np.abs(expected_image))
        np.testing.assert_allclose(image, expected_image, rtol=1e-10, atol=1e-12 * scale)
        np.testing.assert_allclose(param[:len(expected_param)], expected_param[:len(param)],
                                   rtol=1e-10, atol=1e-12)


def test_single_band_function_and_batch(setup):
    multi_band_list, kwargs_model, kwargs, masks = setup
    model = SingleBandMultiModel(copy.deepcopy(multi_band_list), kwargs_model, masks,
                                 band_index=1)
    expected, param = model.likelihood_data_given_model(*copy.deepcopy(kwargs))
    assert float(model.log_likelihood_function()(pytree(kwargs))) == pytest.approx(expected,
                                                                                  rel=1e-12)
    image, amplitudes = model.image_function()(pytree(kwargs))
    np.testing.assert_allclose(amplitudes, param, rtol=1e-10)
    assert image.shape == model.Data.data.shape


def test_vmap_and_batch_equal_a_loop_without_recompiling(setup):
    multi_band_list, kwargs_model, kwargs, masks = setup
    model = MultiLinear(copy.deepcopy(multi_band_list), kwargs_model, likelihood_mask_list=masks)
    sets = parameter_sets(kwargs)
    loop = class_method_loop(model, sets)
    batch = model.log_likelihood_batch(sets, chunk_size=2)
    np.testing.assert_allclose(batch, loop, rtol=1e-11)
    # a second batch with new values reuses the compiled function
    cache = model._batch_cache
    assert len(cache) == 1
    compiled = next(iter(cache.values()))
    size = compiled.jitted._cache_size()
    assert size == 2  # the chunk of 2 and the remainder of 1
    model.log_likelihood_batch(sets[::-1], chunk_size=2)
    assert compiled.jitted._cache_size() == size
    stacked = jax.tree.map(lambda *v: np.stack(v), *sets)
    vmapped = jax.vmap(model.log_likelihood_function())(stacked)
    np.testing.assert_allclose(vmapped, loop, rtol=1e-11)
    # a batch already on the device (stacked jax arrays) is cut into the same chunks
    on_device = jax.tree.map(jax.numpy.asarray, stacked)
    np.testing.assert_allclose(model.log_likelihood_batch(on_device, chunk_size=2), loop,
                               rtol=1e-11)


@pytest.mark.parametrize("cache_bytes, expected_chunk", [(1, 1), (2**40, 8)])
def test_automatic_chunks_fit_the_cache(setup, monkeypatch, cache_bytes, expected_chunk):
    """Without chunk_size, the CPU chunk is the largest (up to 8) whose compiled scratch
    memory fits in the last-level cache: none fits a 1-byte cache (one set per call, without
    vmap), a huge one keeps the largest chunk (the five sets in one compilation, reused);
    same values either way."""
    from chromalens.imaging import functional

    assert functional.last_level_cache_bytes() > 0
    monkeypatch.setattr(functional, "last_level_cache_bytes", lambda: cache_bytes)
    multi_band_list, kwargs_model, kwargs, masks = setup
    model = JointLinear(copy.deepcopy(multi_band_list), kwargs_model, likelihood_mask_list=masks)
    sets = parameter_sets(kwargs)
    loop = class_method_loop(model, sets)
    np.testing.assert_allclose(model.log_likelihood_batch(sets), loop, rtol=1e-11)
    batch_function = next(iter(model._batch_cache.values()))
    assert batch_function.chunk_size == expected_chunk
    np.testing.assert_allclose(model.log_likelihood_batch(sets[::-1]), loop[::-1], rtol=1e-11)
    if expected_chunk > 1:  # the trial compilation serves every call
        assert batch_function.jitted._cache_size() == 0
        assert list(batch_function._executables) == [5]
    else:
        assert batch_function._single._cache_size() == 1
    # a batch already on the device takes the same path (set by set, fetched to the host)
    on_device = jax.tree.map(jax.numpy.asarray, jax.tree.map(lambda *v: np.stack(v), *sets))
    np.testing.assert_allclose(model.log_likelihood_batch(on_device), loop, rtol=1e-11)


def test_class_methods_never_recompile_for_new_values(setup):
    multi_band_list, kwargs_model, kwargs, masks = setup
    model = MultiLinear(copy.deepcopy(multi_band_list), kwargs_model, likelihood_mask_list=masks)
    model.likelihood_data_given_model(*copy.deepcopy(kwargs))
    size = model._bands_jit._cache_size()
    for shift in (0.01, -0.02, 0.03):
        k = copy.deepcopy(kwargs)
        k[0][0]["theta_E"] += shift
        k[1][0]["R_sersic"] *= 1 + shift
        model.likelihood_data_given_model(*k)
    assert model._bands_jit._cache_size() == size


@pytest.mark.parametrize("cls", [MultiLinear, JointLinear_VaryBG])
def test_gradient_matches_finite_differences(setup, cls):
    multi_band_list, kwargs_model, kwargs, masks = setup
    model = cls(copy.deepcopy(multi_band_list), kwargs_model, likelihood_mask_list=masks)
    function = jax.jit(model.log_likelihood_function())
    value, grad = jax.jit(jax.value_and_grad(model.log_likelihood_function()))(pytree(kwargs))
    assert float(value) == pytest.approx(float(function(pytree(kwargs))), rel=1e-12)
    for group, index, key in [("kwargs_lens", 0, "theta_E"), ("kwargs_lens", 1, "gamma1"),
                              ("kwargs_source", 0, "R_sersic"),
                              ("kwargs_lens_light", 0, "center_x")]:
        step = 1e-6
        plus, minus = pytree(kwargs), pytree(kwargs)
        plus[group][index][key] += step
        minus[group][index][key] -= step
        numeric = (float(function(plus)) - float(function(minus))) / (2 * step)
        assert float(grad[group][index][key]) == pytest.approx(numeric, rel=1e-5, abs=1e-4)


def test_shapelet_template_fixes_n_max():
    multi_band_list, kwargs_model, kwargs, masks = random_configuration(12, num_bands=2,
                                                                        point_sources=False)
    kwargs_model = dict(kwargs_model, source_light_model_list=["SERSIC_ELLIPSE", "SHAPELETS"])
    kwargs[1].append({"n_max": 3, "beta": 0.15, "center_x": 0.0, "center_y": 0.0,
                      "amp": np.ones(10)})
    model = MultiLinear(copy.deepcopy(multi_band_list), kwargs_model, likelihood_mask_list=masks)
    expected, _ = model.likelihood_data_given_model(*copy.deepcopy(kwargs))
    template = pytree(kwargs)
    function = jax.jit(model.log_likelihood_function(kwargs_template=template))
    assert float(function(pytree(kwargs))) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(TypeError, match="n_max"):
        jax.jit(model.log_likelihood_function())(pytree(kwargs))
    # a batch of shapelet sets needs no explicit template (its first set fixes n_max), and
    # calls with new values reuse one compiled function
    sets = []
    for shift in (0.0, 0.01, -0.02):
        k = pytree(kwargs)
        k["kwargs_lens"][0]["theta_E"] += shift
        sets.append(k)
    loop = [model.likelihood_data_given_model(*[s.get(name) for name in KWARGS_NAMES])[0]
            for s in copy.deepcopy(sets)]
    np.testing.assert_allclose(model.log_likelihood_batch(sets, chunk_size=2), loop,
                               rtol=1e-11)
    compiled = next(iter(model._batch_cache.values()))
    size = compiled.jitted._cache_size()
    sets[1]["kwargs_source"][0]["center_x"] += 0.01
    model.log_likelihood_batch(sets, chunk_size=2)
    model.log_likelihood_batch(sets, kwargs_template=copy.deepcopy(sets[0]), chunk_size=2)
    assert len(model._batch_cache) == 1
    assert compiled.jitted._cache_size() == size


@pytest.mark.parametrize("cls", CLASSES)
def test_returned_arrays_are_writable_numpy(setup, cls):
    # as the reference's: scripts edit returned images and amplitudes in place
    multi_band_list, kwargs_model, kwargs, masks = setup
    model = cls(copy.deepcopy(multi_band_list), kwargs_model, likelihood_mask_list=masks)
    wls, errors, cov, param = model.image_linear_solve(*copy.deepcopy(kwargs), inv_bool=True)
    params = param if cls is MultiLinear else [param]
    covs = cov if cls is MultiLinear else [cov]
    for array in [*wls, *errors, *covs, *params]:
        assert isinstance(array, np.ndarray) and array.flags.writeable
    _, param = model.likelihood_data_given_model(*copy.deepcopy(kwargs))
    for array in param if cls is MultiLinear else [param]:
        assert isinstance(array, np.ndarray) and array.flags.writeable


def bands_on_one_grid(setup):
    """The setup's two bands with band 1 moved onto band 0's grid and numerics."""
    multi_band_list, kwargs_model, kwargs, _ = setup
    multi_band_list = copy.deepcopy(multi_band_list)
    multi_band_list[1][0] = copy.deepcopy(multi_band_list[0][0])
    multi_band_list[1][2] = copy.deepcopy(multi_band_list[0][2])
    return multi_band_list, kwargs_model, pytree(kwargs)


def assert_same_value_and_gradient(first, second):
    (value, grad), (value_other, grad_other) = first, second
    assert float(value) == pytest.approx(float(value_other), rel=1e-13)
    for ours, theirs in zip(jax.tree.leaves(grad), jax.tree.leaves(grad_other), strict=True):
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-10,
                                   atol=1e-10)


@pytest.mark.parametrize("cls", [MultiLinear, JointLinear])
def test_bands_on_one_grid_share_one_ray_shooting_call(setup, cls):
    """Bands on an identical grid form one ray-shooting group (one lens-model call whose
    transpose reverse mode runs once); value and gradient equal the ungrouped computation."""
    multi_band_list, kwargs_model, params = bands_on_one_grid(setup)
    grouped = cls(copy.deepcopy(multi_band_list), kwargs_model)
    assert grouped._ray_groups == [[(0, [0, 1])]]
    separate = cls(copy.deepcopy(multi_band_list), kwargs_model)
    separate._ray_groups = []
    assert_same_value_and_gradient(
        *(jax.jit(jax.value_and_grad(model.log_likelihood_function(params)))(params)
          for model in (grouped, separate)))
    # tracing the grouped function shoots rays once, the separate one once per band
    lens_model_class = type(grouped.image_model_list[0].LensModel)
    for model, expected_calls in ((grouped, 1), (separate, 2)):
        with mock.patch.object(lens_model_class, "ray_shooting", autospec=True,
                               side_effect=lens_model_class.ray_shooting) as spy:
            jax.make_jaxpr(model.log_likelihood_function(params))(params)
        assert spy.call_count == expected_calls


@pytest.mark.parametrize("cls", [MultiLinear, JointLinear_VaryBG])
def test_bands_on_one_grid_share_light_evaluations(setup, cls):
    """Bands on one grid evaluate each light model once per traced program (reverse mode
    then transposes it once); value and gradient equal separate evaluations per band."""
    multi_band_list, kwargs_model, params = bands_on_one_grid(setup)
    model = cls(copy.deepcopy(multi_band_list), kwargs_model)
    function = model.log_likelihood_function(params)
    light_model_class = type(model.image_model_list[0].LensLightModel)
    spy = mock.patch.object(light_model_class, "_basis_blocks_impl", autospec=True,
                            side_effect=light_model_class._basis_blocks_impl)
    with spy as shared_calls:
        together = jax.jit(jax.value_and_grad(function))(params)
    with spy as separate_calls, mock.patch("chromalens.light.light_model.shared",
                                           lambda key, inputs, compute: compute()):
        separately = jax.jit(jax.value_and_grad(function))(params)
    assert shared_calls.call_count == 2  # source and lens light, once each
    assert separate_calls.call_count == 4  # once per band
    assert_same_value_and_gradient(together, separately)


def _three_bands_with_a_shapelet_source(n=60, pixel=0.055):
    """Three bands on one grid, PSFs of different widths, a SHAPELETS n_max = 8 source.

    60 x 60 pixels: at 40 x 40 XLA's schedule of the ordered program already holds as much
    scratch memory as the unordered one (5.4 MB both), at 60 x 60 and more it does not."""
    rng = np.random.default_rng(5)
    bands = []
    for width in (1.0, 1.4, 1.8):
        offsets = np.arange(11) - 5
        kernel = np.exp(-(offsets[:, None] ** 2 + offsets[None] ** 2) / (2 * width**2))
        kwargs_data = {"image_data": rng.normal(size=(n, n)), "background_rms": 0.1,
                       "exposure_time": 100.0,
                       "transform_pix2angle": np.array([[-pixel, 0.0], [0.0, pixel]]),
                       "ra_at_xy_0": (n - 1) / 2 * pixel, "dec_at_xy_0": -(n - 1) / 2 * pixel}
        bands.append([kwargs_data, {"psf_type": "PIXEL", "kernel_point_source": kernel},
                      {"supersampling_factor": 2}])
    kwargs_model = {"lens_model_list": ["SIE"], "source_light_model_list": ["SHAPELETS"],
                    "lens_light_model_list": ["SERSIC"]}
    params = {"kwargs_lens": [{"theta_E": 1.0, "e1": 0.1, "e2": -0.05, "center_x": 0.0,
                               "center_y": 0.0}],
              "kwargs_source": [{"n_max": 8, "beta": 0.2, "center_x": 0.05, "center_y": 0.0}],
              "kwargs_lens_light": [{"R_sersic": 0.5, "n_sersic": 3.0, "center_x": 0.0,
                                     "center_y": 0.0}]}
    return bands, kwargs_model, params


@pytest.mark.parametrize("cls", [MultiLinear, JointLinear])
def test_bands_on_one_grid_share_the_binned_shapelet_basis(cls):
    """Bands on one grid bin their factored shapelet basis once per traced program
    (RegularGrid.factored_block_mean through _trace_sharing.shared): tiled once per band,
    the compiler did not merge the copies, and the three-band likelihood lost its shared
    forward FFT (16 ms instead of 12)."""
    from chromalens.imaging.grids import RegularGrid

    multi_band_list, kwargs_model, params = _three_bands_with_a_shapelet_source()

    def trace():
        model = cls(copy.deepcopy(multi_band_list), kwargs_model)
        jax.make_jaxpr(model.log_likelihood_function(params))(params)

    spy = mock.patch.object(RegularGrid, "_factored_tiles", autospec=True,
                            side_effect=RegularGrid._factored_tiles)
    with spy as shared_calls:
        trace()
    with spy as separate_calls, mock.patch("chromalens.imaging.grids.shared",
                                           lambda key, inputs, compute: compute()):
        trace()
    assert shared_calls.call_count == 1
    assert separate_calls.call_count == 3


@pytest.mark.parametrize("cls", CLASSES)
def test_bands_take_turns(cls):
    """Each band's convolution waits for the previous band (chromalens._trace_sharing.gate),
    so the bands' large temporaries are not all alive at once: the compiled program needs
    less scratch memory than without the ordering (MultiLinear: each band's response dies
    with its solve; the joint classes keep every response for the joint solve, so only the
    transforms are saved), and computes the same value and gradient."""
    multi_band_list, kwargs_model, params = _three_bands_with_a_shapelet_source()
    model = cls(multi_band_list, kwargs_model)
    results = {}
    for ordered in (True, False):
        patch = (contextlib.nullcontext() if ordered else
                 mock.patch("chromalens.imaging.convolution.gate", lambda value: value))
        with patch:
            function = model.log_likelihood_function(params)
            compiled = jax.jit(function).lower(params).compile()

            def of_lens(kwargs_lens, function=function):
                return function(dict(params, kwargs_lens=kwargs_lens))

            value_and_grad = jax.jit(jax.value_and_grad(of_lens))(params["kwargs_lens"])
        results[ordered] = compiled.memory_analysis().temp_size_in_bytes, value_and_grad
    temp = {ordered: results[ordered][0] for ordered in results}
    assert temp[True] < (0.7 if cls is MultiLinear else 0.97) * temp[False], temp
    assert_same_value_and_gradient(results[True][1], results[False][1])
