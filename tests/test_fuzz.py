"""Fuzzing the likelihood: over valid parameters, edges included, the log-likelihood and its
gradient are finite (never NaN), and a singular linear system gives a defined result.

The default run draws a small sample; ``pytest -m slow`` runs 10 000 cases."""

import copy

import jax
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chromalens.multiband import JointLinear_VaryBG, MultiLinear

N, PIXEL = 16, 0.1


def band(seed, shift=0.0):
    rng = np.random.default_rng(seed)
    transform = np.array([[-PIXEL, 0.0], [0.0, PIXEL]])
    # pixel (7, 7) sits exactly on the origin: lens centres at 0 hit a pixel centre
    data = {"image_data": rng.normal(0.0, 0.05, (N, N)), "background_rms": 0.05,
            "exposure_time": 500.0, "transform_pix2angle": transform,
            "ra_at_xy_0": 7 * PIXEL + shift, "dec_at_xy_0": -7 * PIXEL}
    return [data, {"psf_type": "GAUSSIAN", "fwhm": 0.15}, {"supersampling_factor": 2}]


MODEL = {"lens_model_list": ["EPL", "SHEAR"], "source_light_model_list": ["SERSIC_ELLIPSE"],
         "lens_light_model_list": ["SERSIC"]}
MASK = np.ones((N, N), dtype=bool)
MASK[:, :3] = False


def build(cls):
    return cls([band(0), band(1, shift=0.03)], MODEL, likelihood_mask_list=[MASK, MASK])


@pytest.fixture(scope="module")
def compiled():
    result = {}
    for cls in (MultiLinear, JointLinear_VaryBG):
        function = build(cls).log_likelihood_function(source_marg=True)
        result[cls.__name__] = jax.jit(jax.value_and_grad(function))
    return result


centre = st.one_of(st.just(0.0), st.just(PIXEL), st.floats(-0.5, 0.5))
ellipticity = st.one_of(st.just(0.0), st.floats(-0.4, 0.4))
parameters = st.fixed_dictionaries({
    "theta_E": st.floats(0.05, 1.5), "gamma": st.floats(1.2, 2.8), "e1": ellipticity,
    "e2": ellipticity, "lens_x": centre, "lens_y": centre, "gamma1": st.floats(-0.2, 0.2),
    "gamma2": st.floats(-0.2, 0.2),
    "R_source": st.one_of(st.just(1e-3), st.floats(1e-3, 1.0)), "n_source": st.floats(0.5, 8),
    "source_e1": ellipticity, "source_e2": ellipticity,
    "source_x": st.one_of(centre, st.just(-0.75)), "source_y": centre,
    "R_light": st.floats(1e-3, 2.0), "n_light": st.floats(0.5, 8), "light_x": centre,
    "light_y": st.one_of(centre, st.just(50.0)),  # 50": far outside the mask and the image
})


def pytree(p):
    return {
        "kwargs_lens": [{"theta_E": p["theta_E"], "gamma": p["gamma"], "e1": p["e1"],
                         "e2": p["e2"], "center_x": p["lens_x"], "center_y": p["lens_y"]},
                        {"gamma1": p["gamma1"], "gamma2": p["gamma2"]}],
        "kwargs_source": [{"R_sersic": p["R_source"], "n_sersic": p["n_source"],
                           "e1": p["source_e1"], "e2": p["source_e2"], "center_x": p["source_x"],
                           "center_y": p["source_y"]}],
        "kwargs_lens_light": [{"R_sersic": p["R_light"], "n_sersic": p["n_light"],
                               "center_x": p["light_x"], "center_y": p["light_y"]}],
    }


def check_finite(compiled, p):
    for name, value_and_grad in compiled.items():
        value, grad = value_and_grad(pytree(p))
        assert np.isfinite(float(value)), (name, p)
        leaves = jax.tree.leaves(grad)
        assert all(np.all(np.isfinite(np.asarray(leaf))) for leaf in leaves), (name, p)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parameters)
def test_likelihood_and_gradient_are_finite(compiled, p):
    check_finite(compiled, p)


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parameters)
def test_likelihood_and_gradient_are_finite_slow(compiled, p):
    check_finite(compiled, p)


def test_singular_system_is_defined():
    """Two identical lens-light components make the normal matrix singular: the amplitudes
    are 0 (documented), the likelihood finite, and the marginalisation -1e15 (reference)."""
    model = dict(MODEL, lens_light_model_list=["SERSIC", "SERSIC"])
    multi = MultiLinear([band(0)], model)
    light = {"amp": 1.0, "R_sersic": 0.3, "n_sersic": 2.0, "center_x": 0.0, "center_y": 0.0}
    kwargs = ([{"theta_E": 0.5, "gamma": 2.0, "e1": 0.0, "e2": 0.0, "center_x": 0.0,
                "center_y": 0.0}, {"gamma1": 0.0, "gamma2": 0.0}],
              [{"amp": 1.0, "R_sersic": 0.1, "n_sersic": 1.0, "e1": 0.0, "e2": 0.0,
                "center_x": 0.0, "center_y": 0.0}], [light, copy.deepcopy(light)])
    logL, params = multi.likelihood_data_given_model(*copy.deepcopy(kwargs))
    assert np.isfinite(logL)
    np.testing.assert_array_equal(params[0], 0.0)
    logL_marg, _ = multi.likelihood_data_given_model(*copy.deepcopy(kwargs), source_marg=True)
    assert logL_marg == pytest.approx(logL - 1e15, rel=1e-12)
