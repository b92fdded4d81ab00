"""SERSIC (lens): spherical Sersic convergence profile (Sersic 1968; lensing expressions as in
Cardone 2004, A&A 415, 839, for the deflection, and the integral of it for the potential).

``kappa(R) = k_eff exp(-b_n ((R/R_sersic)^(1/n) - 1))`` with the reference's approximation
``b_n = max(1.9992 n - 0.3271, 1e-5)`` (not the exact root of ``2 gamma(2n, b) = Gamma(2n)``).
With ``x = (R/R_sersic)^(1/n)``, ``a = 2n`` and ``P`` the regularised lower incomplete gamma
function (``jax.scipy.special.gammainc``)::

    |alpha|(R) = A P(a, b_n x) / R,          A = 2 n R_sersic^2 k_eff b_n^(-2n) e^(b_n) Gamma(2n)
    psi(R)     = n A I(b_n x),               I(z) = int_0^z P(a, u) / u du

``I`` (the reference uses mpmath's ``2F2(a, a; a+1, a+1; -z)``: ``psi = e^b R_sersic^2 k_eff / 2
x^(2n) 2F2``) is evaluated with a fixed cost: ``I(z) = sum_j D_j (digamma(a+j+1) - digamma(a))``
with the Poisson-like weights ``D_j = z^(a+j) e^(-z) / Gamma(a+j+1)`` (``N_TERMS`` terms) for
``z < a + 60``, and ``I(z) = ln z - digamma(a)`` beyond (the neglected ``int_z^inf Q(a,u)/u du``
is below 1e-16 relative there for ``n <= 20``).

As the reference (lenstronomy ``Sersic``): ``R`` is floored at 1e-4 arcsec. Hessian: the
reference's expression ``alpha'/R x_i x_j / R^2 + alpha/R (delta_ij - x_i x_j / R^2)``
with floored ``R``, but with the exact ``alpha' = 2 kappa - alpha / R`` where the reference takes
a forward finite difference (step 1e-5, relative errors ~1e-5; compatibility policy item 4). For
``R < 1e-4`` the floored deflection is constant in ``R`` and ``alpha' = 0``, as in the reference.

==========  ======  ===========================================================
name        unit    meaning
==========  ======  ===========================================================
k_eff       --      convergence at ``R_sersic``
R_sersic    arcsec  half-light (half-mass) radius
n_sersic    --      Sersic index (valid range of the potential: n <= 20)
center_x    arcsec  centre, first coordinate (default 0)
center_y    arcsec  centre, second coordinate (default 0)
==========  ======  ===========================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
from jax.scipy.special import digamma, gammainc, gammaln

PARAM_NAMES = ("k_eff", "R_sersic", "n_sersic", "center_x", "center_y")
DEFAULTS = {"center_x": 0.0, "center_y": 0.0}

ArrayLike = Any
Params = Mapping[str, Any]
Options = Mapping[str, Any] | None

#: the reference's radius floor ("smoothing", arcsec) and b_n floor
R_MIN = 1e-4
B_N_MIN = 1e-5
#: number of terms of the potential series and its switch to the asymptotic form (z > a + 60)
N_TERMS = 200
SERIES_RANGE = 60.0


def b_n(n_sersic):
    """The reference's approximation of the Sersic ``b_n``."""
    return jnp.maximum(1.9992 * n_sersic - 0.3271, B_N_MIN)


def _setup(x, y, p):
    dx, dy = x - p["center_x"], y - p["center_y"]
    R = jnp.sqrt(jnp.maximum(dx * dx + dy * dy, R_MIN * R_MIN))
    n = p["n_sersic"]
    R_sersic = p["R_sersic"]
    b = b_n(n)
    x_reduced = (R / R_sersic) ** (1.0 / n)
    # A = 2 n R_sersic^2 k_eff b^(-2n) e^b Gamma(2n)
    amplitude = (
        2.0 * n * R_sersic**2 * p["k_eff"] * jnp.exp(b - 2.0 * n * jnp.log(b) + gammaln(2.0 * n))
    )
    return dx, dy, R, n, b, x_reduced, amplitude


def _integral_P_over_u(a, z):
    """``I(z) = int_0^z P(a, u) / u du`` for ``z > 0`` (see module docstring)."""
    use_series = z < a + SERIES_RANGE
    z_series = jnp.where(use_series, z, 1.0)
    z_asymptotic = jnp.where(use_series, a + SERIES_RANGE, z)
    j = jnp.arange(N_TERMS, dtype=jnp.result_type(float))
    a_j = a[..., None] + j
    log_weights = a_j * jnp.log(z_series)[..., None] - z_series[..., None] - gammaln(a_j + 1.0)
    harmonic = digamma(a_j + 1.0) - digamma(a)[..., None]
    series = jnp.sum(jnp.exp(log_weights) * harmonic, axis=-1)
    asymptotic = jnp.log(z_asymptotic) - digamma(a)
    return jnp.where(use_series, series, asymptotic)


def potential(x: ArrayLike, y: ArrayLike, p: Params, opts: Options = None) -> jax.Array:
    """Lensing potential (arcsec^2), shape of ``x``."""
    _, _, R, n, b, x_reduced, amplitude = _setup(x, y, p)
    a = jnp.broadcast_to(2.0 * n, R.shape)
    return n * amplitude * _integral_P_over_u(a, b * x_reduced)


def _radial_deflection(R, n, b, x_reduced, amplitude):
    return amplitude * gammainc(2.0 * n, b * x_reduced) / R


def deflection(
    x: ArrayLike, y: ArrayLike, p: Params, opts: Options = None
) -> tuple[jax.Array, jax.Array]:
    """Deflection ``(alpha_x, alpha_y)`` (arcsec), shape of ``x``."""
    dx, dy, R, n, b, x_reduced, amplitude = _setup(x, y, p)
    scale = _radial_deflection(R, n, b, x_reduced, amplitude) / R
    return scale * dx, scale * dy


def hessian(
    x: ArrayLike, y: ArrayLike, p: Params, opts: Options = None
) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    """``(f_xx, f_xy, f_yx, f_yy)`` (dimensionless), with the exact radial derivative."""
    dx, dy, R, n, b, x_reduced, amplitude = _setup(x, y, p)
    alpha = _radial_deflection(R, n, b, x_reduced, amplitude)
    kappa = p["k_eff"] * jnp.exp(-b * (x_reduced - 1.0))
    outside = dx * dx + dy * dy > R_MIN * R_MIN
    d_alpha = jnp.where(outside, 2.0 * kappa - alpha / R, 0.0)
    radial = (d_alpha / R - alpha / R**2) / R
    isotropic = alpha / R
    f_xy = radial * dx * dy
    return isotropic + radial * dx * dx, f_xy, f_xy, isotropic + radial * dy * dy
