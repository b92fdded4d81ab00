"""ParameterLayout: kwargs <-> vector, fixed, linear, joint and array entries, bounds, priors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chromalens.fitting import ParameterLayout

TEMPLATE = {
    "kwargs_lens": [{"theta_E": 1.1, "gamma": 2.0, "e1": 0.1, "e2": -0.05, "center_x": 0.01,
                     "center_y": -0.02}, {"gamma1": 0.02, "gamma2": -0.01}],
    "kwargs_source": [{"amp": 3.0, "R_sersic": 0.2, "n_sersic": 1.5, "center_x": 0.0,
                       "center_y": 0.0}, {"n_max": 4, "beta": 0.1, "center_x": 0.0,
                                          "center_y": 0.0, "amp": np.ones(15)}],
    "kwargs_lens_light": [{"amp": 5.0, "R_sersic": 0.5, "n_sersic": 4.0, "center_x": 0.0,
                           "center_y": 0.0}],
    "kwargs_ps": [{"ra_image": np.array([1.0, -1.0]), "dec_image": np.array([0.5, -0.4]),
                   "point_amp": np.array([2.0, 3.0])}],
}


def layout(**options):
    return ParameterLayout(
        TEMPLATE,
        kwargs_fixed={"kwargs_lens": [{"gamma": 2.0}, {}]},
        lower={"kwargs_lens": [{"theta_E": 0.5}, {}]},
        upper={"kwargs_lens": [{"theta_E": 2.0}, {}]},
        joint=[(("kwargs_lens_light", 0, "center_x"), ("kwargs_lens", 0, "center_x")),
               (("kwargs_lens_light", 0, "center_y"), ("kwargs_lens", 0, "center_y"))],
        priors={"kwargs_lens[1].gamma1": (0.0, 0.05)}, **options)


def test_names_exclude_fixed_linear_static_and_joint():
    names = layout().names
    assert "kwargs_lens[0].theta_E" in names and "kwargs_lens[0].gamma" not in names
    assert not any(".amp" in n or "point_amp" in n or "n_max" in n for n in names)
    assert "kwargs_lens_light[0].center_x" not in names
    assert "kwargs_ps[0].ra_image[1]" in names
    assert len(names) == layout().num_param == 5 + 2 + 4 + 3 + 2 + 4


def test_round_trip_joint_and_bounds():
    lay = layout()
    x = lay.initial.copy()
    x[lay.names.index("kwargs_lens[0].center_x")] = 0.3
    kwargs = lay.kwargs_from_vector(jnp.asarray(x))
    assert float(kwargs["kwargs_lens_light"][0]["center_x"]) == 0.3
    assert kwargs["kwargs_lens"][0]["gamma"] == 2.0
    assert kwargs["kwargs_source"][1]["n_max"] == 4
    np.testing.assert_allclose(lay.vector_from_kwargs(kwargs), x)
    assert lay.lower[lay.names.index("kwargs_lens[0].theta_E")] == 0.5
    assert bool(lay.in_bounds(jnp.asarray(lay.initial)))
    assert not bool(lay.in_bounds(jnp.asarray(x) + 10))


def test_prior_and_gradient_through_the_layout():
    lay = layout()
    i = lay.names.index("kwargs_lens[1].gamma1")

    def energy(kwargs):
        lens, ps = kwargs["kwargs_lens"][0], kwargs["kwargs_ps"][0]
        return -(lens["theta_E"] ** 2) + jnp.sum(ps["ra_image"])

    function = lay.vector_function(energy)
    grad = jax.grad(function)(jnp.asarray(lay.initial))
    assert float(grad[lay.names.index("kwargs_lens[0].theta_E")]) == pytest.approx(-2.2)
    assert float(grad[i]) == pytest.approx(-0.02 / 0.05**2)
    assert float(grad[lay.names.index("kwargs_ps[0].ra_image[0]")]) == 1.0


@pytest.mark.parametrize("kwargs, match", [
    (dict(kwargs_fixed={"kwargs_lens": [{"foo": 1.0}, {}]}), "foo"),
    (dict(lower={"kwargs_lens": [{"theta_E": 1.5}, {}]}), "outside the bounds"),
    (dict(priors={"kwargs_lens[0].nope": (0, 1)}), "nope"),
    (dict(joint=[(("kwargs_lens", 5, "center_x"), ("kwargs_lens", 0, "center_x"))]), "joint"),
])
def test_bad_layouts(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ParameterLayout(TEMPLATE, **kwargs)
