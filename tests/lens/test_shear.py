"""SHEAR parity with lenstronomy's ``Shear``."""

from lens.mass_parity import assert_finite_at_edges, assert_parity


def sample(rng):
    return {"gamma1": rng.uniform(-0.2, 0.2), "gamma2": rng.uniform(-0.2, 0.2),
            "ra_0": rng.uniform(-0.5, 0.5), "dec_0": rng.uniform(-0.5, 0.5)}


def test_parity_random_sets():
    assert_parity("SHEAR", sample, seed=14,
                  tolerances={"ray_shooting": 1e-8, "potential": 1e-8, "hessian": 1e-7})


def test_finite_at_centre():
    assert_finite_at_edges("SHEAR", {"gamma1": 0.0, "gamma2": 0.0, "ra_0": 0.0, "dec_0": 0.0})
