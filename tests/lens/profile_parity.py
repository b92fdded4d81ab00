"""Shared pieces of the per-profile parity tests against the reference's profile classes
(imported as ``lens.profile_parity``; pytest has ``pythonpath = ["tests"]``)."""

from __future__ import annotations

import numpy as np


def grid_and_random_points(rng, params, n_grid: int = 7, n_random: int = 40,
                           spread: float = 8.0):
    """Per parameter set: an ``n_grid`` x ``n_grid`` grid over +-3", random points within
    +-``spread``", and the profile centre as the first point. Returns ``x, y`` of shape
    ``(n_sets, n_grid**2 + n_random)``."""
    n = len(params["center_x"])
    g = np.linspace(-3.0, 3.0, n_grid)
    gx, gy = (a.ravel() for a in np.meshgrid(g, g))
    x = np.concatenate([np.tile(gx, (n, 1)), rng.uniform(-spread, spread, (n, n_random))],
                       axis=1)
    y = np.concatenate([np.tile(gy, (n, 1)), rng.uniform(-spread, spread, (n, n_random))],
                       axis=1)
    x[:, 0], y[:, 0] = params["center_x"], params["center_y"]
    return x, y


def reference_values(ref, x, y, params):
    """The reference profile's ``derivatives``, ``function`` and ``hessian``, set by set."""
    alpha, psi, hess = [], [], []
    for i in range(x.shape[0]):
        p = {k: float(v[i]) for k, v in params.items()}
        alpha.append(ref.derivatives(x[i].copy(), y[i].copy(), **p))
        psi.append(ref.function(x[i].copy(), y[i].copy(), **p))
        hess.append(ref.hessian(x[i].copy(), y[i].copy(), **p))
    return np.array(alpha), np.array(psi), np.array(hess)


def assert_close(actual, expected, rtol, atol_fraction, mask=None):
    """Elementwise ``|a - e| <= rtol |e| + atol_fraction * max|e|`` per parameter set
    (first axis); ``mask`` selects the elements checked."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    scale = np.max(np.abs(expected.reshape(expected.shape[0], -1)), axis=1)
    scale = scale.reshape((-1,) + (1,) * (expected.ndim - 1))
    excess = np.abs(actual - expected) - (rtol * np.abs(expected) + atol_fraction * scale)
    if mask is not None:
        excess = np.where(mask, excess, 0.0)
    assert np.all(excess <= 0), f"max excess {excess.max():.3g}"
