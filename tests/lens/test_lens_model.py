"""LensModel: parity of every lensing quantity with lenstronomy's ``LensModel`` for a composite
model, kwargs validation, shapes, ``k`` selection, and use inside jit / vmap / grad."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from lenstronomy.LensModel.lens_model import LensModel as ReferenceLensModel

from chromalens.lens import LensModel

MODELS = ["EPL", "SHEAR", "SIS", "CONVERGENCE", "POINT_MASS"]


def random_kwargs(rng):
    q, phi = rng.uniform(0.3, 1.0), rng.uniform(0, np.pi)
    return [
        {"theta_E": rng.uniform(0.8, 1.5), "gamma": rng.uniform(1.6, 2.4),
         "e1": (1 - q) / (1 + q) * np.cos(2 * phi), "e2": (1 - q) / (1 + q) * np.sin(2 * phi),
         "center_x": rng.uniform(-0.1, 0.1), "center_y": rng.uniform(-0.1, 0.1)},
        {"gamma1": rng.uniform(-0.1, 0.1), "gamma2": rng.uniform(-0.1, 0.1)},
        {"theta_E": rng.uniform(0.05, 0.2), "center_x": rng.uniform(-1, 1),
         "center_y": rng.uniform(-1, 1)},
        {"kappa": rng.uniform(-0.1, 0.1)},
        {"theta_E": rng.uniform(0.01, 0.05), "center_x": 1.2, "center_y": -0.7},
    ]


@pytest.fixture(scope="module")
def models():
    return LensModel(MODELS), ReferenceLensModel(MODELS)


def test_all_quantities_match_reference(models):
    ours, ref = models
    rng = np.random.default_rng(61)
    x, y = rng.uniform(-2, 2, (6, 7)), rng.uniform(-2, 2, (6, 7))
    for _ in range(5):
        kw = random_kwargs(rng)
        for name, rtol in (("ray_shooting", 1e-8), ("alpha", 1e-8), ("potential", 1e-8),
                           ("hessian", 1e-7), ("kappa", 1e-7), ("gamma", 1e-7),
                           ("magnification", 1e-7)):
            a = np.array(getattr(ours, name)(x, y, kw))
            b = np.array(getattr(ref, name)(x, y, kw))
            assert a.shape == b.shape, name
            np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * 1e-3, err_msg=name)
        np.testing.assert_allclose(np.array(ours.fermat_potential(x, y, kw)),
                                   ref.fermat_potential(x, y, kw), rtol=1e-8, atol=1e-12)
        xs, ys = 0.1, -0.05
        np.testing.assert_allclose(np.array(ours.fermat_potential(x, y, kw, xs, ys)),
                                   ref.fermat_potential(x, y, kw, xs, ys), rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(np.array(ours.curl(x, y, kw)), 0.0, atol=1e-10)


def test_k_selection():
    names = ["SPP", "SHEAR", "SIS", "CONVERGENCE", "POINT_MASS"]
    ours, ref = LensModel(names), ReferenceLensModel(names)
    kw = random_kwargs(np.random.default_rng(62))
    kw[0] = {"theta_E": 1.2, "gamma": 2.2, "center_x": 0.05, "center_y": 0.0}
    x, y = np.linspace(-1, 1, 5), np.linspace(0.5, -1.5, 5)
    for k in (0, 2, [0, 1], [1, 3, 4], [True, False, True, False, False]):
        np.testing.assert_allclose(np.array(ours.alpha(x, y, kw, k=k)),
                                   np.array(ref.alpha(x, y, kw, k=k)), rtol=1e-10)
        np.testing.assert_allclose(np.array(ours.hessian(x, y, kw, k=k)),
                                   np.array(ref.hessian(x, y, kw, k=k)), rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="out of range"):
        ours.alpha(x, y, kw, k=7)


def test_shapes_and_input_types():
    model = LensModel(["SIE", "SHEAR"])
    kw = [{"theta_E": 1.0, "e1": 0.1, "e2": 0.0}, {"gamma1": 0.02, "gamma2": 0.0}]
    ax, ay = model.alpha(0.5, 0.3, kw)
    assert np.shape(ax) == () and np.shape(ay) == ()
    grid = np.linspace(-1, 1, 12).reshape(3, 4)
    for x in (grid, jnp.asarray(grid)):
        bx, by = model.ray_shooting(x, x * 0.5, kw)
        assert bx.shape == (3, 4) and by.shape == (3, 4)
        assert model.potential(x, x, kw).shape == (3, 4)
        assert all(h.shape == (3, 4) for h in model.hessian(x, x, kw))
        assert model.magnification(x, x, kw).shape == (3, 4)
    # broadcasting of x against y, and integer inputs
    assert model.kappa(np.ones((2, 1)), np.arange(3), kw).shape == (2, 3)
    assert model.lens_model_list == ["SIE", "SHEAR"]


def test_validation_messages():
    model = LensModel(["SIS", "EPL"])
    good = [{"theta_E": 1.0}, {"theta_E": 1.0, "gamma": 2.0, "e1": 0.0, "e2": 0.0}]
    model.check_parameters(good)
    with pytest.raises(ValueError, match=r"lens model 1: unknown profile 'NOPE'"):
        LensModel(["SIS", "NOPE"])
    with pytest.raises(ValueError, match="got 1 lens kwargs dicts for 2 lens models"):
        model.alpha(0.0, 0.0, good[:1])
    with pytest.raises(ValueError, match=r"lens model 1 \(EPL\): unknown parameter 'q'"):
        model.alpha(0.0, 0.0, [good[0], {**good[1], "q": 0.5}])
    with pytest.raises(ValueError, match=r"lens model 1 \(EPL\): missing required parameter "
                                         r"'gamma'"):
        model.alpha(0.0, 0.0, [good[0], {"theta_E": 1.0, "e1": 0.0, "e2": 0.0}])
    with pytest.raises(TypeError):
        model.alpha(0.0, 0.0, good[0])
    with pytest.raises(NotImplementedError):
        LensModel(["SIS"], multi_plane=True, lens_redshift_list=[0.5], z_source=2.0)
    with pytest.raises(NotImplementedError):
        LensModel(["SIS"], z_source=2.0, z_source_convention=3.0, z_lens=0.5)
    with pytest.raises(ValueError, match="profile_kwargs_list"):
        LensModel(["SIS"], profile_kwargs_list=[{}, {}])
    # reference constructor keywords for single-plane use are accepted
    LensModel(["SIS"], z_lens=0.5, z_source=2.0, lens_redshift_list=[0.5], cosmo=None,
              multi_plane=False, profile_kwargs_list=[None])


def test_fill_defaults_gives_full_pytree():
    model = LensModel(["SIS", "SHEAR"])
    full = model.fill_defaults([{"theta_E": 1.0}, {"gamma1": 0.1, "gamma2": 0.0}])
    assert full == [{"theta_E": 1.0, "center_x": 0.0, "center_y": 0.0},
                    {"gamma1": 0.1, "gamma2": 0.0, "ra_0": 0.0, "dec_0": 0.0}]


def test_traced_kwargs_inside_jit_vmap_grad():
    model = LensModel(["EPL", "SHEAR"])
    rng = np.random.default_rng(63)
    x, y = jnp.asarray(rng.uniform(-1, 1, 20)), jnp.asarray(rng.uniform(-1, 1, 20))
    kw = [{"theta_E": 1.1, "gamma": 2.1, "e1": 0.1, "e2": -0.05, "center_x": 0.0,
           "center_y": 0.0}, {"gamma1": 0.03, "gamma2": 0.01}]

    def loss(kwargs):
        bx, by = model.ray_shooting(x, y, kwargs)
        return jnp.sum(bx**2 + by**2) + jnp.sum(model.magnification(x, y, kwargs))

    value = jax.jit(loss)(kw)
    np.testing.assert_allclose(value, loss(kw), rtol=1e-12)
    grads = jax.jit(jax.grad(loss))(kw)
    assert all(np.isfinite(v) for g in grads for v in g.values())
    # gradient w.r.t. theta_E against a central finite difference
    h = 1e-6
    up = [{**kw[0], "theta_E": 1.1 + h}, kw[1]]
    down = [{**kw[0], "theta_E": 1.1 - h}, kw[1]]
    np.testing.assert_allclose(grads[0]["theta_E"], (loss(up) - loss(down)) / (2 * h), rtol=1e-5)
    batched = [{k: jnp.full(4, v) for k, v in d.items()} for d in kw]
    out = jax.jit(jax.vmap(loss))(batched)
    np.testing.assert_allclose(np.array(out), np.full(4, float(value)), rtol=1e-12)
