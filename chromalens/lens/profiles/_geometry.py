"""Shared geometry for the lens profiles: safe elementary functions and ellipticity.

Conventions (reference: lenstronomy ``Util/param_util.py``): ``e1 = (1-q)/(1+q) cos 2phi``,
``e2 = (1-q)/(1+q) sin 2phi``; inverse ``phi = atan2(e2, e1)/2``,
``c = min(sqrt(e1^2 + e2^2), 0.9999)``, ``q = (1-c)/(1+c)``. ``rotate(x, y, phi)`` expresses
``(x, y)`` in the frame whose first axis points along ``phi`` (counter-clockwise from +x).

All helpers are elementwise, jit/vmap/grad safe and keep gradients finite at the
singular points (zero radius, ``e1 = e2 = 0``) by the "double where" pattern.
"""

from __future__ import annotations

# the elementary helpers and the ellipticity convention are shared with the light profiles
from ...ellipticity import (  # noqa: F401  (re-exported for the lens profiles)
    MAX_ELLIPTICITY_MODULUS,
    ellipticity_to_phi_q,
    rotate,
    safe_atan2,
    safe_hypot,
    safe_sqrt,
)


def to_major_axis_frame(x, y, center_x, center_y, phi):
    """Shift to the profile centre and rotate into the frame of the major axis."""
    return rotate(x - center_x, y - center_y, phi)


def from_major_axis_frame(vx, vy, phi):
    """Rotate a vector field from the major-axis frame back to the sky frame."""
    return rotate(vx, vy, -phi)
