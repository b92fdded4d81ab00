"""The trace-scoped memo that lets bands share one evaluation."""

import jax
import jax.numpy as jnp
import numpy as np

from chromalens._trace_sharing import shared, sharing


def test_outside_a_scope_every_call_computes():
    calls = []
    for _ in range(2):
        shared("k", (1.0,), lambda: calls.append(1))
    assert len(calls) == 2


def test_inside_a_scope_same_objects_share_and_others_do_not():
    calls = []
    x, y = np.ones(3), np.ones(3)

    def compute(tag):
        calls.append(tag)
        return tag

    with sharing():
        assert shared("k", (x, 2.0), lambda: compute("a")) == "a"
        assert shared("k", (x, 2.0), lambda: compute("b")) == "a"  # same array, equal scalar
        assert shared("k", (y, 2.0), lambda: compute("c")) == "c"  # equal values, other object
        assert shared("k", (x, 3.0), lambda: compute("d")) == "d"  # other scalar
        assert shared("other", (x, 2.0), lambda: compute("e")) == "e"  # other key
        assert shared("k", (x, 2), lambda: compute("i")) == "i"  # equal value, other type
        assert shared("k", (x, -0.0), lambda: compute("z")) == "z"  # -0.0 == 0.0, not alike
        assert shared("k", (x, 0.0), lambda: compute("p")) == "p"
        with sharing():  # a nested scope joins the outer one
            assert shared("k", (x, 2.0), lambda: compute("f")) == "a"
    with sharing():  # a new scope starts empty
        assert shared("k", (x, 2.0), lambda: compute("g")) == "g"
    assert calls == ["a", "c", "d", "e", "i", "z", "p", "g"]


def test_shared_tracers_give_one_equation_and_summed_cotangents():
    def f(v):
        with sharing():
            first = shared("sin", (v,), lambda: jnp.sin(v))
            second = shared("sin", (v,), lambda: jnp.sin(v))
        return jnp.sum(first * 2.0 + second * 3.0)

    v = jnp.linspace(0.0, 1.0, 5)
    assert str(jax.make_jaxpr(f)(v)).count("sin") == 1
    np.testing.assert_allclose(jax.grad(f)(v), 5.0 * np.cos(np.asarray(v)), rtol=1e-15)
