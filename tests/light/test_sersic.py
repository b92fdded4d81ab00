"""SERSIC, SERSIC_ELLIPSE, SERSIC_ELLIPSE_Q_PHI: parity with lenstronomy's LightModel
(``LightModel/Profiles/sersic.py``, ``LensModel/Profiles/sersic_utils.py``) on random
parameters, and finite gradients at the singular points."""

from __future__ import annotations

import zlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from lenstronomy.LightModel.light_model import LightModel as RefLightModel
from support.custom_jvp import hessians_rule_and_autodiff, jvp_rule_and_autodiff

from chromalens.light import LightModel
from chromalens.light.profiles import sersic

RTOL = 1e-8
#: absolute floor only for values that underflow to subnormals (e.g. 4e-323 vs 0) far out
ATOL = 1e-300
N_DRAWS = 4


def _grid(rng):
    """Random points plus the exact centre and far-away points (beyond max_R_frac)."""
    x = np.concatenate([rng.uniform(-2.0, 2.0, 60), [0.0, 0.3, 50.0, -80.0]])
    y = np.concatenate([rng.uniform(-2.0, 2.0, 60), [0.0, 0.0, 40.0, 5.0]])
    return x, y


def _draw(rng, name, center=(0.0, 0.0)):
    kwargs = {
        "amp": rng.uniform(0.1, 10.0),
        "R_sersic": 10 ** rng.uniform(-2.5, 0.5),
        "n_sersic": rng.uniform(0.3, 8.0),
        "center_x": center[0],
        "center_y": center[1],
    }
    if name == "SERSIC_ELLIPSE":
        kwargs["e1"], kwargs["e2"] = rng.uniform(-0.5, 0.5, 2)
    if name == "SERSIC_ELLIPSE_Q_PHI":
        kwargs["q"], kwargs["phi"] = rng.uniform(0.2, 1.0), rng.uniform(-np.pi, np.pi)
    return kwargs


@pytest.mark.parametrize("major_axis", [False, True])
@pytest.mark.parametrize("name", ["SERSIC", "SERSIC_ELLIPSE", "SERSIC_ELLIPSE_Q_PHI"])
def test_parity_surface_brightness_and_split(name, major_axis):
    rng = np.random.default_rng(zlib.crc32(f"{name}{major_axis}".encode()))
    options = [{"sersic_major_axis": major_axis}]
    ours = LightModel([name], profile_kwargs_list=options)
    ref = RefLightModel([name], profile_kwargs_list=[dict(o) for o in options])
    x, y = _grid(rng)
    for _ in range(N_DRAWS):
        kwargs = [_draw(rng, name, center=rng.uniform(-0.3, 0.3, 2))]
        expected = ref.surface_brightness(x, y, kwargs)
        actual = ours.surface_brightness(x, y, kwargs)
        np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)
        images, n = ours.functions_split(x, y, kwargs)
        ref_images, ref_n = ref.functions_split(x, y, kwargs)
        assert n == ref_n == 1
        np.testing.assert_allclose(images[0], ref_images[0], rtol=RTOL, atol=ATOL)
        # the far-away points are cut (I = 0) whenever R > max_R_frac R_sersic
        assert np.any(expected == 0) == np.any(np.asarray(images[0]) == 0)


@pytest.mark.parametrize("major_axis", [False, True])
@pytest.mark.parametrize("name", ["SERSIC", "SERSIC_ELLIPSE"])
def test_parity_total_flux(name, major_axis):
    rng = np.random.default_rng(7)
    options = [{"sersic_major_axis": major_axis}]
    ours = LightModel([name], profile_kwargs_list=options)
    ref = RefLightModel([name], profile_kwargs_list=[dict(o) for o in options])
    for _ in range(N_DRAWS):
        kwargs = [_draw(rng, name)]
        for norm in (False, True):
            np.testing.assert_allclose(
                ours.total_flux(kwargs, norm=norm), ref.total_flux(kwargs, norm=norm), rtol=RTOL
            )


def test_q_phi_total_flux_equals_sersic_ellipse():
    """The reference refuses total_flux for Q_PHI; ours equals the equivalent SERSIC_ELLIPSE."""
    kwargs = {"amp": 2.0, "R_sersic": 0.7, "n_sersic": 3.0, "q": 0.6, "phi": 0.4}
    e1, e2 = (1 - 0.6) / 1.6 * np.cos(0.8), (1 - 0.6) / 1.6 * np.sin(0.8)
    equivalent = {"amp": 2.0, "R_sersic": 0.7, "n_sersic": 3.0, "e1": e1, "e2": e2}
    for major_axis in (False, True):
        opts = [{"sersic_major_axis": major_axis}]
        ours = LightModel(["SERSIC_ELLIPSE_Q_PHI"], profile_kwargs_list=opts)
        ref = RefLightModel(["SERSIC_ELLIPSE"], profile_kwargs_list=opts)
        ours, ref = ours.total_flux([kwargs])[0], ref.total_flux([equivalent])[0]
        np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=ATOL)


def test_small_index_b_n_floor_and_smoothing_option():
    """b_n is floored at 1e-5 (n < 0.1636); a custom smoothing floors R and R_sersic."""
    np.testing.assert_allclose(sersic.b_n(0.1), 1e-5)
    np.testing.assert_allclose(sersic.b_n(4.0), 1.9992 * 4 - 0.3271)
    x, y = np.array([0.0, 0.01, 0.2, 1.0]), np.array([0.0, 0.0, 0.1, -0.5])
    kwargs = [{"amp": 1.0, "R_sersic": 0.005, "n_sersic": 0.1, "e1": 0.1, "e2": 0.0}]
    opts = [{"smoothing": 0.02}]
    ours = LightModel(["SERSIC_ELLIPSE"], opts).surface_brightness(x, y, kwargs)
    ref = RefLightModel(["SERSIC_ELLIPSE"], profile_kwargs_list=[dict(o) for o in opts])
    ref = ref.surface_brightness(x, y, kwargs)
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=ATOL)


def test_max_R_frac_keyword():
    """``max_R_frac`` is accepted as a keyword, as the reference's function signature allows."""
    x, y = np.linspace(0, 3, 31), np.zeros(31)
    kwargs = [{"amp": 1.0, "R_sersic": 0.1, "n_sersic": 1.0, "max_R_frac": 5.0}]
    ours = np.asarray(LightModel(["SERSIC"]).surface_brightness(x, y, kwargs))
    ref = RefLightModel(["SERSIC"]).surface_brightness(x, y, kwargs)
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=ATOL)
    assert np.all(ours[x > 0.5 + 1e-12] == 0) and np.all(ours[x < 0.5 - 1e-12] > 0)


@pytest.mark.parametrize("major_axis", [False, True])
@pytest.mark.parametrize("name", ["SERSIC", "SERSIC_ELLIPSE", "SERSIC_ELLIPSE_Q_PHI"])
def test_gradients_finite_at_singular_points(name, major_axis):
    """r = 0, R_sersic below the smoothing scale, e1 = e2 = 0 (q = 1), points beyond the cut."""
    profile = sersic.PROFILES[name]
    opts = {**sersic.OPTIONS, "sersic_major_axis": major_axis}
    x = jnp.array([0.0, 1e-9, 0.5, 1e4])
    y = jnp.array([0.0, 0.0, -0.2, 0.0])
    base = {**profile.DEFAULTS, "amp": 1.5, "n_sersic": 4.0}
    if name == "SERSIC_ELLIPSE":
        base.update(e1=0.0, e2=0.0)
    if name == "SERSIC_ELLIPSE_Q_PHI":
        base.update(q=1.0, phi=0.0)
    @jax.jit
    def gradients(params):
        def total(params, x):
            return jnp.sum(profile.surface_brightness(x, y, params, opts))

        return jax.grad(total, argnums=(0, 1))(params, x)

    for r_sersic in (1e-6, 1e-4, 0.3):
        grads, grad_x = gradients({**base, "R_sersic": r_sersic})
        for key, value in grads.items():
            assert np.all(np.isfinite(value)), (name, r_sersic, key)
        assert np.all(np.isfinite(grad_x))  # with respect to the coordinates themselves


@pytest.mark.parametrize("n_sersic, smoothing", [(0.7, 1e-4), (3.5, 1e-4), (0.1, 0.05)])
def test_kernel_custom_jvp_equals_autodiff(n_sersic, smoothing):
    """The product-average kernel's closed-form tangent equals autodiff through its body in
    every argument (positions, ellipticity, centre, R_sersic, n_sersic), first and second
    order, with points at the centre (below the smoothing floor) and beyond max_R_frac;
    n_sersic = 0.1 puts b_n on its floor."""
    rng = np.random.default_rng(int(n_sersic * 10))
    x, y = rng.uniform(-2, 2, (2, 50))
    x[0], y[0] = 0.2, -0.1  # the centre
    x[1], y[1] = 40.0, 0.0  # beyond max_R_frac * R_sersic
    primals = [jnp.asarray(x), jnp.asarray(y), 0.15, -0.1, 0.2, -0.1, 0.4, n_sersic, 50.0]
    tangents = [jnp.asarray(rng.normal(size=50)), jnp.asarray(rng.normal(size=50)),
                *rng.normal(size=7)]

    (value, tangent), (value_auto, tangent_auto) = jvp_rule_and_autodiff(
        sersic.product_average_kernel, primals, tangents, smoothing)
    # not bit-equal: the rule's primal is compiled inside a different fusion (5e-16 seen)
    np.testing.assert_allclose(value, value_auto, rtol=1e-13, atol=1e-15)
    assert np.all(np.isfinite(tangent))
    np.testing.assert_allclose(tangent, tangent_auto, rtol=1e-11,
                               atol=1e-14 * np.abs(tangent_auto).max())
    hessian, hessian_auto = hessians_rule_and_autodiff(
        sersic.product_average_kernel, primals[:2], primals[2:], smoothing,
        lambda kernel: kernel * primals[0] ** 2)
    np.testing.assert_allclose(hessian, hessian_auto, rtol=1e-9,
                               atol=1e-12 * np.abs(hessian_auto).max())
