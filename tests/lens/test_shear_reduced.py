"""SHEAR_REDUCED parity with lenstronomy's ``ShearReduced``."""

from lens.mass_parity import assert_finite_at_edges, assert_parity


def sample(rng):
    return {"gamma1": rng.uniform(-0.3, 0.3), "gamma2": rng.uniform(-0.3, 0.3),
            "ra_0": rng.uniform(-0.5, 0.5), "dec_0": rng.uniform(-0.5, 0.5)}


def test_parity_random_sets():
    assert_parity("SHEAR_REDUCED", sample, seed=16,
                  tolerances={"ray_shooting": 1e-8, "potential": 1e-8, "hessian": 1e-7})


def test_finite_at_centre():
    assert_finite_at_edges("SHEAR_REDUCED", {"gamma1": 0.0, "gamma2": 0.0})
