"""SHEAR_GAMMA_PSI parity with lenstronomy's ``ShearGammaPsi``."""

import numpy as np
from lens.mass_parity import assert_finite_at_edges, assert_parity


def sample(rng):
    return {"gamma_ext": rng.uniform(0.0, 0.3), "psi_ext": rng.uniform(-np.pi, np.pi),
            "ra_0": rng.uniform(-0.5, 0.5), "dec_0": rng.uniform(-0.5, 0.5)}


def test_parity_random_sets():
    assert_parity("SHEAR_GAMMA_PSI", sample, seed=15,
                  tolerances={"ray_shooting": 1e-8, "potential": 1e-8, "hessian": 1e-7})


def test_finite_at_centre():
    assert_finite_at_edges("SHEAR_GAMMA_PSI", {"gamma_ext": 0.0, "psi_ext": 0.0})
