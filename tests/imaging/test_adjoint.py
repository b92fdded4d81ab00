"""Derivatives of the solved likelihood through the adjoint of the linear solve
(chromalens.imaging.adjoint): equal to the derivative of the computation itself, in reverse
and forward mode and to second order, for every class of the functional face."""

import copy
from unittest import mock

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from support.configurations import random_configuration

from chromalens.imaging import adjoint
from chromalens.imaging.adjoint import block_adjoints
from chromalens.imaging.functional import KWARGS_NAMES
from chromalens.imaging.linear_fit import ImageLinearFit
from chromalens.imaging.linear_solve import weighted_least_squares_blocks
from chromalens.light.light_model import LightModel
from chromalens.multiband import JointLinear, JointLinear_VaryBG, MultiLinear, SingleBandMultiModel

ADJOINT, PLAIN = 0, 10**9  # thresholds that force either derivative


def pytree(kwargs):
    return {name: copy.deepcopy(value) for name, value in zip(KWARGS_NAMES, kwargs, strict=True)
            if value is not None}


@pytest.fixture(scope="module")
def shapelet_setup():
    """Two bands, a Sérsic + SHAPELETS (n_max 3) source, Sérsic lens light, lensed point
    sources, pixel PSFs with a variance map (the error-map term of the adjoint), masks."""
    multi_band_list, kwargs_model, kwargs, masks = random_configuration(21, num_bands=2)
    kwargs_model = dict(kwargs_model, source_light_model_list=["SERSIC_ELLIPSE", "SHAPELETS"],
                        point_source_model_list=["LENSED_POSITION"])
    kwargs[1].append({"n_max": 3, "beta": 0.2, "center_x": 0.02, "center_y": -0.01,
                      "amp": np.ones(10)})
    rng = np.random.default_rng(5)
    for band, (_, kwargs_psf, _) in enumerate(multi_band_list):
        x = np.arange(-4, 5)
        kernel = np.exp(-(x[:, None] ** 2 + (x[None, :] / 1.2) ** 2) / (3.0 + band))
        kwargs_psf.clear()
        kwargs_psf.update(psf_type="PIXEL", kernel_point_source=kernel / kernel.sum(),
                          psf_variance_map=1e-3 * rng.uniform(0.2, 1.0, kernel.shape))
    return multi_band_list, kwargs_model, kwargs, masks


def build(cls, setup):
    multi_band_list, kwargs_model, kwargs, masks = setup
    if cls is SingleBandMultiModel:
        return cls(copy.deepcopy(multi_band_list), kwargs_model, masks, band_index=1)
    return cls(copy.deepcopy(multi_band_list), kwargs_model, likelihood_mask_list=masks)


def value_and_grad(model, template, threshold, **options):
    with mock.patch.object(adjoint, "ADJOINT_MIN_COEFFICIENTS", threshold):
        function = model.log_likelihood_function(kwargs_template=template, **options)
        return jax.jit(jax.value_and_grad(function, allow_int=True))(template)


def assert_trees_close(tree, expected, rtol):
    for leaf, reference in zip(jax.tree.leaves(tree), jax.tree.leaves(expected), strict=True):
        if leaf.dtype == jax.dtypes.float0:
            continue
        reference = np.asarray(reference)
        scale = np.max(np.abs(reference)) if reference.size else 0.0
        np.testing.assert_allclose(leaf, reference, rtol=rtol, atol=rtol * scale + 1e-300)


@pytest.mark.parametrize("cls", [SingleBandMultiModel, MultiLinear, JointLinear,
                                 JointLinear_VaryBG])
def test_adjoint_gradient_equals_the_plain_derivative(shapelet_setup, cls):
    model = build(cls, shapelet_setup)
    template = pytree(shapelet_setup[2])
    with mock.patch.object(ImageLinearFit, "_adjoint_surrogate", autospec=True,
                           side_effect=ImageLinearFit._adjoint_surrogate) as spy:
        value, grad = value_and_grad(model, template, ADJOINT)
    assert spy.called  # the derivative came from the adjoint
    plain_value, plain_grad = value_and_grad(model, template, PLAIN)
    assert float(value) == pytest.approx(float(plain_value), rel=1e-12)
    # both derivatives sum the same terms in another order: round-off of the 12-coefficient
    # solve (condition number ~1e5) only
    assert_trees_close(grad, plain_grad, rtol=1e-8)
    assert np.any(np.asarray(grad["kwargs_ps"][0]["ra_image"]) != 0)


def test_adjoint_gradient_matches_finite_differences(shapelet_setup):
    """Independent of the plain derivative: central differences of the compiled value."""
    model = build(JointLinear_VaryBG, shapelet_setup)
    template = pytree(shapelet_setup[2])
    function = jax.jit(model.log_likelihood_function(kwargs_template=template))
    _, grad = value_and_grad(model, template, adjoint.ADJOINT_MIN_COEFFICIENTS)
    for group, index, key in [("kwargs_lens", 0, "theta_E"), ("kwargs_lens", 1, "gamma2"),
                              ("kwargs_source", 1, "beta"), ("kwargs_source", 0, "R_sersic"),
                              ("kwargs_lens_light", 0, "center_x")]:
        step = 1e-6
        plus, minus = pytree(shapelet_setup[2]), pytree(shapelet_setup[2])
        plus[group][index][key] += step
        minus[group][index][key] -= step
        numeric = (float(function(plus)) - float(function(minus))) / (2 * step)
        assert float(grad[group][index][key]) == pytest.approx(numeric, rel=1e-5, abs=1e-4)


def test_default_threshold_picks_the_adjoint_for_many_coefficients(shapelet_setup):
    """12 extended coefficients use the adjoint, 2 (Sérsic source and lens light) do not."""
    multi_band_list, kwargs_model, kwargs, masks = shapelet_setup
    small_model = dict(kwargs_model, source_light_model_list=["SERSIC_ELLIPSE"])
    small_kwargs = (kwargs[0], kwargs[1][:1], *kwargs[2:])
    for model_kwargs, kwargs_set, expected in ((kwargs_model, kwargs, True),
                                               (small_model, small_kwargs, False)):
        model = MultiLinear(copy.deepcopy(multi_band_list), model_kwargs,
                            likelihood_mask_list=masks)
        template = pytree(kwargs_set)
        function = model.log_likelihood_function(kwargs_template=template)
        with mock.patch.object(ImageLinearFit, "_adjoint_surrogate", autospec=True,
                               side_effect=ImageLinearFit._adjoint_surrogate) as spy:
            jax.jit(jax.grad(function, allow_int=True)).lower(template)
        assert spy.called is expected


def test_forward_mode_and_second_derivatives(shapelet_setup):
    """jvp equals the gradient's projection; Hessian-vector products of the lens parameters
    equal the plain ones (the adjoint rule is differentiable: its adjoints follow the
    parameters)."""
    model = build(MultiLinear, shapelet_setup)
    template = pytree(shapelet_setup[2])
    lens = template["kwargs_lens"]
    rng = np.random.default_rng(3)
    direction = jax.tree.map(lambda leaf: rng.normal(size=np.shape(leaf)), lens)

    def of_lens(threshold):
        with mock.patch.object(adjoint, "ADJOINT_MIN_COEFFICIENTS", threshold):
            function = model.log_likelihood_function(kwargs_template=template)
            f = lambda lens_kwargs: function(dict(template, kwargs_lens=lens_kwargs))  # noqa: E731
            jvp = jax.jit(lambda p, d: jax.jvp(f, (p,), (d,))[1])(lens, direction)
            grad = jax.jit(jax.grad(f))(lens)
            hvp = jax.jit(lambda p, d: jax.jvp(jax.grad(f), (p,), (d,))[1])(lens, direction)
        return jvp, grad, hvp

    jvp, grad, hvp = of_lens(ADJOINT)
    projection = sum(jax.tree.leaves(jax.tree.map(lambda g, d: jnp.sum(g * d), grad, direction)))
    assert float(jvp) == pytest.approx(float(projection), rel=1e-9)
    _, plain_grad, plain_hvp = of_lens(PLAIN)
    assert_trees_close(grad, plain_grad, rtol=1e-8)
    assert_trees_close(hvp, plain_hvp, rtol=1e-8)


@pytest.mark.parametrize("background", [False, True])
def test_block_adjoints_give_the_rank_two_cotangent(background):
    """The response's cotangent of a joint solve is a (x) s + z (x) t, the error map's r,
    against the derivative of the solve itself (random blocks, a likelihood nonlinear in the
    model and the error map, as the model-based variance makes it)."""
    rng = np.random.default_rng(8)
    m, sizes = 4, (30, 25)
    As = [jnp.asarray(rng.normal(size=(m, n))) for n in sizes]
    errors = [jnp.asarray(rng.uniform(0.01, 0.1, n)) for n in sizes]
    data = [jnp.asarray(rng.normal(size=n)) for n in sizes]
    masks = [jnp.asarray(rng.uniform(size=n) < 0.8) for n in sizes]

    def block_likelihood(model, error, d, mask):
        return -0.5 * jnp.sum(jnp.where(mask, (model - d) ** 2
                                        / (0.05 + jnp.abs(model) / 50 + jnp.abs(error)), 0.0))

    def blocks_of(As, errors):
        return [(A, jnp.where(mask, 1 / (0.05 + e), 0.0), d)
                for A, e, d, mask in zip(As, errors, data, masks, strict=True)]

    def log_likelihood(As, errors):
        _, _, models = weighted_least_squares_blocks(blocks_of(As, errors),
                                                     background=background)
        return sum(block_likelihood(model, e, d, mask)
                   for model, e, d, mask in zip(models, errors, data, masks, strict=True))

    grad_A, grad_e = jax.grad(log_likelihood, argnums=(0, 1))(As, errors)
    blocks = blocks_of(As, errors)
    param, _, models, solve = weighted_least_squares_blocks(blocks, background=background,
                                                            with_solver=True)
    gradients = [jax.grad(block_likelihood, argnums=(0, 1))(model, e, d, mask)
                 for model, e, d, mask in zip(models, errors, data, masks, strict=True)]
    adjoints = block_adjoints(blocks, param, models, solve, gradients, background)
    for adj, expected_A, expected_e in zip(adjoints, grad_A, grad_e, strict=True):
        rank_two = jnp.outer(adj.a, adj.s) + jnp.outer(adj.z, adj.t)
        np.testing.assert_allclose(rank_two, expected_A, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(adj.r, expected_e, rtol=1e-10, atol=1e-12)
        assert adj.a.shape == (m,)


def test_refused_solve_has_zero_adjoint():
    """A singular normal matrix gives zero amplitudes and a zero z (no NaN)."""
    A = jnp.ones((2, 6))  # two identical rows
    w, d = jnp.ones(6), jnp.arange(6.0)
    param, _, models, solve = weighted_least_squares_blocks([(A, w, d)], with_solver=True)
    (adj,) = block_adjoints([(A, w, d)], param, models, solve, [(jnp.ones(6), jnp.zeros(6))])
    assert np.all(np.asarray(adj.a) == 0) and np.all(np.asarray(adj.z) == 0)
    assert np.all(np.isfinite(np.asarray(adj.s)))


def test_basis_contracted_equals_amplitudes_times_basis():
    model = LightModel(["SERSIC_ELLIPSE", "SHAPELETS", "GAUSSIAN"])
    kwargs = [{"R_sersic": 0.3, "n_sersic": 2.5, "e1": 0.1, "e2": -0.05, "center_x": 0.0,
               "center_y": 0.1},
              {"n_max": 4, "beta": 0.25, "center_x": 0.05, "center_y": -0.02},
              {"sigma": 0.4, "center_x": -0.1, "center_y": 0.0}]
    rng = np.random.default_rng(2)
    x, y = rng.uniform(-1.5, 1.5, (2, 500))
    basis = model.basis_stack(x, y, kwargs)
    amplitudes = jnp.asarray(rng.normal(size=(3, 2 + basis.shape[0])))
    images, stop = model.basis_contracted(x, y, kwargs, amplitudes, start=1)
    assert stop == 1 + basis.shape[0] == 1 + 1 + 15 + 1
    expected = amplitudes[:, 1:stop] @ basis
    np.testing.assert_allclose(images, expected, rtol=1e-12, atol=1e-14)
