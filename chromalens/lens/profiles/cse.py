"""Cored steep ellipsoid (CSE) decompositions (Oguri 2021, PASP 133, 074504, arXiv:2106.11464).

A CSE of strength ``A`` and core ``s`` has, in the frame of its major axis,
``kappa = A / (2 (s^2 + xi^2)^(3/2))`` with ``xi^2 = x^2 + y^2/q^2``; its potential, deflection and
Hessian are closed forms (Keeton & Kochanek 1998; Oguri 2021, eqs. 17-23) in terms of
``psi = sqrt(q^2 (s^2 + x^2) + y^2)`` and ``Phi = (psi + s)^2 + (1 - q^2) x^2``::

    phi   = A (q / (2 s) ln Phi - q / s ln((1 + q) s))
    alpha = A q (x (psi + q^2 s), y (psi + s)) / (s psi Phi)

Elliptical NFW and Hernquist convergences are sums of CSEs with the tabulated ``(A_k, s_k)``
(Oguri 2021, Tables 1-3; in units of the scale radius). ``product_average=True`` evaluates each
CSE at ``sqrt(q) (x, y)`` with strength ``A/q`` (mass-preserving product-averaged radius), as
the reference's ``CSEProductAvg``.

The sums are taken over a trailing axis of length ``len(table)`` (memory ``len(table)`` times
that of the coordinates; unrolling the sum instead makes XLA compile times explode).
"""

from __future__ import annotations

import jax.numpy as jnp

from chromalens import fastmath

#: Oguri (2021) Table 1: NFW, 44 terms, (A_k, s_k); the order of the reference is kept
NFW_TABLE_1 = (
    (1.648988e-18, 1.082411e-06),
    (6.274458e-16, 8.786566e-06),
    (3.646620e-17, 3.292868e-06),
    (3.459206e-15, 1.860019e-05),
    (2.457389e-14, 3.274231e-05),
    (1.059319e-13, 6.232485e-05),
    (4.211597e-13, 9.256333e-05),
    (1.142832e-12, 1.546762e-04),
    (4.391215e-12, 2.097321e-04),
    (1.556500e-11, 3.391140e-04),
    (6.951271e-11, 5.178790e-04),
    (3.147466e-10, 8.636736e-04),
    (1.379109e-09, 1.405152e-03),
    (3.829778e-09, 2.193855e-03),
    (1.384858e-08, 3.179572e-03),
    (5.370951e-08, 4.970987e-03),
    (1.804384e-07, 7.631970e-03),
    (5.788608e-07, 1.119413e-02),
    (3.205256e-06, 1.827267e-02),
    (1.102422e-05, 2.945251e-02),
    (4.093971e-05, 4.562723e-02),
    (1.282206e-04, 6.782509e-02),
    (4.575541e-04, 1.596987e-01),
    (7.995270e-04, 1.127751e-01),
    (5.013701e-03, 2.169469e-01),
    (1.403508e-02, 3.423835e-01),
    (5.230727e-02, 5.194527e-01),
    (1.898907e-01, 8.623185e-01),
    (3.643448e-01, 1.382737e00),
    (7.203734e-01, 2.034929e00),
    (1.717667e00, 3.402979e00),
    (2.217566e00, 5.594276e00),
    (3.187447e00, 8.052345e00),
    (8.194898e00, 1.349045e01),
    (1.765210e01, 2.603825e01),
    (1.974319e01, 4.736823e01),
    (2.783688e01, 6.559320e01),
    (4.482311e01, 1.087932e02),
    (5.598897e01, 1.477673e02),
    (1.426485e02, 2.495341e02),
    (2.279833e02, 4.305999e02),
    (5.401335e02, 7.760206e02),
    (9.743682e02, 2.143057e03),
    (1.775124e03, 1.935749e03),
)

#: Oguri (2021) Table 2: Hernquist, 41 terms, (A_k, s_k)
HERNQUIST_TABLE_2 = (
    (9.200445e-18, 1.199110e-06),
    (2.184724e-16, 3.751762e-06),
    (3.548079e-15, 9.927207e-06),
    (2.823716e-14, 2.206076e-05),
    (1.091876e-13, 3.781528e-05),
    (6.998697e-13, 6.659808e-05),
    (3.142264e-12, 1.154366e-04),
    (1.457280e-11, 1.924150e-04),
    (4.472783e-11, 3.040440e-04),
    (2.042079e-10, 4.683051e-04),
    (8.708137e-10, 7.745084e-04),
    (2.423649e-09, 1.175953e-03),
    (7.353440e-09, 1.675459e-03),
    (5.470738e-08, 2.801948e-03),
    (2.445878e-07, 9.712807e-03),
    (4.541672e-07, 5.469589e-03),
    (3.227611e-06, 1.104654e-02),
    (1.110690e-05, 1.893893e-02),
    (3.725101e-05, 2.792864e-02),
    (1.056271e-04, 4.152834e-02),
    (6.531501e-04, 6.640398e-02),
    (2.121330e-03, 1.107083e-01),
    (8.285518e-03, 1.648028e-01),
    (4.084190e-02, 2.839601e-01),
    (5.760942e-02, 4.129439e-01),
    (1.788945e-01, 8.239115e-01),
    (2.092774e-01, 6.031726e-01),
    (3.697750e-01, 1.145604e00),
    (3.440555e-01, 1.401895e00),
    (5.792737e-01, 2.512223e00),
    (2.325935e-01, 2.038025e00),
    (5.227961e-01, 4.644014e00),
    (3.079968e-01, 9.301590e00),
    (1.633456e-01, 2.039273e01),
    (7.410900e-02, 4.896534e01),
    (3.123329e-02, 1.252311e02),
    (1.292488e-02, 3.576766e02),
    (2.156527e00, 2.579464e04),
    (1.652553e-02, 2.944679e04),
    (2.314934e-02, 2.834717e03),
    (3.992313e-01, 5.931328e04),
)

#: Oguri (2021) Table 3: NFW, 16 terms (lower accuracy), (A_k, s_k)
NFW_TABLE_3 = (
    (1.434960e-16, 4.041628e-06),
    (5.232413e-14, 3.086267e-05),
    (2.666660e-12, 1.298542e-04),
    (7.961761e-11, 4.131977e-04),
    (2.306895e-09, 1.271373e-03),
    (6.742968e-08, 3.912641e-03),
    (1.991691e-06, 1.208331e-02),
    (5.904388e-05, 3.740521e-02),
    (1.693069e-03, 1.153247e-01),
    (4.039850e-02, 3.472038e-01),
    (5.665072e-01, 1.017550e00),
    (3.683242e00, 3.253031e00),
    (1.582481e01, 1.190315e01),
    (6.340984e01, 4.627701e01),
    (2.576763e02, 1.842613e02),
    (1.422619e03, 8.206569e02),
)


def _major_axis_terms(x, y, table, q):
    """Per-CSE quantities with a trailing axis of length ``len(table)``.

    Returns ``(x, y, q, A, s, psi, Phi)``, all broadcast against ``x[..., None]``.
    """
    coefficients = jnp.asarray(table)
    A, s = coefficients[:, 0], coefficients[:, 1]
    x, y, q = (jnp.asarray(v)[..., None] for v in (x, y, q))
    q2 = q * q
    x2 = x * x
    psi = jnp.sqrt(q2 * (s * s + x2) + y * y)
    Phi = (psi + s) ** 2 + (1.0 - q2) * x2
    return x, y, q, A, s, psi, Phi


def potential_major_axis(x, y, table, q):
    """Potential of the CSE sum ``table`` in its major-axis frame (coordinates in table units)."""
    x, y, q, A, s, psi, Phi = _major_axis_terms(x, y, table, q)
    terms = A * (q / (2.0 * s) * fastmath.log(Phi) - q / s * fastmath.log((1.0 + q) * s))
    return jnp.sum(terms, axis=-1)


def deflection_major_axis(x, y, table, q):
    """Deflection ``(f_x, f_y)`` of the CSE sum ``table`` in its major-axis frame."""
    x, y, q, A, s, psi, Phi = _major_axis_terms(x, y, table, q)
    common = A * q / (s * psi * Phi)
    f_x = jnp.sum(common * x * (psi + q * q * s), axis=-1)
    f_y = jnp.sum(common * y * (psi + s), axis=-1)
    return f_x, f_y


def hessian_major_axis(x, y, table, q):
    """``(f_xx, f_xy, f_yy)`` of the CSE sum ``table``, major-axis frame (Oguri eqs. 21-23)."""
    x, y, q, A, s, psi, Phi = _major_axis_terms(x, y, table, q)
    q2 = q * q
    x2, y2 = x * x, y * y
    psi2 = psi * psi
    psi3 = psi2 * psi
    pre = A * q / (s * Phi)
    f_xx = pre * (
        1.0 + q2 * s * (q2 * s * s + y2) / psi3 - 2.0 * x2 * (psi + q2 * s) ** 2 / (psi2 * Phi)
    )
    f_yy = pre * (1.0 + q2 * s * (s * s + x2) / psi3 - 2.0 * y2 * (psi + s) ** 2 / (psi2 * Phi))
    f_xy = -pre * x * y * (q2 * s / psi3 + 2.0 * (psi + q2 * s) * (psi + s) / (psi2 * Phi))
    return jnp.sum(f_xx, axis=-1), jnp.sum(f_xy, axis=-1), jnp.sum(f_yy, axis=-1)


def potential(x, y, table, q, product_average=False):
    """Potential of a CSE sum, major-axis frame; see module docstring for ``product_average``."""
    if product_average:
        root_q = jnp.sqrt(q)
        return potential_major_axis(x * root_q, y * root_q, table, q) / q
    return potential_major_axis(x, y, table, q)


def deflection(x, y, table, q, product_average=False):
    """Deflection of a CSE sum, major-axis frame."""
    if product_average:
        root_q = jnp.sqrt(q)
        f_x, f_y = deflection_major_axis(x * root_q, y * root_q, table, q)
        return f_x / root_q, f_y / root_q
    return deflection_major_axis(x, y, table, q)


def hessian(x, y, table, q, product_average=False):
    """``(f_xx, f_xy, f_yy)`` of a CSE sum, major-axis frame."""
    if product_average:
        root_q = jnp.sqrt(q)
        return hessian_major_axis(x * root_q, y * root_q, table, q)
    return hessian_major_axis(x, y, table, q)


def rotate_hessian(f_xx, f_xy, f_yy, phi):
    """Hessian in the sky frame from the one in the frame rotated by ``phi``."""
    kappa = 0.5 * (f_xx + f_yy)
    gamma1_rot = 0.5 * (f_xx - f_yy)
    cos2, sin2 = jnp.cos(2.0 * phi), jnp.sin(2.0 * phi)
    gamma1 = cos2 * gamma1_rot - sin2 * f_xy
    gamma2 = sin2 * gamma1_rot + cos2 * f_xy
    return kappa + gamma1, gamma2, kappa - gamma1
