"""Special functions shared by the projected NFW, truncated NFW and Hernquist profiles.

With ``X = R / R_s`` (projected radius in units of the scale radius) and ``y = 1 - X^2``:

``arc_function(X) = F0(X)``
    ``arccosh(1/X) / sqrt(1 - X^2)`` for ``X < 1``, ``arccos(1/X) / sqrt(X^2 - 1)`` for
    ``X > 1``, and 1 at ``X = 1``: one analytic function (Golse & Kneib 2002, eq. 12; Keeton 2001,
    astro-ph/0102341, eq. 48), equal to ``sum_k y^k / (2k + 1)`` near ``X = 1``.
``nfw_kappa_function(X) = (1 - F0) / (X^2 - 1)``
    projected NFW density in units of ``2 rho0 R_s`` (1/3 at ``X = 1``).
``nfw_mass_function(X) = ln(X/2) + F0``
    NFW enclosed projected mass function ``g(X)``.
``nfw_potential_function(X) = ln^2(X/2) - (1 - X^2) F0^2``
    NFW potential function ``h(X)`` (Keeton 2001, eq. 54).

The forms used here avoid the cancellations of the textbook expressions: near ``X = 1`` (``|y| <
SERIES_WINDOW``) by the power series in ``y``, at ``X << 1`` by rewriting ``ln(2/X) - arccosh(1/X)
= -ln(1 - X^2 / (2 (1 + sqrt(1 - X^2))))``. All branches use the "double where" pattern, so the
values and their gradients are finite for every ``X > 0`` (callers floor ``X``).
"""

from __future__ import annotations

import jax.numpy as jnp

from chromalens import fastmath

#: |1 - X^2| below which the power series in y = 1 - X^2 are used
SERIES_WINDOW = 1e-2
#: number of series terms (truncation error < SERIES_WINDOW**N_SERIES)
N_SERIES = 10


_F0_SERIES = tuple(1.0 / (2 * k + 1) for k in range(N_SERIES))
_KAPPA_SERIES = tuple(1.0 / (2 * k + 3) for k in range(N_SERIES))


def _branches(X):
    """Masks and safe (branch-restricted) copies of ``X`` and ``y = 1 - X^2``."""
    y = (1.0 - X) * (1.0 + X)
    near = jnp.abs(y) < SERIES_WINDOW
    low = (X < 1.0) & ~near
    high = (X > 1.0) & ~near
    X_low = jnp.where(low, X, 0.5)
    X_high = jnp.where(high, X, 2.0)
    y_near = jnp.where(near, y, 0.0)
    return near, low, high, X_low, X_high, y_near


def _arccosh_inverse(X_low):
    """``arccosh(1/X)`` for ``0 < X < 1``, accurate at both ends."""
    s = jnp.sqrt((1.0 - X_low) * (1.0 + X_low))
    return fastmath.log1p((1.0 - X_low + s) / X_low), s


def _arccos_inverse(X_high):
    """``arccos(1/X)`` for ``X > 1``, and ``sqrt(X^2 - 1)``."""
    s = jnp.sqrt((X_high - 1.0) * (X_high + 1.0))
    return fastmath.arctan(s), s


def arc_function(X):
    """``F0(X)`` (see module docstring), elementwise, ``X > 0``."""
    near, low, high, X_low, X_high, y_near = _branches(X)
    a_low, s_low = _arccosh_inverse(X_low)
    a_high, s_high = _arccos_inverse(X_high)
    return jnp.where(near, fastmath.polynomial(y_near, _F0_SERIES),
                     jnp.where(low, a_low / s_low, a_high / s_high))


def nfw_kappa_function(X):
    """``(1 - F0(X)) / (X^2 - 1)``, elementwise, ``X > 0``; 1/3 at ``X = 1``."""
    near, low, high, X_low, X_high, y_near = _branches(X)
    a_low, s_low = _arccosh_inverse(X_low)
    a_high, s_high = _arccos_inverse(X_high)
    value_low = (a_low / s_low - 1.0) / (s_low * s_low)
    value_high = (1.0 - a_high / s_high) / (s_high * s_high)
    return jnp.where(near, fastmath.polynomial(y_near, _KAPPA_SERIES),
                     jnp.where(low, value_low, value_high))


def nfw_mass_function(X):
    """``g(X) = ln(X/2) + F0(X)``, elementwise, ``X > 0``, without cancellation at small X."""
    near, low, high, X_low, X_high, y_near = _branches(X)
    s_low = jnp.sqrt((1.0 - X_low) * (1.0 + X_low))
    X2 = X_low * X_low
    # s ln(X/2) + arccosh(1/X) = (1 - s) ln(2/X) + ln(1 - X^2 / (2 (1 + s)))
    value_low = (X2 / (1.0 + s_low) * fastmath.log(2.0 / X_low)
                 + fastmath.log1p(-X2 / (2.0 * (1.0 + s_low))))
    value_low = value_low / s_low
    a_high, s_high = _arccos_inverse(X_high)
    value_high = fastmath.log(X_high / 2.0) + a_high / s_high
    X_near = jnp.where(near, X, 1.0)
    value_near = fastmath.log(X_near / 2.0) + fastmath.polynomial(y_near, _F0_SERIES)
    return jnp.where(near, value_near, jnp.where(low, value_low, value_high))


def nfw_potential_function(X):
    """``h(X) = ln^2(X/2) - (1 - X^2) F0(X)^2``, elementwise, ``X > 0``."""
    near, low, high, X_low, X_high, y_near = _branches(X)
    a_low, s_low = _arccosh_inverse(X_low)
    # ln^2(2/X) - arccosh^2(1/X) = d (ln(2/X) + arccosh(1/X)), d = ln(2/X) - arccosh(1/X)
    d_low = -fastmath.log1p(-X_low * X_low / (2.0 * (1.0 + s_low)))
    value_low = d_low * (fastmath.log(2.0 / X_low) + a_low)
    a_high, _ = _arccos_inverse(X_high)
    value_high = fastmath.log(X_high / 2.0) ** 2 + a_high**2
    X_near = jnp.where(near, X, 1.0)
    f0_near = fastmath.polynomial(y_near, _F0_SERIES)
    value_near = fastmath.log(X_near / 2.0) ** 2 - y_near * f0_near**2
    return jnp.where(near, value_near, jnp.where(low, value_low, value_high))
