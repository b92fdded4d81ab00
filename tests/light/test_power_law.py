"""POWER_LAW light profile: parity with lenstronomy's ``LightModel.Profiles.power_law.PowerLaw``.

Reference functions mirrored: ``PowerLaw.function`` and ``LightModel.surface_brightness`` /
``functions_split`` / ``total_flux`` (refused by the reference for POWER_LAW). rtol 1e-8.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from lenstronomy.LightModel.light_model import LightModel as RefLightModel
from lenstronomy.LightModel.Profiles.power_law import PowerLaw

from chromalens.light.profiles import get_profile, power_law

RTOL = 1e-8


def _random_params(rng):
    e1, e2 = rng.uniform(-0.5, 0.5, 2)
    return {
        "amp": rng.uniform(0.1, 10.0),
        "gamma": rng.uniform(1.0, 3.0),
        "e1": e1,
        "e2": e2,
        "center_x": rng.uniform(-0.5, 0.5),
        "center_y": rng.uniform(-0.5, 0.5),
    }


def test_surface_brightness_and_basis_match_reference():
    rng = np.random.default_rng(41)
    assert get_profile("POWER_LAW") is power_law
    for _ in range(5):
        params = _random_params(rng)
        x = rng.uniform(-5.0, 5.0, 300)
        y = rng.uniform(-5.0, 5.0, 300)
        x[0], y[0] = params["center_x"], params["center_y"]  # the softened cusp
        reference = PowerLaw().function(x, y, **params)
        np.testing.assert_allclose(
            power_law.surface_brightness(x, y, params, {}), reference, rtol=RTOL
        )
        basis = np.asarray(power_law.basis(x, y, params, {}))
        assert basis.shape == (1, x.size)
        np.testing.assert_allclose(basis[0] * params["amp"], reference, rtol=RTOL)
    with pytest.raises(ValueError, match="POWER_LAW"):
        power_law.total_flux(params, {})


def test_light_model_parity():
    from chromalens.light.light_model import LightModel

    rng = np.random.default_rng(42)
    kwargs_list = [_random_params(rng)]
    x = rng.uniform(-4.0, 4.0, 200)
    y = rng.uniform(-4.0, 4.0, 200)
    ours, reference = LightModel(["POWER_LAW"]), RefLightModel(["POWER_LAW"])
    np.testing.assert_allclose(
        ours.surface_brightness(x, y, kwargs_list),
        reference.surface_brightness(x, y, kwargs_list),
        rtol=RTOL,
    )
    images, n = ours.functions_split(x, y, kwargs_list)
    ref_images, ref_n = reference.functions_split(x, y, kwargs_list)
    assert n == ref_n == 1
    np.testing.assert_allclose(np.array(images), np.array(ref_images), rtol=RTOL)
    with pytest.raises(ValueError):
        reference.total_flux(kwargs_list)
    with pytest.raises(ValueError, match="POWER_LAW"):
        ours.total_flux(kwargs_list)


def test_gradients_finite_at_cusp():
    x = jnp.array([0.0, 1e-12, 0.4])
    y = jnp.array([0.0, 0.0, -0.3])

    def total(x, y, amp, gamma, e1, e2):
        params = {"amp": amp, "gamma": gamma, "e1": e1, "e2": e2, "center_x": 0.0,
                  "center_y": 0.0}  # fmt: skip
        return jnp.sum(power_law.surface_brightness(x, y, params, {}))

    grad = jax.jit(jax.grad(total, argnums=(0, 1, 2, 3, 4, 5)))
    for gamma, e1, e2 in [(2.0, 0.0, 0.0), (2.9, 0.0, 0.0), (1.5, 0.3, -0.2)]:
        grads = grad(x, y, 1.3, gamma, e1, e2)
        for g in grads:
            assert np.all(np.isfinite(np.asarray(g)))
        assert np.asarray(grads[3]) != 0.0
