"""The weighted linear solve: blocks of pixels (bands) and per-block backgrounds.

The block form must equal the plain solve on the concatenated pixels, and the closed-form
background rows must equal explicit rows of ones; both are checked against numpy's
least squares as an independent oracle.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

from chromalens.imaging.linear_solve import (
    weighted_least_squares,
    weighted_least_squares_blocks,
)


def _blocks(rng, m=4, sizes=(30, 45, 20)):
    return [(rng.normal(size=(m, n)), rng.uniform(0.5, 2.0, n), rng.normal(size=n))
            for n in sizes]


def _lstsq(A, w, d):
    """Weighted least squares by numpy (oracle): minimises sum w (A^T p - d)^2."""
    root = np.sqrt(w)
    return np.linalg.lstsq((A * root).T, d * root, rcond=None)[0]


@pytest.mark.parametrize("inv_bool", [False, True])
def test_blocks_equal_concatenated_solve(inv_bool):
    rng = np.random.default_rng(7)
    blocks = _blocks(rng)
    A = np.concatenate([b[0] for b in blocks], axis=1)
    w = np.concatenate([b[1] for b in blocks])
    d = np.concatenate([b[2] for b in blocks])
    param, cov, models = weighted_least_squares_blocks(blocks, inv_bool=inv_bool)
    param_ref, cov_ref, model_ref = weighted_least_squares(A, w, d, inv_bool=inv_bool)
    np.testing.assert_allclose(param, _lstsq(A, w, d), rtol=1e-10)
    np.testing.assert_allclose(param, param_ref, rtol=1e-12)
    np.testing.assert_allclose(np.concatenate(models), model_ref, rtol=1e-12, atol=1e-12)
    if inv_bool:
        np.testing.assert_allclose(cov, np.linalg.inv((A * w) @ A.T), rtol=1e-10)
        np.testing.assert_allclose(cov, cov_ref, rtol=1e-12)
    else:
        assert cov is None


def test_background_rows_in_closed_form():
    """One constant per block equals explicit response rows of ones over that block."""
    rng = np.random.default_rng(8)
    blocks = _blocks(rng)
    sizes = [b[0].shape[1] for b in blocks]
    A = np.concatenate([b[0] for b in blocks], axis=1)
    ones = np.zeros((len(blocks), A.shape[1]))
    start = 0
    for row, size in enumerate(sizes):
        ones[row, start:start + size] = 1.0
        start += size
    A_full = np.vstack([A, ones])
    w = np.concatenate([b[1] for b in blocks])
    d = np.concatenate([b[2] for b in blocks])
    param, cov, models = weighted_least_squares_blocks(blocks, inv_bool=True, background=True)
    assert param.shape == (A.shape[0] + len(blocks),)
    np.testing.assert_allclose(param, _lstsq(A_full, w, d), rtol=1e-10)
    np.testing.assert_allclose(cov, np.linalg.inv((A_full * w) @ A_full.T), rtol=1e-10)
    np.testing.assert_allclose(np.concatenate(models), A_full.T @ np.asarray(param),
                               rtol=1e-12, atol=1e-12)


def test_blocks_gradient_matches_finite_differences():
    rng = np.random.default_rng(9)
    blocks = _blocks(rng, m=3, sizes=(25, 35))
    directions = [rng.normal(size=A.shape) for A, _, _ in blocks]

    def chi2(t):
        moved = [(A + t * B, w, d) for (A, w, d), B in zip(blocks, directions, strict=True)]
        _, _, models = weighted_least_squares_blocks(moved, background=True)
        return sum(((model - d) ** 2 * w).sum() for model, (_, w, d) in zip(
            models, blocks, strict=True))

    value, step = 0.2, 1e-6
    grad = float(jax.grad(chi2)(value))
    numeric = (float(chi2(value + step)) - float(chi2(value - step))) / (2 * step)
    assert abs(grad) > 1e-3
    np.testing.assert_allclose(grad, numeric, rtol=1e-6)


def test_singular_blocks_give_zeros():
    """Two identical rows: cond(M) is infinite, every amplitude is 0 (reference rule)."""
    rng = np.random.default_rng(10)
    A, w, d = _blocks(rng, m=2, sizes=(40,))[0]
    A[1] = A[0]
    param, cov, models = weighted_least_squares_blocks([(A, w, d)], inv_bool=True)
    np.testing.assert_array_equal(param, 0.0)
    np.testing.assert_array_equal(cov, 0.0)
    np.testing.assert_array_equal(models[0], 0.0)


@pytest.mark.parametrize("inv_bool", [False, True])
def test_overflowing_solution_gives_zeros(inv_bool):
    """A well-conditioned system whose solution overflows (tiny M, large b): cond(M) passes
    the reference rule but the amplitudes would be inf; every amplitude (and the
    covariance) is 0, finite, and the gradient too."""
    from chromalens.imaging.linear_solve import weighted_least_squares

    A = np.array([[1e-150, 0.0, 0.0], [0.0, 2e-150, 0.0]])
    w = np.ones(3)
    # M = diag(1e-300, 4e-300) (cond 4), b = (1e10, 2e10): M^-1 is finite (1e300), M^-1 b not
    d = np.array([1e160, 1e160, 0.0])
    param, cov, model = weighted_least_squares(A, w, d, inv_bool=inv_bool)
    np.testing.assert_array_equal(param, 0.0)
    np.testing.assert_array_equal(model, 0.0)
    if inv_bool:
        np.testing.assert_array_equal(cov, 0.0)
    grad = jax.grad(lambda d: weighted_least_squares(A, w, d, inv_bool=inv_bool)[0].sum())(d)
    assert np.all(np.isfinite(grad))
    # a regular system is solved (the rule does not reject everything)
    param, _, _ = weighted_least_squares(np.eye(3)[:2], w, d / 1e160, inv_bool=inv_bool)
    np.testing.assert_allclose(param, [1.0, 1.0], rtol=1e-15)


@pytest.mark.parametrize("inv_bool", [False, True])
def test_conditioning_rule_equals_the_singular_value_rule(inv_bool):
    """The solve is attempted exactly when numpy's ``cond(M) < 5 / eps`` (the reference's
    rule) and the trial solution is finite, on both sides of the limit (2.25e16)."""
    from chromalens.imaging.linear_solve import _COND_LIMIT, _solvable

    rng = np.random.default_rng(11)
    m = 12
    basis, _ = np.linalg.qr(rng.normal(size=(m, m)))
    b = rng.normal(size=m)
    decisions = []
    for cond in (1.0, 1e8, 1e12, 1e15, 1e16, 2e16, 3e16, 1e17, 1e19):
        M = (basis * np.geomspace(1.0, 1.0 / cond, m)) @ basis.T
        M = (M + M.T) / 2
        exact = np.linalg.cond(M) < _COND_LIMIT
        trial = np.linalg.solve(M, b) if exact else None
        expected = bool(exact and np.all(np.isfinite(trial)))
        assert bool(_solvable(M, b, inv_bool)) == expected, cond
        decisions.append(expected)
    assert True in decisions and False in decisions  # both sides of the limit are exercised
    # a matrix that is not positive definite is refused, never solved with NaNs
    assert not bool(_solvable(-np.eye(m), b, inv_bool))
