"""DifferentialExtinction: parity with lenstronomy's ``ImSim.differential_extinction``.

Mirrors ``DifferentialExtinction.extinction`` and ``compute_bool``. Tolerance 1e-10 relative
(exp of a sum of light profiles; both codes evaluate the same closed forms).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from lenstronomy.ImSim.differential_extinction import (
    DifferentialExtinction as RefDifferentialExtinction,
)

from chromalens.extinction import DifferentialExtinction

MODELS = ["GAUSSIAN_ELLIPSE", "SERSIC_ELLIPSE"]


def _kwargs(rng):
    return [
        {"amp": rng.uniform(0.5, 2.0), "sigma": rng.uniform(0.3, 1.0),
         "e1": rng.uniform(-0.2, 0.2), "e2": rng.uniform(-0.2, 0.2),
         "center_x": rng.uniform(-0.2, 0.2), "center_y": rng.uniform(-0.2, 0.2)},
        {"amp": rng.uniform(0.1, 1.0), "R_sersic": rng.uniform(0.3, 1.5),
         "n_sersic": rng.uniform(1.0, 4.0), "e1": rng.uniform(-0.2, 0.2),
         "e2": rng.uniform(-0.2, 0.2), "center_x": rng.uniform(-0.2, 0.2),
         "center_y": rng.uniform(-0.2, 0.2)},
    ]


@pytest.fixture(scope="module")
def grid():
    x, y = np.meshgrid(np.linspace(-2.0, 2.0, 21), np.linspace(-1.5, 2.5, 21))
    return x.ravel(), y.ravel()


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("tau0_index", [0, 1])
def test_extinction_parity(grid, seed, tau0_index):
    rng = np.random.default_rng(seed)
    x, y = grid
    kwargs = _kwargs(rng)
    special = {"tau0_list": rng.uniform(0.2, 2.0, 2)}
    ours = DifferentialExtinction(MODELS, tau0_index=tau0_index)
    ref = RefDifferentialExtinction(MODELS, tau0_index=tau0_index)
    assert ours.compute_bool is ref.compute_bool is True
    expected = ref.extinction(x, y, kwargs, special)
    actual = ours.extinction(x, y, kwargs, special)
    assert actual.shape == x.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-10)
    assert np.all(expected < 1)
    # without tau0_list: tau0 = 1
    np.testing.assert_allclose(ours.extinction(x, y, kwargs, {}), ref.extinction(x, y, kwargs, {}),
                               rtol=1e-10)


def test_no_model_or_no_kwargs_gives_one(grid):
    x, y = grid
    ours, ref = DifferentialExtinction(), RefDifferentialExtinction()
    assert ours.compute_bool is ref.compute_bool is False
    np.testing.assert_array_equal(ours.extinction(x, y, [{"amp": 1.0}], {}), np.ones(x.shape))
    assert ref.extinction(x, y, [{"amp": 1.0}], {}) == 1
    with_model = DifferentialExtinction(MODELS)
    np.testing.assert_array_equal(with_model.extinction(x, y, None, {"tau0_list": [3.0]}), 1.0)
    assert RefDifferentialExtinction(MODELS).extinction(x, y, None, {}) == 1


def test_kwargs_special_none_means_tau0_one(grid):
    """The reference raises AttributeError for kwargs_special=None; we treat it as tau0=1."""
    x, y = grid
    kwargs = _kwargs(np.random.default_rng(3))
    ref = RefDifferentialExtinction(MODELS)
    with pytest.raises(AttributeError):
        ref.extinction(x, y, kwargs, None)
    np.testing.assert_allclose(DifferentialExtinction(MODELS).extinction(x, y, kwargs, None),
                               ref.extinction(x, y, kwargs, {}), rtol=1e-10)


def test_jit_and_grad(grid):
    x, y = grid
    kwargs = _kwargs(np.random.default_rng(4))
    ext = DifferentialExtinction(MODELS, tau0_index=1)
    special = {"tau0_list": jnp.array([0.5, 1.5])}
    jitted = jax.jit(ext.extinction)(x, y, kwargs, special)
    np.testing.assert_allclose(jitted, ext.extinction(x, y, kwargs, special), rtol=1e-14)

    def total(tau0):
        return jnp.sum(ext.extinction(x, y, kwargs, {"tau0_list": jnp.array([0.5, tau0])}))

    tau = -np.log(np.asarray(ext.extinction(x, y, kwargs, {})))  # tau0 = 1
    expected = -np.sum(tau * np.exp(-1.5 * tau))
    np.testing.assert_allclose(jax.grad(total)(1.5), expected, rtol=1e-10)


def test_errors():
    x = np.zeros(3)
    ext = DifferentialExtinction(MODELS, tau0_index=2)
    kwargs = _kwargs(np.random.default_rng(5))
    with pytest.raises(ValueError, match="tau0_index=2"):
        ext.extinction(x, x, kwargs, {"tau0_list": [1.0, 2.0]})
    with pytest.raises(ValueError):
        ext.extinction(x, x, kwargs[:1], {})
    with pytest.raises(ValueError, match="light profile 0"):
        DifferentialExtinction(["NOT_A_PROFILE"])
