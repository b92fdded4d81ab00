"""SIS parity with lenstronomy's ``SIS`` (ray_shooting, potential, closed-form hessian)."""

from lens.mass_parity import assert_finite_at_edges, assert_parity


def sample(rng):
    return {"theta_E": rng.uniform(0.1, 3.0), "center_x": rng.uniform(-0.5, 0.5),
            "center_y": rng.uniform(-0.5, 0.5)}


def test_parity_random_sets():
    assert_parity("SIS", sample, seed=11,
                  tolerances={"ray_shooting": 1e-8, "potential": 1e-8, "hessian": 1e-7})


def test_finite_at_centre():
    assert_finite_at_edges("SIS", {"theta_E": 1.0, "center_x": 0.1, "center_y": -0.2})
