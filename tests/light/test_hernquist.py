"""HERNQUIST / HERNQUIST_ELLIPSE light profiles: parity with lenstronomy and accuracy at X = 1.

Reference functions mirrored: ``lenstronomy.LightModel.Profiles.hernquist.Hernquist`` /
``HernquistEllipse`` (``function``, ``total_flux``) and ``LightModel.surface_brightness`` /
``functions_split`` / ``total_flux``.

Tolerance: rtol 1e-8, except within ``|X^2 - 1| < 1e-3`` (``X = R / Rs``), where the reference's
closed form cancels catastrophically (its relative error grows like ``1e-16 / (X^2 - 1)^2`` and
reaches ~5e-4 at ``X = 1``, which it replaces by 1.000001); chromalens uses the exact Taylor
series there, checked against 50-digit mpmath values instead.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest
from lenstronomy.LightModel.light_model import LightModel as RefLightModel
from lenstronomy.LightModel.Profiles.hernquist import Hernquist, HernquistEllipse

from chromalens.light.profiles import get_profile
from chromalens.light.profiles.hernquist import PROFILES, projected_shape

RTOL = 1e-8
REFERENCE_CLASSES = {"HERNQUIST": Hernquist, "HERNQUIST_ELLIPSE": HernquistEllipse}


def _random_params(rng, name):
    params = {
        "amp": rng.uniform(0.1, 10.0),
        "Rs": rng.uniform(0.05, 3.0),
        "center_x": rng.uniform(-0.5, 0.5),
        "center_y": rng.uniform(-0.5, 0.5),
    }
    if name == "HERNQUIST_ELLIPSE":
        params["e1"], params["e2"] = rng.uniform(-0.4, 0.4, 2)
    return params


def _x_squared(x, y, params):
    from chromalens.ellipticity import product_average_coordinates

    e1, e2 = params.get("e1", 0.0), params.get("e2", 0.0)
    dx, dy = product_average_coordinates(x, y, e1, e2, params["center_x"], params["center_y"])
    return np.asarray(dx**2 + dy**2) / params["Rs"] ** 2


@pytest.mark.parametrize("name", ["HERNQUIST", "HERNQUIST_ELLIPSE"])
def test_surface_brightness_and_basis_match_reference(name):
    rng = np.random.default_rng(11 if name == "HERNQUIST" else 12)
    profile = get_profile(name)
    assert profile is PROFILES[name]
    for _ in range(4):
        params = _random_params(rng, name)
        x = rng.uniform(-5.0, 5.0, 400)
        y = rng.uniform(-5.0, 5.0, 400)
        x[0], y[0] = params["center_x"], params["center_y"]  # the centre (floored F)
        far_from_one = np.abs(_x_squared(x, y, params) - 1.0) > 1e-3
        reference = REFERENCE_CLASSES[name]().function(x.copy(), y.copy(), **params)
        ours = np.asarray(profile.surface_brightness(x, y, params, {}))
        np.testing.assert_allclose(ours[far_from_one], reference[far_from_one], rtol=RTOL)
        np.testing.assert_allclose(ours, reference, rtol=1e-3)
        basis = np.asarray(profile.basis(x, y, params, {}))
        assert basis.shape == (1, x.size)
        np.testing.assert_allclose(
            basis[0][far_from_one], reference[far_from_one] / params["amp"], rtol=RTOL
        )
        expected_flux = REFERENCE_CLASSES[name]().total_flux(amp=params["amp"], Rs=params["Rs"])
        np.testing.assert_allclose(profile.total_flux(params, {}), expected_flux, rtol=1e-14)
        assert profile.num_linear(params, {}) == 1


def _shape_mpmath(x2):
    """[-3 + (2 + X^2) F(X)] / (X^2 - 1)^2 at 50 digits (the limit 4/15 at X = 1)."""
    with mpmath.workdps(50):
        x2 = mpmath.mpf(x2)
        t = x2 - 1
        if t == 0:
            return 4.0 / 15.0
        if t < 0:
            s = mpmath.sqrt(-t)
            f = mpmath.atanh(s) / s
        else:
            s = mpmath.sqrt(t)
            f = mpmath.atan(s) / s
        return float((-3 + (2 + x2) * f) / t**2)


def test_exact_near_x_equal_one():
    x2 = np.concatenate(
        [1.0 + np.array([0.0, 1e-12, -1e-12, 1e-6, -1e-6, 2e-6, 1e-3, -1e-3]),
         np.linspace(0.85, 1.15, 31), np.array([0.5, 2.0, 10.0])]
    )  # fmt: skip
    ours = np.asarray(projected_shape(jnp.asarray(x2)))
    exact = np.array([_shape_mpmath(v) for v in x2])
    np.testing.assert_allclose(ours, exact, rtol=1e-13)
    assert ours[0] == pytest.approx(4.0 / 15.0, rel=1e-15)
    # the reference (X == 1 -> 1.000001, naive closed form) agrees only to ~1e-3 there
    reference = Hernquist().function(np.array([1.0]), np.array([0.0]), amp=1.0, Rs=1.0)
    np.testing.assert_allclose(ours[0], reference[0], rtol=1e-3)


def test_light_model_parity():
    from chromalens.light.light_model import LightModel

    rng = np.random.default_rng(13)
    names = ["HERNQUIST", "HERNQUIST_ELLIPSE"]
    kwargs_list = [_random_params(rng, name) for name in names]
    x = rng.uniform(-4.0, 4.0, 300)
    y = rng.uniform(-4.0, 4.0, 300)
    safe = np.ones(x.size, dtype=bool)
    for params in kwargs_list:
        safe &= np.abs(_x_squared(x, y, params) - 1.0) > 1e-3
    ours, reference = LightModel(names), RefLightModel(names)
    np.testing.assert_allclose(
        np.asarray(ours.surface_brightness(x, y, kwargs_list))[safe],
        reference.surface_brightness(x, y, kwargs_list)[safe],
        rtol=RTOL,
    )
    images, n = ours.functions_split(x, y, kwargs_list)
    ref_images, ref_n = reference.functions_split(x, y, kwargs_list)
    assert n == ref_n == 2
    np.testing.assert_allclose(np.array(images)[:, safe], np.array(ref_images)[:, safe], rtol=RTOL)
    for norm in (False, True):
        np.testing.assert_allclose(
            np.array(ours.total_flux(kwargs_list, norm=norm), dtype=float),
            np.array(reference.total_flux(kwargs_list, norm=norm)),
            rtol=1e-14,
        )


@pytest.mark.parametrize("name", ["HERNQUIST", "HERNQUIST_ELLIPSE"])
def test_gradients_finite_at_edge_cases(name):
    profile = PROFILES[name]
    # the centre, exactly X = 1, and X just outside the series window
    x = jnp.array([0.0, 1.0, 1.0 + 0.05, 0.3])
    y = jnp.array([0.0, 0.0, 0.0, 1e-9])

    def total(x, y, amp, rs, e1, e2):
        params = {"amp": amp, "Rs": rs, "center_x": 0.0, "center_y": 0.0}
        if name == "HERNQUIST_ELLIPSE":
            params.update(e1=e1, e2=e2)
        return jnp.sum(profile.surface_brightness(x, y, params, {}))

    grads = jax.jit(jax.grad(total, argnums=(0, 1, 2, 3, 4, 5)))(x, y, 1.5, 1.0, 0.0, 0.0)
    for g in grads:
        assert np.all(np.isfinite(np.asarray(g)))
    assert np.asarray(grads[3]) != 0.0
