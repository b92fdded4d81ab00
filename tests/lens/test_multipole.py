"""MULTIPOLE parity with lenstronomy's ``Multipole`` (m = 1 ... 6, m traced under vmap)."""

import numpy as np
from lens.mass_parity import assert_finite_at_edges, assert_parity

from chromalens.lens import LensModel


def sample(rng):
    return {"m": int(rng.integers(1, 7)), "a_m": rng.uniform(0.0, 0.1),
            "phi_m": rng.uniform(-np.pi, np.pi), "center_x": rng.uniform(-0.5, 0.5),
            "center_y": rng.uniform(-0.5, 0.5), "r_E": rng.uniform(0.5, 2.0)}


def test_parity_random_sets():
    assert_parity("MULTIPOLE", sample, seed=18,
                  tolerances={"ray_shooting": 1e-8, "potential": 1e-8, "hessian": 1e-7})


def test_static_order_matches_traced():
    model = LensModel(["MULTIPOLE"])
    x, y = np.linspace(-1, 1, 7), np.linspace(0.5, -0.5, 7)
    for m in (1, 4):
        kw = {"m": m, "a_m": 0.05, "phi_m": 0.3}
        static = model.alpha(x, y, [kw])
        traced = model.alpha(x, y, [{**kw, "m": np.float64(m)}])
        np.testing.assert_allclose(np.array(static), np.array(traced), rtol=1e-14, atol=1e-16)


def test_finite_at_centre():
    assert_finite_at_edges("MULTIPOLE", [{"m": m, "a_m": 0.05, "phi_m": 0.2} for m in (1, 3, 4)])
