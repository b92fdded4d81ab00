"""PJAFFE / PJAFFE_ELLIPSE light profiles: parity with lenstronomy.

Reference functions mirrored: ``lenstronomy.LightModel.Profiles.pseudo_jaffe.PseudoJaffe`` /
``PseudoJaffeEllipse`` ``.function`` and ``LightModel.surface_brightness`` / ``functions_split``
/ ``total_flux`` (which the reference refuses for these profiles). rtol 1e-8 throughout, except
for radii closer than 1e-6 (the reference's difference of two nearly equal terms is only good to
~1e-6 there; chromalens evaluates it without the cancellation).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from lenstronomy.LightModel.Profiles.pseudo_jaffe import PseudoJaffe, PseudoJaffeEllipse
from light.light_parity import check_light_model

from chromalens.light.profiles import get_profile
from chromalens.light.profiles.pjaffe import PROFILES, square_average_radius2

RTOL = 1e-8
REFERENCE_CLASSES = {"PJAFFE": PseudoJaffe, "PJAFFE_ELLIPSE": PseudoJaffeEllipse}


def _random_params(rng, name):
    params = {
        "amp": rng.uniform(0.1, 10.0),
        "Ra": rng.uniform(0.01, 1.0),
        "Rs": rng.uniform(0.5, 5.0),  # sometimes Ra > Rs: the reference swaps them
        "center_x": rng.uniform(-0.5, 0.5),
        "center_y": rng.uniform(-0.5, 0.5),
    }
    if name == "PJAFFE_ELLIPSE":
        params["e1"], params["e2"] = rng.uniform(-0.5, 0.5, 2)
    return params


@pytest.mark.parametrize("name", ["PJAFFE", "PJAFFE_ELLIPSE"])
def test_surface_brightness_and_basis_match_reference(name):
    rng = np.random.default_rng(21 if name == "PJAFFE" else 22)
    profile = get_profile(name)
    assert profile is PROFILES[name]
    cases = [_random_params(rng, name) for _ in range(4)]
    cases.append({**cases[0], "Ra": 2.0, "Rs": 0.3})  # swapped radii
    cases.append({**cases[0], "Ra": 1e-9})  # core radius below the floor
    for params in cases:
        x = rng.uniform(-5.0, 5.0, 300)
        y = rng.uniform(-5.0, 5.0, 300)
        x[0], y[0] = params["center_x"], params["center_y"]
        reference = REFERENCE_CLASSES[name]().function(x, y, **params)
        np.testing.assert_allclose(profile.surface_brightness(x, y, params, {}), reference,
                                   rtol=RTOL)  # fmt: skip
        basis = np.asarray(profile.basis(x, y, params, {}))
        assert basis.shape == (1, x.size)
        np.testing.assert_allclose(basis[0] * params["amp"], reference, rtol=RTOL)
        assert profile.num_linear(params, {}) == 1
        with pytest.raises(ValueError, match=name):
            profile.total_flux(params, {})


def test_nearly_equal_radii_are_stable():
    """Rs - Ra ~ 1e-9: the reference bumps Rs by 2e-8; we agree to its own ~1e-6 accuracy."""
    x = np.linspace(-3.0, 3.0, 61)
    y = np.zeros_like(x)
    params = {"amp": 1.0, "Ra": 0.5, "Rs": 0.5 + 1e-9, "center_x": 0.0, "center_y": 0.0}
    ours = np.asarray(PROFILES["PJAFFE"].surface_brightness(x, y, params, {}))
    reference = PseudoJaffe().function(x, y, **params)
    np.testing.assert_allclose(ours, reference, rtol=1e-5)
    # I(0) = amp times the reference's amp -> rho0 -> sigma0 round trip with the bumped Rs
    ra, rs = params["Ra"], params["Rs"]
    rs_bumped = rs + 2e-8
    round_trip = (ra + rs) / (ra * rs) * (ra * rs_bumped / (ra + rs_bumped))
    assert ours[30] == pytest.approx(round_trip, rel=1e-12)


def test_square_average_radius_matches_reference_transform():
    from lenstronomy.Util import param_util

    rng = np.random.default_rng(23)
    x = rng.uniform(-3.0, 3.0, 200)
    y = rng.uniform(-3.0, 3.0, 200)
    for e1, e2 in [(0.0, 0.0), (0.3, -0.2), (0.9, 0.5), (-0.99995, 0.0)]:
        xt, yt = param_util.transform_e1e2_square_average(x, y, e1, e2, 0.1, -0.2)
        np.testing.assert_allclose(
            square_average_radius2(x, y, e1, e2, 0.1, -0.2), xt**2 + yt**2, rtol=1e-12
        )


def test_light_model_parity():
    rng = np.random.default_rng(24)
    names = ["PJAFFE", "PJAFFE_ELLIPSE"]
    check_light_model(names, [_random_params(rng, name) for name in names], rng)


@pytest.mark.parametrize("name", ["PJAFFE", "PJAFFE_ELLIPSE"])
def test_gradients_finite_at_edge_cases(name):
    profile = PROFILES[name]
    x = jnp.array([0.0, 1e-12, 0.7])
    y = jnp.array([0.0, 0.0, -0.2])

    def total(x, y, amp, ra, rs, e1, e2):
        params = {"amp": amp, "Ra": ra, "Rs": rs, "center_x": 0.0, "center_y": 0.0}
        if name == "PJAFFE_ELLIPSE":
            params.update(e1=e1, e2=e2)
        return jnp.sum(profile.surface_brightness(x, y, params, {}))

    grad = jax.jit(jax.grad(total, argnums=(0, 1, 2, 3, 4, 5, 6)))
    # round, a tiny (cusp-like) core, equal radii, and a capped ellipticity
    for ra, rs, e1, e2 in [(0.2, 2.0, 0.0, 0.0), (1e-9, 2.0, 0.0, 0.0), (0.5, 0.5, 0.0, 0.0),
                           (0.2, 2.0, 0.99999, 0.0)]:  # fmt: skip
        grads = grad(x, y, 1.3, ra, rs, e1, e2)
        for g in grads:
            assert np.all(np.isfinite(np.asarray(g)))
        assert np.asarray(grads[2]) != 0.0
