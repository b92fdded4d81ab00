"""Checks of a closed-form ``jax.custom_jvp`` rule against autodiff through its own body."""

import jax
import jax.numpy as jnp
import numpy as np


def jvp_rule_and_autodiff(function, primals, tangents, static):
    """``(value, tangent)`` of ``function(*primals, static)`` by its custom rule and by autodiff
    through its undecorated body (``function.fun``), both jitted, as numpy arrays."""

    def run(fn):
        value, tangent = jax.jit(
            lambda p, t: jax.jvp(lambda *a: fn(*a, static), p, t))(primals, tangents)
        return np.array(value), np.array(tangent)

    return run(function), run(function.fun)


def hessians_rule_and_autodiff(function, coordinates, parameters, static, reduce):
    """Hessian in the scalar ``parameters`` of ``sum(reduce(function(*coordinates,
    *parameters, static)))`` by the rule (second order differentiates it) and by autodiff
    through the body."""

    def hessian(fn):
        def scalar(params):
            return jnp.sum(reduce(fn(*coordinates, *params, static)))
        return np.array(jax.jit(jax.hessian(scalar))(jnp.asarray(parameters)))

    return hessian(function), hessian(function.fun)
