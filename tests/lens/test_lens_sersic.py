"""SERSIC lens profile (file named ``test_lens_*`` to stay distinct from the light profile's
``tests/light/test_sersic.py``): parity with lenstronomy's lens ``Sersic`` on randomised
parameters, exactness of the Hessian, finite gradients.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from lens.profile_parity import assert_close, grid_and_random_points
from lenstronomy.LensModel.lens_model import LensModel as ReferenceLensModel
from lenstronomy.LensModel.Profiles.sersic import Sersic as ReferenceSersic

from chromalens.lens.lens_model import LensModel
from chromalens.lens.profiles import sersic

N_SETS = 200


def _draw(rng, n):
    return {
        "k_eff": rng.uniform(0.05, 3.0, n),
        "R_sersic": rng.uniform(0.1, 5.0, n),
        "n_sersic": rng.uniform(0.5, 8.0, n),
        "center_x": rng.uniform(-0.5, 0.5, n),
        "center_y": rng.uniform(-0.5, 0.5, n),
    }



@jax.jit
@jax.vmap
def _evaluate(x, y, p):
    return sersic.deflection(x, y, p), sersic.potential(x, y, p), sersic.hessian(x, y, p)



def _run_parity(seed, n_sets, n_potential_sets, n_grid, n_random):
    rng = np.random.default_rng(seed)
    params = _draw(rng, n_sets)
    x, y = grid_and_random_points(rng, params, n_grid, n_random, spread=20.0)
    alpha, psi, hess = _evaluate(
        jnp.asarray(x), jnp.asarray(y), {k: jnp.asarray(v) for k, v in params.items()}
    )
    ref = ReferenceSersic()
    alpha_ref, hess_ref = [], []
    for i in range(n_sets):
        p = {k: float(v[i]) for k, v in params.items()}
        alpha_ref.append(ref.derivatives(x[i].copy(), y[i].copy(), **p))
        hess_ref.append(ref.hessian(x[i].copy(), y[i].copy(), **p))
    assert_close(np.stack(alpha, 1), np.array(alpha_ref), 1e-8, 1e-13)
    # the reference's Hessian takes a forward difference of alpha(R) with step h = 1e-5 (error
    # ~h/2 |alpha''|, up to ~1e-5 of the largest Hessian element); ours is exact (checked
    # against autodiff below). Away from the centre they agree to the reference's accuracy
    R = np.hypot(x - params["center_x"][:, None], y - params["center_y"][:, None])
    assert_close(np.stack(hess, 1), np.array(hess_ref), 2e-4, 1e-5, mask=(R > 0.05)[:, None])
    # the reference's potential is mpmath's hyp2f2, point by point (slow): fewer sets
    psi_ref = [
        ref.function(x[i].copy(), y[i].copy(), **{k: float(v[i]) for k, v in params.items()})
        for i in range(n_potential_sets)
    ]
    assert_close(np.asarray(psi)[:n_potential_sets], np.array(psi_ref), 1e-10, 1e-14)


def test_parity_with_reference():
    # mirrors lenstronomy Sersic.derivatives / hessian (all sets) and function (first 6 sets)
    _run_parity(seed=15, n_sets=N_SETS, n_potential_sets=6, n_grid=3, n_random=12)


@pytest.mark.slow
def test_parity_with_reference_sweep():
    _run_parity(seed=16, n_sets=N_SETS, n_potential_sets=N_SETS, n_grid=7, n_random=40)


def test_potential_extreme_indices_and_radii():
    """Both branches of the potential (series and asymptotic), n from 0.5 to 12."""
    ref = ReferenceSersic()
    r = np.array([0.0, 1e-5, 1e-3, 0.05, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 100.0])
    for n in (0.5, 1.0, 4.0, 8.0, 12.0):
        for R_sersic in (0.05, 10.0):
            p = {
                "k_eff": 1.3,
                "R_sersic": R_sersic,
                "n_sersic": n,
                "center_x": 0.0,
                "center_y": 0.0,
            }
            psi = sersic.potential(jnp.asarray(r), jnp.zeros_like(r), p)
            np.testing.assert_allclose(
                np.asarray(psi), ref.function(r.copy(), np.zeros_like(r), **p), rtol=1e-12
            )


def test_hessian_is_jacobian_of_deflection():
    rng = np.random.default_rng(8)
    p = {"k_eff": 0.7, "R_sersic": 1.4, "n_sersic": 3.3, "center_x": 0.2, "center_y": 0.1}
    x = jnp.asarray(np.concatenate([[0.2], rng.uniform(-4, 4, 30)]))
    y = jnp.asarray(np.concatenate([[0.1], rng.uniform(-4, 4, 30)]))

    def alpha(xy):
        return jnp.stack(sersic.deflection(xy[0], xy[1], p))

    jac = jax.jit(jax.vmap(jax.jacfwd(alpha)))(jnp.stack([x, y], 1))
    f_xx, f_xy, f_yx, f_yy = sersic.hessian(x, y, p)
    np.testing.assert_allclose(f_xx, jac[:, 0, 0], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(f_xy, jac[:, 0, 1], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(f_yx, jac[:, 1, 0], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(f_yy, jac[:, 1, 1], rtol=1e-10, atol=1e-13)


def test_gradients_finite_at_centre():
    p = {"k_eff": 0.8, "R_sersic": 1.2, "n_sersic": 2.5, "center_x": 0.3, "center_y": -0.2}

    def total(p, x, y):
        ax, ay = sersic.deflection(x, y, p)
        return ax + ay + sum(sersic.hessian(x, y, p)) + sersic.potential(x, y, p)

    grad = jax.jit(jax.vmap(jax.grad(total, argnums=(0, 1, 2)), in_axes=(None, 0, 0)))
    grads = grad(p, jnp.asarray([0.3, 0.3 + 1e-9, 0.3 + 1.2]), jnp.full(3, -0.2))
    assert all(np.all(np.isfinite(g)) for g in jax.tree_util.tree_leaves(grads))


def test_lens_model_parity():
    rng = np.random.default_rng(9)
    kwargs = [{"k_eff": 0.6, "R_sersic": 1.7, "n_sersic": 3.0, "center_x": 0.1, "center_y": -0.1}]
    x, y = rng.uniform(-3, 3, 12), rng.uniform(-3, 3, 12)
    ours, ref = LensModel(["SERSIC"]), ReferenceLensModel(["SERSIC"])
    np.testing.assert_allclose(
        np.asarray(ours.alpha(x, y, kwargs)), ref.alpha(x, y, kwargs), rtol=1e-8
    )
    np.testing.assert_allclose(
        np.asarray(ours.hessian(x, y, kwargs)), ref.hessian(x, y, kwargs), rtol=2e-4, atol=1e-6
    )
    np.testing.assert_allclose(
        np.asarray(ours.potential(x, y, kwargs)), ref.potential(x, y, kwargs), rtol=1e-10
    )
