"""POINT_MASS parity with lenstronomy's ``PointMass``."""

from lens.mass_parity import assert_finite_at_edges, assert_parity


def sample(rng):
    return {"theta_E": rng.uniform(0.05, 2.0), "center_x": rng.uniform(-0.5, 0.5),
            "center_y": rng.uniform(-0.5, 0.5)}


def test_parity_random_sets():
    assert_parity("POINT_MASS", sample, seed=12,
                  tolerances={"ray_shooting": 1e-8, "potential": 1e-8, "hessian": 1e-7})


def test_finite_at_centre():
    assert_finite_at_edges("POINT_MASS", {"theta_E": 0.5, "center_x": 0.0, "center_y": 0.0})
