"""NIE light profile: parity with lenstronomy's ``LightModel.Profiles.nie.NIE``.

Reference functions mirrored: ``NIE.function`` and ``LightModel.surface_brightness`` /
``functions_split`` / ``total_flux`` (refused by the reference for NIE). rtol 1e-8.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from lenstronomy.LightModel.Profiles.nie import NIE
from light.light_parity import check_light_model, check_profile

from chromalens.light.profiles import get_profile, nie


def _random_params(rng):
    e1, e2 = rng.uniform(-0.5, 0.5, 2)
    return {
        "amp": rng.uniform(0.1, 10.0),
        "e1": e1,
        "e2": e2,
        "s_scale": rng.uniform(0.0, 1.0),
        "center_x": rng.uniform(-0.5, 0.5),
        "center_y": rng.uniform(-0.5, 0.5),
    }


def test_surface_brightness_and_basis_match_reference():
    rng = np.random.default_rng(31)
    assert get_profile("NIE") is nie
    cases = [_random_params(rng) for _ in range(5)]
    check_profile(nie, NIE().function, cases, rng, at_centre=False)


def test_light_model_parity():
    rng = np.random.default_rng(32)
    check_light_model("NIE", [_random_params(rng)], rng)


def test_gradients_finite_at_edge_cases():
    x = jnp.array([0.0, 1e-12, 0.4])
    y = jnp.array([0.0, 0.0, -0.3])

    def total(x, y, amp, e1, e2, s_scale):
        params = {"amp": amp, "e1": e1, "e2": e2, "s_scale": s_scale, "center_x": 0.0,
                  "center_y": 0.0}  # fmt: skip
        return jnp.sum(nie.surface_brightness(x, y, params, {}))

    grad = jax.jit(jax.grad(total, argnums=(0, 1, 2, 3, 4, 5)))
    # a round profile, and the singular centre of s_scale = 0 (reference: inf)
    for e1, e2, s_scale in [(0.0, 0.0, 0.1), (0.0, 0.0, 0.0), (0.2, -0.1, 0.0)]:
        grads = grad(x, y, 1.3, e1, e2, s_scale)
        for g in grads:
            assert np.all(np.isfinite(np.asarray(g)))
        assert np.asarray(grads[2]) != 0.0
    value = nie.surface_brightness(x, y, {"amp": 1.0, "e1": 0.0, "e2": 0.0, "s_scale": 0.0,
                                          "center_x": 0.0, "center_y": 0.0}, {})  # fmt: skip
    assert np.all(np.isfinite(np.asarray(value)))
