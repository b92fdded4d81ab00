"""CHAMELEON light profile: parity with lenstronomy's ``LightModel.Profiles.chameleon.Chameleon``.

Reference functions mirrored: ``Chameleon.function`` (with the lens model's ``param_convert``)
and ``LightModel.surface_brightness`` / ``functions_split`` / ``total_flux`` (refused by the
reference for CHAMELEON). rtol 1e-8.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from lenstronomy.LightModel.Profiles.chameleon import Chameleon
from light.light_parity import check_light_model, check_profile

from chromalens.light.profiles import chameleon, get_profile


def _random_params(rng):
    e1, e2 = rng.uniform(-0.5, 0.5, 2)
    w_c = rng.uniform(0.0, 0.5)
    return {
        "amp": rng.uniform(0.1, 10.0),
        "w_c": w_c,
        "w_t": w_c + rng.uniform(0.1, 3.0),
        "e1": e1,
        "e2": e2,
        "center_x": rng.uniform(-0.5, 0.5),
        "center_y": rng.uniform(-0.5, 0.5),
    }


def test_surface_brightness_and_basis_match_reference():
    rng = np.random.default_rng(51)
    assert get_profile("CHAMELEON") is chameleon
    cases = [_random_params(rng) for _ in range(4)]
    cases.append({**cases[0], "e1": 0.0, "e2": 0.0})
    cases.append({**cases[1], "e1": 0.9, "e2": 0.5})  # |e| above the 0.9999 cap
    check_profile(chameleon, Chameleon().function, cases, rng, at_centre=True)


def test_truncation_inside_core_gives_zero():
    """w_t < w_c: the reference's conversion returns amplitude 0."""
    params = {"amp": 2.0, "w_c": 1.0, "w_t": 0.5, "e1": 0.1, "e2": 0.0, "center_x": 0.0,
              "center_y": 0.0}  # fmt: skip
    x = np.linspace(-2.0, 2.0, 9)
    y = np.zeros_like(x)
    np.testing.assert_array_equal(Chameleon().function(x, y, **params), 0.0)
    np.testing.assert_array_equal(np.asarray(chameleon.surface_brightness(x, y, params, {})), 0.0)


def test_light_model_parity():
    rng = np.random.default_rng(52)
    check_light_model("CHAMELEON", [_random_params(rng)], rng)


def test_gradients_finite_at_edge_cases():
    x = jnp.array([0.0, 1e-12, 0.4])
    y = jnp.array([0.0, 0.0, -0.3])

    def total(x, y, amp, w_c, w_t, e1, e2):
        params = {"amp": amp, "w_c": w_c, "w_t": w_t, "e1": e1, "e2": e2, "center_x": 0.0,
                  "center_y": 0.0}  # fmt: skip
        return jnp.sum(chameleon.surface_brightness(x, y, params, {}))

    grad = jax.jit(jax.grad(total, argnums=(0, 1, 2, 3, 4, 5, 6)))
    # round, zero core (singular centre), equal radii (reference: 0/0), truncation inside core
    for w_c, w_t, e1, e2 in [(0.1, 1.0, 0.0, 0.0), (0.0, 1.0, 0.0, 0.0), (0.5, 0.5, 0.1, 0.0),
                             (1.0, 0.5, 0.0, 0.2)]:  # fmt: skip
        grads = grad(x, y, 1.3, w_c, w_t, e1, e2)
        for g in grads:
            assert np.all(np.isfinite(np.asarray(g)))
