"""HERNQUIST lens profile (file named ``test_lens_*`` to stay distinct from the light profile's
``tests/light/test_hernquist.py``): parity with lenstronomy's ``Hernquist`` on randomised
parameters, exactness of the Hessian, finite gradients at the centre.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
from lens.profile_parity import assert_close, grid_and_random_points, reference_values
from lenstronomy.LensModel.lens_model import LensModel as ReferenceLensModel
from lenstronomy.LensModel.Profiles.hernquist import Hernquist as ReferenceHernquist

from chromalens.lens.lens_model import LensModel
from chromalens.lens.profiles import hernquist

N_SETS = 200


def _draw(rng, n):
    return {
        "sigma0": rng.uniform(0.05, 3.0, n),
        "Rs": rng.uniform(0.1, 5.0, n),
        "center_x": rng.uniform(-0.5, 0.5, n),
        "center_y": rng.uniform(-0.5, 0.5, n),
    }



@jax.jit
@jax.vmap
def _evaluate(x, y, p):
    return hernquist.deflection(x, y, p), hernquist.potential(x, y, p), hernquist.hessian(x, y, p)



def test_parity_with_reference():
    # mirrors lenstronomy Hernquist.derivatives / function / hessian
    rng = np.random.default_rng(13)
    params = _draw(rng, N_SETS)
    x, y = grid_and_random_points(rng, params)
    alpha, psi, hess = _evaluate(
        jnp.asarray(x), jnp.asarray(y), {k: jnp.asarray(v) for k, v in params.items()}
    )
    alpha_ref, psi_ref, hess_ref = reference_values(ReferenceHernquist(), x, y, params)
    assert_close(np.stack(alpha, 1), alpha_ref, 1e-8, 1e-12)
    # near the centre the reference's F0 = arctanh(sqrt(1 - X^2))/sqrt(1 - X^2) has absolute
    # round-off ~1e-16/X^2 (1e-6 at its floor X = 1e-5), which the potential's
    # ln(X^2/4) + 2 F0 does not hide: parity for X > 1e-3, the centre against mpmath below
    R = np.hypot(x - params["center_x"][:, None], y - params["center_y"][:, None])
    assert_close(psi, psi_ref, 1e-8, 1e-12, mask=R / params["Rs"][:, None] > 1e-3)
    # the reference's Hessian is a central finite difference (step 1e-5): round-off
    # ~1e-16 |alpha| / 1e-5 and truncation ~1e-10 |d3 alpha/dR3|; it does not resolve R < 1e-5,
    # and near X = 1 its deflection's (1 - F0)/(X^2 - 1) carries round-off ~1e-16/|X - 1|, which
    # the difference amplifies by 1/1e-5: compare outside those regions, at 1e-7
    X = R / params["Rs"][:, None]
    mask = (R > 1e-4) & (np.abs(X - 1) > 1e-2)
    assert_close(np.stack(hess, 1), hess_ref, 1e-7, 1e-9, mask=mask[:, None])


def test_potential_near_centre_high_precision():
    p = {"sigma0": 1.3, "Rs": 0.18, "center_x": 0.0, "center_y": 0.0}
    r = np.array([0.0, 1e-5, 1e-4, 1e-3])
    psi = hernquist.potential(jnp.asarray(r), jnp.zeros_like(r), p)
    expected = []
    with mpmath.workdps(40):
        for rv in r:
            X = max(mpmath.mpf(rv), mpmath.mpf(1e-5)) / mpmath.mpf(0.18)
            F0 = mpmath.acosh(1 / X) / mpmath.sqrt(1 - X**2)
            value = mpmath.mpf(1.3) * mpmath.mpf(0.18) ** 2 * (mpmath.log(X**2 / 4) + 2 * F0)
            expected.append(float(value))
    np.testing.assert_allclose(np.asarray(psi), expected, rtol=1e-12)


def test_hessian_is_jacobian_of_deflection():
    rng = np.random.default_rng(5)
    p = {"sigma0": 0.7, "Rs": 1.4, "center_x": 0.2, "center_y": 0.1}
    x = jnp.asarray(np.concatenate([[0.2, 0.2 + 1e-6, 0.2 + 1.4], rng.uniform(-4, 4, 30)]))
    y = jnp.asarray(np.concatenate([[0.1, 0.1, 0.1], rng.uniform(-4, 4, 30)]))

    def alpha(xy):
        return jnp.stack(hernquist.deflection(xy[0], xy[1], p))

    jac = jax.jit(jax.vmap(jax.jacfwd(alpha)))(jnp.stack([x, y], 1))
    f_xx, f_xy, f_yx, f_yy = hernquist.hessian(x, y, p)
    np.testing.assert_allclose(f_xx, jac[:, 0, 0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(f_xy, jac[:, 0, 1], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(f_yx, jac[:, 1, 0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(f_yy, jac[:, 1, 1], rtol=1e-12, atol=1e-14)


def test_gradients_finite_at_centre():
    p = {"sigma0": 0.8, "Rs": 1.2, "center_x": 0.3, "center_y": -0.2}

    def total(p, x, y):
        ax, ay = hernquist.deflection(x, y, p)
        return ax + ay + sum(hernquist.hessian(x, y, p)) + hernquist.potential(x, y, p)

    grad = jax.jit(jax.vmap(jax.grad(total, argnums=(0, 1, 2)), in_axes=(None, 0, 0)))
    # the centre, a point 1e-9 from it, and R = Rs
    grads = grad(p, jnp.asarray([0.3, 0.3 + 1e-9, 0.3 + 1.2]), jnp.full(3, -0.2))
    assert all(np.all(np.isfinite(g)) for g in jax.tree_util.tree_leaves(grads))


def test_lens_model_parity():
    rng = np.random.default_rng(6)
    kwargs = [{"sigma0": 0.6, "Rs": 1.7, "center_x": 0.1, "center_y": -0.1}]
    x, y = rng.uniform(-3, 3, 30), rng.uniform(-3, 3, 30)
    ours, ref = LensModel(["HERNQUIST"]), ReferenceLensModel(["HERNQUIST"])
    np.testing.assert_allclose(
        np.asarray(ours.alpha(x, y, kwargs)), ref.alpha(x, y, kwargs), rtol=1e-8
    )
    np.testing.assert_allclose(
        np.asarray(ours.hessian(x, y, kwargs)), ref.hessian(x, y, kwargs), rtol=1e-7, atol=1e-9
    )
    np.testing.assert_allclose(
        np.asarray(ours.potential(x, y, kwargs)), ref.potential(x, y, kwargs), rtol=1e-8
    )
