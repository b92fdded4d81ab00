"""SHAPELETS light profile: parity with lenstronomy's ``ShapeletSet`` and accuracy checks.

Reference functions mirrored: ``lenstronomy.LightModel.Profiles.shapelets.ShapeletSet.function``
/ ``function_split`` and ``LightModel.surface_brightness`` / ``functions_split`` /
``total_flux`` / ``update_linear`` for ``["SHAPELETS"]``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest
from lenstronomy.LightModel.light_model import LightModel as RefLightModel
from lenstronomy.LightModel.Profiles.shapelets import ShapeletSet

from chromalens.light.profiles import get_profile, shapelets

RTOL = 1e-8


def _random_case(rng, n_max, num_points=300):
    x = rng.uniform(-4.0, 4.0, num_points)
    y = rng.uniform(-4.0, 4.0, num_points)
    params = {
        "amp": rng.normal(size=shapelets.num_basis(n_max)),
        "n_max": n_max,
        "beta": rng.uniform(0.2, 1.5),
        "center_x": rng.uniform(-0.5, 0.5),
        "center_y": rng.uniform(-0.5, 0.5),
    }
    return x, y, params


def _assert_close(actual, expected):
    """rtol 1e-8 elementwise; absolute floor 1e-13 of the largest value (zeros of H_n)."""
    expected = np.asarray(expected)
    np.testing.assert_allclose(
        np.asarray(actual), expected, rtol=RTOL, atol=1e-13 * np.abs(expected).max()
    )


def test_registry_and_order():
    assert get_profile("SHAPELETS") is shapelets
    n1, n2 = shapelets.index_pairs(3)
    pairs = list(zip(n1.tolist(), n2.tolist(), strict=True))
    assert pairs == [
        (0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2), (3, 0), (2, 1), (1, 2), (0, 3),
    ]  # fmt: skip
    assert shapelets.num_linear({"n_max": 10}, {}) == 66


@pytest.mark.parametrize("n_max", [0, 1, 2, 5, 10, 20])
def test_basis_matches_reference(n_max):
    rng = np.random.default_rng(100 + n_max)
    x, y, params = _random_case(rng, n_max)
    ours = shapelets.basis(x, y, params, {})
    kwargs = {k: v for k, v in params.items()}
    kwargs["amp"] = np.ones(shapelets.num_basis(n_max))
    reference = np.array(ShapeletSet().function_split(x, y, **kwargs))
    assert ours.shape == (shapelets.num_basis(n_max), x.size)
    _assert_close(ours, reference)


@pytest.mark.parametrize("n_max", [0, 3, 10, 20])
def test_surface_brightness_matches_reference(n_max):
    rng = np.random.default_rng(200 + n_max)
    for _ in range(2):
        x, y, params = _random_case(rng, n_max)
        ours = shapelets.surface_brightness(x, y, params, {})
        reference = ShapeletSet().function(x, y, **params)
        _assert_close(ours, reference)


def test_light_model_parity():
    from chromalens.light.light_model import LightModel

    rng = np.random.default_rng(7)
    x, y, params = _random_case(rng, 6, num_points=200)
    kwargs_list = [params]
    ours = LightModel(["SHAPELETS"])
    reference = RefLightModel(["SHAPELETS"])
    _assert_close(
        ours.surface_brightness(x, y, kwargs_list),
        reference.surface_brightness(x, y, kwargs_list),
    )
    images, n = ours.functions_split(x, y, kwargs_list)
    ref_images, ref_n = reference.functions_split(x, y, kwargs_list)
    assert n == ref_n == 28
    _assert_close(np.array(images), np.array(ref_images))
    param = rng.normal(size=n)
    new, i = ours.update_linear(param, 0, [dict(params)])
    ref_new, ref_i = reference.update_linear(param, 0, [dict(params)])
    assert i == ref_i == n
    np.testing.assert_array_equal(np.asarray(new[0]["amp"]), ref_new[0]["amp"])
    # the reference defines no total flux for SHAPELETS
    with pytest.raises(ValueError):
        reference.total_flux(kwargs_list)
    with pytest.raises(ValueError, match="SHAPELETS"):
        ours.total_flux(kwargs_list)


def _phi_mpmath(n, u):
    u = mpmath.mpf(u)
    norm = mpmath.sqrt(2**n * mpmath.sqrt(mpmath.pi) * mpmath.factorial(n))
    return float(mpmath.hermite(n, u) * mpmath.exp(-(u**2) / 2) / norm)


def test_hermite_functions_accurate_to_high_order():
    """phi_n against 40-digit mpmath values, n <= 30, |u| <= 11 (inside every cut)."""
    n_max = 30
    u = np.linspace(-11.0, 11.0, 23)
    with mpmath.workdps(40):
        exact = np.array([[_phi_mpmath(n, v) for v in u] for n in range(n_max + 1)])
    cut = shapelets.CUT_SCALE * np.sqrt(np.arange(n_max + 1) + 2.0)[:, None]
    exact = np.where(u[None] < cut, exact, 0.0)
    ours = np.asarray(shapelets.hermite_functions(u, n_max))
    # |phi_n| <= pi^(-1/4): absolute accuracy near round-off, relative away from the zeros
    assert np.abs(ours - exact).max() < 1e-14
    large = np.abs(exact) > 1e-3
    np.testing.assert_allclose(ours[large], exact[large], rtol=1e-12)


def test_cut_is_one_sided():
    n_max = 4
    cut = shapelets.CUT_SCALE * np.sqrt(np.arange(n_max + 1) + 2.0)
    for n in range(n_max + 1):
        values = np.asarray(
            shapelets.hermite_functions(jnp.array([cut[n], -cut[n], cut[n] * (1 - 1e-12)]), n_max)
        )[n]
        assert values[0] == 0.0  # u >= cut: set to zero
        assert values[1] != 0.0  # no cut on the negative side
        assert values[2] != 0.0


def test_basis_is_orthonormal():
    """sum_pixels B_i B_j dA / beta^2 = delta_ij on a fine grid (Refregier 2003 eq. 3)."""
    n_max, beta, step = 6, 0.5, 0.05
    axis = np.arange(-5.0, 5.0, step)
    x, y = np.meshgrid(axis, axis)
    params = {"n_max": n_max, "beta": beta, "center_x": 0.01, "center_y": -0.02}
    stack = np.asarray(shapelets.basis(x, y, params, {})).reshape(shapelets.num_basis(n_max), -1)
    gram = stack @ stack.T * step**2 / beta**2
    np.testing.assert_allclose(gram, np.eye(len(gram)), atol=1e-10)


def test_grid_shape_and_jit_with_static_n_max():
    x, y = np.meshgrid(np.linspace(-1, 1, 7), np.linspace(-1, 1, 5))
    params = {"n_max": 3, "beta": 0.4, "center_x": 0.0, "center_y": 0.0}
    stack = shapelets.basis(x, y, params, {})
    assert stack.shape == (10, 5, 7)

    @jax.jit
    def evaluate(beta, center_x):
        return shapelets.basis(x, y, {**params, "beta": beta, "center_x": center_x}, {})

    np.testing.assert_allclose(np.asarray(evaluate(0.4, 0.0)), np.asarray(stack), rtol=1e-14)


def test_gradients_finite_at_edge_cases():
    n_max = 5
    amp = jnp.linspace(-1.0, 1.0, shapelets.num_basis(n_max))
    cut0 = shapelets.CUT_SCALE * np.sqrt(2.0)
    # the centre, a point exactly on the cut of phi_0, and far away
    x = jnp.array([0.0, cut0 * 0.5, -40.0, 40.0])
    y = jnp.array([0.0, 0.0, 0.0, 0.0])

    def total(amp, beta, center_x, center_y):
        params = {"amp": amp, "n_max": n_max, "beta": beta, "center_x": center_x,
                  "center_y": center_y}  # fmt: skip
        return jnp.sum(shapelets.surface_brightness(x, y, params, {}))

    grads = jax.jit(jax.grad(total, argnums=(0, 1, 2, 3)))(amp, 0.5, 0.0, 0.0)
    for g in grads:
        assert np.all(np.isfinite(np.asarray(g)))
    assert np.any(np.asarray(grads[0]) != 0.0)


def test_bad_input():
    params = {"amp": np.ones(5), "n_max": 2, "beta": 1.0, "center_x": 0.0, "center_y": 0.0}
    with pytest.raises(ValueError, match="'amp'"):
        shapelets.surface_brightness(np.zeros(3), np.zeros(3), params, {})
    with pytest.raises(ValueError, match="n_max"):
        shapelets.num_linear({"n_max": -1}, {})
    with pytest.raises(ValueError, match="n_max"):
        shapelets.num_linear({"n_max": 2.5}, {})
    with pytest.raises(TypeError, match="n_max"):
        jax.jit(lambda n: shapelets.num_linear({"n_max": n}, {}))(3)
    assert shapelets.num_linear({"n_max": np.int64(2)}, {}) == 6
    assert shapelets.num_linear({"n_max": 2.0}, {}) == 6


def test_surface_brightness_is_amp_times_basis_and_vmaps():
    rng = np.random.default_rng(8)
    x, y, params = _random_case(rng, 4, num_points=50)
    stack = np.asarray(shapelets.basis(x, y, params, {}))
    np.testing.assert_allclose(
        shapelets.surface_brightness(x, y, params, {}),
        params["amp"] @ stack,
        rtol=1e-12,
        atol=1e-14 * np.abs(stack).max(),
    )
    betas = jnp.array([0.3, 0.6, 0.9])
    batched = jax.vmap(lambda beta: shapelets.basis(x, y, {**params, "beta": beta}, {}))(betas)
    assert batched.shape == (3, 15, 50)
    np.testing.assert_allclose(
        batched[1], shapelets.basis(x, y, {**params, "beta": 0.6}, {}), rtol=1e-14
    )


@pytest.mark.slow
def test_random_sweep_matches_reference():
    rng = np.random.default_rng(9)
    for n_max in range(0, 26):
        x, y, params = _random_case(rng, n_max, num_points=500)
        params["beta"] = rng.uniform(0.05, 3.0)
        _assert_close(
            shapelets.surface_brightness(x, y, params, {}), ShapeletSet().function(x, y, **params)
        )
        kwargs = {**params, "amp": np.ones(shapelets.num_basis(n_max))}
        _assert_close(
            shapelets.basis(x, y, params, {}),
            np.array(ShapeletSet().function_split(x, y, **kwargs)),
        )
