"""EPL (Tessore & Metcalf 2015): parity with lenstronomy's ``EPL`` (scipy hyp2f1), accuracy of
the fixed-cost conformal series, fixed cost (no value-dependent control flow), vmap == loop,
finiteness at the edge cases."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from lens.mass_parity import assert_finite_at_edges, assert_parity
from lenstronomy.LensModel.Profiles.epl import EPL as ReferenceEPL
from scipy.special import hyp2f1

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
    assert_parity("EPL", lambda rng: sample(rng, q_min=0.1), seed=23, n_sets=3000,
                  tolerances={"ray_shooting": 1e-8, "potential": 1e-8, "hessian": 1e-7})


@pytest.mark.parametrize("q, rtol", [(1.0, 1e-13), (0.7, 1e-13), (0.4, 1e-13), (0.2, 1e-13),
                                     (0.1, 1e-12), (0.05, 1e-10)])
def test_hypergeometric_series_against_scipy(q, rtol):
    """The conformal series equals scipy's 2F1 on the whole circle |z| = (1-q)/(1+q), with the
    default number of terms: ~1e-14 down to q = 0.1, degrading slowly below."""
    f = (1 - q) / (1 + q)
    phi = np.linspace(0.0, np.pi, 721)
    z = -f * np.exp(2j * phi)
    for t in (0.2, 0.7, 1.0, 1.3, 1.8):
        ours = np.array(epl.hyp2f1_epl(jnp.asarray(z), t))
        ref = hyp2f1(1.0, t / 2.0, 2.0 - t / 2.0, z)
        np.testing.assert_allclose(ours, ref, rtol=rtol)


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


def test_fixed_cost_no_value_dependent_control_flow():
    """The deflection's program has no cond/switch/while: its cost does not depend on values."""
    p = {"theta_E": 1.0, "gamma": 2.0, "e1": 0.1, "e2": 0.0, "center_x": 0.0, "center_y": 0.0}
    jaxpr = str(jax.make_jaxpr(lambda p: epl.deflection(jnp.ones(3), jnp.ones(3), p))(p))
    for primitive in ("cond", "switch", "while"):
        assert primitive not in jaxpr


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
    np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-12)


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
