"""The trace-scoped memo that lets bands share one evaluation."""

import jax
import jax.numpy as jnp
import numpy as np

from chromalens._trace_sharing import after, gate, shared, sharing


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


# ---------------------------------------------------------------------------- taking turns
def test_gate_outside_a_scope_is_the_value_itself():
    value = jnp.arange(3.0)
    assert gate(value) is value
    with after(None):
        assert gate(value) is value


def test_gate_keeps_values_exactly_for_every_token():
    # (subnormals are left out: XLA's CPU arithmetic flushes them to zero anyway)
    value = jnp.asarray([1.5, -2.0e300, 3.0e-300, 0.0, -0.0])
    complex_value = value + 1j * value[::-1]
    for token in (0.0, -0.0, 1.0e300, -7.5, np.inf, -np.inf, np.nan):
        with after(jnp.asarray(token)):
            gated, gated_complex = gate(value), gate(complex_value)
        np.testing.assert_array_equal(np.asarray(gated), np.asarray(value))
        np.testing.assert_array_equal(np.signbit(np.asarray(gated)), np.signbit(np.asarray(value)))
        np.testing.assert_array_equal(np.asarray(gated_complex), np.asarray(complex_value))


def test_gate_passes_no_gradient_to_the_token_and_all_to_the_value():
    def f(token, value):
        with after(token):
            return jnp.sum(gate(value) ** 2)

    for token in (0.0, 2.0):
        d_token, d_value = jax.grad(f, argnums=(0, 1))(token, jnp.asarray([1.0, -3.0]))
        assert d_token == 0.0
        np.testing.assert_array_equal(np.asarray(d_value), [2.0, -6.0])


def test_gate_dependency_survives_compilation():
    """The compiler must not fold the gate away: the token stays an input of the program's
    computation (an unused parameter would mean no ordering)."""
    def f(token, value):
        with after(token):
            return gate(value) * 2.0

    hlo = jax.jit(f).lower(1.0, jnp.ones(4)).compile().as_text()
    entry = hlo[hlo.index("ENTRY"):].splitlines()[1:]
    token = next(line.split("=")[0].split()[-1] for line in entry if "parameter(0)" in line)
    assert any(token in line.split("=", 1)[1] for line in entry
               if "=" in line and "parameter(" not in line), "\n".join(entry)
