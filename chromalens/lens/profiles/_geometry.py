"""Shared geometry for the lens profiles: safe elementary functions and ellipticity.

Conventions (reference: lenstronomy ``Util/param_util.py``): ``e1 = (1-q)/(1+q) cos 2phi``,
``e2 = (1-q)/(1+q) sin 2phi``; inverse ``phi = atan2(e2, e1)/2``,
``c = min(sqrt(e1^2 + e2^2), 0.9999)``, ``q = (1-c)/(1+c)``. ``rotate(x, y, phi)`` expresses
``(x, y)`` in the frame whose first axis points along ``phi`` (counter-clockwise from +x).

All helpers are elementwise, jit/vmap/grad safe and keep gradients finite at the
singular points (zero radius, ``e1 = e2 = 0``) by the "double where" pattern.
"""

from __future__ import annotations

import jax.numpy as jnp

#: the reference's cap on |e| (``param_util.ellipticity2phi_q``)
MAX_ELLIPTICITY_MODULUS = 0.9999


def safe_sqrt(value):
    """``sqrt(value)`` for ``value >= 0`` with a finite (zero) gradient at ``value == 0``."""
    positive = value > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, value, 1.0)), 0.0)


def safe_hypot(x, y):
    """``sqrt(x^2 + y^2)`` with finite gradients at the origin (gradient 0 there)."""
    return safe_sqrt(x * x + y * y)


def safe_atan2(y, x):
    """``atan2(y, x)``; returns 0 with zero gradient at ``x = y = 0``."""
    origin = (x == 0) & (y == 0)
    return jnp.where(origin, 0.0, jnp.arctan2(jnp.where(origin, 0.0, y), jnp.where(origin, 1.0, x)))


def ellipticity_to_phi_q(e1, e2):
    """Position angle ``phi`` (rad) and axis ratio ``q`` from ``(e1, e2)``, as the reference."""
    phi = safe_atan2(e2, e1) / 2.0
    c = jnp.minimum(safe_hypot(e1, e2), MAX_ELLIPTICITY_MODULUS)
    q = (1.0 - c) / (1.0 + c)
    return phi, q


def rotate(x, y, angle):
    """Coordinates of ``(x, y)`` in a frame rotated counter-clockwise by ``angle`` (rad)."""
    cos, sin = jnp.cos(angle), jnp.sin(angle)
    return x * cos + y * sin, -x * sin + y * cos


def to_major_axis_frame(x, y, center_x, center_y, phi):
    """Shift to the profile centre and rotate into the frame of the major axis."""
    return rotate(x - center_x, y - center_y, phi)


def from_major_axis_frame(vx, vy, phi):
    """Rotate a vector field from the major-axis frame back to the sky frame."""
    return rotate(vx, vy, -phi)
