"""ImageData against the reference's ImageData (lenstronomy.Data.imaging_data.ImageData)."""

import copy

import jax
import numpy as np
import pytest
from lenstronomy.Data.imaging_data import ImageData as RefImageData

from chromalens.data import ImageData


def random_kwargs(rng, noise="scalar"):
    nx, ny = int(rng.integers(4, 25)), int(rng.integers(4, 25))
    image = rng.normal(0.5, 1.0, (ny, nx))
    phi = rng.uniform(0, np.pi)
    scale = rng.uniform(0.02, 0.1)
    transform = scale * np.array([[-np.cos(phi), -np.sin(phi)], [-np.sin(phi), np.cos(phi)]])
    kwargs = dict(image_data=image, transform_pix2angle=transform,
                  ra_at_xy_0=rng.uniform(-2, 2), dec_at_xy_0=rng.uniform(-2, 2),
                  ra_shift=rng.uniform(-0.1, 0.1), dec_shift=rng.uniform(-0.1, 0.1),
                  phi_rot=rng.uniform(-0.5, 0.5), flux_scaling=rng.uniform(0.5, 2))
    if noise == "scalar":
        kwargs.update(background_rms=rng.uniform(0.01, 0.5), exposure_time=rng.uniform(10, 1000))
    elif noise == "map":
        kwargs.update(background_rms=rng.uniform(0.01, 0.5),
                      exposure_time=rng.uniform(10, 1000, (ny, nx)))
    elif noise == "noise_map":
        kwargs.update(noise_map=rng.uniform(0.05, 0.5, (ny, nx)))
    elif noise == "gradient":
        kwargs.update(background_rms=rng.uniform(0.01, 0.5), exposure_time=rng.uniform(10, 1000),
                      gradient_boost_factor=rng.uniform(0.1, 2))
    return kwargs


NOISE_MODELS = ["scalar", "map", "noise_map", "gradient"]


@pytest.mark.parametrize("noise", NOISE_MODELS)
@pytest.mark.parametrize("seed", range(3))
def test_noise_and_likelihood_match_reference(noise, seed):
    rng = np.random.default_rng(100 * seed + NOISE_MODELS.index(noise))
    kwargs = random_kwargs(rng, noise)
    ours = ImageData(**copy.deepcopy(kwargs))
    ref = RefImageData(**copy.deepcopy(kwargs))
    np.testing.assert_allclose(ours.pixel_coordinates, ref.pixel_coordinates, rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(ours.transform_pix2angle, ref.transform_pix2angle, rtol=1e-14)
    np.testing.assert_allclose(ours.C_D, ref.C_D, rtol=1e-10)
    model = ours.data + rng.normal(0, 0.3, ours.data.shape)
    np.testing.assert_allclose(ours.C_D_model(model), ref.C_D_model(model), rtol=1e-10)
    mask = rng.uniform(size=model.shape) > 0.3
    error_map = rng.normal(0, 0.05, model.shape)
    for extra in (0, error_map):
        expected = ref.log_likelihood(model, mask, extra)
        got = float(ours.log_likelihood(model, mask, extra))
        assert got == pytest.approx(expected, rel=1e-10)
    assert ours.flux_scaling == ref.flux_scaling
    assert ours.data.shape == ref.data.shape
    assert ours.num_pixel == ref.num_pixel


def test_likelihood_is_jittable_and_equals_formula():
    rng = np.random.default_rng(7)
    kwargs = random_kwargs(rng, "map")
    data = ImageData(**kwargs)
    model = data.data * 0.9
    mask = np.ones(model.shape)
    value = jax.jit(lambda m: data.log_likelihood(m, mask))(model)
    variance = np.maximum(model, 0) / data.exposure_map + data.background_rms**2
    assert float(value) == pytest.approx(-0.5 * np.sum((model - data.data) ** 2 / variance),
                                         rel=1e-12)


def test_exposure_map_is_floored_on_a_copy():
    exposure = np.full((5, 5), 100.0)
    exposure[0, 0] = 0.0
    data = ImageData(np.ones((5, 5)), exposure_time=exposure, background_rms=0.1)
    assert exposure[0, 0] == 0.0  # caller's array untouched (the reference mutates it)
    assert data.exposure_map[0, 0] == 1e-10


def test_update_data_refreshes_weights():
    data = ImageData(np.ones((4, 4)), exposure_time=10.0, background_rms=0.1)
    before = data.C_D.copy()
    data.update_data(np.full((4, 4), 3.0))
    assert np.all(data.C_D > before)


def test_nonfinite_pixels_need_a_mask():
    image = np.ones((5, 5))
    image[2, 3] = np.nan
    data = ImageData(image, exposure_time=10.0, background_rms=0.1)
    assert data.num_nonfinite == 1
    assert np.all(np.isfinite(data.C_D))
    model = np.ones((5, 5))
    mask = np.ones((5, 5))
    with pytest.raises(ValueError, match="1 non-finite"):
        data.log_likelihood(model, mask)
    mask[2, 3] = 0
    assert float(data.log_likelihood(model, mask)) == 0.0


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(image_data=np.ones(5)), ValueError, "image_data"),
    (dict(image_data=np.ones((2, 3, 4))), ValueError, "image_data"),
    (dict(image_data=np.ones((4, 4)), exposure_time=np.ones((3, 4))), ValueError,
     "exposure_time"),
    (dict(image_data=np.ones((4, 4)), noise_map=np.ones((4, 3))), ValueError, "noise_map"),
    (dict(image_data=np.ones((4, 4)), noise_map=-np.ones((4, 4))), ValueError, "noise_map"),
    (dict(image_data=np.ones((4, 4)), background_rms=0.0), ValueError, "background_rms"),
    (dict(image_data=np.ones((4, 4)), background_rms=-1.0), ValueError, "background_rms"),
    (dict(image_data=np.ones((4, 4)), background_rms=np.inf), ValueError, "background_rms"),
    (dict(image_data=np.ones((4, 4)), exposure_time=-5.0), ValueError, "exposure_time"),
    (dict(image_data=np.ones((4, 4)), likelihood_method="chi"), ValueError,
     "likelihood_method"),
    (dict(image_data=np.ones((4, 4)), exposure_times=3.0), TypeError, "exposure_times"),
    (dict(image_data="abc"), TypeError, "image_data"),
])
def test_bad_input_names_the_key(kwargs, error, match):
    with pytest.raises(error, match=match):
        ImageData(**kwargs)


def test_missing_noise_model_is_reported_when_needed():
    data = ImageData(np.ones((4, 4)), background_rms=0.1)
    with pytest.raises(ValueError, match="exposure_time"):
        _ = data.C_D
