"""chromalens.fastmath: the vectorised logarithm against numpy's and XLA's."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chromalens import fastmath


def _ulps(got, expected):
    return np.abs(got - expected) / np.spacing(np.abs(expected))


def test_log_within_one_ulp_over_the_whole_normal_range():
    rng = np.random.default_rng(3)
    x = np.concatenate([
        rng.uniform(0.0, 10.0, 200_000),
        np.exp(rng.uniform(-708.0, 709.0, 200_000)),
        1.0 + rng.uniform(-1e-3, 1e-3, 20_000),  # log near zero: relative accuracy
        np.sqrt(2.0) * (1.0 + rng.uniform(-1e-12, 1e-12, 1_000)),  # the mantissa split
        [np.finfo(float).tiny, np.finfo(float).max, 1.0, 2.0, 0.5],
    ])
    got = np.asarray(jax.jit(fastmath.log)(x))
    assert _ulps(got, np.log(x)).max() <= 1.0
    assert got[-3] == 0.0


def test_log_special_values_as_xla_log():
    x = jnp.array([0.0, -0.0, -1.0, np.inf, -np.inf, np.nan, 5e-324, -1e-310])
    got = np.asarray(jax.jit(fastmath.log)(x))
    expected = np.asarray(jax.jit(jnp.log)(x))
    np.testing.assert_array_equal(got, expected)
    assert got[0] == -np.inf and got[3] == np.inf and np.isnan(got[2])


def test_log_derivatives_and_transformations():
    x = jnp.array([0.3, 2.0, 7.5])
    np.testing.assert_allclose(jax.vmap(jax.grad(fastmath.log))(x), 1.0 / x, rtol=1e-15)
    np.testing.assert_allclose(jax.hessian(fastmath.log)(2.0), -0.25, rtol=1e-15)
    np.testing.assert_array_equal(jax.vmap(fastmath.log)(x), fastmath.log(x))


@pytest.mark.parametrize("value", [np.float32(2.5), 3])
def test_log_other_dtypes_use_jnp_log(value):
    got = fastmath.log(value)
    assert got.dtype == jnp.log(value).dtype
    np.testing.assert_allclose(got, np.log(float(value)), rtol=1e-6)
