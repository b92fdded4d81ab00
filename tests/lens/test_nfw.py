"""NFW lens profile and the shared projection functions: parity with lenstronomy's ``NFW``
(``function`` / ``derivatives`` / ``hessian``) on randomised parameters, high-precision checks
of the special functions (mpmath), finiteness of gradients at the edge cases.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest
from lens.profile_parity import assert_close, reference_values
from lenstronomy.LensModel.lens_model import LensModel as ReferenceLensModel
from lenstronomy.LensModel.Profiles.nfw import NFW as ReferenceNFW

from chromalens.lens.lens_model import LensModel
from chromalens.lens.profiles import _projection, nfw

N_SETS = 200


def _draw(rng, n):
    return {
        "Rs": rng.uniform(0.1, 5.0, n),
        "alpha_Rs": rng.uniform(0.05, 3.0, n),
        "center_x": rng.uniform(-0.5, 0.5, n),
        "center_y": rng.uniform(-0.5, 0.5, n),
    }


def _points(rng, params, n_random=40):
    """Per parameter set: a 7x7 grid, the centre, a point at R = 0.999 Rs, and random points.

    (Not R = Rs itself: there the reference's (1 - F0)/(X^2 - 1) is 0/0 up to round-off and
    returns O(1) errors; X = 1 is covered by the high-precision tests.)
    """
    n = len(params["Rs"])
    g = np.linspace(-3.0, 3.0, 7)
    gx, gy = (a.ravel() for a in np.meshgrid(g, g))
    x = np.concatenate([np.tile(gx, (n, 1)), rng.uniform(-6, 6, (n, n_random))], axis=1)
    y = np.concatenate([np.tile(gy, (n, 1)), rng.uniform(-6, 6, (n, n_random))], axis=1)
    x[:, 0], y[:, 0] = params["center_x"], params["center_y"]
    x[:, 1], y[:, 1] = params["center_x"] + 0.999 * params["Rs"], params["center_y"]
    return x, y


def _evaluate(module, opts=None):
    def one(x, y, p):
        return (
            module.deflection(x, y, p, opts),
            module.potential(x, y, p, opts),
            module.hessian(x, y, p, opts),
        )

    return jax.jit(jax.vmap(one))



@pytest.mark.parametrize("opts", [{}, {"interpol": True}], ids=["analytic", "interpol"])
def test_parity_withreference_values(opts):
    # mirrors lenstronomy NFW.derivatives / function / hessian (array inputs)
    rng = np.random.default_rng(11)
    params = _draw(rng, N_SETS)
    x, y = _points(rng, params)
    alpha, psi, hess = _evaluate(nfw, opts)(
        jnp.asarray(x), jnp.asarray(y), {k: jnp.asarray(v) for k, v in params.items()}
    )
    ref = ReferenceNFW(interpol=bool(opts))
    alpha_ref, psi_ref, hess_ref = reference_values(ref, x, y, params)
    assert_close(np.stack(alpha, 1), alpha_ref, 1e-8, 1e-12)
    # at the centre (X floored at 1e-6) the reference's ln^2(X/2) - arccosh^2(1/X) loses ~1e-3
    # relative of a ~1e-11 value: covered by the absolute term (high precision: test below)
    assert_close(psi, psi_ref, 1e-8, 1e-12)
    # the reference's convergence (1 - F0)/(X^2 - 1) has round-off ~1e-16/(X - 1)^2: compare the
    # Hessian away from |X - 1| < 1e-3 (our series there is checked against mpmath below)
    X = np.hypot(x - params["center_x"][:, None], y - params["center_y"][:, None])
    X = X / params["Rs"][:, None]
    assert_close(np.stack(hess, 1), hess_ref, 1e-8, 1e-12, mask=np.abs(X - 1)[:, None] > 1e-3)


def _mp_F0(X):
    X = mpmath.mpf(X)
    if X < 1:
        return mpmath.acosh(1 / X) / mpmath.sqrt(1 - X**2)
    if X > 1:
        return mpmath.acos(1 / X) / mpmath.sqrt(X**2 - 1)
    return mpmath.mpf(1)


def _mp_kappa(X):
    X = mpmath.mpf(X)
    return mpmath.mpf(1) / 3 if X == 1 else (1 - _mp_F0(X)) / (X**2 - 1)


def _mp_g(X):
    return mpmath.log(mpmath.mpf(X) / 2) + _mp_F0(X)


def _mp_h(X):
    X = mpmath.mpf(X)
    return mpmath.log(X / 2) ** 2 - (1 - X**2) * _mp_F0(X) ** 2


def test_projection_functions_high_precision():
    """F0, F, g, h against 40-digit mpmath, including X -> 0 and X = 1 +- tiny."""
    X = np.concatenate(
        [np.logspace(-8, 3, 60), 1 + np.array([-2e-2, -1e-2, -1e-5, -1e-12, 0, 1e-12, 1e-5, 1e-2])]
    )
    with mpmath.workdps(40):
        for function, reference, rtol in [
            (_projection.arc_function, _mp_F0, 1e-15),
            (_projection.nfw_kappa_function, _mp_kappa, 1e-13),
            (_projection.nfw_mass_function, _mp_g, 1e-12),
            (_projection.nfw_potential_function, _mp_h, 1e-13),
        ]:
            expected = np.array([float(reference(v)) for v in X])
            np.testing.assert_allclose(np.asarray(function(jnp.asarray(X))), expected, rtol=rtol)


def test_near_centre_high_precision():
    """Deflection and potential at X = 1e-5 .. 1e-3, where the reference loses digits."""
    p = {"Rs": 1.3, "alpha_Rs": 0.9, "center_x": 0.0, "center_y": 0.0}
    r = np.array([1.3e-5, 1.3e-4, 1.3e-3])
    ax, _ = nfw.deflection(jnp.asarray(r), jnp.zeros(3), p)
    psi = nfw.potential(jnp.asarray(r), jnp.zeros(3), p)
    with mpmath.workdps(40):
        rho0 = mpmath.mpf(0.9) / (4 * mpmath.mpf(1.3) ** 2 * (1 + mpmath.log(0.5)))
        X = [mpmath.mpf(v) / mpmath.mpf(1.3) for v in r]
        ax_ref = [
            float(4 * rho0 * mpmath.mpf(1.3) * _mp_g(v) / v**2 * mpmath.mpf(rv))
            for v, rv in zip(X, r, strict=True)
        ]
        psi_ref = [float(2 * rho0 * mpmath.mpf(1.3) ** 3 * _mp_h(v)) for v in X]
    np.testing.assert_allclose(np.asarray(ax), ax_ref, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(psi), psi_ref, rtol=1e-12)


def test_gradients_finite_at_edge_cases():
    """grad of deflection, Hessian and potential w.r.t. every parameter and x, y."""
    p = {"Rs": 1.2, "alpha_Rs": 0.8, "center_x": 0.3, "center_y": -0.2}

    def total(p, x, y):
        ax, ay = nfw.deflection(x, y, p)
        return ax + ay + sum(nfw.hessian(x, y, p)) + nfw.potential(x, y, p)

    grad = jax.jit(jax.vmap(jax.grad(total, argnums=(0, 1, 2)), in_axes=(None, 0, 0)))
    # the centre, a point 1e-9 from it, and R = Rs (X = 1)
    grads = grad(p, jnp.asarray([0.3, 0.3 + 1e-9, 0.3 + 1.2]), jnp.full(3, -0.2))
    assert all(np.all(np.isfinite(g)) for g in jax.tree_util.tree_leaves(grads))


def test_lens_model_parity():
    rng = np.random.default_rng(3)
    kwargs = [{"Rs": 1.7, "alpha_Rs": 0.6, "center_x": 0.1, "center_y": -0.1}]
    x, y = rng.uniform(-3, 3, 30), rng.uniform(-3, 3, 30)
    x[0], y[0] = 0.1, -0.1
    ours, ref = LensModel(["NFW"]), ReferenceLensModel(["NFW"])
    np.testing.assert_allclose(
        np.asarray(ours.alpha(x, y, kwargs)), ref.alpha(x, y, kwargs), rtol=1e-8, atol=1e-14
    )
    np.testing.assert_allclose(
        np.asarray(ours.hessian(x, y, kwargs)), ref.hessian(x, y, kwargs), rtol=1e-8, atol=1e-12
    )
    np.testing.assert_allclose(
        np.asarray(ours.potential(x, y, kwargs)), ref.potential(x, y, kwargs), rtol=1e-8, atol=1e-12
    )
