"""Ellipticity conventions and safe elementary functions shared by light and lens profiles.

Conventions follow lenstronomy's ``Util/param_util.py`` (the reference):

* complex ellipticity ``e1 = (1-q)/(1+q) cos 2phi``, ``e2 = (1-q)/(1+q) sin 2phi``, with ``phi``
  the position angle of the major axis (rad, counter-clockwise from +x) and ``q`` the axis ratio
  (minor/major);
* inverse ``phi = atan2(e2, e1)/2``, ``c = min(|e|, 0.9999)``, ``q = (1-c)/(1+c)``;
* ``rotate(x, y, phi) = (x cos phi + y sin phi, -x sin phi + y cos phi)``: coordinates in the
  frame whose first axis points along ``phi``;
* the *product-average* elliptical coordinates used by the elliptical light profiles::

      x' = ((1 - e1) dx - e2 dy) / N,    y' = (-e2 dx + (1 + e1) dy) / N,
      N = sqrt(max(|1 - e1^2 - e2^2|, 1e-6)),

  for which ``x'^2 + y'^2 = q x_maj^2 + y_min^2 / q`` (area preserving, no clamp on ``|e|``).

All functions are elementwise ``jax.numpy`` code, usable under ``jit``/``vmap``/``grad``, and keep
gradients finite at the singular points (zero radius, ``e1 = e2 = 0``) with the "double where"
pattern.
"""

from __future__ import annotations

import jax.numpy as jnp

from chromalens import fastmath

#: the reference's cap on ``|e|`` when converting to ``(phi, q)``
MAX_ELLIPTICITY_MODULUS = 0.9999
#: floor of ``|1 - e1^2 - e2^2|`` in the product-average normalisation
PRODUCT_AVERAGE_NORM_FLOOR = 1e-6


def safe_sqrt(value):
    """``sqrt(value)`` for ``value >= 0``; 0 with a zero (finite) gradient where ``value <= 0``."""
    positive = value > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, value, 1.0)), 0.0)


def safe_hypot(x, y):
    """``sqrt(x^2 + y^2)`` with a finite (zero) gradient at the origin."""
    return safe_sqrt(x * x + y * y)


def safe_atan2(y, x):
    """``atan2(y, x)``; 0 with a zero gradient at the origin.

    "Origin" includes points whose ``x^2 + y^2`` underflows to 0 (|x|, |y| < ~1e-154), where
    the derivative ``(x, -y) / (x^2 + y^2)`` would be 0/0.
    """
    origin = (x * x + y * y) == 0
    safe_y, safe_x = jnp.where(origin, 0.0, y), jnp.where(origin, 1.0, x)
    return jnp.where(origin, 0.0, fastmath.arctan2(safe_y, safe_x))


#: ellipticities with ``|e| < ROUND_OFFSET`` are evaluated at ``e1 + ROUND_OFFSET`` (see below)
ROUND_OFFSET = 1e-12


def ellipticity_to_phi_q(e1, e2):
    """Position angle ``phi`` (rad) and axis ratio ``q`` from ``(e1, e2)``, with the 0.9999 cap.

    A profile is a smooth function of ``(e1, e2)`` but ``(phi, q)`` is singular at
    ``e1 = e2 = 0``: derivatives through it would be 0 or NaN there, and an optimiser started
    at a round profile would never move its ellipticity. So a nearly round ``(e1, e2)``
    (``|e| < 1e-12``) is evaluated at ``(e1 + 1e-12, e2)``: values change by ~1e-12
    (relative), and the derivatives are those of the smooth profile to ~1e-4.
    """
    near_round = (e1 * e1 + e2 * e2) < ROUND_OFFSET**2
    e1 = jnp.where(near_round, e1 + ROUND_OFFSET, e1)
    phi = safe_atan2(e2, e1) / 2.0
    c = jnp.minimum(safe_hypot(e1, e2), MAX_ELLIPTICITY_MODULUS)
    q = (1.0 - c) / (1.0 + c)
    return phi, q


def phi_q_to_ellipticity(phi, q):
    """``(e1, e2)`` from position angle ``phi`` (rad) and axis ratio ``q``."""
    modulus = (1.0 - q) / (1.0 + q)
    return modulus * jnp.cos(2.0 * phi), modulus * jnp.sin(2.0 * phi)


def rotate(x, y, angle):
    """Coordinates of ``(x, y)`` in a frame rotated counter-clockwise by ``angle`` (rad)."""
    cos, sin = jnp.cos(angle), jnp.sin(angle)
    return x * cos + y * sin, -x * sin + y * cos


def product_average_coordinates(x, y, e1, e2, center_x, center_y):
    """Product-average elliptical coordinates ``(x', y')`` (arcsec) around the centre.

    ``sqrt(x'^2 + y'^2)`` is the circularised radius ``sqrt(q x_maj^2 + y_min^2 / q)``.
    """
    dx = x - center_x
    dy = y - center_y
    norm = jnp.sqrt(product_average_norm2(e1, e2))
    return ((1.0 - e1) * dx - e2 * dy) / norm, (-e2 * dx + (1.0 + e1) * dy) / norm


def product_average_norm2(e1, e2):
    """Squared normalisation of :func:`product_average_coordinates`:
    ``max(|1 - e1^2 - e2^2|, PRODUCT_AVERAGE_NORM_FLOOR)``."""
    return jnp.maximum(jnp.abs(1.0 - e1 * e1 - e2 * e2), PRODUCT_AVERAGE_NORM_FLOOR)


def product_average_radius(x, y, e1, e2, center_x, center_y):
    """Circularised elliptical radius ``sqrt(q x_maj^2 + y_min^2 / q)`` (arcsec)."""
    xe, ye = product_average_coordinates(x, y, e1, e2, center_x, center_y)
    return safe_hypot(xe, ye)


def major_axis_radius(x, y, e1, e2, center_x, center_y):
    """Elliptical radius along the major axis ``sqrt(x_maj^2 + y_min^2 / q^2)`` (arcsec).

    Uses the capped ``q`` of :func:`ellipticity_to_phi_q` (GALFIT semi-major-axis convention).
    """
    phi, q = ellipticity_to_phi_q(e1, e2)
    x_maj, y_min = rotate(x - center_x, y - center_y, phi)
    return safe_sqrt(x_maj * x_maj + y_min * (y_min / (q * q)))
