"""CORE_SERSIC: parity with lenstronomy's LightModel (``LightModel/Profiles/sersic.py``,
``CoreSersic``) on random parameters; finite gradients at r = 0 and e1 = e2 = 0."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from lenstronomy.LightModel.light_model import LightModel as RefLightModel

from chromalens.light import LightModel
from chromalens.light.profiles import core_sersic

RTOL = 1e-8
ATOL = 1e-300  # subnormal underflow far out only


def _draw(rng):
    return {
        "amp": rng.uniform(0.1, 10.0),
        "R_sersic": 10 ** rng.uniform(-1.5, 0.3),
        "Rb": 10 ** rng.uniform(-2.5, -0.5),
        "n_sersic": rng.uniform(0.5, 8.0),
        "gamma": rng.uniform(0.0, 1.5),
        "e1": rng.uniform(-0.4, 0.4),
        "e2": rng.uniform(-0.4, 0.4),
        "center_x": rng.uniform(-0.2, 0.2),
        "center_y": rng.uniform(-0.2, 0.2),
    }


@pytest.mark.parametrize("major_axis", [False, True])
def test_parity(major_axis):
    rng = np.random.default_rng(11 + major_axis)
    opts = [{"sersic_major_axis": major_axis}]
    ours = LightModel(["CORE_SERSIC"], profile_kwargs_list=opts)
    ref = RefLightModel(["CORE_SERSIC"], profile_kwargs_list=[dict(o) for o in opts])
    x = np.concatenate([rng.uniform(-2, 2, 80), [0.0]])
    y = np.concatenate([rng.uniform(-2, 2, 80), [0.0]])
    for _ in range(4):
        kwargs = [_draw(rng)]
        if rng.uniform() < 0.5:
            kwargs[0]["alpha"] = rng.uniform(1.0, 5.0)
        np.testing.assert_allclose(
            ours.surface_brightness(x, y, kwargs), ref.surface_brightness(x, y, kwargs),
            rtol=RTOL, atol=ATOL,
        )
        images, n = ours.functions_split(x, y, kwargs)
        ref_images, ref_n = ref.functions_split(x, y, kwargs)
        assert n == ref_n == 1
        np.testing.assert_allclose(images[0], ref_images[0], rtol=RTOL, atol=ATOL)


def test_no_total_flux_like_reference():
    kwargs = [_draw(np.random.default_rng(0))]
    with pytest.raises(ValueError, match="CORE_SERSIC"):
        LightModel(["CORE_SERSIC"]).total_flux(kwargs)
    with pytest.raises(ValueError):
        RefLightModel(["CORE_SERSIC"]).total_flux(kwargs)


def test_gradients_finite_at_centre():
    params = {**core_sersic.DEFAULTS, **_draw(np.random.default_rng(1)), "e1": 0.0, "e2": 0.0}
    params.update(center_x=0.0, center_y=0.0)
    x, y = jnp.array([0.0, 1e-8, 0.3]), jnp.array([0.0, 0.0, 0.1])
    opts = dict(core_sersic.OPTIONS)
    for major_axis in (False, True):
        opts["sersic_major_axis"] = major_axis
        grads = jax.jit(jax.grad(
            lambda p, o=dict(opts): jnp.sum(core_sersic.surface_brightness(x, y, p, o))
        ))(params)
        for key, value in grads.items():
            assert np.all(np.isfinite(value)), (major_axis, key)
