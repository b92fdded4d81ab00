"""HoistedJit: jax.jit with the closed-over arrays passed to the compiled program."""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chromalens  # noqa: F401  (float64)
from chromalens.hoisted_jit import HoistedJit


class Holder:
    """Like the imaging classes: a method reading large arrays from ``self``."""

    def __init__(self, seed: int):
        rng = np.random.default_rng(seed)
        self.grid = rng.normal(size=(64, 64))
        self.weights = rng.uniform(1, 2, size=(64, 64))

    def solve(self, params, scale=None, power=2):
        model = params["a"] * self.grid + params["b"]
        value = jnp.sum(self.weights * model ** power)
        if scale is not None:
            value = value * scale
        return value, {"model": model, "pair": (params["a"], 2 * params["b"])}


def _largest_constant(text: str) -> int:
    """Longest dense constant in a lowered program's text (characters)."""
    return max((len(match) for match in re.findall(r"dense<([^>]*)>", text)), default=0)


def test_values_equal_jax_jit_and_arrays_are_arguments():
    holder = Holder(1)
    hoisted = HoistedJit(holder.solve, static_argnames=("power",))
    plain = jax.jit(holder.solve, static_argnames=("power",))
    for params, scale, power in (({"a": 0.3, "b": -1.2}, None, 2),
                                 ({"a": np.float64(0.7), "b": 2.0}, 1.5, 3),
                                 ({"a": np.arange(3.0)[:, None, None], "b": 0.5}, None, 2)):
        got = hoisted(params, scale, power=power)
        expected = plain(params, scale, power=power)
        assert jax.tree.structure(got) == jax.tree.structure(expected)
        for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(expected), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-14)
    # the 64 x 64 arrays are arguments of the compiled program, not constants in it
    params = {"a": 0.3, "b": -1.2}
    program = next(iter(hoisted._programs.values()))
    leaves = jax.tree.leaves(((params, None), {}))
    assert _largest_constant(program.call.lower(program.consts, *leaves).as_text()) < 100
    assert _largest_constant(plain.lower(params).as_text()) > 64 * 64  # what jax.jit embeds


def test_traces_once_per_signature():
    holder = Holder(2)
    hoisted = HoistedJit(holder.solve, static_argnames=("power",))
    for a in (0.1, 0.2, -3.0):  # new values: one program, compiled once
        hoisted({"a": a, "b": 1.0})
    assert hoisted._cache_size() == 1
    program = next(iter(hoisted._programs.values()))
    assert program.call._cache_size() == 1
    hoisted({"a": np.float64(0.1), "b": 1.0})  # a strongly typed scalar: another signature
    hoisted({"a": 0.1, "b": 1.0}, 2.0)  # another pytree structure
    hoisted({"a": 0.1, "b": 1.0}, power=3)  # another static argument
    hoisted({"a": np.ones(2)[:, None, None], "b": 1.0})  # another shape
    assert hoisted._cache_size() == 5


def test_two_holders_keep_their_own_arrays():
    first, second = Holder(3), Holder(4)
    params = {"a": 0.4, "b": 0.1}
    values = [HoistedJit(h.solve)(params)[0] for h in (first, second)]
    assert float(values[0]) == pytest.approx(float(first.solve(params)[0]), rel=1e-13)
    assert float(values[1]) == pytest.approx(float(second.solve(params)[0]), rel=1e-13)
    assert float(values[0]) != pytest.approx(float(values[1]), rel=1e-3)
