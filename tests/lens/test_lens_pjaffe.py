"""PJAFFE lens profile (file named ``test_lens_*`` to stay distinct from a light-profile test
of the same name): parity with lenstronomy's ``PseudoJaffe`` on randomised parameters,
including swapped and equal radii, and finite gradients at the centre.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from lens.profile_parity import assert_close, grid_and_random_points, reference_values
from lenstronomy.LensModel.lens_model import LensModel as ReferenceLensModel
from lenstronomy.LensModel.Profiles.pseudo_jaffe import PseudoJaffe as ReferencePJaffe

from chromalens.lens.lens_model import LensModel
from chromalens.lens.profiles import pjaffe

N_SETS = 200


def _draw(rng, n):
    # Ra and Rs drawn independently: about half the sets have Ra > Rs (the reference swaps them)
    params = {
        "sigma0": rng.uniform(0.05, 3.0, n),
        "Ra": rng.uniform(0.01, 2.0, n),
        "Rs": rng.uniform(0.01, 5.0, n),
        "center_x": rng.uniform(-0.5, 0.5, n),
        "center_y": rng.uniform(-0.5, 0.5, n),
    }
    params["Rs"][:5] = params["Ra"][:5]  # equal radii: the reference separates them by 2e-8
    return params



def _points(rng, params):
    x, y = grid_and_random_points(rng, params)
    x[:, 1], y[:, 1] = params["center_x"] + 3e-5, params["center_y"]  # inside the 1e-4 floor
    return x, y


@jax.jit
@jax.vmap
def _evaluate(x, y, p):
    return pjaffe.deflection(x, y, p), pjaffe.potential(x, y, p), pjaffe.hessian(x, y, p)



def test_parity_with_reference():
    # mirrors lenstronomy PseudoJaffe.derivatives / function / hessian
    rng = np.random.default_rng(14)
    params = _draw(rng, N_SETS)
    x, y = _points(rng, params)
    alpha, psi, hess = _evaluate(
        jnp.asarray(x), jnp.asarray(y), {k: jnp.asarray(v) for k, v in params.items()}
    )
    alpha_ref, psi_ref, hess_ref = reference_values(ReferencePJaffe(), x, y, params)
    alpha, hess = np.stack(alpha, 1), np.stack(hess, 1)
    assert_close(alpha[5:], alpha_ref[5:], 1e-8, 1e-13)
    assert_close(psi[5:], psi_ref[5:], 1e-8, 1e-13)
    assert_close(hess[5:], hess_ref[5:], 1e-8, 1e-13)
    # equal radii: Ra Rs / (Rs - Ra) with Rs - Ra = 2e-8 multiplies a difference of two nearly
    # equal terms, amplifying round-off (in both codes) by ~Rs / 2e-8
    assert_close(alpha[:5], alpha_ref[:5], 1e-5, 1e-7)
    assert_close(psi[:5], psi_ref[:5], 1e-5, 1e-7)
    assert_close(hess[:5], hess_ref[:5], 1e-5, 1e-7)


def test_radius_ordering():
    Ra, Rs = pjaffe.sort_radii(jnp.asarray(2.0), jnp.asarray(0.5))
    assert (float(Ra), float(Rs)) == (0.5, 2.0)
    Ra, Rs = pjaffe.sort_radii(jnp.asarray(1.0), jnp.asarray(1.0))
    assert float(Rs) - float(Ra) > 1e-8


def test_gradients_finite_at_centre():
    p = {"sigma0": 0.8, "Ra": 0.2, "Rs": 1.2, "center_x": 0.3, "center_y": -0.2}

    def total(p, x, y):
        ax, ay = pjaffe.deflection(x, y, p)
        return ax + ay + sum(pjaffe.hessian(x, y, p)) + pjaffe.potential(x, y, p)

    grad = jax.jit(jax.vmap(jax.grad(total, argnums=(0, 1, 2)), in_axes=(None, 0, 0)))
    grads = grad(p, jnp.asarray([0.3, 0.3 + 1e-9, 0.3 + 1.2]), jnp.full(3, -0.2))
    assert all(np.all(np.isfinite(g)) for g in jax.tree_util.tree_leaves(grads))


def test_lens_model_parity():
    rng = np.random.default_rng(7)
    kwargs = [{"sigma0": 0.6, "Ra": 0.3, "Rs": 1.7, "center_x": 0.1, "center_y": -0.1}]
    x, y = rng.uniform(-3, 3, 30), rng.uniform(-3, 3, 30)
    ours, ref = LensModel(["PJAFFE"]), ReferenceLensModel(["PJAFFE"])
    np.testing.assert_allclose(
        np.asarray(ours.alpha(x, y, kwargs)), ref.alpha(x, y, kwargs), rtol=1e-8
    )
    np.testing.assert_allclose(
        np.asarray(ours.hessian(x, y, kwargs)), ref.hessian(x, y, kwargs), rtol=1e-8, atol=1e-13
    )
    np.testing.assert_allclose(
        np.asarray(ours.potential(x, y, kwargs)), ref.potential(x, y, kwargs), rtol=1e-8
    )
