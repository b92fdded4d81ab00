"""EPL_MULTIPOLE_M3M4 and EPL_MULTIPOLE_M1M3M4 parity with lenstronomy's profiles of those names
(EPL plus circular multipoles with a_m = a{m}_a theta_E / sqrt(q))."""

import numpy as np
from lens.mass_parity import assert_finite_at_edges, assert_parity


def sample_m3m4(rng):
    q, phi = rng.uniform(0.2, 1.0), rng.uniform(0.0, np.pi)
    return {"theta_E": rng.uniform(0.3, 2.5), "gamma": rng.uniform(1.2, 2.8),
            "e1": (1 - q) / (1 + q) * np.cos(2 * phi), "e2": (1 - q) / (1 + q) * np.sin(2 * phi),
            "center_x": rng.uniform(-0.5, 0.5), "center_y": rng.uniform(-0.5, 0.5),
            "a3_a": rng.uniform(-0.1, 0.1), "delta_phi_m3": rng.uniform(-np.pi / 6, np.pi / 6),
            "a4_a": rng.uniform(-0.1, 0.1), "delta_phi_m4": rng.uniform(-np.pi / 8, np.pi / 8)}


def sample_m1m3m4(rng):
    return {**sample_m3m4(rng), "a1_a": rng.uniform(-0.1, 0.1),
            "delta_phi_m1": rng.uniform(-np.pi, np.pi)}


def test_parity_m3m4():
    assert_parity("EPL_MULTIPOLE_M3M4", sample_m3m4, seed=51,
                  tolerances={"ray_shooting": 1e-8, "potential": 1e-8, "hessian": 1e-7})


def test_parity_m1m3m4():
    assert_parity("EPL_MULTIPOLE_M1M3M4", sample_m1m3m4, seed=52,
                  tolerances={"ray_shooting": 1e-8, "potential": 1e-8, "hessian": 1e-7})


def test_finite_at_centre_and_round():
    base = {"theta_E": 1.0, "gamma": 2.1, "e2": 0.0, "center_x": 0.0, "center_y": 0.1,
            "a3_a": 0.05, "delta_phi_m3": 0.1, "a4_a": -0.03, "delta_phi_m4": 0.2}
    assert_finite_at_edges("EPL_MULTIPOLE_M3M4", [{**base, "e1": e1} for e1 in (0.0, 0.2)])
    assert_finite_at_edges("EPL_MULTIPOLE_M1M3M4",
                           [{**base, "e1": e1, "a1_a": 0.02, "delta_phi_m1": 1.0}
                            for e1 in (0.0, 0.2)])
