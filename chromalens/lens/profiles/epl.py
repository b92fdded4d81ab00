"""EPL: elliptical power-law mass profile (Tessore & Metcalf 2015, A&A 580, A79; arXiv:1507.01819).

Convergence ``kappa = (3 - gamma)/2 (theta_E / sqrt(q x^2 + y^2/q))^(gamma - 1)`` in the frame of
the major axis. With ``b = theta_E sqrt(q)``, ``t = gamma - 1``, ``Z = q x + i y = R e^(i phi)``
and ``f = (1 - q)/(1 + q)`` the deflection (their eqs. 13 and 23) is::

    alpha_x + i alpha_y = 2/(1+q) (b/R)^t Z S,   S = sum_n c_n e^(2 i n phi),
    c_0 = 1,   c_n = -f (2n - 2 + t)/(2n + 2 - t) c_(n-1),

i.e. ``S = 2F1(1, t/2; 2 - t/2; -f e^(2 i phi))`` summed as its Taylor series on the circle
``|z| = f``, and the potential ``psi = (x alpha_x + y alpha_y) / (2 - t)``. The Hessian is the
closed form of their eq. 17 (convergence and shear from the deflection), as the reference uses.

**Bounded cost, real arithmetic.** ``e^(2 i phi) = (q^2 x^2 - y^2 + 2 i q x y) / R^2`` is rational
in the coordinates, so the only transcendental per point is the real power ``(b/R)^t``; no
complex function is evaluated. The series converges like ``f^n`` (``|c_n| <~ f^n n^(t-2)``), so a
static number of terms sized for the smallest axis ratio bounds the cost for every parameter
set (and under ``vmap``); rounder lenses take the short series below. The default
``NUM_TERMS = 104`` gives double precision for q >= 0.2 and stays within 1e-9 down to q = 0.1,
for every gamma in (1, 3). Lower axis ratios need more terms; the count is a static profile
option (``profile_kwargs_list`` entry ``{"num_terms": n}``, or ``{"q_min": q}`` for
``terms_for_axis_ratio(q)``, double precision down to ``q``). Largest relative error of ``S``
measured against mpmath (gamma 1.2 to 2.99):

=======  ====================  ====================  =====================
terms    q = 0.2               q = 0.1               q = 0.05
=======  ====================  ====================  =====================
104      7e-16                 8e-10                 3e-5
184      7e-16                 8e-16                 --
376      7e-16                 8e-16                 2e-15
=======  ====================  ====================  =====================

**Short series when it suffices.** Most lenses are far rounder than q = 0.2: the compiled
function branches (``lax.cond``, one branch runs) to ``SHORT_TERMS = 32`` terms whenever the
same truncation bound, ``(1 + f) f^n / (1 - f) <= 1e-15``, holds for them (q >= ~0.5), and to
the full count otherwise. Measured on 40 000 points: 0.92 -> 0.68 ms for the deflection,
2.7 -> 1.9 ms for its gradient. Under ``vmap`` a ``cond`` evaluates both branches (+~5 %).

The series is split into ``CHAINS`` interleaved sub-series ``S = sum_j w^j P_j(w^K)``
(``w = e^(2 i phi)``, ``K = CHAINS``), each summed by Clenshaw's recurrence for trigonometric
sums (one multiply and two adds per term, real), which gives the CPU independent dependency chains
to overlap; the result is packed once into a complex array so that the compiler evaluates the
chains once for both deflection components. Derivatives of the series have a custom JVP (one more
series, for the slope, and a closed form for the angle: see ``_series_and_derivatives``) instead of
autodiff through the recurrence: gradients cost about two forward evaluations and store three
arrays, not one per term.

The reference floors ``R`` at 1e-9 (deflection) and 1e-8 (Hessian); so does this module. At the
exact centre deflection is 0 and the shear part of the Hessian is 0 (the reference's NaN
replacement).

==========  ======  ===================================================
name        unit    meaning
==========  ======  ===================================================
theta_E     arcsec  Einstein radius (product-averaged / circularised)
gamma       --      3-d logarithmic density slope (2 = isothermal)
e1, e2      --      ellipticity components (see ``_geometry``)
center_x    arcsec  centre, first coordinate (default 0)
center_y    arcsec  centre, second coordinate (default 0)
==========  ======  ===================================================
"""

from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp
from jax import lax

from chromalens import fastmath

from ._geometry import (
    ellipticity_to_phi_q,
    from_major_axis_frame,
    safe_hypot,
    to_major_axis_frame,
)

PARAM_NAMES = ("theta_E", "gamma", "e1", "e2", "center_x", "center_y")
DEFAULTS = {"center_x": 0.0, "center_y": 0.0}

#: default number of terms of the angular series (static; see module docstring)
NUM_TERMS = 104
#: terms of the short series, used when its truncation bound is met (see module docstring)
SHORT_TERMS = 32
#: relative truncation bound that decides the number of terms
SERIES_RTOL = 1e-15
#: number of interleaved Clenshaw chains the series is split into (instruction-level parallelism)
CHAINS = 8
#: the reference's radius floors (arcsec) for the deflection and the Hessian
R_FLOOR_DEFLECTION = 1e-9
R_FLOOR_HESSIAN = 1e-8


def terms_for_axis_ratio(q_min: float, rtol: float = 1e-15) -> int:
    """Static number of series terms for relative accuracy ``rtol`` down to axis ratio ``q_min``.

    Bound on the truncated tail ``sum_(n>=N) |c_n| <= f^N/(1-f)`` (``|c_n| <= f^n`` for
    gamma in (1, 3)) relative to ``min |S| >= 1/(1+f)``, rounded up to a multiple of ``CHAINS``.

    Parameters
    ----------
    q_min : float
        Smallest axis ratio to resolve, in (0, 1].
    rtol : float
        Target relative accuracy of the deflection.

    Returns
    -------
    int
        Number of terms.
    """
    q_min, rtol = float(q_min), float(rtol)
    if not 0.0 < q_min <= 1.0 or not 0.0 < rtol < 1.0:
        raise ValueError(f"EPL: need 0 < q_min <= 1 and 0 < rtol < 1, got {q_min}, {rtol}")
    f = (1.0 - q_min) / (1.0 + q_min)
    n = 1
    while f > 0.0 and (1.0 + f) * f**n / (1.0 - f) > rtol:
        n += 1
    return CHAINS * math.ceil(n / CHAINS)


def _num_terms(opts) -> int:
    opts = opts or {}
    if "num_terms" in opts:
        n = opts["num_terms"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"EPL: option 'num_terms' must be a positive int, got {n!r}")
        return n
    if "q_min" in opts:
        return terms_for_axis_ratio(opts["q_min"])
    return NUM_TERMS


def series_coefficients(t, f, num_terms: int, over_f: bool = False):
    """Taylor coefficients ``c_n``, n < num_terms, of ``2F1(1, t/2; 2 - t/2; -f w)`` in ``w``.

    ``t`` and ``f`` are scalars (traced or not); ``num_terms`` is static. Returns (num_terms,).
    ``over_f``: the coefficients of ``(S - 1)/f`` instead, ``c_n / f`` for ``n >= 1`` and 0
    for ``n = 0`` (the first ratio without its factor ``f``: finite at ``f = 0``).
    """

    one = jnp.ones_like(t * f)
    n = jnp.arange(1, num_terms, dtype=one.dtype)
    # c_n = prod_(k<=n) r_k as one vectorised cumulative product (a sequential scan would
    # be a loop of num_terms scalar steps in the compiled likelihood)
    factor = jnp.where(n > 1, f, 1.0) if over_f else f
    ratios = -factor * (2.0 * n - 2.0 + t) / (2.0 * n + 2.0 - t)
    first = jnp.zeros_like(one) if over_f else one
    return jnp.concatenate([first[None], jnp.cumprod(ratios) * one])


def _clenshaw(cos_k, sin_k, coefficients):
    """``sum_m coefficients[m] W^m`` for ``W = cos_k + i sin_k`` on the unit circle: (re, im)."""
    if len(coefficients) == 1:
        return coefficients[0] + jnp.zeros_like(cos_k), jnp.zeros_like(cos_k)
    two_cos = 2.0 * cos_k
    b1, b2 = coefficients[-1] + jnp.zeros_like(cos_k), jnp.zeros_like(cos_k)
    for c in coefficients[-2:0:-1]:
        b1, b2 = c + two_cos * b1 - b2, b1
    return coefficients[0] + cos_k * b1 - b2, sin_k * b1


def _chains(num_terms: int) -> tuple[int, int]:
    chains = min(CHAINS, num_terms)
    return chains, -(-num_terms // chains)


def _pack(real, imag, divisor):
    """``(real + i imag) / divisor`` as one complex array.

    XLA's CPU fusion copies cheap elementwise producers into every consumer: the two real parts
    of a series consumed by two outputs would each re-evaluate the whole series. A complex
    array divided by a traced scalar (a division is not duplicated) is materialised once.
    """
    return lax.complex(real, imag) / lax.complex(divisor, jnp.zeros_like(divisor))


def _series_sums(cos_theta, sin_theta, coefficients, divisor=None):
    """``sum_n coefficients[..., n] w^n``, ``w = cos_theta + i sin_theta``, complex.

    ``coefficients`` has shape ``rows + (n,)`` with ``n`` a multiple of the number of chains;
    the result is ONE complex array of shape ``rows + cos_theta.shape`` (several series in one
    pass), divided by ``divisor`` and materialised (``_pack``) if a divisor is given.
    """
    rows = coefficients.shape[:-1]
    chains, per_chain = _chains(coefficients.shape[-1])
    expand = (1,) * jnp.ndim(cos_theta)

    def coefficient(n):
        return jnp.reshape(coefficients[..., n], rows + expand)

    # powers w^j, j <= chains
    powers = [(jnp.ones_like(cos_theta), jnp.zeros_like(cos_theta)), (cos_theta, sin_theta)]
    for j in range(2, chains + 1):
        a, b = powers[j // 2]
        c, d = powers[j - j // 2]
        powers.append((a * c - b * d, a * d + b * c))
    cos_k, sin_k = powers[chains]
    real, imag = 0.0, 0.0
    for j in range(chains):
        p_re, p_im = _clenshaw(cos_k, sin_k, [coefficient(chains * m + j)
                                              for m in range(per_chain)])
        w_re, w_im = powers[j]
        real = real + w_re * p_re - w_im * p_im
        imag = imag + w_re * p_im + w_im * p_re
    if divisor is None:
        return lax.complex(real, imag)
    return _pack(real, imag, divisor)


@partial(jax.custom_jvp, nondiff_argnums=(4,))
def angular_series(cos_theta, sin_theta, t, f, num_terms: int = NUM_TERMS):
    """``S = 2F1(1, t/2; 2 - t/2; -f e^(i theta))`` (complex), evaluated in real arithmetic.

    Parameters
    ----------
    cos_theta, sin_theta : array
        ``cos theta``, ``sin theta`` (any shape; the point lies on the unit circle).
    t : scalar
        ``gamma - 1``.
    f : scalar
        ``(1 - q)/(1 + q)`` in [0, 1).
    num_terms : int
        Static number of Taylor terms (rounded up to a multiple of ``CHAINS``).

    Returns
    -------
    array (complex)
        ``S``, shape of ``cos_theta``.

    Notes
    -----
    Derivatives (custom JVP) come from ``S_f = dS/df`` (closed form, see
    ``_series_and_derivatives``) and one more series ``S_t = sum (dc_n/dt) w^n``:
    ``dS = i f S_f dtheta + S_f df + S_t dt`` (``f dc_n/df = n c_n``), so reverse mode stores
    three complex arrays instead of every step of the recurrence.
    """
    chains, per_chain = _chains(num_terms)
    coefficients = series_coefficients(t, f, chains * per_chain)
    return _series_sums(cos_theta, sin_theta, coefficients)


def _series_and_derivatives(cos_theta, sin_theta, t, f, num_terms: int = NUM_TERMS):
    """``S``, ``dS/df`` and ``S_t = sum (dc_n/dt) w^n``, three complex arrays shaped like
    ``cos_theta`` (arguments as :func:`angular_series`); ``dS/dtheta = i f dS/df``
    (``f dc_n/df = n c_n``).

    Two series: ``D = (S - 1)/f = sum_(n>=1) (c_n/f) w^n`` (no cancellation for a round lens,
    finite at ``f = 0``) and ``S_t``. ``dS/df`` then follows from Gauss's contiguous relations
    for ``F(z) = 2F1(1, b; c; z)``, ``z = -f w``, ``b = t/2``, ``c = 2 - t/2`` (Abramowitz &
    Stegun 15.2.1 and 15.2.10 with ``a = 1``, where ``F(a-1) = 1``):
    ``z (z - 1) F' = (c - 1)(F - 1) - b z F``, i.e. ``dS/df = ((1 - b) D + b w S)/(z - 1)``
    (``|z| = f < 1``: ``z - 1`` never vanishes). This is the derivative of the converged
    series, which the truncated one equals to its truncation bound (1e-15). Each series is
    summed and materialised on its own (360 000 points: three stacked series 3.7 ms).
    """
    chains, per_chain = _chains(num_terms)
    n_total = chains * per_chain
    over_f = series_coefficients(t, f, n_total, over_f=True)
    coefficients_t = jax.jvp(lambda tt: series_coefficients(tt, f, n_total), (t,),
                             (jnp.ones_like(t),))[1]
    reduced = _series_sums(cos_theta, sin_theta, over_f, 1.0 + f) * (1.0 + f)  # D
    series_t = _series_sums(cos_theta, sin_theta, coefficients_t, 1.0 + f) * (1.0 + f)
    w = lax.complex(cos_theta, sin_theta)
    series = 1.0 + f * reduced
    b = t / 2.0
    series_f = ((1.0 - b) * reduced + b * w * series) / (-f * w - 1.0)
    return series, series_f, series_t


def _tiered(series_of, f, num_terms: int):
    """``series_of(n)`` for the short series when its truncation bound holds for ``f``
    (``terms_for_axis_ratio``'s bound, evaluated in the graph), else for ``num_terms``."""
    if num_terms <= SHORT_TERMS:
        return series_of(num_terms)
    short_enough = (1.0 + f) * f**SHORT_TERMS / (1.0 - f) <= SERIES_RTOL
    return lax.cond(short_enough, lambda: series_of(SHORT_TERMS), lambda: series_of(num_terms))


@angular_series.defjvp
def _angular_series_jvp(num_terms, primals, tangents):
    cos_theta, sin_theta, t, f = primals
    d_cos, d_sin, d_t, d_f = tangents
    series, series_f, series_t = _series_and_derivatives(cos_theta, sin_theta, t, f,
                                                         num_terms)
    series_n = f * series_f
    d_theta = cos_theta * d_sin - sin_theta * d_cos
    tangent = 1j * series_n * d_theta + series_f * d_f + series_t * d_t
    return series, tangent


def _angle(x, y, q):
    """``q x``, ``R^2``, ``R^2 > 0``, safe ``R^2`` and ``e^(2 i phi) = (cos, sin)`` of
    ``Z = q x + i y`` in the major-axis frame (``(1, 0)`` at ``Z = 0``)."""
    qx = q * x
    r2 = qx * qx + y * y
    positive = r2 > 0
    r2_safe = jnp.where(positive, r2, 1.0)
    cos_2phi = jnp.where(positive, (qx * qx - y * y) / r2_safe, 1.0)
    sin_2phi = jnp.where(positive, 2.0 * qx * y / r2_safe, 0.0)
    return qx, r2, positive, r2_safe, cos_2phi, sin_2phi


def _log_b_over_r(b, r2):
    """``log(b / max(R, R_FLOOR_DEFLECTION))`` from ``R^2``: ``(b/R)^t = exp(t log(b/R))``,
    one log and one exp (XLA's pow is slower; its CPU log too, hence ``fastmath.log``)."""
    return 0.5 * fastmath.log(b * b / jnp.maximum(r2, R_FLOOR_DEFLECTION**2))


def _major_axis(x, y, b, t, q, num_terms: int):
    """Deflection in the major-axis frame without the factor ``2/(1+q)``, and ``(b/R)^t``.

    Returns ``(a_x, a_y, power)``: ``alpha = 2/(1+q) (a_x, a_y)`` (arcsec) and ``power`` =
    ``(b / max(R, R_FLOOR_DEFLECTION))^t``. Callers pack the result with ``_pack(..., (1+q)/2)``
    (see there) before using its components in several outputs.
    """
    qx, r2, positive, r2_safe, cos_2phi, sin_2phi = _angle(x, y, q)
    f = (1.0 - q) / (1.0 + q)
    series = _tiered(lambda n: angular_series(cos_2phi, sin_2phi, t, f, n), f, num_terms)
    s_re, s_im = jnp.real(series), jnp.imag(series)
    power = jnp.exp(t * _log_b_over_r(b, r2))
    return power * (qx * s_re - y * s_im), power * (qx * s_im + y * s_re), power


def deflection_major_axis(x, y, b, t, q, num_terms: int = NUM_TERMS):
    """EPL deflection in the frame of the major axis, ``(alpha_x, alpha_y)`` (arcsec)."""
    a_x, a_y, _ = _major_axis(x, y, b, t, q, num_terms)
    alpha = _pack(a_x, a_y, (1.0 + q) / 2.0)
    return jnp.real(alpha), jnp.imag(alpha)


def hessian_major_axis(x, y, alpha_x, alpha_y, b, t, q, power=None):
    """EPL Hessian in the frame of the major axis from its deflection there.

    Returns ``(kappa, gamma1, gamma2)``: convergence and shear (Tessore & Metcalf 2015, eq. 17
    as corrected in the reference). ``power``, if given, is ``(b / max(R, 1e-9))^t`` from the
    deflection (saves one power per point).
    """
    r2 = (q * x) ** 2 + y * y
    if power is None:
        kappa_power = (b / jnp.maximum(safe_hypot(q * x, y), R_FLOOR_HESSIAN)) ** t
    else:
        kappa_power = jnp.where(r2 < R_FLOOR_HESSIAN**2, (b / R_FLOOR_HESSIAN) ** t, power)
    kappa = (2.0 - t) / 2.0 * kappa_power
    r_sq = x * x + y * y
    positive = r_sq > 0
    r_sq_safe = jnp.where(positive, r_sq, 1.0)
    cos2, sin2 = (x * x - y * y) / r_sq_safe, 2.0 * x * y / r_sq_safe
    # (alpha . (cos, -sin)) / r = (alpha_x x - alpha_y y) / r^2
    gamma1 = (1.0 - t) * (alpha_x * x - alpha_y * y) / r_sq_safe - kappa * cos2
    gamma2 = (1.0 - t) * (alpha_y * x + alpha_x * y) / r_sq_safe - kappa * sin2
    return kappa, jnp.where(positive, gamma1, 0.0), jnp.where(positive, gamma2, 0.0)


def _parameters(p):
    phi, q = ellipticity_to_phi_q(p["e1"], p["e2"])
    return p["theta_E"] * jnp.sqrt(q), p["gamma"] - 1.0, q, phi


def deflection(x, y, p, opts=None):
    """Deflection ``(alpha_x, alpha_y)`` (arcsec)."""
    b, t, q, phi = _parameters(p)
    return _deflection_sky(x, y, p["center_x"], p["center_y"], b, t, q, phi, _num_terms(opts))


@partial(jax.custom_jvp, nondiff_argnums=(8,))
def _deflection_sky(x, y, center_x, center_y, b, t, q, phi, num_terms: int):
    """Sky-frame deflection from the profile's internal parameters (see ``_parameters``)."""
    xm, ym = to_major_axis_frame(x, y, center_x, center_y, phi)
    a_x, a_y, _ = _major_axis(xm, ym, b, t, q, num_terms)
    alpha = _pack(*from_major_axis_frame(a_x, a_y, phi), (1.0 + q) / 2.0)
    return jnp.real(alpha), jnp.imag(alpha)


@_deflection_sky.defjvp
def _deflection_sky_jvp(num_terms, primals, tangents):
    """Closed-form tangent of the deflection: one pass of three series, no autodiff chain.

    With ``alpha_m = A P Z S`` in the major-axis frame (``A = 2/(1+q)``, ``P = (b/R)^t``,
    ``u`` the offset from the centre, ``alpha = e^(i phi) alpha_m``, ``H`` the sky Hessian
    from eq. 17 of Tessore & Metcalf 2015, ``K v = (v_y, -v_x)``)::

        d alpha = H (du) + (-K alpha + H K u) dphi + e^(i phi) (alpha_b db + alpha_t dt
                  + alpha_q dq),
        alpha_b = t/b alpha_m,   alpha_t = alpha_m log(b/R) + A P Z S_t,
        alpha_q = alpha_m (-1/(1+q) - t q x^2/R^2) + A P (x S + Z (i S_n dtheta/dq
                  + S_f df/dq)),   dtheta/dq = -2 x y / R^2,   df/dq = -2/(1+q)^2

    (major-frame ``x, y`` in ``alpha_q``). Reverse mode then transposes a handful of products
    instead of every elementwise step of the profile: value and gradient of the deflection
    cost 1.6 ms instead of 2.7 ms on 40 000 points (2-core CPU, value 0.58 ms). Second
    derivatives differentiate this rule.
    """
    x, y, center_x, center_y, b, t, q, phi = primals
    d_x, d_y, d_center_x, d_center_y, d_b, d_t, d_q, d_phi = tangents
    ux, uy = x - center_x, y - center_y
    xm, ym = to_major_axis_frame(x, y, center_x, center_y, phi)
    qx, r2, positive, r2_safe, cos_2phi, sin_2phi = _angle(xm, ym, q)
    f = (1.0 - q) / (1.0 + q)
    series, series_f, series_t = _tiered(
        lambda n: _series_and_derivatives(cos_2phi, sin_2phi, t, f, n), f, num_terms)
    series_n = f * series_f
    log_ratio = _log_b_over_r(b, r2)
    power = jnp.exp(t * log_ratio)  # P = (b/R)^t
    amplitude = (2.0 / (1.0 + q)) * power  # A P
    z = lax.complex(qx, ym)
    alpha_m = amplitude * z * series
    rotation = lax.complex(jnp.cos(phi), jnp.sin(phi))
    alpha = alpha_m * rotation
    alpha_x, alpha_y = jnp.real(alpha), jnp.imag(alpha)
    f_xx, f_xy, f_yy = _sky_hessian(xm, ym, jnp.real(alpha_m), jnp.imag(alpha_m), b, t, q,
                                    power, phi)
    du_x, du_y = d_x - d_center_x, d_y - d_center_y
    ku_x, ku_y = uy, -ux
    tangent_x = f_xx * du_x + f_xy * du_y + d_phi * (-alpha_y + f_xx * ku_x + f_xy * ku_y)
    tangent_y = f_xy * du_x + f_yy * du_y + d_phi * (alpha_x + f_xy * ku_x + f_yy * ku_y)
    # derivatives by b, t and q at a fixed position in the major-axis frame
    alpha_b = t / b * alpha_m
    alpha_t = alpha_m * log_ratio + amplitude * z * series_t
    dtheta_dq = jnp.where(positive, -2.0 * xm * ym / r2_safe, 0.0)
    dlogr_dq = jnp.where(r2 > R_FLOOR_DEFLECTION**2, q * xm * xm / r2_safe, 0.0)
    alpha_q = (alpha_m * (-1.0 / (1.0 + q) - t * dlogr_dq)
               + amplitude * (xm * series + z * (1j * series_n * dtheta_dq
                                                - 2.0 / (1.0 + q)**2 * series_f)))
    tangent_p = (alpha_b * d_b + alpha_t * d_t + alpha_q * d_q) * rotation
    return (alpha_x, alpha_y), (tangent_x + jnp.real(tangent_p), tangent_y + jnp.imag(tangent_p))


def potential(x, y, p, opts=None):
    """Lensing potential (arcsec^2)."""
    b, t, q, phi = _parameters(p)
    xm, ym = to_major_axis_frame(x, y, p["center_x"], p["center_y"], phi)
    a_x, a_y, _ = _major_axis(xm, ym, b, t, q, _num_terms(opts))
    return (xm * a_x + ym * a_y) * (2.0 / ((1.0 + q) * (2.0 - t)))


def hessian(x, y, p, opts=None):
    """``(f_xx, f_xy, f_yx, f_yy)`` (closed form from the deflection)."""
    b, t, q, phi = _parameters(p)
    xm, ym = to_major_axis_frame(x, y, p["center_x"], p["center_y"], phi)
    a_x, a_y, power = _major_axis(xm, ym, b, t, q, _num_terms(opts))
    alpha = _pack(a_x, a_y, (1.0 + q) / 2.0)
    f_xx, f_xy, f_yy = _sky_hessian(xm, ym, jnp.real(alpha), jnp.imag(alpha), b, t, q, power,
                                    phi)
    return f_xx, f_xy, f_xy, f_yy


def _sky_hessian(xm, ym, alpha_x, alpha_y, b, t, q, power, phi):
    """``(f_xx, f_xy, f_yy)`` in the sky frame: :func:`hessian_major_axis` (major-frame
    coordinates and deflection) with its shear rotated by ``2 phi``."""
    kappa, gamma1_major, gamma2_major = hessian_major_axis(xm, ym, alpha_x, alpha_y, b, t, q,
                                                           power)
    cos2, sin2 = jnp.cos(2.0 * phi), jnp.sin(2.0 * phi)
    gamma1 = cos2 * gamma1_major - sin2 * gamma2_major
    gamma2 = sin2 * gamma1_major + cos2 * gamma2_major
    return kappa + gamma1, gamma2, kappa - gamma1
