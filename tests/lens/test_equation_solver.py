"""Lens-equation solver: parity with lenstronomy's ``LensEquationSolver`` and own checks.

Reference: ``lenstronomy.LensModel.Solver.lens_equation_solver.LensEquationSolver
.image_position_from_source`` (lenstronomy 1.14.2), same keyword arguments, same lens model.

Tolerance of the position comparison. The reference stops its Newton iteration as soon as the
source-plane residual is below ``precision_limit`` (1e-10 arcsec), so its image positions are
only accurate to about ``|J^-1| * 1e-10 <= 2 |mu| * 1e-10`` arcsec (``|J^-1|`` is at most
``2 |mu|`` for the lenses used here); ours are polished to round-off. Positions are therefore
compared with ``atol = 1e-8 + 2 |mu| * precision_limit`` per image (at most ~3e-8 for the
|mu| ~ 100 fold images below). Image lists are compared index by index, which also checks
that both codes order the images the same way (by arrival time).

The reference re-draws rejected Newton steps at random; ``np.random`` is seeded before each
reference call so these tests are reproducible. Those re-draws make the reference itself
miss an image now and then (seen: the strongly demagnified central image of a shallow EPL,
|mu| ~ 5e-4, found with some seeds and not with others). ``assert_matches_reference``
therefore accepts agreement with the reference run under any of a few seeds; the images must
still agree exactly in number, order and (to the tolerance above) position with that run.
"""

from __future__ import annotations

import numpy as np
import pytest
from lenstronomy.LensModel.lens_model import LensModel as RefLensModel
from lenstronomy.LensModel.Solver.lens_equation_solver import (
    LensEquationSolver as RefLensEquationSolver,
)

from chromalens.lens import LensEquationSolver, LensModel

PRECISION_LIMIT = 1e-10
SIE_SHEAR = ["SIE", "SHEAR"]
EPL_SHEAR = ["EPL", "SHEAR"]


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def sie_shear():
    """(our LensModel, our solver, reference solver) for SIE + SHEAR, built once per module."""
    lens_model = LensModel(SIE_SHEAR)
    return (
        lens_model,
        LensEquationSolver(lens_model),
        RefLensEquationSolver(RefLensModel(SIE_SHEAR)),
    )


@pytest.fixture(scope="module")
def epl_shear():
    try:
        lens_model = LensModel(EPL_SHEAR)
    except ValueError:
        pytest.skip("EPL profile not available yet")
    return (
        lens_model,
        LensEquationSolver(lens_model),
        RefLensEquationSolver(RefLensModel(EPL_SHEAR)),
    )


# ----------------------------------------------------------------------------- helpers
def random_sie_shear(rng):
    return [
        {
            "theta_E": rng.uniform(0.8, 1.4),
            "e1": rng.uniform(-0.25, 0.25),
            "e2": rng.uniform(-0.25, 0.25),
            "center_x": rng.uniform(-0.05, 0.05),
            "center_y": rng.uniform(-0.05, 0.05),
        },
        {"gamma1": rng.uniform(-0.08, 0.08), "gamma2": rng.uniform(-0.08, 0.08)},
    ]


def random_epl_shear(rng):
    kwargs = random_sie_shear(rng)
    kwargs[0]["gamma"] = rng.uniform(1.6, 2.4)
    return kwargs


def random_source(rng, kind):
    """A source position likely (not certain) to give a quad ('quad') or a double ('double')."""
    radius = rng.uniform(0.0, 0.05) if kind == "quad" else rng.uniform(0.3, 0.6)
    angle = rng.uniform(0, 2 * np.pi)
    return radius * np.cos(angle), radius * np.sin(angle)


def padded(function, x, y, kwargs, size=8):
    """``function(x, y, kwargs)`` on points padded to ``size``: one compilation for all calls.

    The lens model compiles per input shape; EPL compilations are slow.
    """
    n = len(x)
    x_pad, y_pad = np.full(size, x[0]), np.full(size, y[0])
    x_pad[:n], y_pad[:n] = x, y
    out = function(x_pad, y_pad, kwargs)
    if isinstance(out, tuple):
        return tuple(np.asarray(v)[:n] for v in out)
    return np.asarray(out)[:n]


def solve_reference(ref_solver, source_x, source_y, kwargs, seed=0, **options):
    np.random.seed(seed)  # the reference re-draws rejected Newton steps with np.random
    return ref_solver.image_position_from_source(source_x, source_y, kwargs, **options)


def assert_same_images(lens_model, kwargs, ours, reference):
    """Same number of images, same order, positions equal within the documented tolerance."""
    x, y = (np.asarray(v) for v in ours)
    x_ref, y_ref = (np.asarray(v) for v in reference)
    assert len(x) == len(x_ref), f"{len(x)} images found, reference {len(x_ref)}"
    if len(x) == 0:
        return
    mu = np.abs(padded(lens_model.magnification, x, y, kwargs))
    tolerance = 1e-8 + 2.0 * mu * PRECISION_LIMIT
    distance = np.hypot(x - x_ref, y - y_ref)
    assert np.all(distance <= tolerance), (
        f"positions differ by {distance} (tolerance {tolerance}); ours {x, y}, "
        f"reference {x_ref, y_ref}"
    )


def assert_matches_reference(lens_model, kwargs, ours, ref_solver, source, seed=0, **options):
    """``assert_same_images`` against the reference run with seed ``seed``, or failing that,
    with any of 4 further seeds (the reference's random step re-draws; module docstring)."""
    failures = []
    for attempt in range(5):
        reference = solve_reference(
            ref_solver, *source, kwargs, seed=seed + 1000 * attempt, **options
        )
        try:
            assert_same_images(lens_model, kwargs, ours, reference)
            return
        except AssertionError as error:
            failures.append(str(error))
    raise AssertionError("no reference run agrees:\n" + "\n".join(failures))


def assert_solutions(lens_model, kwargs, source_x, source_y, x, y):
    """Every returned position maps onto the source to better than the precision limit.

    The refinement continues a few Newton steps past ``precision_limit``, so the residual is
    at float64 round-off; 1e-12 arcsec is asserted (the requirement is 1e-10).
    """
    assert len(x) > 0
    beta_x, beta_y = padded(lens_model.ray_shooting, x, y, kwargs)
    residual = np.hypot(beta_x - source_x, beta_y - source_y)
    assert np.all(residual < 1e-12), residual


def critical_radius(lens_model, kwargs, angle, r_low=0.2, r_high=3.0):
    """Radius of the tangential critical curve along ``angle`` from the lens centre (bisection)."""
    center_x, center_y = kwargs[0]["center_x"], kwargs[0]["center_y"]

    def jacobian_determinant(radius):
        f_xx, f_xy, f_yx, f_yy = (
            np.asarray(v)
            for v in lens_model.hessian(
                center_x + radius * np.cos(angle), center_y + radius * np.sin(angle), kwargs
            )
        )
        return (1 - f_xx) * (1 - f_yy) - f_xy * f_yx

    assert jacobian_determinant(r_low) < 0 < jacobian_determinant(r_high)
    for _ in range(60):
        middle = 0.5 * (r_low + r_high)
        if jacobian_determinant(middle) < 0:
            r_low = middle
        else:
            r_high = middle
    return 0.5 * (r_low + r_high)


def fold_source(lens_model, kwargs, angle, offset):
    """Source near a fold: the image of a point ``offset`` outside the critical curve."""
    center_x, center_y = kwargs[0]["center_x"], kwargs[0]["center_y"]
    radius = critical_radius(lens_model, kwargs, angle) + offset
    beta = lens_model.ray_shooting(
        center_x + radius * np.cos(angle), center_y + radius * np.sin(angle), kwargs
    )
    return float(beta[0]), float(beta[1])


def cusp_source(lens_model, kwargs, angle, inset, tilt):
    """Source just inside a cusp of an axis-aligned SIE + SHEAR (``angle`` along an axis).

    The cusp is the image of the critical point on the symmetry axis; the source is moved
    towards the centre by the fraction ``inset`` and sideways by ``tilt`` (breaking the exact
    symmetry, which would make two arrival times equal).
    """
    radius = critical_radius(lens_model, kwargs, angle)
    cusp_x, cusp_y = (
        float(v)
        for v in lens_model.ray_shooting(radius * np.cos(angle), radius * np.sin(angle), kwargs)
    )
    return cusp_x * (1 - inset) - tilt * cusp_y, cusp_y * (1 - inset) + tilt * cusp_x


AXIS_ALIGNED_SIE_SHEAR = [
    {"theta_E": 1.2, "e1": 0.15, "e2": 0.0, "center_x": 0.0, "center_y": 0.0},
    {"gamma1": 0.03, "gamma2": 0.0},
]
GENERIC_SIE_SHEAR = [
    {"theta_E": 1.05, "e1": -0.12, "e2": 0.08, "center_x": 0.03, "center_y": -0.02},
    {"gamma1": 0.04, "gamma2": -0.03},
]
FINE_GRID = {"min_distance": 0.01, "search_window": 4}
COARSE_GRID = {"min_distance": 0.02, "search_window": 5}


# ----------------------------------------------------------------------------- parity
def test_random_quads_and_doubles_match_reference(sie_shear):
    lens_model, solver, ref_solver = sie_shear
    rng = np.random.default_rng(20240603)
    counts = []
    for system in range(6):
        kwargs = random_sie_shear(rng)
        source_x, source_y = random_source(rng, "quad" if system % 2 == 0 else "double")
        ours = solver.image_position_from_source(source_x, source_y, kwargs, **COARSE_GRID)
        assert_matches_reference(
            lens_model, kwargs, ours, ref_solver, (source_x, source_y), **COARSE_GRID
        )
        assert_solutions(lens_model, kwargs, source_x, source_y, *ours)
        counts.append(len(ours[0]))
    assert {2, 4} <= set(counts), counts


@pytest.mark.parametrize(
    ("configuration", "expected_count"),
    [("fold", 4), ("close_fold", 4), ("cusp", 4), ("cusp_minor_axis", 4), ("near_cusp_double", 2)],
)
def test_fold_and_cusp_configurations_match_reference(sie_shear, configuration, expected_count):
    lens_model, solver, ref_solver = sie_shear
    if configuration == "fold":
        kwargs = GENERIC_SIE_SHEAR
        source = fold_source(lens_model, kwargs, 0.7, 0.02)
    elif configuration == "close_fold":  # images ~0.1 arcsec apart, |mu| ~ 100
        kwargs = AXIS_ALIGNED_SIE_SHEAR
        source = fold_source(lens_model, kwargs, 2.3, 0.01)
    elif configuration == "cusp":  # three bright images around the major-axis cusp
        kwargs = AXIS_ALIGNED_SIE_SHEAR
        source = cusp_source(lens_model, kwargs, 0.0, 0.15, 0.005)
    elif configuration == "cusp_minor_axis":
        kwargs = AXIS_ALIGNED_SIE_SHEAR
        source = cusp_source(lens_model, kwargs, np.pi / 2, 0.15, 0.005)
    else:  # just outside the cusp: a double with one strongly magnified image
        kwargs = AXIS_ALIGNED_SIE_SHEAR
        source = cusp_source(lens_model, kwargs, np.pi, -0.05, 0.005)
    ours = solver.image_position_from_source(*source, kwargs, **FINE_GRID)
    assert len(ours[0]) == expected_count
    assert_matches_reference(lens_model, kwargs, ours, ref_solver, source, **FINE_GRID)
    assert_solutions(lens_model, kwargs, *source, *ours)
    if configuration.startswith("cusp"):
        mu = np.abs(np.asarray(lens_model.magnification(*ours, kwargs)))
        assert np.sum(mu > 10) == 3, mu  # a cusp configuration: three bright images


def test_epl_shear_matches_reference(epl_shear):
    lens_model, solver, ref_solver = epl_shear
    rng = np.random.default_rng(7)
    for system in range(2):
        kwargs = random_epl_shear(rng)
        source_x, source_y = random_source(rng, "quad" if system % 2 == 0 else "double")
        ours = solver.image_position_from_source(source_x, source_y, kwargs, **COARSE_GRID)
        assert_matches_reference(
            lens_model, kwargs, ours, ref_solver, (source_x, source_y), **COARSE_GRID
        )
        assert_solutions(lens_model, kwargs, source_x, source_y, *ours)


def test_keyword_options_match_reference(sie_shear):
    """Off-centre search window, magnification_limit, no arrival-time sort, find_bright_image."""
    lens_model, solver, ref_solver = sie_shear
    kwargs = [dict(GENERIC_SIE_SHEAR[0]), dict(GENERIC_SIE_SHEAR[1])]
    kwargs[0]["center_x"], kwargs[0]["center_y"] = 3.1, -2.2
    kwargs[1].update(ra_0=3.1, dec_0=-2.2)
    source = (3.12, -2.21)
    options = dict(min_distance=0.02, search_window=3.5, x_center=3.1, y_center=-2.2)
    assert_same_images(
        lens_model,
        kwargs,
        solver.image_position_from_source(*source, kwargs, **options),
        solve_reference(ref_solver, *source, kwargs, **options),
    )
    for extra in ({"magnification_limit": 3.0}, {"arrival_time_sort": False}):
        ours = solver.image_position_from_source(*source, kwargs, **options, **extra)
        reference = solve_reference(ref_solver, *source, kwargs, **options, **extra)
        assert_same_images(lens_model, kwargs, ours, reference)
    limited = solver.image_position_from_source(*source, kwargs, **options, magnification_limit=3.0)
    assert 0 < len(limited[0]) < 4
    bright = solver.find_bright_image(*source, kwargs, numImages=2, **options)
    np.random.seed(0)
    bright_ref = ref_solver.find_bright_image(*source, kwargs, numImages=2, **options)
    assert_same_images(lens_model, kwargs, bright, bright_ref)
    assert solver.findBrightImage == solver.find_bright_image


# ----------------------------------------------------------------------------- own behaviour
def test_finds_every_image_of_a_near_ring(sie_shear):
    """A nearly round lens with the source 2e-4 arcsec from the centre of its tiny caustic:
    six images, |mu| up to 1e4. The reference (seed 34) returns only five of them; the sixth,
    near (0.0036, -1.2111), also solves the lens equation to 1e-16 in the reference's own
    ray shooting. Ours finds all six.
    """
    lens_model, solver, ref_solver = sie_shear
    kwargs = [
        {
            "theta_E": 1.177114608487947,
            "e1": -0.08497233638847479,
            "e2": 0.0,
            "center_x": 0.0,
            "center_y": 0.0,
        },
        {"gamma1": -0.05789349019959225, "gamma2": 0.0},
    ]
    source = (-1.5370254618519089e-06, 0.00021566892687768002)
    x, y = solver.image_position_from_source(*source, kwargs, **FINE_GRID)
    assert len(x) == 6
    assert_solutions(lens_model, kwargs, *source, x, y)
    x_ref, y_ref = solve_reference(ref_solver, *source, kwargs, seed=34, **FINE_GRID)
    assert len(x_ref) == 5
    # every reference image is one of ours
    distance = np.hypot(x[:, None] - x_ref[None, :], y[:, None] - y_ref[None, :])
    assert np.all(distance.min(axis=0) < 1e-7)
    beta = RefLensModel(SIE_SHEAR).ray_shooting(x, y, kwargs)
    assert np.all(np.hypot(beta[0] - source[0], beta[1] - source[1]) < 1e-12)


def test_deterministic(sie_shear):
    lens_model, solver, _ = sie_shear
    source = fold_source(lens_model, GENERIC_SIE_SHEAR, 0.7, 0.02)
    first = solver.image_position_from_source(*source, GENERIC_SIE_SHEAR, **FINE_GRID)
    second = solver.image_position_from_source(*source, GENERIC_SIE_SHEAR, **FINE_GRID)
    other_solver = LensEquationSolver(lens_model)
    third = other_solver.image_position_from_source(*source, GENERIC_SIE_SHEAR, **FINE_GRID)
    for result in (second, third):
        np.testing.assert_array_equal(result[0], first[0])
        np.testing.assert_array_equal(result[1], first[1])
    with_random = [
        solver.image_position_from_source(*source, GENERIC_SIE_SHEAR, num_random=20, **FINE_GRID)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(with_random[0][0], with_random[1][0])
    np.testing.assert_allclose(with_random[0][0], first[0], rtol=0, atol=1e-12)


def test_candidate_buffer_grows(sie_shear):
    """More grid minima than buffer slots: the buffer grows within the call, same images.

    A different buffer size changes the shapes of the compiled refinement, so agreement is
    to round-off rather than bit-for-bit.
    """
    lens_model, _, _ = sie_shear
    kwargs = GENERIC_SIE_SHEAR
    source = (0.02, 0.01)
    expected = LensEquationSolver(lens_model).image_position_from_source(
        *source, kwargs, **COARSE_GRID
    )
    solver = LensEquationSolver(lens_model)
    solver._max_candidates = 1
    result = solver.image_position_from_source(*source, kwargs, **COARSE_GRID)
    assert len(result[0]) == len(expected[0]) == 4
    np.testing.assert_allclose(result[0], expected[0], rtol=0, atol=1e-13)
    np.testing.assert_allclose(result[1], expected[1], rtol=0, atol=1e-13)


def test_sorted_by_arrival_time(sie_shear):
    lens_model, solver, _ = sie_shear
    x, y = solver.image_position_from_source(0.03, -0.02, GENERIC_SIE_SHEAR, **COARSE_GRID)
    assert len(x) == 4
    fermat = np.asarray(lens_model.fermat_potential(x, y, GENERIC_SIE_SHEAR))
    assert np.all(np.diff(fermat) > 0)


def test_stochastic_solver_finds_same_images(sie_shear):
    lens_model, solver, _ = sie_shear
    source = (0.03, -0.02)
    grid = solver.image_position_from_source(source[0], source[1], GENERIC_SIE_SHEAR, **COARSE_GRID)
    stochastic = solver.image_position_from_source(
        source[0],
        source[1],
        GENERIC_SIE_SHEAR,
        solver="stochastic",
        search_window=5,
        num_random=200,
    )
    np.testing.assert_allclose(stochastic[0], grid[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(stochastic[1], grid[1], rtol=0, atol=1e-12)


def test_no_image_in_window_returns_empty(sie_shear):
    _, solver, _ = sie_shear
    x, y = solver.image_position_from_source(
        0.0,
        0.0,
        GENERIC_SIE_SHEAR,
        min_distance=0.05,
        search_window=1.0,
        x_center=5.0,
        y_center=5.0,
    )
    assert x.shape == (0,) and y.shape == (0,)


def test_errors(sie_shear):
    _, solver, _ = sie_shear
    with pytest.raises(NotImplementedError, match="analytical"):
        solver.image_position_from_source(0.0, 0.0, GENERIC_SIE_SHEAR, solver="analytical")
    with pytest.raises(ValueError, match="not a valid solver"):
        solver.image_position_from_source(0.0, 0.0, GENERIC_SIE_SHEAR, solver="bogus")
    with pytest.raises(TypeError, match="list of dicts"):
        solver.image_position_from_source(0.0, 0.0, GENERIC_SIE_SHEAR[0])
    with pytest.raises(ValueError, match="scalar"):
        solver.image_position_from_source([0.0, 1.0], 0.0, GENERIC_SIE_SHEAR)
    with pytest.raises(ValueError, match="theta_E"):
        solver.image_position_from_source(
            0.0,
            0.0,
            [{"e1": 0.1, "e2": 0.0, "center_x": 0.0, "center_y": 0.0}, GENERIC_SIE_SHEAR[1]],
        )
    with pytest.raises(TypeError, match="unexpected keyword"):
        solver.image_position_from_source(0.0, 0.0, GENERIC_SIE_SHEAR, bogus_option=1)


# ----------------------------------------------------------------------------- slow sweeps
def wide_prior_system(rng, with_slope):
    """Lens and source from a wide prior: |e| up to 0.4, shear up to 0.15, gamma 1.3-2.7."""
    kwargs = random_sie_shear(rng)
    kwargs[0]["e1"], kwargs[0]["e2"] = rng.uniform(-0.4, 0.4, 2)
    kwargs[1]["gamma1"], kwargs[1]["gamma2"] = rng.uniform(-0.15, 0.15, 2)
    if with_slope:
        kwargs[0]["gamma"] = rng.uniform(1.3, 2.7)
    return kwargs, tuple(rng.uniform(-0.3, 0.3, 2))


@pytest.mark.slow
@pytest.mark.parametrize("grid", [COARSE_GRID, {"min_distance": 0.05, "search_window": 6}])
def test_sweep_sie_shear(sie_shear, grid):
    """100 random SIE + SHEAR systems per grid, wide prior (quads and doubles)."""
    lens_model, solver, ref_solver = sie_shear
    rng = np.random.default_rng(11)
    counts = []
    for system in range(100):
        kwargs, source = wide_prior_system(rng, with_slope=False)
        ours = solver.image_position_from_source(*source, kwargs, **grid)
        assert_matches_reference(lens_model, kwargs, ours, ref_solver, source, seed=system, **grid)
        assert_solutions(lens_model, kwargs, *source, *ours)
        counts.append(len(ours[0]))
    assert counts.count(4) >= 25 and counts.count(2) >= 25, counts


@pytest.mark.slow
def test_sweep_epl_shear(epl_shear):
    """100 random EPL + SHEAR systems, wide prior (2 to 5 images: shallow slopes have a
    central image)."""
    lens_model, solver, ref_solver = epl_shear
    rng = np.random.default_rng(12)
    counts = []
    for system in range(100):
        kwargs, source = wide_prior_system(rng, with_slope=True)
        ours = solver.image_position_from_source(*source, kwargs, **COARSE_GRID)
        assert_matches_reference(
            lens_model, kwargs, ours, ref_solver, source, seed=system, **COARSE_GRID
        )
        assert_solutions(lens_model, kwargs, *source, *ours)
        counts.append(len(ours[0]))
    assert counts.count(4) >= 20 and counts.count(2) >= 20, counts


@pytest.mark.slow
def test_sweep_folds(sie_shear):
    """Random lenses, sources 0.005-0.03 arcsec (image plane) off a random fold."""
    lens_model, solver, ref_solver = sie_shear
    rng = np.random.default_rng(13)
    for system in range(50):
        kwargs = random_sie_shear(rng)
        source = fold_source(
            lens_model, kwargs, rng.uniform(0, 2 * np.pi), rng.uniform(0.005, 0.03)
        )
        ours = solver.image_position_from_source(*source, kwargs, **FINE_GRID)
        assert_matches_reference(
            lens_model, kwargs, ours, ref_solver, source, seed=system, **FINE_GRID
        )
        assert_solutions(lens_model, kwargs, *source, *ours)


@pytest.mark.slow
def test_sweep_cusps(sie_shear):
    """Axis-aligned SIE + SHEAR, sources just inside one of the four cusps."""
    lens_model, solver, ref_solver = sie_shear
    rng = np.random.default_rng(14)
    for system in range(40):
        while True:  # skip nearly round lenses, whose caustic (and cusps) shrink to a point
            kwargs = [
                {
                    "theta_E": rng.uniform(0.8, 1.4),
                    "e1": rng.uniform(-0.25, 0.25),
                    "e2": 0.0,
                    "center_x": 0.0,
                    "center_y": 0.0,
                },
                {"gamma1": rng.uniform(-0.08, 0.08), "gamma2": 0.0},
            ]
            angle = rng.integers(4) * np.pi / 2
            if np.hypot(*cusp_source(lens_model, kwargs, angle, 0.0, 0.0)) > 0.05:
                break
        source = cusp_source(
            lens_model, kwargs, angle, rng.uniform(0.05, 0.3), rng.uniform(-0.01, 0.01)
        )
        ours = solver.image_position_from_source(*source, kwargs, **FINE_GRID)
        assert_matches_reference(
            lens_model, kwargs, ours, ref_solver, source, seed=system, **FINE_GRID
        )
        assert_solutions(lens_model, kwargs, *source, *ours)
