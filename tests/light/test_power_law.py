"""POWER_LAW light profile: parity with lenstronomy's ``LightModel.Profiles.power_law.PowerLaw``.

Reference functions mirrored: ``PowerLaw.function`` and ``LightModel.surface_brightness`` /
``functions_split`` / ``total_flux`` (refused by the reference for POWER_LAW). rtol 1e-8.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from lenstronomy.LightModel.Profiles.power_law import PowerLaw
from light.light_parity import check_light_model, check_profile

from chromalens.light.profiles import get_profile, power_law


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
    cases = [_random_params(rng) for _ in range(5)]
    check_profile(power_law, PowerLaw().function, cases, rng, at_centre=True)


def test_light_model_parity():
    rng = np.random.default_rng(42)
    check_light_model("POWER_LAW", [_random_params(rng)], rng)


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
