"""GAUSSIAN, GAUSSIAN_ELLIPSE, MULTI_GAUSSIAN, MULTI_GAUSSIAN_ELLIPSE: parity with lenstronomy's
LightModel (``LightModel/Profiles/gaussian.py``) on random parameters; finite gradients."""

from __future__ import annotations

import zlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from lenstronomy.LightModel.light_model import LightModel as RefLightModel

from chromalens.light import LightModel
from chromalens.light.profiles import gaussian

RTOL = 1e-8
#: absolute floor only for values that underflow to subnormals far from the centre
ATOL = 1e-300
NAMES = ["GAUSSIAN", "GAUSSIAN_ELLIPSE", "MULTI_GAUSSIAN", "MULTI_GAUSSIAN_ELLIPSE"]


def _draw(rng, name, n_gauss=3):
    multi = name.startswith("MULTI")
    kwargs = {
        "amp": rng.uniform(0.1, 10.0, n_gauss) if multi else rng.uniform(0.1, 10.0),
        "sigma": 10 ** rng.uniform(-1.5, 0.5, n_gauss) if multi else 10 ** rng.uniform(-1.5, 0.5),
        "center_x": rng.uniform(-0.3, 0.3),
        "center_y": rng.uniform(-0.3, 0.3),
    }
    if name.endswith("ELLIPSE"):
        kwargs["e1"], kwargs["e2"] = rng.uniform(-0.5, 0.5, 2)
    return kwargs


@pytest.mark.parametrize("name", NAMES)
def test_parity(name):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    ours, ref = LightModel([name]), RefLightModel([name])
    x = np.concatenate([rng.uniform(-2, 2, 80), [0.0]])
    y = np.concatenate([rng.uniform(-2, 2, 80), [0.0]])
    for _ in range(4):
        kwargs = [_draw(rng, name)]
        np.testing.assert_allclose(
            ours.surface_brightness(x, y, kwargs), ref.surface_brightness(x, y, kwargs),
            rtol=RTOL, atol=ATOL,
        )
        images, n = ours.functions_split(x, y, kwargs)
        ref_images, ref_n = ref.functions_split(x, y, kwargs)
        assert n == ref_n == (3 if name.startswith("MULTI") else 1)
        for image, ref_image in zip(images, ref_images, strict=True):
            np.testing.assert_allclose(image, ref_image, rtol=RTOL, atol=ATOL)
        for norm in (False, True):
            np.testing.assert_allclose(
                ours.total_flux(kwargs, norm=norm), ref.total_flux(kwargs, norm=norm), rtol=RTOL
            )
        assert ours.num_param_linear(kwargs) == ref.num_param_linear(kwargs)


def test_multi_gaussian_single_component_writes_array_slice():
    """update_linear writes amp as an array slice for MGE, even with one Gaussian."""
    kwargs = [{"amp": np.ones(1), "sigma": np.array([0.5])}, {"amp": 1.0, "sigma": 0.2}]
    ref_kwargs = [dict(k) for k in kwargs]
    model = LightModel(["MULTI_GAUSSIAN", "GAUSSIAN"])
    ref = RefLightModel(["MULTI_GAUSSIAN", "GAUSSIAN"])
    param = np.array([9.0, 3.0, 4.0])
    _, i = model.update_linear(param, 1, kwargs)
    _, ref_i = ref.update_linear(param, 1, ref_kwargs)
    assert i == ref_i == 3
    assert np.shape(kwargs[0]["amp"]) == np.shape(ref_kwargs[0]["amp"]) == (1,)
    assert np.ndim(kwargs[1]["amp"]) == np.ndim(ref_kwargs[1]["amp"]) == 0
    np.testing.assert_array_equal(kwargs[0]["amp"], [3.0])
    assert kwargs[1]["amp"] == 4.0


@pytest.mark.parametrize("name", NAMES)
def test_gradients_finite_at_centre_and_round(name):
    profile = gaussian.PROFILES[name]
    multi = name.startswith("MULTI")
    params = {
        **profile.DEFAULTS,
        "amp": jnp.ones(2) if multi else 1.0,
        "sigma": jnp.array([0.1, 1.0]) if multi else 0.5,
    }
    if name.endswith("ELLIPSE"):
        params.update(e1=0.0, e2=0.0)
    x, y = jnp.array([0.0, 0.2, 30.0]), jnp.array([0.0, -0.1, 0.0])
    grads = jax.jit(jax.grad(lambda p: jnp.sum(profile.surface_brightness(x, y, p, {}))))(params)
    for key, value in grads.items():
        assert np.all(np.isfinite(value)), key
    gbasis = jax.jit(jax.jacfwd(lambda p: profile.basis(x, y, p, {})))(params)
    assert all(np.all(np.isfinite(v)) for v in gbasis.values())
