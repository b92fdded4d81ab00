"""CONVERGENCE parity with lenstronomy's ``Convergence``."""

from lens.mass_parity import assert_finite_at_edges, assert_parity


def sample(rng):
    return {"kappa": rng.uniform(-0.5, 0.5), "ra_0": rng.uniform(-0.5, 0.5),
            "dec_0": rng.uniform(-0.5, 0.5)}


def test_parity_random_sets():
    assert_parity("CONVERGENCE", sample, seed=17,
                  tolerances={"ray_shooting": 1e-8, "potential": 1e-8, "hessian": 1e-7})


def test_finite_at_centre():
    assert_finite_at_edges("CONVERGENCE", {"kappa": 0.1})
