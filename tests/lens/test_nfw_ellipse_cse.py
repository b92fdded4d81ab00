"""NFW_ELLIPSE_CSE (and the shared ``cse`` module): parity with lenstronomy's
``NFW_ELLIPSE_CSE`` on randomised parameters for both coefficient tables, accuracy of the CSE
approximation against the spherical NFW, finite gradients at the centre and at e1 = e2 = 0.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from lens.profile_parity import assert_close, grid_and_random_points
from lenstronomy.LensModel.lens_model import LensModel as ReferenceLensModel
from lenstronomy.LensModel.Profiles.nfw_ellipse_cse import NFW_ELLIPSE_CSE as Reference

from chromalens.lens.lens_model import LensModel
from chromalens.lens.profiles import nfw, nfw_ellipse_cse

N_SETS = 200


def _draw(rng, n):
    params = {
        "Rs": rng.uniform(0.1, 5.0, n),
        "alpha_Rs": rng.uniform(0.05, 3.0, n),
        "e1": rng.uniform(-0.5, 0.5, n),
        "e2": rng.uniform(-0.5, 0.5, n),
        "center_x": rng.uniform(-0.5, 0.5, n),
        "center_y": rng.uniform(-0.5, 0.5, n),
    }
    params["e1"][:3] = params["e2"][:3] = 0.0  # round
    return params



def _evaluate(opts):
    def one(x, y, p):
        return (
            nfw_ellipse_cse.deflection(x, y, p, opts),
            nfw_ellipse_cse.potential(x, y, p, opts),
            nfw_ellipse_cse.hessian(x, y, p, opts),
        )

    return jax.jit(jax.vmap(one))



@pytest.mark.parametrize("high_accuracy", [True, False], ids=["table1", "table3"])
def test_parity_with_reference(high_accuracy):
    # mirrors lenstronomy NFW_ELLIPSE_CSE.derivatives / function / hessian
    rng = np.random.default_rng(17)
    params = _draw(rng, N_SETS)
    x, y = grid_and_random_points(rng, params)
    opts = {"high_accuracy": high_accuracy}
    alpha, psi, hess = _evaluate(opts)(
        jnp.asarray(x), jnp.asarray(y), {k: jnp.asarray(v) for k, v in params.items()}
    )
    ref = Reference(high_accuracy=high_accuracy)
    alpha_ref, psi_ref, hess_ref = [], [], []
    for i in range(N_SETS):
        p = {k: float(v[i]) for k, v in params.items()}
        alpha_ref.append(ref.derivatives(x[i], y[i], **p))
        psi_ref.append(ref.function(x[i], y[i], **p))
        hess_ref.append(ref.hessian(x[i], y[i], **p))
    assert_close(np.stack(alpha, 1), np.array(alpha_ref), 1e-8, 1e-13)
    # the potential of each CSE is a difference of O(A q/s ln s) terms (0 at the centre up to
    # round-off): the absolute term covers the centre
    assert_close(psi, np.array(psi_ref), 1e-8, 1e-12)
    assert_close(np.stack(hess, 1), np.array(hess_ref), 1e-8, 1e-13)


def test_round_limit_approximates_spherical_nfw():
    r = np.logspace(-3, 2.5, 60)
    p = {"Rs": 1.0, "alpha_Rs": 1.0, "center_x": 0.0, "center_y": 0.0}
    exact = np.asarray(nfw.deflection(r, np.zeros_like(r), p)[0])
    cse = np.asarray(nfw_ellipse_cse.deflection(r, np.zeros_like(r), dict(p, e1=0.0, e2=0.0))[0])
    np.testing.assert_allclose(cse, exact, rtol=1e-5)


def test_gradients_finite_at_edge_cases():
    """Centre pixel and e1 = e2 = 0, gradients w.r.t. every parameter and x, y."""

    def total(p, x, y):
        ax, ay = nfw_ellipse_cse.deflection(x, y, p)
        return ax + ay + sum(nfw_ellipse_cse.hessian(x, y, p)) + nfw_ellipse_cse.potential(x, y, p)

    grad = jax.jit(jax.vmap(jax.grad(total, argnums=(0, 1, 2)), in_axes=(None, 0, 0)))
    for e1, e2 in [(0.0, 0.0), (0.2, -0.1)]:
        p = {"Rs": 1.2, "alpha_Rs": 0.8, "e1": e1, "e2": e2, "center_x": 0.3, "center_y": -0.2}
        grads = grad(p, jnp.asarray([0.3, 0.3 + 1e-9, 1.5]), jnp.asarray([-0.2, -0.2, 0.4]))
        assert all(np.all(np.isfinite(g)) for g in jax.tree_util.tree_leaves(grads))


def test_lens_model_parity():
    rng = np.random.default_rng(10)
    kwargs = [
        {"Rs": 1.7, "alpha_Rs": 0.6, "e1": 0.1, "e2": -0.2, "center_x": 0.1, "center_y": -0.1}
    ]
    x, y = rng.uniform(-3, 3, 30), rng.uniform(-3, 3, 30)
    ours, ref = LensModel(["NFW_ELLIPSE_CSE"]), ReferenceLensModel(["NFW_ELLIPSE_CSE"])
    np.testing.assert_allclose(
        np.asarray(ours.alpha(x, y, kwargs)), ref.alpha(x, y, kwargs), rtol=1e-8
    )
    np.testing.assert_allclose(
        np.asarray(ours.hessian(x, y, kwargs)), ref.hessian(x, y, kwargs), rtol=1e-8, atol=1e-13
    )
    np.testing.assert_allclose(
        np.asarray(ours.potential(x, y, kwargs)), ref.potential(x, y, kwargs), rtol=1e-8
    )
