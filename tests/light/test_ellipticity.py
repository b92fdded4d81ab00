"""chromalens.ellipticity: the reference's conventions (``Util/param_util.py``, ``Util/util.py``)
on random inputs, and finite gradients at e1 = e2 = 0 and at the centre."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from lenstronomy.Util import param_util, util

from chromalens import ellipticity as ell


def test_phi_q_round_trip_and_parity():
    rng = np.random.default_rng(0)
    e1, e2 = rng.uniform(-0.9, 0.9, (2, 50))
    e1[0], e2[0] = 0.0, 0.0
    e1[1], e2[1] = 0.9, 0.9  # |e| > 0.9999 cap
    phi, q = ell.ellipticity_to_phi_q(e1, e2)
    ref_phi, ref_q = param_util.ellipticity2phi_q(e1, e2)
    np.testing.assert_allclose(phi, ref_phi, rtol=1e-12, atol=1e-15)
    # a round profile is evaluated at |e| = 1e-12 (finite derivatives): q = 1 - 2e-12 there
    np.testing.assert_allclose(q, ref_q, rtol=3e-12)
    back = ell.phi_q_to_ellipticity(phi, q)
    ref_back = param_util.phi_q2_ellipticity(ref_phi, ref_q)
    np.testing.assert_allclose(back, ref_back, rtol=1e-12, atol=2e-12)


def test_product_average_and_rotation_parity():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-2, 2, (2, 40))
    for _ in range(5):
        e1, e2, cx, cy = rng.uniform(-0.6, 0.6, 4)
        np.testing.assert_allclose(
            ell.product_average_coordinates(x, y, e1, e2, cx, cy),
            param_util.transform_e1e2_product_average(x, y, e1, e2, cx, cy), rtol=1e-12,
        )
        np.testing.assert_allclose(ell.rotate(x, y, e1 * 3), util.rotate(x, y, e1 * 3),
                                   rtol=1e-12)
        # product-average radius = sqrt(q x_maj^2 + y_min^2 / q)
        phi, q = param_util.ellipticity2phi_q(e1, e2)
        x_maj, y_min = util.rotate(x - cx, y - cy, phi)
        np.testing.assert_allclose(
            ell.product_average_radius(x, y, e1, e2, cx, cy),
            np.sqrt(q * x_maj**2 + y_min**2 / q), rtol=1e-10,
        )
        np.testing.assert_allclose(
            ell.major_axis_radius(x, y, e1, e2, cx, cy), np.sqrt(x_maj**2 + y_min**2 / q**2),
            rtol=1e-12,
        )


def test_gradients_finite_at_round_and_centre():
    def f(args):
        e1, e2, x = args
        phi, q = ell.ellipticity_to_phi_q(e1, e2)
        return (
            phi + q + ell.product_average_radius(x, 0.0, e1, e2, 0.0, 0.0)
            + ell.major_axis_radius(x, 0.0, e1, e2, 0.0, 0.0) + ell.safe_atan2(e2, e1)
        )

    grads = jax.jit(jax.grad(f))((0.0, 0.0, 0.0))
    assert all(np.isfinite(g) for g in grads)
    assert ell.safe_sqrt(jnp.array(-1.0)) == 0.0


def test_derivatives_at_a_round_profile_exist():
    """At e1 = e2 = 0 the (phi, q) map is singular; profiles must still have the derivatives
    of the smooth function of (e1, e2) there (an optimiser started round must move)."""
    import jax
    import jax.numpy as jnp

    from chromalens.lens import LensModel

    model = LensModel(["EPL"])
    x, y = jnp.array([0.3, -0.7, 1.2]), jnp.array([0.5, 0.2, -0.9])

    def deflection_sum(e):
        kwargs = [{"theta_E": 1.0, "gamma": 2.2, "e1": e[0], "e2": e[1], "center_x": 0.0,
                   "center_y": 0.0}]
        alpha_x, alpha_y = model.alpha(x, y, kwargs)
        return jnp.sum(1.3 * alpha_x + 0.7 * alpha_y)

    grad = jax.grad(deflection_sum)(jnp.zeros(2))
    step = 1e-5
    numeric = [(deflection_sum(jnp.array(d) * step) - deflection_sum(-jnp.array(d) * step))
               / (2 * step) for d in ([1.0, 0.0], [0.0, 1.0])]
    np.testing.assert_allclose(grad, numeric, rtol=3e-3)
    assert np.all(np.abs(grad) > 0.1)
