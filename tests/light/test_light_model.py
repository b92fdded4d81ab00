"""LightModel: parity of the container methods with lenstronomy's ``LightModel``
(``LightModel/light_model_base.py``, ``linear_basis.py``) on a mixed profile list with random
parameters, validation at the door, and the functional path under jit / vmap / grad."""

from __future__ import annotations

import copy

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from lenstronomy.LightModel.light_model import LightModel as RefLightModel

from chromalens.light import LightModel

RTOL = 1e-8
ATOL = 1e-300  # subnormal underflow only

NAMES = [
    "SERSIC_ELLIPSE", "GAUSSIAN", "MULTI_GAUSSIAN_ELLIPSE", "UNIFORM", "CORE_SERSIC", "SERSIC",
    "INTERPOL", "SERSIC_ELLIPSE_Q_PHI", "MULTI_GAUSSIAN", "GAUSSIAN_ELLIPSE",
]
# the reference's num_param_linear_list raises for SERSIC_ELLIPSE_Q_PHI: compare without it
NAMES_NO_QPHI = [n for n in NAMES if n != "SERSIC_ELLIPSE_Q_PHI"]


def _kwargs(rng, names, image):
    out = []
    for name in names:
        e1, e2 = rng.uniform(-0.4, 0.4, 2)
        cx, cy = rng.uniform(-0.3, 0.3, 2)
        amp = rng.uniform(-1.0, 5.0)
        sersic = {"amp": amp, "R_sersic": rng.uniform(0.1, 1.0), "n_sersic": rng.uniform(0.5, 6)}
        kw = {
            "SERSIC": {**sersic, "center_x": cx, "center_y": cy},
            "SERSIC_ELLIPSE": {**sersic, "e1": e1, "e2": e2, "center_x": cx, "center_y": cy},
            "SERSIC_ELLIPSE_Q_PHI": {**sersic, "q": rng.uniform(0.3, 1), "phi": e1},
            "CORE_SERSIC": {**sersic, "Rb": 0.05, "gamma": 0.5, "e1": e1, "e2": e2},
            "GAUSSIAN": {"amp": amp, "sigma": rng.uniform(0.1, 1), "center_x": cx},
            "GAUSSIAN_ELLIPSE": {"amp": amp, "sigma": 0.3, "e1": e1, "e2": e2},
            "MULTI_GAUSSIAN": {"amp": rng.uniform(-1, 3, 2), "sigma": np.array([0.2, 0.9])},
            "MULTI_GAUSSIAN_ELLIPSE": {
                "amp": rng.uniform(0, 3, 3), "sigma": np.array([0.1, 0.4, 1.2]),
                "e1": e1, "e2": e2, "center_x": cx, "center_y": cy,
            },
            "UNIFORM": {"amp": amp},
            "INTERPOL": {"image": image, "amp": amp, "scale": 0.2, "phi_G": e2, "center_x": cx},
        }[name]
        out.append(kw)
    return out


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(2024)
    image = rng.uniform(0, 1, (9, 8))
    x, y = rng.uniform(-1.5, 1.5, (2, 6, 7))
    return rng, image, x, y, LightModel(NAMES)


def _compare(ours, ref, x, y, kwargs, k=None):
    expected = ref.surface_brightness(x, y, kwargs, k=k)
    actual = ours.surface_brightness(x, y, kwargs, k=k)
    assert actual.shape == np.shape(x)
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)
    images, n = ours.functions_split(x, y, kwargs, k=k)
    ref_images, ref_n = ref.functions_split(x, y, kwargs, k=k)
    assert n == ref_n == len(images) == len(ref_images)
    for image_ours, image_ref in zip(images, ref_images, strict=True):
        np.testing.assert_allclose(image_ours, image_ref, rtol=RTOL, atol=ATOL)


def test_surface_brightness_and_split_full_list(setup):
    rng, image, x, y, ours = setup
    for _ in range(2):  # new values: no recompilation
        kwargs = _kwargs(rng, NAMES, image)
        _compare(ours, RefLightModel(NAMES), x, y, kwargs)  # fresh ref: INTERPOL caches


def test_selections_k(setup):
    rng, image, x, y, _ = setup
    names = ["SERSIC", "MULTI_GAUSSIAN", "UNIFORM", "GAUSSIAN_ELLIPSE"]
    ours, ref = LightModel(names), RefLightModel(names)
    kwargs = _kwargs(rng, names, image)
    for k in (None, 1, [0, 2], [True, False, False, True], []):
        _compare(ours, ref, x, y, kwargs, k=k)


def test_split_without_amp_and_basis_stack_shape(setup):
    rng, image, x, y, ours = setup
    kwargs = _kwargs(rng, NAMES, image)
    stripped = [{k: v for k, v in kw.items() if k != "amp"} for kw in kwargs]
    stack = ours.basis_stack(x, y, stripped)
    assert stack.shape == (ours.num_param_linear(stripped), 6, 7) == (13, 6, 7)
    np.testing.assert_allclose(stack, np.stack(ours.functions_split(x, y, kwargs)[0]), rtol=0)
    # sum of basis images times the amplitudes is the surface brightness
    amps = jnp.asarray(ours.linear_param_from_kwargs(kwargs))
    np.testing.assert_allclose(
        jnp.tensordot(amps, stack, axes=1), ours.surface_brightness(x, y, kwargs),
        rtol=1e-10, atol=1e-12,
    )


def test_num_param_linear_update_linear_and_inverse(setup):
    rng, image, x, y, _ = setup
    ours, ref = LightModel(NAMES_NO_QPHI), RefLightModel(NAMES_NO_QPHI)
    kwargs = _kwargs(rng, NAMES_NO_QPHI, image)
    assert ours.num_param_linear(kwargs) == ref.num_param_linear(kwargs) == 12
    assert ours.num_param_linear(kwargs, list_return=True) == list(
        ref.num_param_linear(kwargs, list_return=True)
    )
    param = rng.normal(size=20)
    kw_ours, kw_ref = copy.deepcopy(kwargs), copy.deepcopy(kwargs)
    out, i = ours.update_linear(param, 3, kw_ours)
    out_ref, i_ref = ref.update_linear(param, 3, kw_ref)
    assert out is kw_ours and i == i_ref == 15  # in place, as the reference
    for a, b in zip(kw_ours, kw_ref, strict=True):
        assert a.keys() == b.keys()
        assert np.shape(a["amp"]) == np.shape(b["amp"])
        np.testing.assert_array_equal(a["amp"], b["amp"])
    np.testing.assert_array_equal(
        ours.linear_param_from_kwargs(kw_ours), ref.linear_param_from_kwargs(kw_ref)
    )
    np.testing.assert_array_equal(ours.linear_param_from_kwargs(kw_ours), param[3:15])
    # the pure variant leaves its input untouched
    fresh = copy.deepcopy(kwargs)
    new, i_pure = ours.with_linear_amplitudes(param + 1, 3, fresh)
    assert i_pure == 15
    np.testing.assert_array_equal(ours.linear_param_from_kwargs(new), param[3:15] + 1)
    np.testing.assert_array_equal(fresh[0]["amp"], kwargs[0]["amp"])


def test_total_flux_and_param_names(setup):
    rng, image, _, _, _ = setup
    names = ["SERSIC_ELLIPSE", "GAUSSIAN", "MULTI_GAUSSIAN_ELLIPSE", "SERSIC", "INTERPOL"]
    ours = LightModel(names)
    kwargs = _kwargs(rng, names, image)
    for norm in (False, True):
        for k in (None, 2, [0, 4]):
            expected = RefLightModel(names).total_flux(kwargs, norm=norm, k=k)
            actual = ours.total_flux(kwargs, norm=norm, k=k)
            assert len(actual) == len(expected)
            np.testing.assert_allclose(actual, expected, rtol=RTOL)
    # with norm=True the amplitude may be missing
    no_amp = [{k: v for k, v in kw.items() if k != "amp"} for kw in kwargs[:2]]
    np.testing.assert_allclose(
        LightModel(names[:2]).total_flux(no_amp, norm=True),
        RefLightModel(names[:2]).total_flux(no_amp, norm=True), rtol=RTOL,
    )
    assert ours.param_name_list == [list(p) for p in RefLightModel(names).param_name_list]
    full = LightModel(NAMES)
    assert full.param_name_list == [list(p) for p in RefLightModel(NAMES).param_name_list]


def test_check_positive_flux_profile_matches_reference(setup):
    rng, image, _, _, ours = setup
    ref = RefLightModel(NAMES)
    results = set()
    for _ in range(12):
        kwargs = _kwargs(rng, NAMES, image)
        # flip a few signs: some profiles may be negative, others not
        for kw in kwargs:
            if rng.uniform() < 0.7:
                kw["amp"] = np.abs(kw["amp"])
        expected = ref.check_positive_flux_profile(kwargs)
        assert bool(ours.check_positive_flux_profile(kwargs)) is expected
        results.add(expected)
    assert results == {True, False}
    # a negative UNIFORM / INTERPOL / SERSIC_ELLIPSE_Q_PHI amplitude is allowed
    kwargs = _kwargs(rng, NAMES, image)
    for index, kw in enumerate(kwargs):
        kw["amp"] = np.abs(kw["amp"]) * (-1 if NAMES[index] in ("UNIFORM", "INTERPOL") else 1)
    kwargs[7]["amp"] = -1.0
    assert bool(ours.check_positive_flux_profile(kwargs)) is True


def test_q_phi_counts_one_linear_parameter():
    """Fixed reference bug: its num_param_linear_list raises for SERSIC_ELLIPSE_Q_PHI."""
    kwargs = [{"amp": 1.0, "R_sersic": 0.5, "n_sersic": 2.0, "q": 0.8, "phi": 0.1}]
    with pytest.raises(ValueError):
        RefLightModel(["SERSIC_ELLIPSE_Q_PHI"]).num_param_linear(kwargs)
    assert LightModel(["SERSIC_ELLIPSE_Q_PHI"]).num_param_linear(kwargs) == 1


@pytest.mark.parametrize(
    ("names", "kwargs", "options", "pattern"),
    [
        (["SERSIC", "NOPE"], None, None, r"light profile 1: unknown light profile 'NOPE'"),
        (["SERSIC"], [{"amp": 1, "n_sersic": 1}], None,
         r"light profile 0 \(SERSIC\): missing parameter 'R_sersic'"),
        (["GAUSSIAN", "SERSIC"], [{"amp": 1, "sigma": 1}, {"amp": 1, "R_sersic": 1,
                                                           "n_sersic": 1, "e1": 0.1}],
         None, r"light profile 1 \(SERSIC\): unknown parameter 'e1'"),
        (["GAUSSIAN"], [{"amp": 1, "sigma": 1}, {}], None, r"2 entries for 1 light profiles"),
        (["SERSIC"], None, [{"smoothing": 1e-3, "foo": 1}],
         r"light profile 0 \(SERSIC\): unknown profile option 'foo'"),
        (["GAUSSIAN"], None, [{}, {}], r"2 entries for 1 light profiles"),
    ],
)
def test_validation_errors(names, kwargs, options, pattern):
    with pytest.raises(ValueError, match=pattern):
        model = LightModel(names, profile_kwargs_list=options)
        model.surface_brightness(np.zeros(2), np.zeros(2), kwargs)


def test_validation_amp_required_only_for_brightness():
    model = LightModel(["GAUSSIAN"])
    with pytest.raises(ValueError, match=r"light profile 0 \(GAUSSIAN\): missing parameter 'amp'"):
        model.surface_brightness(0.0, 0.0, [{"sigma": 1.0}])
    assert model.functions_split(0.0, 0.0, [{"sigma": 1.0}])[1] == 1
    with pytest.raises(ValueError):
        model.surface_brightness(0.0, 0.0, [{"sigma": 1.0, "amp": 1.0}], k=3)
    with pytest.raises(TypeError, match="profile_kwargs_list"):
        LightModel(["GAUSSIAN"], [1.0])


def test_functional_path_under_jit_vmap_grad(setup):
    rng, image, x, y, _ = setup
    names = ["SERSIC_ELLIPSE", "MULTI_GAUSSIAN_ELLIPSE", "INTERPOL", "UNIFORM"]
    ours = LightModel(names)
    kwargs = _kwargs(rng, names, image)
    eager_stack = ours.basis_stack(x, y, kwargs)
    eager_sb = ours.surface_brightness(x, y, kwargs)

    @jax.jit
    def run(kwargs, x, y):
        return ours.basis_stack(x, y, kwargs), ours.surface_brightness(x, y, kwargs)

    stack, sb = run(kwargs, x, y)
    assert isinstance(stack, jax.Array) and stack.shape == eager_stack.shape
    np.testing.assert_allclose(stack, eager_stack, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(sb, eager_sb, rtol=1e-13, atol=1e-300)

    # vmap over a batch of centres and Sersic indices of the first profile
    def first_image(cx, n):
        kw = [dict(kw) for kw in kwargs]
        kw[0] = {**kw[0], "center_x": cx, "n_sersic": n}
        return ours.surface_brightness(x, y, kw, k=0)

    cxs, ns = jnp.array([-0.1, 0.0, 0.2]), jnp.array([1.0, 2.5, 4.0])
    batched = jax.vmap(first_image)(cxs, ns)
    for j in range(3):
        np.testing.assert_allclose(batched[j], first_image(cxs[j], ns[j]), rtol=1e-12)

    # gradient of a chi^2-like scalar with respect to every parameter: finite
    def loss(kwargs):
        return jnp.sum(ours.surface_brightness(x, y, kwargs) ** 2)

    grads = jax.grad(loss)(jax.tree_util.tree_map(jnp.asarray, kwargs))
    leaves = jax.tree_util.tree_leaves(grads)
    assert leaves and all(np.all(np.isfinite(leaf)) for leaf in leaves)

    # the pure amplitude update is traceable too
    param = jnp.arange(6.0)
    new, _ = jax.jit(lambda p, kw: ours.with_linear_amplitudes(p, 0, kw))(param, kwargs)
    np.testing.assert_array_equal(jnp.concatenate([jnp.atleast_1d(a) for a in
                                                   ours.linear_param_from_kwargs(new)]), param)


def test_split_and_merge_static():
    model = LightModel(["SERSIC", "GAUSSIAN"])
    kwargs = [{"amp": 1.0, "R_sersic": 0.5, "n_sersic": 2.0}, {"amp": 2.0, "sigma": 0.3}]
    dynamic, static = model.split_static(kwargs)
    assert static == ((), ()) and dynamic == kwargs
    assert model.merge_static(dynamic, static) == kwargs
    hash(static)


@pytest.mark.slow
def test_parity_sweep_many_draws():
    """Wider sweep (slow): 40 random draws of the full list, including extreme shapes."""
    rng = np.random.default_rng(99)
    image = rng.uniform(0, 1, (11, 6))
    x, y = rng.uniform(-3, 3, (2, 400))
    ours = LightModel(NAMES)
    for _ in range(40):
        kwargs = _kwargs(rng, NAMES, image)
        kwargs[0].update(n_sersic=rng.uniform(0.1, 10), R_sersic=10 ** rng.uniform(-5, 1),
                         e1=rng.uniform(-0.9, 0.9), e2=rng.uniform(-0.4, 0.4))
        kwargs[5].update(n_sersic=rng.uniform(0.1, 10), R_sersic=10 ** rng.uniform(-5, 1))
        _compare(ours, RefLightModel(NAMES), x, y, kwargs)
