"""EPL (Tessore & Metcalf 2015): parity with lenstronomy's ``EPL`` (scipy hyp2f1), accuracy of
the fixed-cost angular series, fixed cost (no value-dependent control flow), vmap == loop,
finiteness at the edge cases."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from lens.mass_parity import (
    assert_finite_at_edges,
    assert_parity,
    draw,
    reference_batched,
    relative_error,
)
from lenstronomy.LensModel.Profiles.epl import EPL as ReferenceEPL
from scipy.special import hyp2f1
from support.custom_jvp import hessians_rule_and_autodiff, jvp_rule_and_autodiff

from chromalens.lens import LensModel
from chromalens.lens.profiles import epl


def sample(rng, q_min=0.2):
    q, phi = rng.uniform(q_min, 1.0), rng.uniform(0.0, np.pi)
    return {"theta_E": rng.uniform(0.3, 2.5), "gamma": rng.uniform(1.2, 2.8),
            "e1": (1 - q) / (1 + q) * np.cos(2 * phi), "e2": (1 - q) / (1 + q) * np.sin(2 * phi),
            "center_x": rng.uniform(-0.5, 0.5), "center_y": rng.uniform(-0.5, 0.5)}


def test_parity_random_sets():
    assert_parity("EPL", sample, seed=21,
                  tolerances={"ray_shooting": 1e-8, "potential": 1e-8, "hessian": 1e-7})


def test_parity_alpha_random_sets_relative_1e8():
    """Deflection itself (not only ray_shooting), relative to |alpha|, over the prior range."""
    assert_parity("EPL", sample, seed=22, tolerances={"alpha": 1e-8}, n_sets=200)


@pytest.mark.slow
def test_parity_sweep_large():
    assert_parity("EPL", sample, seed=23, n_sets=3000,
                  tolerances={"ray_shooting": 1e-8, "potential": 1e-8, "hessian": 1e-7})


def assert_parity_low_axis_ratio(seed, n_sets, q_min=0.1):
    """Parity for q in [q_min, 0.2], below the default's range, with the ``q_min`` option."""
    tolerances = {"ray_shooting": 1e-8, "potential": 1e-8, "hessian": 1e-7}
    kwargs, x, y = draw(lambda rng: sample_between(rng, q_min, 0.2), seed, n_sets)
    model = LensModel(["EPL"], profile_kwargs_list=[{"q_min": q_min}])
    batched = {k: np.array([kw[k] for kw in kwargs]) for k in kwargs[0]}

    @jax.jit
    @jax.vmap
    def ours(xi, yi, kw):
        return {"ray_shooting": jnp.stack(model.ray_shooting(xi, yi, [kw])),
                "potential": model.potential(xi, yi, [kw]),
                "hessian": jnp.stack(model.hessian(xi, yi, [kw]))}

    mine = ours(x, y, batched)
    ref = reference_batched("EPL", kwargs, x, y, tuple(tolerances))
    for name, rtol in tolerances.items():
        err = relative_error(np.asarray(mine[name]), ref[name])
        assert np.all(np.isfinite(np.asarray(mine[name])))
        assert err.max() <= rtol, (name, err.max())


def sample_between(rng, q_low, q_high):
    kw = sample(rng)
    q, phi = rng.uniform(q_low, q_high), rng.uniform(0.0, np.pi)
    kw["e1"], kw["e2"] = (1 - q) / (1 + q) * np.cos(2 * phi), (1 - q) / (1 + q) * np.sin(2 * phi)
    return kw


def test_parity_low_axis_ratio_with_option():
    assert_parity_low_axis_ratio(seed=27, n_sets=20)


@pytest.mark.slow
def test_parity_sweep_low_axis_ratio_with_option():
    assert_parity_low_axis_ratio(seed=28, n_sets=1000)


@pytest.mark.parametrize("q, num_terms, rtol", [
    (1.0, epl.NUM_TERMS, 1e-13), (0.7, epl.NUM_TERMS, 1e-13), (0.4, epl.NUM_TERMS, 1e-13),
    (0.2, epl.NUM_TERMS, 1e-13), (0.1, epl.NUM_TERMS, 1e-8),
    (0.1, epl.terms_for_axis_ratio(0.1), 1e-13), (0.05, epl.terms_for_axis_ratio(0.05), 1e-12),
])
def test_angular_series_against_scipy(q, num_terms, rtol):
    """The angular series equals scipy's 2F1 on the whole circle |z| = (1-q)/(1+q): double
    precision down to q = 0.2 with the default number of terms (1e-8 at q = 0.1), and down to
    any q with ``terms_for_axis_ratio(q)`` terms."""
    f = (1 - q) / (1 + q)
    theta = np.concatenate([np.linspace(0.0, 2 * np.pi, 721), [1e-9, np.pi - 1e-9, np.pi + 1e-7]])
    series = jax.jit(epl.angular_series, static_argnums=4)
    for t in (0.2, 0.7, 1.0, 1.3, 1.8, 1.99):
        ours = series(jnp.cos(theta), jnp.sin(theta), t, f, num_terms)
        ref = hyp2f1(1.0, t / 2.0, 2.0 - t / 2.0, -f * np.exp(1j * theta))
        np.testing.assert_allclose(np.array(ours), ref, rtol=rtol)


@pytest.mark.parametrize("f", [0.0, 1e-12, 0.3, 0.6])
def test_angular_series_custom_jvp_equals_autodiff(f):
    """The series' custom JVP (the slope series and the closed-form derivative by f and the
    angle) equals forward-mode autodiff through the recurrence, for every input, including
    f = 0 (round lens) and f = 1e-12 (no cancellation in (S - 1)/f). The closed form is the
    derivative of the converged series: the series gets the terms its f needs (1e-15)."""
    num_terms = max(24, epl.terms_for_axis_ratio((1 - f) / (1 + f)))
    theta = jnp.asarray(np.random.default_rng(29).uniform(0, 2 * np.pi, 37))
    primals = (jnp.cos(theta), jnp.sin(theta), 1.3, f)
    rng = np.random.default_rng(30)
    d_theta = jnp.asarray(rng.normal(size=37))
    tangents = (-jnp.sin(theta) * d_theta, jnp.cos(theta) * d_theta, 0.7, -1.1)

    def run(fn):
        return jax.jit(lambda p, t: jax.jvp(lambda *a: fn(*a, num_terms), p, t))(primals,
                                                                                tangents)

    value, tangent = run(epl.angular_series)
    value_auto, tangent_auto = run(epl.angular_series.fun)
    np.testing.assert_allclose(np.array(value), np.array(value_auto), rtol=1e-15)
    np.testing.assert_allclose(np.array(tangent), np.array(tangent_auto), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("q_min, num_terms", [
    (0.6, 104), pytest.param(0.15, 104, marks=pytest.mark.slow), (0.3, 24)])
def test_deflection_custom_jvp_equals_autodiff(q_min, num_terms):
    """The deflection's closed-form tangent (Hessian, rotation and b, t, q derivatives) equals
    autodiff through the profile (its undecorated body), in every argument: positions,
    centre and parameters, first and second order; finite at the exact centre."""
    rng = np.random.default_rng(int(q_min * 100) + num_terms)
    x, y = rng.uniform(-2, 2, (2, 60))
    x[0], y[0] = 0.0, 0.0  # exactly at the centre below
    primals = [jnp.asarray(x), jnp.asarray(y), 0.0, 0.0, rng.uniform(0.5, 2.0),
               rng.uniform(0.2, 1.8), rng.uniform(q_min, q_min + 0.3), rng.uniform(0, np.pi)]
    tangents = [jnp.asarray(rng.normal(size=60)), jnp.asarray(rng.normal(size=60)),
                *rng.normal(size=6)]

    (value, tangent), (value_auto, tangent_auto) = jvp_rule_and_autodiff(
        epl._deflection_sky, primals, tangents, num_terms)
    scale = np.abs(tangent_auto[:, 1:]).max()
    assert np.all(np.isfinite(tangent))
    np.testing.assert_allclose(value, value_auto, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(tangent[:, 1:], tangent_auto[:, 1:], rtol=1e-11,
                               atol=1e-13 * scale)
    # second order, away from the centre: sum(alpha_x x^2 + alpha_y)
    x_rest, y_rest = primals[0][1:], primals[1][1:]
    hessian, hessian_auto = hessians_rule_and_autodiff(
        epl._deflection_sky, (x_rest, y_rest), primals[2:], num_terms,
        lambda alpha: alpha[0] * x_rest**2 + alpha[1])
    np.testing.assert_allclose(hessian, hessian_auto, rtol=1e-9,
                               atol=1e-11 * np.abs(hessian_auto).max())


def test_series_coefficients_recurrence():
    """c_n = (t/2)_n / (2 - t/2)_n (-f)^n (Taylor coefficients of 2F1(1, t/2; 2 - t/2; -f w))."""
    from scipy.special import poch
    t, f = 1.37, 0.55
    n = np.arange(30)
    expected = poch(t / 2, n) / poch(2 - t / 2, n) * (-f) ** n
    np.testing.assert_allclose(np.array(epl.series_coefficients(t, f, 30)), expected, rtol=1e-13)


def test_terms_option_low_axis_ratio_against_reference():
    """q = 0.05 (below the default's range): the ``q_min`` / ``num_terms`` options restore
    1e-8 parity with the reference; the default number of terms is not enough there."""
    ref = ReferenceEPL()
    q, phi = 0.05, 0.4
    kw = {"theta_E": 1.2, "gamma": 2.7, "e1": (1 - q) / (1 + q) * np.cos(2 * phi),
          "e2": (1 - q) / (1 + q) * np.sin(2 * phi), "center_x": 0.1, "center_y": -0.2}
    rng = np.random.default_rng(26)
    x, y = rng.uniform(-2, 2, 40), rng.uniform(-2, 2, 40)
    expected = np.array(ref.derivatives(x, y, **kw))
    for opts in ({"q_min": 0.05}, {"num_terms": epl.terms_for_axis_ratio(0.05)}):
        ours = np.array(LensModel(["EPL"], profile_kwargs_list=[opts]).alpha(x, y, [kw]))
        np.testing.assert_allclose(ours, expected, rtol=1e-10)
    default = np.array(LensModel(["EPL"]).alpha(x, y, [kw]))
    assert np.max(np.abs(default - expected) / np.abs(expected)) > 1e-8


@pytest.mark.parametrize("opts", [{"num_terms": 0}, {"num_terms": 2.5}, {"num_terms": True},
                                  {"q_min": 0.0}, {"q_min": 1.5}])
def test_bad_terms_option(opts):
    with pytest.raises(ValueError, match="EPL"):
        epl.deflection(jnp.ones(2), jnp.ones(2), {"theta_E": 1.0, "gamma": 2.0, "e1": 0.1,
                                                  "e2": 0.0, "center_x": 0.0, "center_y": 0.0},
                       opts)


def test_closed_form_hessian_equals_autodiff_of_deflection():
    rng = np.random.default_rng(24)
    x, y = jnp.asarray(rng.uniform(-2, 2, 50)), jnp.asarray(rng.uniform(-2, 2, 50))

    @jax.jit
    def both(p):
        closed = jnp.stack(epl.hessian(x, y, p))
        jac_x = jax.jvp(lambda xx: epl.deflection(xx, y, p), (x,), (jnp.ones_like(x),))[1]
        jac_y = jax.jvp(lambda yy: epl.deflection(x, yy, p), (y,), (jnp.ones_like(y),))[1]
        return closed, jnp.stack([jac_x[0], jac_y[0], jac_x[1], jac_y[1]])

    for _ in range(3):
        closed, auto = both(sample(rng))
        np.testing.assert_allclose(np.array(closed), np.array(auto), rtol=1e-9, atol=1e-12)


def test_only_control_flow_is_the_short_series_branch():
    """No while loops: one cond choosing between the short and the full series (besides the
    platform choice of ``fastmath.log``, resolved when the program is lowered)."""
    p = {"theta_E": 1.0, "gamma": 2.0, "e1": 0.1, "e2": 0.0, "center_x": 0.0, "center_y": 0.0}
    jaxpr = str(jax.make_jaxpr(lambda p: epl.deflection(jnp.ones(3), jnp.ones(3), p))(p))
    assert "while" not in jaxpr
    assert jaxpr.count("cond[") - jaxpr.count("platform_index[") == 1
    # a count at or below the short series has no branch at all
    short = {"num_terms": epl.SHORT_TERMS}
    jaxpr = str(jax.make_jaxpr(lambda p: epl.deflection(jnp.ones(3), jnp.ones(3), p, short))(p))
    assert jaxpr.count("cond[") == jaxpr.count("platform_index[")


@pytest.mark.parametrize("q", [0.98, 0.7, 0.52, 0.48, 0.3])
def test_short_series_branch_equals_the_full_series(q):
    """Either side of the branch threshold (q ~ 0.5) the deflection and its gradient equal the
    always-full series (the short one is used only where its truncation bound holds)."""
    rng = np.random.default_rng(int(q * 100))
    x, y = rng.uniform(-2, 2, (2, 400))
    e = (1 - q) / (1 + q)
    p = {"theta_E": 1.1, "gamma": 2.1, "e1": e * 0.6, "e2": -e * 0.8, "center_x": 0.05,
         "center_y": -0.02}
    branched = np.array(epl.deflection(x, y, p))
    reference = np.array(jax.jit(lambda p: _full_series_deflection(x, y, p))(p))
    np.testing.assert_allclose(branched, reference, rtol=2e-15, atol=1e-15 * np.abs(
        reference).max())
    grad = jax.grad(lambda p: jnp.sum(epl.deflection(x, y, p)[0] ** 2))(p)
    grad_ref = jax.grad(lambda p: jnp.sum(_full_series_deflection(x, y, p)[0] ** 2))(p)
    for key in p:
        assert float(grad[key]) == pytest.approx(float(grad_ref[key]), rel=1e-12, abs=1e-12)


def _full_series_deflection(x, y, p):
    """EPL deflection with the full default series and no branch (SHORT_TERMS disabled)."""
    original = epl.SHORT_TERMS
    epl.SHORT_TERMS = 10**6
    try:
        return epl.deflection(x, y, p)
    finally:
        epl.SHORT_TERMS = original


def test_vmap_equals_loop():
    rng = np.random.default_rng(25)
    sets = [sample(rng) for _ in range(64)]
    x, y = jnp.meshgrid(jnp.linspace(-2, 2, 9), jnp.linspace(-2, 2, 9))
    model = LensModel(["EPL"])
    run = jax.jit(lambda kw: model.alpha(x, y, [kw]))
    batched = {k: jnp.array([s[k] for s in sets]) for k in sets[0]}
    together = jax.jit(jax.vmap(lambda kw: model.alpha(x, y, [kw])))(batched)
    for i, s in enumerate(sets):
        one = run(s)
        np.testing.assert_allclose(np.array(together[0][i]), np.array(one[0]), rtol=1e-14,
                                   atol=1e-15)
        np.testing.assert_allclose(np.array(together[1][i]), np.array(one[1]), rtol=1e-14,
                                   atol=1e-15)


def test_round_lens_equals_spp():
    """q = 1 (e1 = e2 = 0): EPL reduces to the power-law sphere."""
    x, y = np.linspace(-2, 2, 11), np.linspace(1, -1.5, 11)
    model = LensModel(["EPL", "SPP"])
    kw = {"theta_E": 1.3, "gamma": 2.3, "e1": 0.0, "e2": 0.0}
    a = model.alpha(x, y, [kw, {"theta_E": 1.3, "gamma": 2.3}], k=0)
    b = model.alpha(x, y, [kw, {"theta_E": 1.3, "gamma": 2.3}], k=1)
    # 1e-9, not 1e-12: a round ellipticity is evaluated at a tiny |e| (the ellipticity helper's
    # offset that keeps derivatives with respect to e1, e2 meaningful there)
    np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-9)


def test_reference_far_from_centre_and_tiny_radii():
    """Points at 1e-8 and 1e3 arcsec, against the reference."""
    ref = ReferenceEPL()
    kw = {"theta_E": 1.1, "gamma": 2.6, "e1": 0.3, "e2": -0.2, "center_x": 0.0, "center_y": 0.0}
    x = np.array([1e-8, 3e-8, 1e3, -700.0])
    y = np.array([2e-8, 0.0, 5.0, 1e3])
    ours = np.array(LensModel(["EPL"]).alpha(x, y, [kw]))
    np.testing.assert_allclose(ours, np.array(ref.derivatives(x, y, **kw)), rtol=1e-10)


def test_finite_at_centre_and_round():
    assert_finite_at_edges("EPL", [
        {"theta_E": 1.0, "gamma": g, "e1": e1, "e2": 0.0, "center_x": 0.1, "center_y": -0.1}
        for g in (1.2, 2.0, 2.8) for e1 in (0.0, 0.2)
    ])
