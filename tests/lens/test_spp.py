"""SPP parity with lenstronomy's ``SPP``.

The reference's deflection is NaN at the exact centre for gamma > 2 (0 * inf); chromalens
returns 0 there. Points where the reference is not finite are skipped by ``assert_parity``
(chromalens values are still required to be finite).
"""

from lens.mass_parity import assert_finite_at_edges, assert_parity


def sample(rng):
    return {"theta_E": rng.uniform(0.3, 2.5), "gamma": rng.uniform(1.2, 2.8),
            "center_x": rng.uniform(-0.5, 0.5), "center_y": rng.uniform(-0.5, 0.5)}


def test_parity_random_sets():
    assert_parity("SPP", sample, seed=13,
                  tolerances={"ray_shooting": 1e-8, "potential": 1e-8, "hessian": 1e-7})


def test_finite_at_centre():
    assert_finite_at_edges("SPP", [{"theta_E": 1.0, "gamma": gamma, "center_x": 0.2,
                                    "center_y": 0.0} for gamma in (1.5, 2.0, 2.5)])
