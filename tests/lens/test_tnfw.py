"""TNFW lens profile: parity with lenstronomy's ``TNFW`` (``function`` / ``derivatives`` /
``hessian``) on randomised parameters, high-precision check near the centre, finite gradients.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
from lens.profile_parity import assert_close, grid_and_random_points, reference_values
from lenstronomy.LensModel.lens_model import LensModel as ReferenceLensModel
from lenstronomy.LensModel.Profiles.tnfw import TNFW as ReferenceTNFW

from chromalens.lens.lens_model import LensModel
from chromalens.lens.profiles import tnfw

N_SETS = 200


def _draw(rng, n):
    return {
        "Rs": rng.uniform(0.1, 5.0, n),
        "alpha_Rs": rng.uniform(0.05, 3.0, n),
        "r_trunc": rng.uniform(0.2, 30.0, n),
        "center_x": rng.uniform(-0.5, 0.5, n),
        "center_y": rng.uniform(-0.5, 0.5, n),
    }



@jax.jit
@jax.vmap
def _evaluate(x, y, p):
    return tnfw.deflection(x, y, p), tnfw.potential(x, y, p), tnfw.hessian(x, y, p)



def test_parity_with_reference():
    # mirrors lenstronomy TNFW.derivatives / function / hessian
    rng = np.random.default_rng(12)
    params = _draw(rng, N_SETS)
    x, y = grid_and_random_points(rng, params)
    alpha, psi, hess = _evaluate(
        jnp.asarray(x), jnp.asarray(y), {k: jnp.asarray(v) for k, v in params.items()}
    )
    alpha_ref, psi_ref, hess_ref = reference_values(ReferenceTNFW(), x, y, params)
    # the reference's arctanh(sqrt(1 - x^2)) loses ~1e-16/x^2 and the truncation formulas
    # amplify it (relative errors up to ~1e-5 at x = R/Rs ~ 1e-3): full parity for x > 0.05,
    # the centre (x floored at 1e-3) is checked against mpmath in test_near_centre below
    X = np.hypot(x - params["center_x"][:, None], y - params["center_y"][:, None])
    mask = (X / params["Rs"][:, None]) > 0.05
    assert_close(np.stack(alpha, 1), alpha_ref, 1e-8, 1e-12, mask[:, None])
    assert_close(psi, psi_ref, 1e-8, 1e-12, mask)
    assert_close(np.stack(hess, 1), hess_ref, 1e-8, 1e-12, mask[:, None])
    # everywhere, including the centre, at the reference's own accuracy
    assert_close(np.stack(alpha, 1), alpha_ref, 1e-4, 1e-12)
    assert_close(np.stack(hess, 1), hess_ref, 1e-4, 1e-12)


def _mp_F0(X):
    if X < 1:
        return mpmath.acosh(1 / X) / mpmath.sqrt(1 - X**2)
    if X > 1:
        return mpmath.acos(1 / X) / mpmath.sqrt(X**2 - 1)
    return mpmath.mpf(1)


def _mp_mass_function(x, tau):
    t2 = tau**2
    L = mpmath.log(x / (tau + mpmath.sqrt(t2 + x**2)))
    return (
        t2
        / (t2 + 1) ** 2
        * (
            (t2 + 1 + 2 * (x**2 - 1)) * _mp_F0(x)
            + tau * mpmath.pi
            + (t2 - 1) * mpmath.log(tau)
            + mpmath.sqrt(t2 + x**2) * (-mpmath.pi + L * (t2 - 1) / tau)
        )
    )


def test_near_centre_high_precision():
    """Deflection at x = R/Rs in [1e-3, 0.1] (incl. the floor) against 40-digit mpmath."""
    Rs, alpha_Rs, r_trunc = 0.98, 1.1, 13.7
    p = {"Rs": Rs, "alpha_Rs": alpha_Rs, "r_trunc": r_trunc, "center_x": 0.0, "center_y": 0.0}
    r = np.array([0.0, 1e-4, Rs * 1e-3, 2e-3, 1e-2, 0.1])
    ax, _ = tnfw.deflection(jnp.asarray(r), jnp.zeros_like(r), p)
    expected = []
    with mpmath.workdps(40):
        Rs_, tau = mpmath.mpf(Rs), mpmath.mpf(r_trunc) / mpmath.mpf(Rs)
        rho0 = mpmath.mpf(alpha_Rs) / (4 * Rs_**2 * (1 + mpmath.log(0.5)))
        for rv in r:
            xv = max(mpmath.mpf(rv) / Rs_, mpmath.mpf(1e-3))
            expected.append(float(4 * rho0 * Rs_ * _mp_mass_function(xv, tau) / xv**2 * rv))
    np.testing.assert_allclose(np.asarray(ax), expected, rtol=1e-9, atol=1e-300)


def test_gradients_finite_at_centre():
    p = {"Rs": 1.2, "alpha_Rs": 0.8, "r_trunc": 5.0, "center_x": 0.3, "center_y": -0.2}

    def total(p, x, y):
        ax, ay = tnfw.deflection(x, y, p)
        return ax + ay + sum(tnfw.hessian(x, y, p)) + tnfw.potential(x, y, p)

    grad = jax.jit(jax.vmap(jax.grad(total, argnums=(0, 1, 2)), in_axes=(None, 0, 0)))
    # the centre, a point 1e-9 from it, and R = Rs
    grads = grad(p, jnp.asarray([0.3, 0.3 + 1e-9, 0.3 + 1.2]), jnp.full(3, -0.2))
    assert all(np.all(np.isfinite(g)) for g in jax.tree_util.tree_leaves(grads))


def test_lens_model_parity():
    rng = np.random.default_rng(4)
    kwargs = [{"Rs": 1.7, "alpha_Rs": 0.6, "r_trunc": 6.0, "center_x": 0.1, "center_y": -0.1}]
    x, y = rng.uniform(-3, 3, 30), rng.uniform(-3, 3, 30)
    ours, ref = LensModel(["TNFW"]), ReferenceLensModel(["TNFW"])
    np.testing.assert_allclose(
        np.asarray(ours.alpha(x, y, kwargs)), ref.alpha(x, y, kwargs), rtol=1e-8
    )
    np.testing.assert_allclose(
        np.asarray(ours.hessian(x, y, kwargs)), ref.hessian(x, y, kwargs), rtol=1e-8, atol=1e-12
    )
    np.testing.assert_allclose(
        np.asarray(ours.potential(x, y, kwargs)), ref.potential(x, y, kwargs), rtol=1e-8
    )
