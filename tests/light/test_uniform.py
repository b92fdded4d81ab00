"""UNIFORM: parity with lenstronomy's LightModel (``LightModel/Profiles/uniform.py``)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from lenstronomy.LightModel.light_model import LightModel as RefLightModel

from chromalens.light import LightModel


def test_parity_and_negative_amplitude_allowed():
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-2, 2, (2, 5, 7))
    ours, ref = LightModel(["UNIFORM"]), RefLightModel(["UNIFORM"])
    for amp in rng.uniform(-5.0, 5.0, 3):
        kwargs = [{"amp": amp}]
        np.testing.assert_allclose(
            ours.surface_brightness(x, y, kwargs), ref.surface_brightness(x, y, kwargs), rtol=1e-15
        )
        images, n = ours.functions_split(x, y, kwargs)
        ref_images, ref_n = ref.functions_split(x, y, kwargs)
        assert n == ref_n == 1 and images[0].shape == (5, 7)
        np.testing.assert_array_equal(images[0], ref_images[0])
        assert bool(ours.check_positive_flux_profile(kwargs)) is True
        assert ref.check_positive_flux_profile(kwargs) is True


def test_no_total_flux_and_finite_gradient():
    with pytest.raises(ValueError, match="UNIFORM"):
        LightModel(["UNIFORM"]).total_flux([{"amp": 1.0}])
    model = LightModel(["UNIFORM"])
    grad = jax.grad(lambda a: jnp.sum(model.surface_brightness(jnp.zeros(3), jnp.zeros(3),
                                                               [{"amp": a}])))(2.0)
    assert grad == 3.0
