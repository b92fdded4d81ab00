"""chromalens.fastmath: the vectorised functions against the correctly rounded values and XLA's
special values."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chromalens import fastmath


def _ulps(got, expected):
    return np.abs(got - expected) / np.spacing(np.abs(expected))


#: numpy's long double carries more precision than float64 here (x86: 64-bit mantissa)
_EXTENDED = np.finfo(np.longdouble).eps < np.finfo(np.float64).eps


def _correctly_rounded(numpy_function, *args):
    """``numpy_function(*args)`` evaluated in extended precision and rounded to float64.

    numpy's float64 functions are themselves off by up to an ulp, by how much depending on
    the host's SIMD code paths (measured: ``np.arctanh`` 1 ulp from the correctly rounded value
    on an AVX2 host), so a bound against them holds on one host and fails on another. Where
    long double is float64, numpy's float64 result is the best available reference.
    """
    if not _EXTENDED:
        return numpy_function(*args)
    extended = [np.asarray(arg, dtype=np.float64).astype(np.longdouble) for arg in args]
    return numpy_function(*extended).astype(np.float64)


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
    assert _ulps(got, _correctly_rounded(np.log, x)).max() <= 1.0
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
    assert _ulps(np.asarray(jax.vmap(fastmath.log)(x)), np.log(np.asarray(x))).max() <= 1.0


@pytest.mark.parametrize("value", [np.float32(2.5), 3])
def test_log_other_dtypes_use_jnp_log(value):
    got = fastmath.log(value)
    assert got.dtype == jnp.log(value).dtype
    np.testing.assert_allclose(got, np.log(float(value)), rtol=1e-6)


def _special(values):
    return jnp.asarray(np.array(values, dtype=float))


_RNG = np.random.default_rng(11)
_CASES = {
    "log1p": (fastmath.log1p, np.log1p, jnp.log1p, [
        _RNG.uniform(-0.999, 5.0, 100_000), np.exp(_RNG.uniform(-40, 600, 50_000)),
        -np.exp(_RNG.uniform(-40, -1e-3, 5_000)), _RNG.uniform(-1e-12, 1e-12, 1_000)],
        [0.0, -0.0, -1.0, -2.0, np.inf, -np.inf, np.nan, 1e-300], 2.0),
    "arctan": (fastmath.arctan, np.arctan, jnp.arctan, [
        _RNG.uniform(-3.0, 3.0, 100_000), np.sinh(_RNG.uniform(-700, 700, 50_000)),
        (2.0 - np.sqrt(3.0)) * (1.0 + _RNG.uniform(-1e-9, 1e-9, 1_000)),  # reduction edges
        [1.0, -1.0, np.nextafter(1.0, 2.0), np.nextafter(1.0, 0.0)]],
        [0.0, -0.0, np.inf, -np.inf, np.nan], 3.0),
    "arctanh": (fastmath.arctanh, np.arctanh, jnp.arctanh, [
        _RNG.uniform(-1.0, 1.0, 100_000), _RNG.uniform(-1e-6, 1e-6, 1_000),
        1.0 - np.exp(_RNG.uniform(-30, 0, 5_000)), np.exp(_RNG.uniform(-30, 0, 5_000)) - 1.0],
        [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, np.inf, np.nan], 3.0),
}


@pytest.mark.parametrize("name", sorted(_CASES))
def test_one_argument_functions_within_a_few_ulps_and_special_values(name):
    function, numpy_function, jnp_function, pieces, special, max_ulps = _CASES[name]
    x = np.concatenate(pieces)
    got = np.asarray(jax.jit(function)(x))
    expected = _correctly_rounded(numpy_function, x)
    nonzero = expected != 0.0
    assert _ulps(got[nonzero], expected[nonzero]).max() <= max_ulps
    special = _special(special)
    got = np.asarray(jax.jit(function)(special))
    expected = np.asarray(jax.jit(jnp_function)(special))
    np.testing.assert_array_equal(got, expected)
    number = ~np.isnan(expected)  # signed zeros and infinities (a nan's sign means nothing)
    np.testing.assert_array_equal(np.signbit(got[number]), np.signbit(expected[number]))


def test_arctan2_all_quadrants_signed_zeros_and_infinities():
    rng = np.random.default_rng(5)
    scale = np.exp(rng.uniform(-20, 20, (2, 200_000)))
    y, x = rng.normal(size=(2, 200_000)) * scale
    got = np.asarray(jax.jit(fastmath.arctan2)(y, x))
    assert _ulps(got, _correctly_rounded(np.arctan2, y, x)).max() <= 3.0
    inf, nan = np.inf, np.nan
    special_y = _special([0, -0.0, 0, -0.0, 1, -1, inf, -inf, inf, 1, 0, nan, 1, -inf])
    special_x = _special([0, 0, -0.0, -0.0, inf, -inf, inf, -inf, 1, 0, -1, 1, nan, 2])
    got = np.asarray(jax.jit(fastmath.arctan2)(special_y, special_x))
    expected = np.asarray(jax.jit(jnp.arctan2)(special_y, special_x))
    np.testing.assert_array_equal(got, expected)
    number = ~np.isnan(expected)
    np.testing.assert_array_equal(np.signbit(got[number]), np.signbit(expected[number]))


def test_derivatives_of_the_inverse_functions():
    x = jnp.array([-0.6, 0.1, 0.45])
    np.testing.assert_allclose(jax.vmap(jax.grad(fastmath.log1p))(x), 1 / (1 + x), rtol=1e-15)
    np.testing.assert_allclose(jax.vmap(jax.grad(fastmath.arctan))(x), 1 / (1 + x * x),
                               rtol=1e-15)
    np.testing.assert_allclose(jax.vmap(jax.grad(fastmath.arctanh))(x), 1 / (1 - x * x),
                               rtol=1e-15)
    y = jnp.array([0.3, -2.0, 1.5])
    d_y, d_x = jax.vmap(jax.grad(fastmath.arctan2, argnums=(0, 1)))(y, x)
    np.testing.assert_allclose(d_y, x / (x * x + y * y), rtol=1e-15)
    np.testing.assert_allclose(d_x, -y / (x * x + y * y), rtol=1e-15)
    np.testing.assert_allclose(jax.hessian(fastmath.arctan)(0.5), -2 * 0.5 / 1.25**2,
                               rtol=1e-14)


def test_polynomial_is_horner_lowest_order_first():
    z = jnp.array([-1.5, 0.0, 0.25, 3.0])
    np.testing.assert_allclose(fastmath.polynomial(z, (2.0, -1.0, 0.5)),
                               2.0 - z + 0.5 * z * z, rtol=1e-15)
    np.testing.assert_array_equal(fastmath.polynomial(z, (7.0,)), np.full(4, 7.0))
