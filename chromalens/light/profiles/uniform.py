"""Uniform surface brightness: UNIFORM (a constant sheet, e.g. residual sky background).

=============  ==================  ====================================================
name           unit                meaning
=============  ==================  ====================================================
amp            flux / arcsec^2     constant surface brightness (may be negative)
=============  ==================  ====================================================

No total flux is defined (it diverges).
"""

from __future__ import annotations

import jax.numpy as jnp

PARAM_NAMES = ("amp",)
DEFAULTS: dict = {}
OPTIONS: dict = {}


def num_linear(p, opts) -> int:
    """One linear coefficient (``amp``)."""
    return 1


def basis(x, y, p, opts):
    """Ones, shape ``(1, *x.shape)``."""
    return jnp.ones((1,) + jnp.shape(x))


def surface_brightness(x, y, p, opts):
    """``amp`` everywhere, shape of ``x``."""
    return p["amp"] * jnp.ones(jnp.shape(x))


#: the reference defines no total flux for UNIFORM
total_flux = None
