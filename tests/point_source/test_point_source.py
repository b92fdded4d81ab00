"""PointSource: parity with lenstronomy's ``PointSource.PointSource`` and the fixed behaviours.

Reference functions mirrored: ``PointSource.image_position``, ``source_position``,
``image_amplitude``, ``source_amplitude``, ``point_source_list``, ``linear_response_set``,
``num_basis``, ``update_linear``, ``linear_param_from_kwargs``, ``check_positive_flux`` and
``ImageLinearFit.point_source_linear_response_set`` (astrometric shifts).

Tolerances. Positions and amplitudes that do not involve a magnification: 1e-12 relative.
Magnifications: with SIS+SHEAR (analytic Hessian in both codes) 1e-9; with SIE+SHEAR 1e-4,
because the reference's SIE Hessian is a finite difference (step 1e-10, relative errors up to
~6e-5, reference_notes policy 4) while ours is exact. Solver positions: 1e-8 arcsec absolute,
both solvers stop at a source-plane residual of 1e-10 arcsec (times the magnification).
"""

from __future__ import annotations

import copy
from types import SimpleNamespace

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from lenstronomy.ImSim.image_linear_solve import ImageLinearFit as RefImageLinearFit
from lenstronomy.LensModel.lens_model import LensModel as RefLensModel
from lenstronomy.PointSource.point_source import PointSource as RefPointSource

from chromalens.lens import LensModel
from chromalens.point_source import PointSource

SIE_SHEAR = ["SIE", "SHEAR"]
SIS_SHEAR = ["SIS", "SHEAR"]
SOLVER = {"min_distance": 0.05, "search_window": 5.0}
MU_RTOL_SIE = 1e-4  # reference SIE Hessian is a finite difference (see module docstring)
MU_RTOL_EXACT = 1e-9


@pytest.fixture(scope="module")
def lens_models():
    """One chromalens / lenstronomy lens-model pair per model list (compiled once)."""
    return {
        "SIE": (LensModel(SIE_SHEAR), RefLensModel(SIE_SHEAR)),
        "SIS": (LensModel(SIS_SHEAR), RefLensModel(SIS_SHEAR)),
    }


def _kwargs_lens(rng, kind="SIE"):
    main = {
        "theta_E": rng.uniform(0.9, 1.3),
        "center_x": rng.uniform(-0.05, 0.05),
        "center_y": rng.uniform(-0.05, 0.05),
    }
    if kind == "SIE":
        main["e1"] = rng.uniform(-0.15, 0.15)
        main["e2"] = rng.uniform(-0.15, 0.15)
    shear = {"gamma1": rng.uniform(-0.05, 0.05), "gamma2": rng.uniform(-0.05, 0.05)}
    return [main, shear]


def _lensed_kwargs(rng, n_images=4):
    return {
        "ra_image": rng.uniform(-1.2, 1.2, n_images),
        "dec_image": rng.uniform(-1.2, 1.2, n_images),
        "point_amp": rng.uniform(1.0, 10.0, n_images),
    }


def _assert_lists_close(actual, expected, rtol=1e-12, atol=0.0):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=True):
        np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(e, dtype=float),
                                   rtol=rtol, atol=atol)


def _flat(list_of_lists):
    return np.concatenate([np.atleast_1d(np.asarray(v, dtype=float)) for v in list_of_lists])


# ---------------------------------------------------------------------------- LENSED_POSITION
@pytest.mark.parametrize("seed", [0, 1])
def test_lensed_position_parity(lens_models, seed):
    rng = np.random.default_rng(seed)
    lm, ref_lm = lens_models["SIE"]
    kwargs_lens = _kwargs_lens(rng)
    kwargs_ps = [_lensed_kwargs(rng), _lensed_kwargs(rng, 2)]
    kwargs_ps[1]["point_amp"] = kwargs_ps[1]["point_amp"][:1]  # shorter: zero-padded
    types = ["LENSED_POSITION", "LENSED_POSITION"]
    ps = PointSource(types, lm)
    ref = RefPointSource(types, ref_lm)

    _assert_lists_close(ps.image_position(kwargs_ps, kwargs_lens)[0],
                        ref.image_position(kwargs_ps, kwargs_lens)[0])
    _assert_lists_close(ps.image_amplitude(kwargs_ps, kwargs_lens),
                        ref.image_amplitude(kwargs_ps, kwargs_lens))
    _assert_lists_close(ps.image_amplitude(kwargs_ps, kwargs_lens, k=1),
                        ref.image_amplitude(kwargs_ps, kwargs_lens, k=1))
    for ours, theirs in zip(ps.source_position(kwargs_ps, kwargs_lens),
                            ref.source_position(kwargs_ps, kwargs_lens), strict=True):
        _assert_lists_close(ours, theirs, rtol=1e-12, atol=1e-14)
    _assert_lists_close(ps.source_amplitude(kwargs_ps, kwargs_lens),
                        ref.source_amplitude(kwargs_ps, kwargs_lens), rtol=MU_RTOL_SIE)

    # point_source_list drops the zero-padded image of model 1
    ours = ps.point_source_list(kwargs_ps, kwargs_lens)
    theirs = ref.point_source_list(kwargs_ps, kwargs_lens)
    assert len(ours[0]) == len(theirs[0]) == 5
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-12)
    ours = ps.point_source_list(kwargs_ps, kwargs_lens, with_amp=False)
    theirs = ref.point_source_list(kwargs_ps, kwargs_lens, with_amp=False)
    assert len(ours[0]) == 6
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-12)

    ra, dec, amp, n = ps.linear_response_set(kwargs_ps, kwargs_lens)
    ra_r, dec_r, amp_r, n_r = ref.linear_response_set(kwargs_ps, kwargs_lens)
    assert n == n_r == 6 == ps.num_basis(kwargs_ps, kwargs_lens) == ref.num_basis(
        kwargs_ps, kwargs_lens)
    for a, b in ((ra, ra_r), (dec, dec_r), (amp, amp_r)):
        _assert_lists_close(a, b)
    ra, dec, amp, n = ps.linear_response_set(kwargs_ps, kwargs_lens, with_amp=True)
    ra_r, dec_r, amp_r, n_r = ref.linear_response_set(kwargs_ps, kwargs_lens, with_amp=True)
    _assert_lists_close(amp, amp_r)

    # update_linear / linear_param_from_kwargs
    param = rng.normal(size=8)
    ours_kw, i = ps.update_linear(param, 1, copy.deepcopy(kwargs_ps), kwargs_lens)
    ref_kw, i_r = ref.update_linear(param, 1, copy.deepcopy(kwargs_ps), kwargs_lens)
    assert i == i_r == 7
    for a, b in zip(ours_kw, ref_kw, strict=True):
        np.testing.assert_array_equal(a["point_amp"], b["point_amp"])
    np.testing.assert_array_equal(ps.linear_param_from_kwargs(ours_kw),
                                  ref.linear_param_from_kwargs(ref_kw))


@pytest.mark.parametrize("kind, mu_rtol", [("SIS", MU_RTOL_EXACT), ("SIE", MU_RTOL_SIE)])
def test_lensed_position_fixed_magnification_parity(lens_models, kind, mu_rtol):
    rng = np.random.default_rng(2)
    lm, ref_lm = lens_models[kind]
    kwargs_lens = _kwargs_lens(rng, kind)
    kwargs_ps = [_lensed_kwargs(rng), _lensed_kwargs(rng, 3)]
    del kwargs_ps[0]["point_amp"]
    kwargs_ps[0]["source_amp"] = 3.7
    types = ["LENSED_POSITION", "LENSED_POSITION"]
    ps = PointSource(types, lm, fixed_magnification_list=[True, False])
    ref = RefPointSource(types, ref_lm, fixed_magnification_list=[True, False])

    _assert_lists_close(ps.image_amplitude(kwargs_ps, kwargs_lens),
                        ref.image_amplitude(kwargs_ps, kwargs_lens), rtol=mu_rtol)
    _assert_lists_close(ps.source_amplitude(kwargs_ps, kwargs_lens),
                        ref.source_amplitude(kwargs_ps, kwargs_lens), rtol=mu_rtol)
    ra, dec, amp, n = ps.linear_response_set(kwargs_ps, kwargs_lens)
    ra_r, dec_r, amp_r, n_r = ref.linear_response_set(kwargs_ps, kwargs_lens)
    assert n == n_r == 4
    _assert_lists_close(ra, ra_r)
    _assert_lists_close(dec, dec_r)
    _assert_lists_close(amp, amp_r, rtol=mu_rtol)
    assert ps.num_basis(kwargs_ps, kwargs_lens) == ref.num_basis(kwargs_ps, kwargs_lens) == 4

    param = np.arange(1.0, 6.0)
    ours_kw, i = ps.update_linear(param, 0, copy.deepcopy(kwargs_ps), kwargs_lens)
    ref_kw, i_r = ref.update_linear(param, 0, copy.deepcopy(kwargs_ps), kwargs_lens)
    assert i == i_r == 4
    assert ours_kw[0]["source_amp"] == ref_kw[0]["source_amp"] == 1.0
    np.testing.assert_array_equal(ours_kw[1]["point_amp"], ref_kw[1]["point_amp"])
    assert ps.linear_param_from_kwargs(ours_kw) == ref.linear_param_from_kwargs(ref_kw)


def test_unlensed_parity():
    rng = np.random.default_rng(3)
    kwargs_ps = [{"ra_image": rng.normal(size=3), "dec_image": rng.normal(size=3),
                  "point_amp": np.array([1.0, 0.0, 2.5])}]
    ps, ref = PointSource(["UNLENSED"]), RefPointSource(["UNLENSED"])
    _assert_lists_close(ps.image_position(kwargs_ps, None)[1],
                        ref.image_position(kwargs_ps, None)[1])
    _assert_lists_close(ps.source_amplitude(kwargs_ps, None),
                        ref.source_amplitude(kwargs_ps, None))
    for a, b in zip(ps.point_source_list(kwargs_ps, None), ref.point_source_list(kwargs_ps, None),
                    strict=True):
        assert len(a) == 2  # zero-amplitude image dropped
        np.testing.assert_array_equal(a, np.asarray(b))
    ra, dec, amp, n = ps.linear_response_set(kwargs_ps, None)
    ra_r, dec_r, amp_r, n_r = ref.linear_response_set(kwargs_ps, None)
    assert n == n_r == 3 == ps.num_basis(kwargs_ps, None)
    _assert_lists_close(ra, ra_r)
    _assert_lists_close(amp, amp_r)


# ---------------------------------------------------------------------------- SOURCE_POSITION
def _sorted_images(x, y):
    order = np.lexsort((np.round(np.asarray(y), 6), np.round(np.asarray(x), 6)))
    return np.asarray(x)[order], np.asarray(y)[order], order


@pytest.mark.parametrize("fixed", [True, False])
def test_source_position_quad_parity(lens_models, fixed):
    rng = np.random.default_rng(4)
    lm, ref_lm = lens_models["SIE"]
    kwargs_lens = _kwargs_lens(rng)
    kwargs = {"ra_source": rng.uniform(-0.05, 0.05) + kwargs_lens[0]["center_x"],
              "dec_source": rng.uniform(-0.05, 0.05) + kwargs_lens[0]["center_y"],
              "mag_pert": rng.uniform(0.8, 1.2, 5)}
    if fixed:
        kwargs["source_amp"] = 2.3
    else:
        kwargs["point_amp"] = rng.uniform(1.0, 5.0, 4)
    kwargs_ps = [kwargs]
    ps = PointSource(["SOURCE_POSITION"], lm, fixed_magnification_list=[fixed],
                     kwargs_lens_eqn_solver=SOLVER)
    ref = RefPointSource(["SOURCE_POSITION"], ref_lm, fixed_magnification_list=[fixed],
                         kwargs_lens_eqn_solver=dict(SOLVER))

    (x,), (y,) = ps.image_position(kwargs_ps, kwargs_lens)
    (x_r,), (y_r,) = ref.image_position(kwargs_ps, kwargs_lens)
    assert len(x) == len(x_r) == 4
    xs, ys, order = _sorted_images(x, y)
    xs_r, ys_r, order_r = _sorted_images(x_r, y_r)
    np.testing.assert_allclose(xs, xs_r, atol=1e-8)
    np.testing.assert_allclose(ys, ys_r, atol=1e-8)
    # both sort by arrival time: the same order
    np.testing.assert_allclose(x, x_r, atol=1e-8)

    mu_rtol = MU_RTOL_SIE if fixed else 1e-12
    (amp,) = ps.image_amplitude(kwargs_ps, kwargs_lens)
    (amp_r,) = ref.image_amplitude(copy.deepcopy(kwargs_ps), kwargs_lens)
    np.testing.assert_allclose(amp, amp_r, rtol=mu_rtol)

    ours = ps.point_source_list(kwargs_ps, kwargs_lens)
    theirs = ref.point_source_list(copy.deepcopy(kwargs_ps), kwargs_lens)
    np.testing.assert_allclose(ours[0], theirs[0], atol=1e-8)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=mu_rtol)

    ra, dec, amp, n = ps.linear_response_set(kwargs_ps, kwargs_lens)
    ra_r, dec_r, amp_r, n_r = ref.linear_response_set(kwargs_ps, kwargs_lens)
    assert n == n_r == (1 if fixed else 4) == ps.num_basis(kwargs_ps, kwargs_lens)
    np.testing.assert_allclose(_flat(ra), _flat(ra_r), atol=1e-8)
    # linear response ignores mag_pert: amplitudes are |mu| (fixed) or ones
    np.testing.assert_allclose(_flat(amp), _flat(amp_r), rtol=mu_rtol)

    param = np.linspace(1.0, 2.0, 6)
    ours_kw, i = ps.update_linear(param, 1, copy.deepcopy(kwargs_ps), kwargs_lens)
    ref_kw, i_r = ref.update_linear(param, 1, copy.deepcopy(kwargs_ps), kwargs_lens)
    assert i == i_r
    key = "source_amp" if fixed else "point_amp"
    np.testing.assert_array_equal(ours_kw[0][key], ref_kw[0][key])

    if not fixed:  # ours divides by |mu| (the reference by the signed mu: a fixed bug)
        mu = ref_lm.magnification(x, y, kwargs_lens)
        expected = np.mean(kwargs["point_amp"] / np.abs(mu))
        np.testing.assert_allclose(ps.source_amplitude(kwargs_ps, kwargs_lens)[0], expected,
                                   rtol=MU_RTOL_SIE)


def test_lensed_position_additional_images_parity(lens_models):
    rng = np.random.default_rng(5)
    lm, ref_lm = lens_models["SIS"]
    kwargs_lens = _kwargs_lens(rng, "SIS")
    solver = lm  # find the true images of a source, then parameterise by them
    ps_src = PointSource(["SOURCE_POSITION"], solver, kwargs_lens_eqn_solver=SOLVER)
    (x_true,), (y_true,) = ps_src.image_position(
        [{"ra_source": 0.05, "dec_source": -0.04}], kwargs_lens)
    kwargs_ps = [{"ra_image": x_true[:2][::-1] + 1e-4, "dec_image": y_true[:2][::-1],
                  "point_amp": np.array([1.0, 2.0])}]
    ps = PointSource(["LENSED_POSITION"], lm, additional_images_list=[True],
                     kwargs_lens_eqn_solver=SOLVER)
    ref = RefPointSource(["LENSED_POSITION"], ref_lm, additional_images_list=[True],
                         kwargs_lens_eqn_solver=dict(SOLVER))
    (x,), (y,) = ps.image_position(kwargs_ps, kwargs_lens)
    (x_r,), (y_r,) = ref.image_position(kwargs_ps, kwargs_lens)
    assert len(x) == len(x_r) == len(x_true)
    np.testing.assert_allclose(x, x_r, atol=1e-8)
    (amp,) = ps.image_amplitude(kwargs_ps, kwargs_lens)
    (amp_r,) = ref.image_amplitude(kwargs_ps, kwargs_lens)
    np.testing.assert_array_equal(amp, amp_r)  # point_amp zero-padded

    # original_position: the parameterised images first, in their order
    plain = PointSource(["LENSED_POSITION"], lm, kwargs_lens_eqn_solver=SOLVER)
    ref_plain = RefPointSource(["LENSED_POSITION"], ref_lm, kwargs_lens_eqn_solver=dict(SOLVER))
    (x,), _ = plain.image_position(kwargs_ps, kwargs_lens, original_position=True,
                                   additional_images=True)
    (x_r,), _ = ref_plain.image_position(kwargs_ps, kwargs_lens, original_position=True,
                                         additional_images=True)
    np.testing.assert_allclose(x, x_r, atol=1e-8)
    np.testing.assert_allclose(x[:2], kwargs_ps[0]["ra_image"], atol=1e-3)


# ---------------------------------------------------------------------------- astrometry
def test_linear_response_set_astrometric_shift_parity(lens_models):
    rng = np.random.default_rng(6)
    lm, ref_lm = lens_models["SIS"]
    kwargs_lens = _kwargs_lens(rng, "SIS")
    kwargs_ps = [_lensed_kwargs(rng, 2), _lensed_kwargs(rng, 3)]
    del kwargs_ps[0]["point_amp"]
    kwargs_ps[0]["source_amp"] = 1.0
    types = ["LENSED_POSITION", "UNLENSED"]
    special = {"delta_x_image": rng.normal(size=3) * 1e-3,
               "delta_y_image": rng.normal(size=3) * 1e-3}
    ps = PointSource(types, lm, fixed_magnification_list=[True, False])
    ref = RefPointSource(types, ref_lm, fixed_magnification_list=[True, False])
    ours = ps.linear_response_set(kwargs_ps, kwargs_lens, kwargs_special=special)
    fake_image_model = SimpleNamespace(PointSource=ref)
    theirs = RefImageLinearFit.point_source_linear_response_set(
        fake_image_model, kwargs_ps, kwargs_lens, kwargs_special=special, with_amp=False)
    for a, b in zip(ours[:3], theirs[:3], strict=True):
        _assert_lists_close(a, b, rtol=1e-12)
    assert ours[3] == theirs[3] == 4


# ---------------------------------------------------------------------------- no hidden state
def test_same_call_twice_and_no_cache(lens_models):
    rng = np.random.default_rng(7)
    lm, _ = lens_models["SIE"]
    kwargs_lens = _kwargs_lens(rng)
    ps = PointSource(["SOURCE_POSITION"], lm, fixed_magnification_list=[True],
                     kwargs_lens_eqn_solver=SOLVER, save_cache=True)
    kwargs_ps = [{"ra_source": 0.02, "dec_source": 0.01, "source_amp": 1.0}]
    first = ps.point_source_list(kwargs_ps, kwargs_lens)
    second = ps.point_source_list(kwargs_ps, kwargs_lens)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    # a new source position is honoured even with save_cache=True (the reference would reuse
    # the cached positions here)
    moved = [{"ra_source": 0.06, "dec_source": -0.02, "source_amp": 1.0}]
    ps.set_save_cache(True)
    after = ps.image_position(moved, kwargs_lens)
    fresh = PointSource(["SOURCE_POSITION"], lm, fixed_magnification_list=[True],
                        kwargs_lens_eqn_solver=SOLVER).image_position(moved, kwargs_lens)
    np.testing.assert_array_equal(after[0][0], fresh[0][0])
    assert not np.allclose(after[0][0][:2], first[0][:2])
    ps.delete_lens_model_cache()
    np.testing.assert_array_equal(ps.image_position(moved, kwargs_lens)[0][0], after[0][0])


def test_solver_settings_are_copied_per_instance():
    shared = {"min_distance": 0.05}
    band_a = PointSource(["SOURCE_POSITION"], None, kwargs_lens_eqn_solver=shared)
    band_b = PointSource(["SOURCE_POSITION"], None, kwargs_lens_eqn_solver=shared)
    band_a.update_search_window(4.0, 0.5, -0.5)
    assert band_a.kwargs_lens_eqn_solver == {
        "min_distance": 0.05, "search_window": 4.0, "x_center": 0.5, "y_center": -0.5}
    assert band_b.kwargs_lens_eqn_solver == {"min_distance": 0.05}
    assert shared == {"min_distance": 0.05}
    band_b.update_search_window(6.0, 0.0, 0.0, min_distance=0.01, only_from_unspecified=True)
    band_b.update_search_window(9.0, 1.0, 1.0, min_distance=0.02, only_from_unspecified=True)
    assert band_b.kwargs_lens_eqn_solver == {
        "min_distance": 0.05, "search_window": 6.0, "x_center": 0.0, "y_center": 0.0}


def test_width_search_factor_widens_window(lens_models):
    lm, _ = lens_models["SIS"]
    kwargs_lens = [{"theta_E": 1.0, "center_x": 0.0, "center_y": 0.0},
                   {"gamma1": 0.0, "gamma2": 0.0}]
    kwargs_ps = [{"ra_source": 0.1, "dec_source": 0.0}]
    ps = PointSource(["SOURCE_POSITION"], lm,
                     kwargs_lens_eqn_solver={"min_distance": 0.05, "search_window": 1.5})
    (x,), _ = ps.image_position(kwargs_ps, kwargs_lens)
    assert len(x) < 2  # images at |x| ~ 1: outside a 1.5" window (a start may still reach one)
    (x,), _ = ps.image_position(kwargs_ps, kwargs_lens, width_search_factor=2)
    np.testing.assert_allclose(np.sort(x), [-0.9, 1.1], atol=1e-8)


# ---------------------------------------------------------------------------- functional face
def test_functional_face_matches_class_face_under_jit(lens_models):
    rng = np.random.default_rng(8)
    lm, _ = lens_models["SIE"]
    kwargs_lens = _kwargs_lens(rng)
    types = ["SOURCE_POSITION", "LENSED_POSITION", "UNLENSED", "LENSED_POSITION"]
    kwargs_ps = [
        {"ra_source": 0.03, "dec_source": -0.02, "source_amp": 2.0, "mag_pert": 1.1},
        _lensed_kwargs(rng, 3),
        _lensed_kwargs(rng, 2),
        _lensed_kwargs(rng, 2),
    ]
    ps = PointSource(types, lm, fixed_magnification_list=[True, False, False, False],
                     flux_from_point_source_list=[True, True, True, False],
                     kwargs_lens_eqn_solver=SOLVER)
    solved = ps.solve_image_positions(kwargs_ps, kwargs_lens)
    assert ps.uses_solver == (True, False, False, False)
    assert solved[1] is None and len(solved[0][0]) == 4
    special = {"delta_x_image": np.array([1e-3, -2e-3]), "delta_y_image": np.array([0.0, 1e-3])}

    @jax.jit
    def render_inputs(kwargs_ps, kwargs_lens, solved, special):
        return (ps.point_source_arrays(kwargs_ps, kwargs_lens, solved, special),
                ps.linear_response_arrays(kwargs_ps, kwargs_lens, solved, special)[:3])

    (ra, dec, amp), (lra, ldec, lamp) = render_inputs(kwargs_ps, kwargs_lens, solved, special)
    ra_c, dec_c, amp_c = ps.point_source_list(kwargs_ps, kwargs_lens)
    shift = np.zeros(len(ra_c))
    shift[:2] = special["delta_x_image"]
    np.testing.assert_allclose(ra, ra_c + shift, atol=1e-12)
    np.testing.assert_allclose(amp, amp_c, rtol=1e-10)

    ra_l, dec_l, amp_l, n = ps.linear_response_set(kwargs_ps, kwargs_lens, kwargs_special=special)
    _, _, _, basis_index, n_basis = ps.linear_response_arrays(kwargs_ps, kwargs_lens, solved)
    assert n_basis == n == 1 + 3 + 2
    np.testing.assert_array_equal(basis_index, [0, 0, 0, 0, 1, 2, 3, 4, 5])
    np.testing.assert_allclose(lra, _flat(ra_l), atol=1e-12)
    np.testing.assert_allclose(lamp, _flat(amp_l), rtol=1e-10)

    new_kw, i = jax.jit(lambda p: ps.with_linear_amplitudes(p, 0, kwargs_ps, kwargs_lens,
                                                            solved))(jnp.arange(6.0))
    assert i == 6 and float(new_kw[0]["source_amp"]) == 0.0
    np.testing.assert_array_equal(new_kw[2]["point_amp"], [4.0, 5.0])
    assert "source_amp" not in kwargs_ps[1]  # input untouched


def test_solver_positions_are_differentiable(lens_models):
    lm, _ = lens_models["SIE"]
    rng = np.random.default_rng(9)
    kwargs_lens = _kwargs_lens(rng)
    ps = PointSource(["SOURCE_POSITION"], lm, kwargs_lens_eqn_solver=SOLVER)
    kwargs_ps = [{"ra_source": 0.04, "dec_source": 0.01}]
    solved = ps.solve_image_positions(kwargs_ps, kwargs_lens)

    def image_x(ra_source):
        kw = [{"ra_source": ra_source, "dec_source": 0.01}]
        return ps.image_positions(kw, kwargs_lens, solved)[0][0]

    jac = jax.jacfwd(image_x)(0.04)
    h = 1e-5
    x_plus = ps.image_position([{"ra_source": 0.04 + h, "dec_source": 0.01}], kwargs_lens)[0][0]
    x_minus = ps.image_position([{"ra_source": 0.04 - h, "dec_source": 0.01}], kwargs_lens)[0][0]
    np.testing.assert_allclose(jac, (x_plus - x_minus) / (2 * h), rtol=1e-5, atol=1e-7)
    # the refinement moves converged positions only by round-off
    np.testing.assert_allclose(image_x(0.04), solved[0][0], atol=1e-12)


def test_solver_inside_jit_without_solved_positions_raises(lens_models):
    lm, _ = lens_models["SIE"]
    ps = PointSource(["SOURCE_POSITION"], lm, kwargs_lens_eqn_solver=SOLVER)
    kwargs_lens = _kwargs_lens(np.random.default_rng(10))

    @jax.jit
    def f(ra_source):
        return ps.point_source_arrays([{"ra_source": ra_source, "dec_source": 0.0,
                                        "point_amp": 1.0}], kwargs_lens)[0]

    with pytest.raises(TypeError, match="solve_image_positions"):
        f(0.1)


# ---------------------------------------------------------------------------- small API pieces
def test_check_positive_flux_matches_reference():
    cases = [
        [{"point_amp": np.array([1.0, 0.0])}, {"source_amp": 2.0}],
        [{"point_amp": np.array([1.0, -1e-9])}],
        [{"source_amp": -1.0}],
        [{"ra_image": np.zeros(1)}],
    ]
    for kwargs_ps in cases:
        expected = RefPointSource.check_positive_flux(kwargs_ps)
        assert PointSource.check_positive_flux(kwargs_ps) == expected
        assert bool(jax.jit(PointSource.positive_flux)(kwargs_ps)) == expected
    assert PointSource.check_positive_flux(None) is True  # the reference raises here


def test_flux_from_point_source_false(lens_models):
    lm, ref_lm = lens_models["SIS"]
    rng = np.random.default_rng(11)
    kwargs_lens = _kwargs_lens(rng, "SIS")
    kwargs_ps = [_lensed_kwargs(rng, 2), _lensed_kwargs(rng, 3)]
    types = ["LENSED_POSITION", "UNLENSED"]
    ps = PointSource(types, lm, flux_from_point_source_list=[False, True])
    ref = RefPointSource(types, ref_lm, flux_from_point_source_list=[False, True])
    _assert_lists_close(ps.image_amplitude(kwargs_ps, kwargs_lens),
                        ref.image_amplitude(kwargs_ps, kwargs_lens))
    for a, b in zip(ps.point_source_list(kwargs_ps, kwargs_lens),
                    ref.point_source_list(kwargs_ps, kwargs_lens), strict=True):
        np.testing.assert_array_equal(a, np.asarray(b))
    assert ps.num_basis(kwargs_ps, kwargs_lens) == ref.num_basis(kwargs_ps, kwargs_lens) == 3
    assert ps.linear_param_from_kwargs(kwargs_ps) == ref.linear_param_from_kwargs(kwargs_ps)


def test_errors_name_model_and_key(lens_models):
    lm, _ = lens_models["SIS"]
    with pytest.raises(ValueError, match=r"point source 1: unknown type 'QUASAR'"):
        PointSource(["UNLENSED", "QUASAR"])
    with pytest.raises(ValueError, match="fixed_magnification_list has 1 entries"):
        PointSource(["UNLENSED", "UNLENSED"], fixed_magnification_list=[False])
    with pytest.raises(ValueError, match=r"point source 0 \(UNLENSED\): fixed_magnification"):
        PointSource(["UNLENSED"], fixed_magnification_list=[True])
    with pytest.raises(ValueError, match="point_source_frame_list is required"):
        PointSource(["LENSED_POSITION"], lm, index_lens_model_list=[[0]])
    ps = PointSource(["UNLENSED", "LENSED_POSITION"], lm)
    with pytest.raises(ValueError, match=r"point source 1 \(LENSED_POSITION\): unknown .*'ra_src'"):
        ps.image_position([{"ra_image": [0.0], "dec_image": [0.0]},
                           {"ra_src": [0.0], "ra_image": [0.0], "dec_image": [0.0]}], None)
    with pytest.raises(ValueError,
                       match=r"point source 1 \(LENSED_POSITION\): missing .*'dec_image'"):
        ps.image_position([{"ra_image": [0.0], "dec_image": [0.0]}, {"ra_image": [0.0]}], None)
    with pytest.raises(ValueError, match=r"point source 0 \(UNLENSED\): missing .*'point_amp'"):
        ps.point_source_list([{"ra_image": [0.0], "dec_image": [0.0]},
                              {"ra_image": [0.0], "dec_image": [0.0], "point_amp": [1.0]}], None)
    with pytest.raises(ValueError, match="got 1 point-source kwargs dicts for 2"):
        ps.image_position([{"ra_image": [0.0], "dec_image": [0.0]}], None)
    with pytest.raises(ValueError, match=r"point source 0 \(UNLENSED\): parameter 'dec_image' is"):
        ps.image_position([{"ra_image": [0.0], "dec_image": [np.nan]},
                           {"ra_image": [0.0], "dec_image": [0.0]}], None)
    with pytest.raises(NotImplementedError, match="multiple source redshifts"):
        PointSource(["SOURCE_POSITION"], lm, redshift_list=[2.0])
    with pytest.raises(ValueError, match="needs a lens model"):
        PointSource(["SOURCE_POSITION"]).image_position(
            [{"ra_source": 0.0, "dec_source": 0.0}], [])


def test_lens_model_subset_per_image(lens_models):
    """index_lens_model_list + point_source_frame_list: each image uses its frame's lenses.

    Parity with the reference for image_amplitude and source_position. The reference's
    linear_response_set ignores the per-image selection (full-model |mu|), inconsistent with
    its own image_amplitude; ours uses the selection in both (a fix), pinned here.
    """
    lm, ref_lm = lens_models["SIS"]
    kwargs_lens = _kwargs_lens(np.random.default_rng(12), "SIS")
    kwargs_ps = [{"ra_image": np.array([1.0, -0.8, 0.3, -0.2]),
                  "dec_image": np.array([0.2, 0.3, -1.0, 0.9]), "source_amp": 2.0}]
    options = dict(fixed_magnification_list=[True], index_lens_model_list=[[0], [0, 1]],
                   point_source_frame_list=[[0, 1, 1, 0]])
    ps = PointSource(["LENSED_POSITION"], lm, **options)
    ref = RefPointSource(["LENSED_POSITION"], ref_lm, **options)
    assert ps.k_list(0) == ref.k_list(0) == [[0], [0, 1], [0, 1], [0]]
    (amp,) = ps.image_amplitude(kwargs_ps, kwargs_lens)
    np.testing.assert_allclose(amp, ref.image_amplitude(kwargs_ps, kwargs_lens)[0],
                               rtol=MU_RTOL_EXACT)
    for ours, theirs in zip(ps.source_position(kwargs_ps, kwargs_lens),
                            ref.source_position(kwargs_ps, kwargs_lens), strict=True):
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    (basis_amp,) = ps.linear_response_set(kwargs_ps, kwargs_lens)[2]
    np.testing.assert_allclose(basis_amp, amp / 2.0, rtol=1e-14)
    full = np.abs(ref_lm.magnification(kwargs_ps[0]["ra_image"], kwargs_ps[0]["dec_image"],
                                       kwargs_lens))
    assert not np.allclose(basis_amp, full)
